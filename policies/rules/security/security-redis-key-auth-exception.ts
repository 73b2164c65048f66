import type { StackValidationPolicy } from "@pulumi/policy";
import { TYPES, checklist, describe, ofType, sourceOf } from "../../lib";

/** A database allowed to keep access keys, and why (from the platform's documented exception). */
export interface KeyAuthException {
  /** The cluster's name before the random suffix the platform adds for global uniqueness (`-xxxxxx`). */
  readonly cluster: string;
  readonly database: string;
  readonly reason: string;
}

export const securityRedisKeyAuthException: StackValidationPolicy = {
  name: "security-redis-key-auth-exception",
  description:
    "No Redis database accepts access keys, except the one the platform documents (API Management's external cache).",
  severity: "high",
  enforcementLevel: "mandatory",
  framework: checklist([14], ["MCSB IM-1"]),
  remediationSteps:
    "Set accessKeysAuthentication: Disabled and grant Entra ID access (cache.dataAccess); only the gateway's cache database may keep keys, via cache.accessKeysForGateway.",
  configSchema: { properties: { exceptions: { type: "array", items: { type: "object" } } } },
  validateStack: (args, report) => {
    const { exceptions = [] } = args.getConfig<{ exceptions?: KeyAuthException[] }>();
    for (const database of ofType(args.resources, TYPES.redisDatabase)) {
      if (database.props.accessKeysAuthentication !== "Enabled") continue;
      // Outputs name resources by `name`; the cluster is the one the database's clusterName came from.
      const cluster = sourceOf(database, "clusterName", TYPES.redisCluster)?.props.name;
      const name = database.props.name;
      const isCluster = (base: string) =>
        typeof cluster === "string" &&
        (cluster === base || (cluster.startsWith(`${base}-`) && /^[a-z0-9]{6}$/.test(cluster.slice(base.length + 1))));
      if (!exceptions.some((e) => isCluster(e.cluster) && e.database === name)) {
        report(
          `${describe(database)} (${cluster}/${name}) accepts access keys without a documented exception`,
          database.urn,
        );
      }
    }
  },
};

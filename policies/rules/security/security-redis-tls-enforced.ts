import type { ResourceValidationPolicy } from "@pulumi/policy";
import { TYPES, baseType, checklist } from "../../lib";

const MODERN_TLS = new Set(["1.2", "1.3"]);

export const securityRedisTlsEnforced: ResourceValidationPolicy = {
  name: "security-redis-tls-enforced",
  description: "Azure Managed Redis accepts TLS 1.2 or newer only, and its databases take encrypted connections only.",
  severity: "high",
  enforcementLevel: "mandatory",
  framework: checklist([4], ["MCSB DP-3"]),
  remediationSteps:
    'Set minimumTlsVersion: "1.2" on the cluster and clientProtocol: Encrypted on the database (the cache component does both).',
  validateResource: (args, report) => {
    if (baseType(args.type) === TYPES.redisCluster) {
      const version = args.props.minimumTlsVersion;
      if (!MODERN_TLS.has(version)) report(`minimumTlsVersion is ${JSON.stringify(version ?? "unset")}: use "1.2"`);
    } else if (baseType(args.type) === TYPES.redisDatabase) {
      if (args.props.clientProtocol !== "Encrypted")
        report(
          `clientProtocol is ${JSON.stringify(args.props.clientProtocol ?? "unset")}: plaintext connections are accepted`,
        );
    } else {
      args.notApplicable(`applies only to ${TYPES.redisCluster} and ${TYPES.redisDatabase}`);
    }
  },
};

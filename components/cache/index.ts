import * as pulumi from "@pulumi/pulumi";
import { globallyUniqueName } from "../core/globalName";
import * as redisenterprise from "@pulumi/azure-native/redisenterprise";
import { sendDiagnostics } from "../core/diagnostics";
import { checkedName, resourceName, type NamingContext } from "../core/naming";

/**
 * The one place key-based auth is allowed on this platform: API Management's external cache (which
 * semantic caching uses) cannot authenticate to Azure Managed Redis with Entra ID, so the cache
 * database keeps access keys on. The plan hands this exception to the policy pack, which allows
 * exactly this database and nothing else.
 */
export const KEY_AUTH_EXCEPTION = {
  database: "default",
  reason: "API Management's external cache cannot use Entra ID to Azure Managed Redis",
} as const;

export interface DataAccessGrant {
  /** Name of the assignment (letters and digits): the workload. */
  readonly workload: string;
  readonly principalId: pulumi.Input<string>;
}

export interface ManagedRedisArgs {
  readonly naming: NamingContext;
  readonly location: string;
  readonly resourceGroupName: pulumi.Input<string>;
  readonly tags: Readonly<Record<string, string>>;
  /** Azure Managed Redis SKU, e.g. Balanced_B1. */
  readonly sku: string;
  readonly highAvailability: boolean;
  /** Explicit: the 2025-07-01 API requires it. Disabled whenever private networking is on. */
  readonly publicNetworkAccess: "Disabled" | "Enabled";
  /** Keep access keys on for the gateway's external cache (the documented exception). */
  readonly accessKeysForGateway: boolean;
  /** Identities that read and write cache data with Entra ID. */
  readonly dataAccess: readonly DataAccessGrant[];
  readonly workspaceId: pulumi.Input<string>;
  readonly protect: boolean;
}

/**
 * Azure Managed Redis as the semantic cache: RediSearch (vector search; settable only when the
 * database is created), EnterpriseCluster clustering, no eviction, TLS 1.2+ only.
 */
export class ManagedRedis extends pulumi.ComponentResource {
  /** The last write to the cluster: later writes that touch it (a private endpoint) wait for it. */
  readonly lastWrite: pulumi.Resource;
  readonly clusterId: pulumi.Output<string>;
  readonly hostName: pulumi.Output<string>;
  readonly databaseId: pulumi.Output<string>;
  /** The database's access key for API Management's external cache (a secret), when keys are on for it. */
  readonly gatewayKey?: pulumi.Output<string>;

  constructor(name: string, args: ManagedRedisArgs, opts?: pulumi.ComponentResourceOptions) {
    super("genai:cache:ManagedRedis", name, {}, opts);
    // The cluster name becomes a public DNS name (<name>.<region>.redis.azure.net), unique across all
    // customers: a random suffix makes it unique, keepers make it stable.
    const baseName = resourceName("redisCluster", args.naming);
    const cluster = new redisenterprise.RedisEnterprise(
      `${name}-cluster`,
      {
        clusterName: globallyUniqueName(`${name}-name-suffix`, baseName, { baseName }, this),
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        sku: { name: args.sku },
        minimumTlsVersion: "1.2",
        publicNetworkAccess: args.publicNetworkAccess,
        highAvailability: args.highAvailability ? "Enabled" : "Disabled",
        tags: args.tags,
      },
      { parent: this, protect: args.protect },
    );

    const database = new redisenterprise.Database(
      `${name}-database`,
      {
        clusterName: cluster.name,
        resourceGroupName: args.resourceGroupName,
        databaseName: KEY_AUTH_EXCEPTION.database,
        clientProtocol: "Encrypted",
        port: 10000,
        clusteringPolicy: "EnterpriseCluster",
        evictionPolicy: "NoEviction",
        modules: [{ name: "RediSearch" }],
        accessKeysAuthentication: args.accessKeysForGateway ? "Enabled" : "Disabled",
      },
      { parent: this, protect: args.protect },
    );

    let previous: pulumi.Resource = database;
    for (const grant of args.dataAccess) {
      previous = new redisenterprise.AccessPolicyAssignment(
        `${name}-access-${grant.workload}`,
        {
          accessPolicyAssignmentName: checkedName("redisCluster", grant.workload.replace(/[^a-zA-Z0-9]/g, "")),
          accessPolicyName: "default",
          clusterName: cluster.name,
          databaseName: database.name,
          resourceGroupName: args.resourceGroupName,
          user: { objectId: grant.principalId },
        },
        { parent: this, dependsOn: [previous] },
      );
    }

    sendDiagnostics(
      `${name}-diagnostics`,
      { resourceUri: cluster.id, workspaceId: args.workspaceId, logs: false, metrics: true },
      { parent: this },
    );
    sendDiagnostics(
      `${name}-database-diagnostics`,
      { resourceUri: database.id, workspaceId: args.workspaceId, logs: true, metrics: false },
      { parent: this },
    );

    this.lastWrite = previous;
    this.clusterId = cluster.id;
    this.hostName = cluster.hostName;
    this.databaseId = database.id;
    if (args.accessKeysForGateway) {
      // Read after the database exists (its name is an output), and kept secret end to end.
      const keys = redisenterprise.listDatabaseKeysOutput(
        { clusterName: cluster.name, databaseName: database.name, resourceGroupName: args.resourceGroupName },
        { parent: this },
      );
      this.gatewayKey = pulumi.secret(keys.apply((k) => k.primaryKey ?? ""));
    }
    this.registerOutputs({ clusterId: this.clusterId, hostName: this.hostName, databaseId: this.databaseId });
  }
}

import * as pulumi from "@pulumi/pulumi";
import { Provider } from "@pulumi/azure-native/provider";
import { Core, platformTags } from "../components/core";
import { WorkloadIdentity, grantRole } from "../components/identity";
import {
  PRIVATE_LINK_GROUP,
  PrivateLink,
  PrivateNetwork,
  accountDnsZones,
  type PrivateDnsZoneKey,
} from "../components/network";
import { OpenAiService } from "../components/openai";
import { ManagedRedis } from "../components/cache";
import { GATEWAY_TIERS, Gateway } from "../components/gateway";
import { CostBudget } from "../components/cost";
import { AzureAlerts } from "../components/alerts";
import { composeName, nodeResourceGroupName } from "../components/core/naming";
import type { Cluster as ClusterType } from "../components/cluster";
import type { ModelSlot as ModelSlotType } from "../components/serving";
import type * as Observability from "../components/observability";
import { monitoredSlots } from "./clusterConfig";
import {
  cacheEmbeddingsTarget,
  gatewayTargets,
  retryAfterSeconds,
  vllmGatewayTargets,
} from "../components/gateway/config";
import {
  effectivePublicNetworkAccess,
  namingContext,
  plannedDeployments,
  requiredDnsZones,
  WORKLOADS,
  type PlatformConfig,
} from "./config";
import { COLOURS } from "../components/core/colours";

export interface PlatformOutputs {
  readonly resourceGroupName: pulumi.Output<string>;
  readonly workspaceId: pulumi.Output<string>;
  /** Account endpoint by account key. */
  readonly openAiEndpoints: Record<string, pulumi.Output<string>>;
  /** Deployment names by endpoint, slot and account key. */
  readonly deployments: Record<string, Record<string, Record<string, string[]>>>;
  /** Client id of each workload's managed identity. */
  readonly identities: Record<string, pulumi.Output<string>>;
  readonly cacheHostName?: pulumi.Output<string>;
  readonly gatewayUrl?: pulumi.Output<string>;
  /** Subscription keys of the teams that opted in to keys (secret). */
  readonly gatewayKeys?: Record<string, pulumi.Output<string>>;
}

/** Secret settings the program reads with `getSecret`, kept secret outputs end to end. */
export interface PlatformSecrets {
  readonly huggingFaceToken?: pulumi.Output<string>;
  /** Azure Monitor's action group posts the common alert schema here. */
  readonly alertWebhookUrl?: pulumi.Output<string>;
  /** Alertmanager posts its own webhook payload here (a receiver that reads Alertmanager's format). */
  readonly alertmanagerWebhookUrl?: pulumi.Output<string>;
}

/** Waiting requests per vLLM replica above which the autoscaler adds one. */
const WAITING_PER_REPLICA = 5;

/** Composes the platform's components, in dependency order, from a validated config. */
export function buildPlatform(config: PlatformConfig, secrets: PlatformSecrets = {}): PlatformOutputs {
  const naming = namingContext(config);
  const tags = platformTags(config.environment, config.tags);
  const protect = config.environment === "prod";
  const publicNetworkAccess = effectivePublicNetworkAccess(config);

  // An explicit provider pins the subscription: a stack never deploys to whatever `az login` chose.
  const azure = new Provider("azure", { subscriptionId: config.subscriptionId, location: config.location });
  const opts: pulumi.ComponentResourceOptions = { providers: [azure] };

  const core = new Core(
    "core",
    { naming, location: config.location, tags, logRetentionDays: config.logRetentionDays, protect },
    opts,
  );
  if (config.budget) {
    new CostBudget(
      "budget",
      {
        subscriptionId: config.subscriptionId,
        resourceGroups: [
          core.resourceGroupName,
          ...(config.cluster ? [nodeResourceGroupName(naming, config.location)] : []),
        ],
        name: composeName("budget", naming),
        monthlyAmount: config.budget.monthlyAmount,
        startDate: config.budget.startDate,
        contactEmails: config.budget.contactEmails,
        actualThresholds: config.budget.actualThresholds,
        forecastThreshold: config.budget.forecastThreshold,
      },
      opts,
    );
  }
  const common = { naming, resourceGroupName: core.resourceGroupName, tags };

  const identities = Object.fromEntries(
    WORKLOADS.map((workload) => [
      workload,
      new WorkloadIdentity(`identity-${workload}`, { ...common, workload, location: config.location }, opts),
    ]),
  ) as Record<(typeof WORKLOADS)[number], WorkloadIdentity>;

  const zones = requiredDnsZones(config);
  const privateNetwork = config.network
    ? new PrivateNetwork(
        "network",
        {
          ...common,
          location: config.location,
          ...(config.network.existing ? { existing: config.network.existing } : {}),
          ...(config.network.addressSpace && config.network.subnets
            ? { addressPlan: { addressSpace: config.network.addressSpace, subnets: config.network.subnets } }
            : {}),
          zones: [...zones],
          existingZoneIds: config.network.privateDnsZoneIds,
          ...(config.gateway
            ? {
                gatewaySubnet: GATEWAY_TIERS[config.gateway.sku].vnetInjection
                  ? ("injection" as const)
                  : ("integration" as const),
              }
            : {}),
        },
        opts,
      )
    : undefined;
  const privateLink = (
    target: string,
    resourceId: pulumi.Input<string>,
    groupId: string,
    zoneKeys: readonly PrivateDnsZoneKey[],
    after: pulumi.Resource,
  ) =>
    privateNetwork &&
    new PrivateLink(
      `private-link-${target}`,
      {
        ...common,
        target,
        after: [after],
        // A private endpoint lives in its network's region, whatever the target's region.
        location: config.network?.existing?.location ?? config.location,
        subnetId: privateNetwork.subnetIds.privateEndpoints,
        resourceId,
        groupId,
        zoneIds: zoneKeys.map((k) => privateNetwork.zoneIds[k]!),
      },
      opts,
    );

  const planned = plannedDeployments(config);
  const openAiEndpoints: Record<string, pulumi.Output<string>> = {};
  const accountIds: Record<string, pulumi.Output<string>> = {};
  const accountNames: Record<string, pulumi.Output<string>> = {};
  const deployments: Record<string, Record<string, Record<string, string[]>>> = {};
  for (const [accountKey, account] of Object.entries(config.accounts)) {
    const service = new OpenAiService(
      `openai-${accountKey}`,
      {
        ...common,
        accountKey,
        location: account.location,
        kind: account.kind,
        publicNetworkAccess,
        allowedIpRanges: config.allowedIpRanges,
        allowedFqdns: account.allowedFqdns,
        contentFilterThreshold: account.contentFilterThreshold,
        deployments: planned.filter((d) => d.account === accountKey),
        workspaceId: core.workspaceId,
        protect,
      },
      opts,
    );
    // The gateway calls every account with its own identity: inference only, on that account only.
    grantRole(
      `gateway-openai-user-${accountKey}`,
      {
        subscriptionId: config.subscriptionId,
        scope: service.accountId,
        principalId: identities.gateway.principalId,
        role: "cognitiveServicesOpenAiUser",
      },
      { parent: identities.gateway },
    );
    privateLink(
      `oai-${accountKey}`,
      service.accountId,
      PRIVATE_LINK_GROUP.openAiAccount,
      accountDnsZones(account.kind),
      service.lastWrite,
    );
    openAiEndpoints[accountKey] = service.endpoint;
    accountIds[accountKey] = service.accountId;
    accountNames[accountKey] = service.accountName;
    for (const [endpoint, bySlot] of Object.entries(service.deploymentNames)) {
      for (const [slot, names] of Object.entries(bySlot)) {
        ((deployments[endpoint] ??= {})[slot] ??= {})[accountKey] = names;
      }
    }
  }

  let cacheHostName: pulumi.Output<string> | undefined;
  let redis: ManagedRedis | undefined;
  if (config.cache) {
    redis = new ManagedRedis(
      "cache",
      {
        ...common,
        location: config.location,
        sku: config.cache.sku,
        highAvailability: config.cache.highAvailability,
        publicNetworkAccess,
        accessKeysForGateway: config.cache.accessKeysForGateway,
        dataAccess: config.cache.dataAccess.map((workload) => ({
          workload,
          principalId: identities[workload].principalId,
        })),
        workspaceId: core.workspaceId,
        protect,
      },
      opts,
    );
    privateLink("redis", redis.clusterId, PRIVATE_LINK_GROUP.managedRedis, ["redis"], redis.lastWrite);
    cacheHostName = redis.hostName;
  }

  // Self-hosted models: the cluster, then one ModelSlot per vLLM slot of an endpoint.
  const vllmUrls = new Map<string, string>();
  let monitoring: Observability.Monitoring | undefined;
  if (config.cluster && privateNetwork && config.network?.subnets) {
    const c = config.cluster;
    const vllmSlots = Object.entries(config.models).flatMap(([endpoint, e]) =>
      COLOURS.flatMap((slot) => {
        const targets = (e.slots[slot]?.targets ?? []).flatMap((t) => (t.kind === "vllm" ? [t] : []));
        return targets.length > 0 ? [{ endpoint, slot, targets }] : [];
      }),
    );
    // Loaded only for stacks with a cluster: @pulumi/kubernetes costs every other plan its start-up time.
    const { Cluster } = require("../components/cluster") as { Cluster: typeof ClusterType };
    const { ModelSlot } = require("../components/serving") as { ModelSlot: typeof ModelSlotType };
    const observability = require("../components/observability") as typeof Observability;
    const cluster = new Cluster(
      "cluster",
      {
        ...common,
        subscriptionId: config.subscriptionId,
        location: config.location,
        subnetId: privateNetwork.subnetIds.aksNodes,
        workspaceId: core.workspaceId,
        environment: config.environment,
        systemPool: c.systemPool,
        apiServerAuthorizedIpRanges: c.apiServerAuthorizedIpRanges,
        privateCluster: c.privateCluster,
        maintenanceWindow: c.maintenanceWindow,
        gpuPools: c.gpuPools,
        generalPool: c.generalPool,
        keda: vllmSlots.some((s) => s.targets.some((t) => (t.maxReplicas ?? t.replicas) > t.replicas)),
        protect,
      },
      opts,
    );
    monitoring = new observability.Monitoring(
      "monitoring",
      {
        naming,
        subscriptionId: config.subscriptionId,
        location: config.location,
        resourceGroupName: core.resourceGroupName,
        tags,
        provider: cluster.provider,
        oidcIssuerUrl: cluster.oidcIssuerUrl,
        retentionDays: c.monitoring.retentionDays,
        storageGiB: c.monitoring.storageGiB,
        ruleGroups: observability.ruleGroups(monitoredSlots(config)),
        ...(secrets.alertmanagerWebhookUrl ? { alertWebhookUrl: secrets.alertmanagerWebhookUrl } : {}),
        protect,
        dependsOn: cluster.generalReady,
      },
      opts,
    );
    for (const { endpoint, slot, targets } of vllmSlots) {
      const served = new ModelSlot(
        `serving-${endpoint}-${slot}`,
        {
          ...common,
          location: config.location,
          endpoint,
          slot,
          targets: targets.map((t) => ({ ...t, maxReplicas: t.maxReplicas ?? t.replicas })),
          provider: cluster.provider,
          oidcIssuerUrl: cluster.oidcIssuerUrl,
          gatewaySubnetCidr: config.network.subnets.gateway,
          ...(secrets.huggingFaceToken ? { huggingFaceToken: secrets.huggingFaceToken } : {}),
          waitingPerReplica: WAITING_PER_REPLICA,
          dependsOn: cluster.gpuReady,
          monitoring: monitoring.release,
        },
        opts,
      );
      served.backendUrls.forEach((url, index) => vllmUrls.set(`${endpoint}/${slot}/${index}`, url));
    }
  }

  let gateway: Gateway | undefined;
  if (config.gateway) {
    const g = config.gateway;
    const targets = gatewayTargets(planned);
    // A backend pins its deployment: the account's endpoint plus openai/deployments/<name>.
    const deploymentUrl = (t: { account: string; deployment: string }) =>
      pulumi.interpolate`${openAiEndpoints[t.account]!.apply((e) => e.replace(/\/$/, ""))}/openai/deployments/${t.deployment}`;
    const embeddings =
      g.semanticCache && cacheEmbeddingsTarget(targets, config.models, g.semanticCache.embeddingsEndpoint);
    gateway = new Gateway(
      "gateway",
      {
        ...common,
        subscriptionId: config.subscriptionId,
        location: config.location,
        sku: g.sku,
        capacity: g.capacity,
        publisherEmail: g.publisher.email,
        publisherName: g.publisher.name,
        identity: identities.gateway,
        appInsights: { id: core.appInsightsId, connectionString: core.appInsightsConnectionString },
        workspaceId: core.workspaceId,
        ...(privateNetwork ? { subnetId: privateNetwork.subnetIds.gateway } : {}),
        ...(privateNetwork?.zoneIds.apiManagement ? { privateDnsZoneId: privateNetwork.zoneIds.apiManagement } : {}),
        models: config.models,
        targets: [
          ...targets.map((t) => ({ ...t, url: deploymentUrl(t) })),
          ...vllmGatewayTargets(config.models).map((t) => ({
            ...t,
            url: vllmUrls.get(`${t.endpoint}/${t.slot}/${t.index}`)!,
          })),
        ],
        tenantId: g.tenantId,
        audiences: g.audiences,
        teams: Object.entries(g.teams).map(([name, t]) => ({
          name,
          applicationIds: t.applications,
          endpoints: t.endpoints,
          tokensPerMinute: t.tokensPerMinute,
          budgetPer: t.budgetPer,
          subscriptionKeys: t.subscriptionKeys,
          ...(t.monthlyTokenQuota ? { monthlyTokenQuota: t.monthlyTokenQuota } : {}),
        })),
        maxTripDuration: g.maxTripDuration,
        retryAfterSeconds: retryAfterSeconds(g),
        logBodies: g.logBodies,
        ...(g.semanticCache && embeddings && redis?.gatewayKey
          ? {
              semanticCache: {
                scoreThreshold: g.semanticCache.scoreThreshold,
                ttlSeconds: g.semanticCache.ttlSeconds,
                callsPerMinute: g.semanticCache.callsPerMinute,
                embeddingsUrl: pulumi.interpolate`${deploymentUrl(embeddings)}/embeddings`,
                embeddingsAccounts: { [embeddings.account]: accountIds[embeddings.account]! },
                redis: { databaseId: redis.databaseId, hostName: redis.hostName, primaryKey: redis.gatewayKey },
              },
            }
          : {}),
        protect,
      },
      opts,
    );
  }

  if (config.alerts) {
    new AzureAlerts(
      "alerts",
      {
        resourceGroupName: core.resourceGroupName,
        tags,
        stackName: `${config.namePrefix}-${config.environment}`,
        emails: config.alerts.emails,
        ...(secrets.alertWebhookUrl ? { webhookUrl: secrets.alertWebhookUrl } : {}),
        accounts: Object.keys(config.accounts).map((key) => ({
          key,
          accountId: accountIds[key]!,
          provisioned: planned.some((d) => d.account === key && d.ptu),
        })),
        timeToFirstByteMs: config.alerts.timeToFirstByteMs,
        ptuUtilizationPercent: config.alerts.ptuUtilizationPercent,
        throttledRatio: config.alerts.throttledRatio,
        errorRatio: config.alerts.errorRatio,
        minRequests: config.alerts.minRequests,
        workspaceId: core.workspaceId,
        location: config.location,
        ...(gateway ? { gatewayId: gateway.serviceId } : {}),
      },
      opts,
    );
  }

  // One dashboard per model endpoint in the cluster's Grafana: its vLLM and Azure OpenAI slots and the gateway.
  if (monitoring) {
    const { endpointDashboard, grafanaDashboard } = require("../components/observability") as typeof Observability;
    const resourceGroup = core.resourceGroupName;
    const gatewayName = gateway?.serviceId.apply((id) => id.split("/").pop() ?? "");
    // Grafana reads metrics of exactly the resources its dashboards show.
    const readable = {
      ...Object.fromEntries(Object.entries(accountIds).map(([key, id]) => [`openai-${key}`, id])),
      ...(gateway ? { gateway: gateway.serviceId } : {}),
    };
    for (const [target, scope] of Object.entries(readable)) {
      grantRole(
        `grafana-monitoring-reader-${target}`,
        {
          subscriptionId: config.subscriptionId,
          scope,
          principalId: monitoring.grafanaIdentity.principalId,
          role: "monitoringReader",
        },
        { parent: monitoring.grafanaIdentity },
      );
    }
    monitoring.addDashboards(
      Object.fromEntries(
        Object.entries(config.models).map(([endpoint, e]) => {
          const slots = COLOURS.flatMap((slot) => (e.slots[slot] ? [{ slot, targets: e.slots[slot]!.targets }] : []));
          const dashboard = pulumi
            .all([resourceGroup, gatewayName ?? "", pulumi.all(accountNames)])
            .apply(([rg, gw, names]) => {
              const resource = (resourceName: string, region: string) => ({
                subscription: config.subscriptionId,
                resourceGroup: rg,
                resourceName,
                region,
              });
              return grafanaDashboard(
                endpointDashboard({
                  endpoint,
                  vllmSlots: slots.filter((s) => s.targets.some((t) => t.kind === "vllm")).map((s) => s.slot),
                  azureSlots: slots.flatMap(({ slot }) => {
                    const byAccount = deployments[endpoint]?.[slot] ?? {};
                    const accounts = Object.keys(byAccount);
                    return accounts.length > 0
                      ? [
                          {
                            slot,
                            accounts: accounts.map((a) => ({
                              label: a,
                              resource: resource(names[a]!, config.accounts[a]!.location),
                              deployments: byAccount[a]!,
                            })),
                            provisioned: planned.some((d) => d.endpoint === endpoint && d.slot === slot && d.ptu),
                          },
                        ]
                      : [];
                  }),
                  ...(gw ? { gateway: resource(gw, config.location) } : {}),
                }),
              );
            });
          return [`${endpoint}.json`, dashboard];
        }),
      ),
    );
  }

  return {
    resourceGroupName: core.resourceGroupName,
    workspaceId: core.workspaceId,
    openAiEndpoints,
    deployments,
    identities: Object.fromEntries(Object.entries(identities).map(([w, identity]) => [w, identity.clientId])),
    ...(cacheHostName ? { cacheHostName } : {}),
    ...(gateway ? { gatewayUrl: gateway.gatewayUrl, gatewayKeys: gateway.subscriptionKeys } : {}),
  };
}

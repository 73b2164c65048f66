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
import { Gateway } from "../components/gateway";
import { CostBudget, TeamSpend } from "../components/cost";
import { AzureAlerts } from "../components/alerts";
import { SafetyAccount, piiRoutes, safetyRoutes } from "../components/safety";
import type { NamingContext } from "../components/core/naming";
import type { Cluster as ClusterType } from "../components/cluster";
import type { ModelSlot as ModelSlotType } from "../components/serving";
import type * as Observability from "../components/observability";
import type { LocatedDeployment } from "../components/openai/quota";
import { monitoredSlots } from "./clusterConfig";
import { slotNamespace } from "../components/serving/names";
import { tracesExported } from "../components/serving/vllmReleases";
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
  WORKLOADS,
  type PlatformConfig,
} from "./config";
import {
  alertSettings,
  budgetSettings,
  clusterSettings,
  endpointView,
  gatewayTeams,
  gpuHourPrices,
  networkSettings,
  teamSpendSettings,
  vllmSlots,
} from "./platformArgs";

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

/** What every capability's component shares: the stack's names, tags, resource group, provider and protection. */
interface Wiring {
  readonly config: PlatformConfig;
  readonly secrets: PlatformSecrets;
  readonly naming: NamingContext;
  readonly tags: Record<string, string>;
  readonly protect: boolean;
  readonly opts: pulumi.ComponentResourceOptions;
  readonly core: Core;
  readonly common: { naming: NamingContext; resourceGroupName: pulumi.Output<string>; tags: Record<string, string> };
  readonly identities: Record<(typeof WORKLOADS)[number], WorkloadIdentity>;
  readonly privateNetwork?: PrivateNetwork;
}

/** A private endpoint for `resourceId` in the stack's network (none without one), after the target's own writes. */
function privateLink(
  w: Wiring,
  target: string,
  resourceId: pulumi.Input<string>,
  groupId: string,
  zoneKeys: readonly PrivateDnsZoneKey[],
  after: pulumi.Resource,
): void {
  const net = w.privateNetwork;
  if (!net) return;
  new PrivateLink(
    `private-link-${target}`,
    {
      ...w.common,
      target,
      after: [after],
      // A private endpoint lives in its network's region, whatever the target's region.
      location: w.config.network?.existing?.location ?? w.config.location,
      subnetId: net.subnetIds.privateEndpoints,
      resourceId,
      groupId,
      zoneIds: zoneKeys.map((k) => net.zoneIds[k]!),
    },
    w.opts,
  );
}

/** The Azure OpenAI accounts, their deployments, the gateway's inference role on each and their private endpoints. */
function openAi(w: Wiring, planned: readonly LocatedDeployment[]) {
  const { config } = w;
  const endpoints: Record<string, pulumi.Output<string>> = {};
  const ids: Record<string, pulumi.Output<string>> = {};
  const names: Record<string, pulumi.Output<string>> = {};
  const deployments: Record<string, Record<string, Record<string, string[]>>> = {};
  for (const [accountKey, account] of Object.entries(config.accounts)) {
    const service = new OpenAiService(
      `openai-${accountKey}`,
      {
        ...w.common,
        accountKey,
        location: account.location,
        kind: account.kind,
        publicNetworkAccess: effectivePublicNetworkAccess(config),
        allowedIpRanges: config.allowedIpRanges,
        allowedFqdns: account.allowedFqdns,
        contentFilterThreshold: account.contentFilterThreshold,
        deployments: planned.filter((d) => d.account === accountKey),
        workspaceId: w.core.workspaceId,
        protect: w.protect,
      },
      w.opts,
    );
    // The gateway calls every account with its own identity: inference only, on that account only.
    grantRole(
      `gateway-openai-user-${accountKey}`,
      {
        subscriptionId: config.subscriptionId,
        scope: service.accountId,
        principalId: w.identities.gateway.principalId,
        role: "cognitiveServicesOpenAiUser",
      },
      { parent: w.identities.gateway },
    );
    privateLink(
      w,
      `oai-${accountKey}`,
      service.accountId,
      PRIVATE_LINK_GROUP.openAiAccount,
      accountDnsZones(account.kind),
      service.lastWrite,
    );
    endpoints[accountKey] = service.endpoint;
    ids[accountKey] = service.accountId;
    names[accountKey] = service.accountName;
    for (const [endpoint, bySlot] of Object.entries(service.deploymentNames))
      for (const [slot, deployed] of Object.entries(bySlot))
        ((deployments[endpoint] ??= {})[slot] ??= {})[accountKey] = deployed;
  }
  return { endpoints, ids, names, deployments };
}

/** The semantic cache: Azure Managed Redis with Entra ID data access for the configured workloads. */
function cache(w: Wiring): ManagedRedis | undefined {
  const { config } = w;
  if (!config.cache) return undefined;
  const redis = new ManagedRedis(
    "cache",
    {
      ...w.common,
      location: config.location,
      sku: config.cache.sku,
      highAvailability: config.cache.highAvailability,
      publicNetworkAccess: effectivePublicNetworkAccess(config),
      accessKeysForGateway: config.cache.accessKeysForGateway,
      dataAccess: config.cache.dataAccess.map((workload) => ({
        workload,
        principalId: w.identities[workload].principalId,
      })),
      workspaceId: w.core.workspaceId,
      protect: w.protect,
    },
    w.opts,
  );
  privateLink(w, "redis", redis.clusterId, PRIVATE_LINK_GROUP.managedRedis, ["redis"], redis.lastWrite);
  return redis;
}

/** An AI service account for the gateway's checks, private with the stack: Content Safety or Language. */
function safetyAccount(w: Wiring, service: "contentSafety" | "language", name: string, link: string): SafetyAccount {
  const { config } = w;
  const account = new SafetyAccount(
    name,
    {
      ...w.common,
      service,
      location: config.location,
      publicNetworkAccess: effectivePublicNetworkAccess(config),
      allowedIpRanges: config.allowedIpRanges,
      workspaceId: w.core.workspaceId,
      protect: w.protect,
    },
    w.opts,
  );
  privateLink(w, link, account.accountId, PRIVATE_LINK_GROUP.openAiAccount, ["cognitiveServices"], account.account);
  return account;
}

/** The gateway's content checks: an Azure AI Content Safety account when a route needs one. */
function contentSafety(w: Wiring): { accountId: pulumi.Output<string>; endpoint: pulumi.Output<string> } | undefined {
  if (safetyRoutes(w.config).length === 0) return undefined;
  const safety = safetyAccount(w, "contentSafety", "content-safety", "cs");
  return { accountId: safety.accountId, endpoint: safety.endpoint };
}

/** The gateway's PII checks: an Azure AI Language account that the gateway identity may call. */
function language(w: Wiring): { endpoint: pulumi.Output<string> } | undefined {
  if (piiRoutes(w.config).length === 0) return undefined;
  const account = safetyAccount(w, "language", "language", "lang");
  // The policy calls it with the gateway identity (authentication-managed-identity, its client id).
  grantRole(
    "gateway-language-user",
    {
      subscriptionId: w.config.subscriptionId,
      scope: account.accountId,
      principalId: w.identities.gateway.principalId,
      role: "cognitiveServicesUser",
    },
    { parent: w.identities.gateway },
  );
  return { endpoint: account.endpoint };
}

/** Self-hosted models: the cluster, its monitoring, and one ModelSlot per vLLM slot; the servers' URLs by endpoint/slot/index. */
function selfHosted(w: Wiring): {
  monitoring?: Observability.Monitoring;
  vllmUrls: Map<string, string>;
  gpuMetrics?: boolean;
  /** The servers export their spans to Application Insights. */
  traced?: boolean;
  /** The addresses of the servers that do (a release whose image can). */
  tracedHosts?: string[];
} {
  const { config, secrets } = w;
  const vllmUrls = new Map<string, string>();
  const subnets = config.network?.subnets;
  if (!config.cluster || !w.privateNetwork || !subnets) return { vllmUrls };
  // Loaded only for stacks with a cluster: @pulumi/kubernetes costs every other plan its start-up time.
  const { Cluster } = require("../components/cluster") as { Cluster: typeof ClusterType };
  const { ModelSlot } = require("../components/serving") as { ModelSlot: typeof ModelSlotType };
  const observability = require("../components/observability") as typeof Observability;
  const cluster = new Cluster(
    "cluster",
    {
      ...w.common,
      ...clusterSettings(config),
      subnetId: w.privateNetwork.subnetIds.aksNodes,
      workspaceId: w.core.workspaceId,
      protect: w.protect,
    },
    w.opts,
  );
  const monitoring = new observability.Monitoring(
    "monitoring",
    {
      naming: w.naming,
      subscriptionId: config.subscriptionId,
      location: config.location,
      resourceGroupName: w.core.resourceGroupName,
      tags: w.tags,
      provider: cluster.provider,
      oidcIssuerUrl: cluster.oidcIssuerUrl,
      retentionDays: config.cluster.monitoring.retentionDays,
      storageGiB: config.cluster.monitoring.storageGiB,
      ruleGroups: [
        ...observability.ruleGroups(monitoredSlots(config)),
        // Each slot against its own baseline: anomalies no fixed threshold names.
        ...observability.anomalyRuleGroups(monitoredSlots(config)),
        // The GPUs' own alerts where the exporter runs.
        ...(cluster.gpuExporter ? [observability.gpuRuleGroup()] : []),
      ],
      ...(secrets.alertmanagerWebhookUrl ? { alertWebhookUrl: secrets.alertmanagerWebhookUrl } : {}),
      protect: w.protect,
      dependsOn: cluster.generalReady,
    },
    w.opts,
  );
  // GPU health and use, per GPU: the exporter runs where AKS installs the driver (and the device plugin).
  if (cluster.gpuExporter) monitoring.scrapeGpuExporter(gpuHourPrices(config));
  // The servers' request spans, to the Application Insights the gateway traces to.
  const tracesEndpoint = config.cluster.monitoring.tracing
    ? monitoring.collectTraces({
        appInsightsId: w.core.appInsightsId,
        connectionString: w.core.appInsightsConnectionString,
        serverNamespaces: vllmSlots(config).map(({ endpoint, slot }) => slotNamespace(endpoint, slot)),
      })
    : undefined;
  for (const { endpoint, slot, targets, idle } of vllmSlots(config)) {
    const served = new ModelSlot(
      `serving-${endpoint}-${slot}`,
      {
        ...w.common,
        location: config.location,
        endpoint,
        slot,
        idle,
        targets: targets.map((t) => ({ ...t, maxReplicas: t.maxReplicas ?? t.replicas })),
        provider: cluster.provider,
        oidcIssuerUrl: cluster.oidcIssuerUrl,
        gatewaySubnetCidr: subnets.gateway,
        ...(secrets.huggingFaceToken ? { huggingFaceToken: secrets.huggingFaceToken } : {}),
        waitingPerReplica: WAITING_PER_REPLICA,
        dependsOn: cluster.gpuReady,
        monitoring: monitoring.release,
        ...(tracesEndpoint ? { tracesEndpoint } : {}),
      },
      w.opts,
    );
    served.backendUrls.forEach((url, index) => vllmUrls.set(`${endpoint}/${slot}/${index}`, url));
  }
  // The servers whose spans go to the collector: only releases whose image can export them.
  const tracedHosts = vllmSlots(config).flatMap(({ targets }) =>
    targets.filter((t) => tracesExported(t.image, tracesEndpoint)).map((t) => t.serviceIp),
  );
  return {
    monitoring,
    vllmUrls,
    gpuMetrics: Boolean(cluster.gpuExporter),
    traced: tracesEndpoint !== undefined,
    tracedHosts: [...new Set(tracedHosts)],
  };
}

/** The AI gateway: every Azure OpenAI deployment and vLLM server as a backend, the teams, the semantic cache. */
function gateway(
  w: Wiring,
  planned: readonly LocatedDeployment[],
  accounts: ReturnType<typeof openAi>,
  vllmUrls: ReadonlyMap<string, string>,
  redis: ManagedRedis | undefined,
  safety: ReturnType<typeof contentSafety>,
  pii: ReturnType<typeof language>,
): Gateway | undefined {
  const { config } = w;
  const g = config.gateway;
  if (!g) return undefined;
  const targets = gatewayTargets(planned);
  // A backend pins its deployment: the account's endpoint plus openai/deployments/<name>.
  const deploymentUrl = (t: { account: string; deployment: string }) =>
    pulumi.interpolate`${accounts.endpoints[t.account]!.apply((e) => e.replace(/\/$/, ""))}/openai/deployments/${t.deployment}`;
  const embeddings =
    g.semanticCache && cacheEmbeddingsTarget(targets, config.models, g.semanticCache.embeddingsEndpoint);
  const net = w.privateNetwork;
  return new Gateway(
    "gateway",
    {
      ...w.common,
      subscriptionId: config.subscriptionId,
      location: config.location,
      sku: g.sku,
      capacity: g.capacity,
      publisherEmail: g.publisher.email,
      publisherName: g.publisher.name,
      identity: w.identities.gateway,
      appInsights: { id: w.core.appInsightsId, connectionString: w.core.appInsightsConnectionString },
      workspaceId: w.core.workspaceId,
      ...(net ? { subnetId: net.subnetIds.gateway } : {}),
      ...(net?.zoneIds.apiManagement ? { privateDnsZoneId: net.zoneIds.apiManagement } : {}),
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
      teams: gatewayTeams(config),
      maxTripDuration: g.maxTripDuration,
      retryAfterSeconds: retryAfterSeconds(g),
      logBodies: g.logBodies,
      logBodyBytes: g.logBodyBytes,
      traceSamplingPercent: g.traceSamplingPercent,
      ...(safety ? { contentSafety: { ...safety, routes: safetyRoutes(config) } } : {}),
      ...(pii ? { pii: { languageEndpoint: pii.endpoint, routes: piiRoutes(config) } } : {}),
      ...(g.semanticCache && embeddings && redis?.gatewayKey
        ? {
            semanticCache: {
              scoreThreshold: g.semanticCache.scoreThreshold,
              ttlSeconds: g.semanticCache.ttlSeconds,
              callsPerMinute: g.semanticCache.callsPerMinute,
              embeddingsUrl: pulumi.interpolate`${deploymentUrl(embeddings)}/embeddings`,
              embeddingsAccounts: { [embeddings.account]: accounts.ids[embeddings.account]! },
              redis: { databaseId: redis.databaseId, hostName: redis.hostName, primaryKey: redis.gatewayKey },
            },
          }
        : {}),
      protect: w.protect,
    },
    w.opts,
  );
}

/** Composes the platform's components, in dependency order, from a validated config. */
export function buildPlatform(config: PlatformConfig, secrets: PlatformSecrets = {}): PlatformOutputs {
  const naming = namingContext(config);
  const tags = platformTags(config.environment, config.tags);
  const protect = config.environment === "prod";
  // An explicit provider pins the subscription: a stack never deploys to whatever `az login` chose.
  const azure = new Provider("azure", { subscriptionId: config.subscriptionId, location: config.location });
  const opts: pulumi.ComponentResourceOptions = { providers: [azure] };

  const core = new Core(
    "core",
    { naming, location: config.location, tags, logRetentionDays: config.logRetentionDays, protect },
    opts,
  );
  if (config.budget) {
    const { extraResourceGroups, ...budget } = budgetSettings(config, naming);
    new CostBudget("budget", { ...budget, resourceGroups: [core.resourceGroupName, ...extraResourceGroups] }, opts);
  }
  const common = { naming, resourceGroupName: core.resourceGroupName, tags };
  const identities = Object.fromEntries(
    WORKLOADS.map((workload) => [
      workload,
      new WorkloadIdentity(`identity-${workload}`, { ...common, workload, location: config.location }, opts),
    ]),
  ) as Record<(typeof WORKLOADS)[number], WorkloadIdentity>;
  const privateNetwork = config.network
    ? new PrivateNetwork("network", { ...common, ...networkSettings(config) }, opts)
    : undefined;
  const w: Wiring = {
    config,
    secrets,
    naming,
    tags,
    protect,
    opts,
    core,
    common,
    identities,
    ...(privateNetwork ? { privateNetwork } : {}),
  };

  const planned = plannedDeployments(config);
  const accounts = openAi(w, planned);
  const redis = cache(w);
  const { monitoring, vllmUrls, gpuMetrics, traced, tracedHosts = [] } = selfHosted(w);
  const gw = gateway(w, planned, accounts, vllmUrls, redis, contentSafety(w), language(w));
  // Spend per team in money, from the gateway's logs: a workbook, and a Grafana dashboard where there is one.
  const spend = teamSpendSettings(config, planned);
  if (gw)
    new TeamSpend(
      "team-spend",
      {
        ...spend,
        subscriptionId: config.subscriptionId,
        resourceGroupName: core.resourceGroupName,
        location: config.location,
        tags,
        stackName: `${naming.prefix}-${naming.environment}`,
        workspaceId: core.workspaceId,
      },
      opts,
    );

  if (config.alerts) {
    const { accounts: watched, ...alerts } = alertSettings(config, planned);
    new AzureAlerts(
      "alerts",
      {
        ...alerts,
        resourceGroupName: core.resourceGroupName,
        tags,
        ...(secrets.alertWebhookUrl ? { webhookUrl: secrets.alertWebhookUrl } : {}),
        accounts: watched.map((a) => ({ ...a, accountId: accounts.ids[a.key]! })),
        workspaceId: core.workspaceId,
        ...(gw ? { gatewayId: gw.serviceId } : {}),
        ...(tracedHosts.length > 0 ? { tracedServerHosts: tracedHosts } : {}),
        ...(config.gateway ? { traceSamplingPercent: config.gateway.traceSamplingPercent } : {}),
      },
      opts,
    );
  }

  if (monitoring && gw)
    monitoring.addTeamSpendDashboard({
      subscriptionId: config.subscriptionId,
      workspaceId: core.workspaceId,
      rows: spend.rows,
    });
  // One dashboard per model endpoint in the cluster's Grafana: its vLLM and Azure OpenAI slots and the gateway.
  if (monitoring) {
    const gatewayName = gw?.serviceId.apply((id) => id.split("/").pop() ?? "");
    monitoring.addEndpointDashboards({
      subscriptionId: config.subscriptionId,
      // Grafana reads metrics of exactly the resources its dashboards show.
      readable: {
        ...Object.fromEntries(Object.entries(accounts.ids).map(([key, id]) => [`openai-${key}`, id])),
        ...(gw ? { gateway: gw.serviceId } : {}),
        // The servers' spans, which the vLLM panels link to.
        ...(traced ? { "app-insights": core.appInsightsId } : {}),
      },
      views: Object.fromEntries(
        Object.keys(config.models).map((endpoint) => [
          endpoint,
          pulumi
            .all([core.resourceGroupName, gatewayName ?? "", pulumi.all(accounts.names), core.appInsightsId])
            .apply(([resourceGroup, gateway, names, appInsights]) => ({
              ...endpointView(config, endpoint, accounts.deployments, planned, {
                resourceGroup,
                ...(gateway ? { gateway } : {}),
                accounts: names,
              }),
              ...(gpuMetrics ? { gpuMetrics } : {}),
              ...(traced ? { traces: appInsights } : {}),
            })),
        ]),
      ),
    });
  }

  return {
    resourceGroupName: core.resourceGroupName,
    workspaceId: core.workspaceId,
    openAiEndpoints: accounts.endpoints,
    deployments: accounts.deployments,
    identities: Object.fromEntries(Object.entries(identities).map(([w, identity]) => [w, identity.clientId])),
    ...(redis ? { cacheHostName: redis.hostName } : {}),
    ...(gw ? { gatewayUrl: gw.gatewayUrl, gatewayKeys: gw.subscriptionKeys } : {}),
  };
}

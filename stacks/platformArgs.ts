// How a validated config becomes each capability's component arguments: pure functions of the config
// (no Pulumi runtime), so that stacks/platform.ts only wires components together and passes outputs.
import { composeName, nodeResourceGroupName, type NamingContext } from "../components/core/naming";
import { COLOURS, type Colour } from "../components/core/colours";
import { GATEWAY_TIERS } from "../components/gateway/tiers";
import type { AzureResource, EndpointView } from "../components/observability/dashboards";
import type { LocatedDeployment } from "../components/openai/quota";
import { requiredDnsZones, teamTokenQuota, type PlatformConfig, type TargetConfig } from "./config";
import { priceRows } from "../components/cost/teamCost";
import { PRICES } from "../components/cost/prices";
import { withOverrides } from "../components/cost/monthlyCost";
import { GPU_SKUS } from "../components/cluster/gpuSkus";
import { isIdleSlot } from "./clusterConfig";
import { QUOTA_USED_METRIC } from "../components/gateway/apiPolicy";

type VllmTarget = Extract<TargetConfig, { kind: "vllm" }>;

/** The monthly budget's settings, and the cluster's node resource group it also watches (AKS bills the nodes there). */
export function budgetSettings(config: PlatformConfig, naming: NamingContext) {
  const b = config.budget!;
  return {
    subscriptionId: config.subscriptionId,
    extraResourceGroups: config.cluster ? [nodeResourceGroupName(naming, config.location)] : [],
    name: composeName("budget", naming),
    monthlyAmount: b.monthlyAmount,
    startDate: b.startDate,
    contactEmails: b.contactEmails,
    actualThresholds: b.actualThresholds,
    forecastThreshold: b.forecastThreshold,
  };
}

/** The private network's settings: a new VNet from the address plan or the hub network, the zones the stack needs. */
export function networkSettings(config: PlatformConfig) {
  const n = config.network!;
  return {
    location: config.location,
    ...(n.existing ? { existing: n.existing } : {}),
    ...(n.addressSpace && n.subnets ? { addressPlan: { addressSpace: n.addressSpace, subnets: n.subnets } } : {}),
    zones: [...requiredDnsZones(config)],
    existingZoneIds: n.privateDnsZoneIds,
    ...(config.gateway
      ? {
          gatewaySubnet: GATEWAY_TIERS[config.gateway.sku].vnetInjection
            ? ("injection" as const)
            : ("integration" as const),
        }
      : {}),
  };
}

/**
 * Every slot served by vLLM: its endpoint, colour and vLLM targets, and whether it is idle: at weight 0
 * with no rollout recorded, so it runs no replicas (a rollout's new colour runs at its size from `start`).
 */
export function vllmSlots(
  config: PlatformConfig,
): { endpoint: string; slot: Colour; targets: VllmTarget[]; idle: boolean }[] {
  return Object.entries(config.models).flatMap(([endpoint, e]) =>
    COLOURS.flatMap((slot) => {
      const targets = (e.slots[slot]?.targets ?? []).flatMap((t) => (t.kind === "vllm" ? [t] : []));
      const idle = isIdleSlot(e, slot);
      return targets.length > 0 ? [{ endpoint, slot, targets, idle }] : [];
    }),
  );
}

/** The cluster's settings; KEDA is installed when a vLLM target may scale beyond its replicas. */
export function clusterSettings(config: PlatformConfig) {
  const c = config.cluster!;
  return {
    subscriptionId: config.subscriptionId,
    location: config.location,
    environment: config.environment,
    systemPool: c.systemPool,
    apiServerAuthorizedIpRanges: c.apiServerAuthorizedIpRanges,
    privateCluster: c.privateCluster,
    maintenanceWindow: c.maintenanceWindow,
    gpuPools: c.gpuPools,
    generalPool: c.generalPool,
    keda: vllmSlots(config).some((s) => s.targets.some((t) => (t.maxReplicas ?? t.replicas) > t.replicas)),
  };
}

/** The gateway's teams as the component takes them. */
export function gatewayTeams(config: PlatformConfig) {
  return Object.entries(config.gateway!.teams).map(([name, t]) => ({
    name,
    applicationIds: t.applications,
    endpoints: t.endpoints,
    tokensPerMinute: t.tokensPerMinute,
    budgetPer: t.budgetPer,
    subscriptionKeys: t.subscriptionKeys,
    ...monthlyTokenQuota(config, name),
  }));
}

/**
 * `monthlyTokenQuota` as the gateway takes it, per counter: the team's own, or what its budget buys. The
 * gateway counts per calling application unless the team shares one budget, so a spend ceiling is split
 * evenly between the team's applications: together they cannot spend more than it.
 */
function monthlyTokenQuota(config: PlatformConfig, team: string): { monthlyTokenQuota?: number } {
  const quota = teamTokenQuota(config, team);
  if (!quota) return {};
  const t = config.gateway!.teams[team]!;
  const counters = t.budgetPer === "application" ? Math.max(1, t.applications.length) : 1;
  return { monthlyTokenQuota: quota.budget ? Math.floor(quota.tokens / counters) : quota.tokens };
}

/** The Azure Monitor alerts' thresholds and the accounts they watch (whether each has provisioned deployments). */
export function alertSettings(config: PlatformConfig, planned: readonly LocatedDeployment[]) {
  const a = config.alerts!;
  return {
    stackName: `${config.namePrefix}-${config.environment}`,
    emails: a.emails,
    accounts: Object.keys(config.accounts).map((key) => ({
      key,
      provisioned: planned.some((d) => d.account === key && d.ptu),
    })),
    timeToFirstByteMs: a.timeToFirstByteMs,
    ptuUtilizationPercent: a.ptuUtilizationPercent,
    throttledRatio: a.throttledRatio,
    errorRatio: a.errorRatio,
    minRequests: a.minRequests,
    anomaly: a.anomaly,
    location: config.location,
    ...(config.gateway
      ? {
          teamQuota: {
            teams: gatewayTeams(config)
              .filter((t) => t.monthlyTokenQuota !== undefined)
              .map((t) => t.name),
            percent: a.teamQuotaPercent,
            metricName: QUOTA_USED_METRIC,
          },
        }
      : {}),
  };
}

/** The Azure names a dashboard reads metrics of, known once the resources exist. */
export interface MonitoredNames {
  readonly resourceGroup: string;
  /** The gateway's service name, when the stack has a gateway. */
  readonly gateway?: string;
  /** Each account's name by account key. */
  readonly accounts: Readonly<Record<string, string>>;
}

/**
 * What an endpoint's dashboard shows: its vLLM slots, and per Azure OpenAI slot each account's
 * deployments (`deployments`: names by endpoint, slot and account) with the resource its metrics are read from.
 */
export function endpointView(
  config: PlatformConfig,
  endpoint: string,
  deployments: Readonly<Record<string, Readonly<Record<string, Readonly<Record<string, readonly string[]>>>>>>,
  planned: readonly LocatedDeployment[],
  names: MonitoredNames,
): EndpointView {
  const e = config.models[endpoint]!;
  const slots = COLOURS.flatMap((slot) => (e.slots[slot] ? [{ slot, targets: e.slots[slot]!.targets }] : []));
  const resource = (resourceName: string, region: string): AzureResource => ({
    subscription: config.subscriptionId,
    resourceGroup: names.resourceGroup,
    resourceName,
    region,
  });
  return {
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
                resource: resource(names.accounts[a]!, config.accounts[a]!.location),
                deployments: byAccount[a]!,
                provisioned: planned.some(
                  (d) => d.endpoint === endpoint && d.slot === slot && d.account === a && d.ptu,
                ),
              })),
              provisioned: planned.some((d) => d.endpoint === endpoint && d.slot === slot && d.ptu),
            },
          ]
        : [];
    }),
    ...(names.gateway ? { gateway: resource(names.gateway, config.location) } : {}),
  };
}

/** The priced paths of a stack for the spend-per-team workbook: its deployments and its vLLM slots' GPUs. */
export function teamSpendSettings(config: PlatformConfig, planned: readonly LocatedDeployment[]) {
  const pools = config.cluster?.gpuPools ?? {};
  return priceRows(
    {
      deployments: planned,
      vllm: vllmSlots(config).map(({ endpoint, slot, targets, idle }) => ({
        endpoint,
        slot,
        targets: targets.map((t) => ({
          vmSize: pools[t.pool]?.vmSize ?? "",
          gpusPerReplica: t.gpusPerReplica,
          replicas: idle ? 0 : t.replicas,
        })),
      })),
    },
    withOverrides(PRICES, config.prices),
    (vmSize) => GPU_SKUS[vmSize]?.gpus,
  );
}

/** USD per GPU-hour of each GPU pool (its VM's hourly price over its GPUs), where the price table has the VM. */
export function gpuHourPrices(config: PlatformConfig): Record<string, number> {
  const prices = withOverrides(PRICES, config.prices);
  return Object.fromEntries(
    Object.entries(config.cluster?.gpuPools ?? {}).flatMap(([pool, p]) => {
      const hour = prices.vmHour[p.vmSize];
      const gpus = GPU_SKUS[p.vmSize]?.gpus;
      return hour !== undefined && gpus ? [[pool, Number((hour / gpus).toFixed(4))]] : [];
    }),
  );
}

// The plan's monthly cost rows: what a stack reserves or may spend at full use, from the price table
// (with the stack's overrides). Pure: the plan prints it, the budget is the stack's own decision.
import { HOURS_PER_MONTH, type PriceTable } from "./prices";

export interface CostRow {
  readonly item: string;
  readonly basis: string;
  /** USD per month; undefined when the table has no price for it. */
  readonly monthly?: number;
  /** For a range (GPU pools at min and max nodes): the upper end. */
  readonly monthlyMax?: number;
  /** Why there is no monthly figure, when it is not a missing price (a volume the plan cannot know). */
  readonly note?: string;
}

export interface CostInputs {
  readonly ptu: readonly { readonly name: string; readonly deploymentType: string; readonly capacity: number }[];
  /** Pay-as-you-go deployments at full use: TPM, model and the share of output tokens. */
  readonly paygo: readonly {
    readonly name: string;
    readonly model: string;
    readonly tpm: number;
    readonly outputShare: number;
  }[];
  readonly gateway?: { readonly sku: string; readonly capacity: number };
  /** Autoscaled node pools: the GPU pools and the general (monitoring) pool. */
  readonly pools: readonly {
    readonly name: string;
    readonly kind?: "GPU" | "general";
    readonly vmSize: string;
    readonly minCount: number;
    readonly maxCount: number;
  }[];
  readonly systemPool?: { readonly vmSize: string; readonly count: number };
  /** The semantic cache: its SKU as deployed. */
  readonly cache?: { readonly sku: string; readonly highAvailability: boolean };
  /** AKS cluster management's pricing tier. */
  readonly clusterTier?: string;
  /** Persistent disks the stack creates (vLLM model caches, Prometheus), at their most replicas. */
  readonly disks: readonly { readonly name: string; readonly storageClass: string; readonly gib: number }[];
  /** Log Analytics: always there; its cost is per GiB ingested, which the plan cannot know. */
  readonly logs: boolean;
  /** The gateway's content checks (Azure AI Content Safety, billed per text record checked), by endpoint. */
  readonly contentChecks?: readonly string[];
}

const MINUTES_PER_MONTH = HOURS_PER_MONTH * 60;

export function monthlyCost(inputs: CostInputs, prices: PriceTable): CostRow[] {
  const rows: CostRow[] = [];
  for (const d of inputs.ptu) {
    const hour = prices.ptuHour[d.deploymentType];
    rows.push({
      item: `PTU ${d.name}`,
      basis: `${d.capacity} PTU x ${HOURS_PER_MONTH} h`,
      ...(hour !== undefined ? { monthly: d.capacity * hour * HOURS_PER_MONTH } : {}),
    });
  }
  for (const d of inputs.paygo) {
    const price = prices.tokensPerMillion[d.model];
    const tokens = d.tpm * MINUTES_PER_MONTH;
    const perMillion = price ? price.input * (1 - d.outputShare) + price.output * d.outputShare : undefined;
    rows.push({
      item: `PAYGO ${d.name}`,
      basis: `${d.tpm.toLocaleString("en-US")} TPM at full use`,
      ...(perMillion !== undefined ? { monthly: (tokens / 1e6) * perMillion } : {}),
    });
  }
  if (inputs.gateway) {
    const unit = prices.gatewayUnitMonth[inputs.gateway.sku];
    rows.push({
      item: `gateway ${inputs.gateway.sku}`,
      basis: `${inputs.gateway.capacity} unit(s)`,
      ...(unit !== undefined ? { monthly: unit * inputs.gateway.capacity } : {}),
    });
  }
  if (inputs.systemPool) {
    const hour = prices.vmHour[inputs.systemPool.vmSize];
    rows.push({
      item: "AKS system pool",
      basis: `${inputs.systemPool.count} x ${inputs.systemPool.vmSize}`,
      ...(hour !== undefined ? { monthly: inputs.systemPool.count * hour * HOURS_PER_MONTH } : {}),
    });
  }
  for (const p of inputs.pools) {
    const hour = prices.vmHour[p.vmSize];
    rows.push({
      item: p.kind === "general" ? "AKS general pool (monitoring)" : `GPU pool ${p.name}`,
      basis: `${p.minCount}-${p.maxCount} x ${p.vmSize}`,
      ...(hour !== undefined
        ? { monthly: p.minCount * hour * HOURS_PER_MONTH, monthlyMax: p.maxCount * hour * HOURS_PER_MONTH }
        : {}),
    });
  }
  if (inputs.clusterTier !== undefined) {
    const hour = prices.aksTierHour[inputs.clusterTier];
    rows.push({
      item: `AKS cluster management (${inputs.clusterTier} tier)`,
      basis: `1 cluster x ${HOURS_PER_MONTH} h`,
      ...(hour !== undefined ? { monthly: hour * HOURS_PER_MONTH } : {}),
    });
  }
  if (inputs.cache) {
    const hour = prices.redisHour[inputs.cache.sku];
    rows.push({
      item: `Azure Managed Redis ${inputs.cache.sku}`,
      basis: `1 cache${inputs.cache.highAvailability ? ", high availability" : ", no high availability"} x ${HOURS_PER_MONTH} h`,
      ...(hour !== undefined ? { monthly: hour * HOURS_PER_MONTH } : {}),
    });
  }
  for (const d of inputs.disks) {
    const gibMonth = prices.diskGiBMonth[d.storageClass];
    rows.push({
      item: `disks ${d.name}`,
      basis: `${d.gib.toLocaleString("en-US")} GiB ${d.storageClass}`,
      ...(gibMonth !== undefined ? { monthly: d.gib * gibMonth } : {}),
    });
  }
  if (inputs.contentChecks && inputs.contentChecks.length > 0)
    rows.push({
      item: "Azure AI Content Safety (S0)",
      basis: "per 1,000 text records checked",
      note: `depends on the calls checked (${inputs.contentChecks.join(", ")}): each prompt, and each completion`,
    });
  if (inputs.logs) {
    const gib = prices.logIngestionGiB.analytics;
    rows.push({
      item: "Log Analytics ingestion",
      basis: gib !== undefined ? `$${gib} per GiB ingested` : "per GiB ingested",
      note: "depends on the volume logged (diagnostics, gateway logs)",
    });
  }
  return rows;
}

/** The table with a stack's overrides laid over it, key by key. */
export function withOverrides(
  prices: PriceTable,
  overrides: Partial<{ [K in keyof PriceTable]: Record<string, unknown> }>,
): PriceTable {
  return {
    ptuHour: { ...prices.ptuHour, ...(overrides.ptuHour as PriceTable["ptuHour"]) },
    tokensPerMillion: { ...prices.tokensPerMillion, ...(overrides.tokensPerMillion as PriceTable["tokensPerMillion"]) },
    gatewayUnitMonth: { ...prices.gatewayUnitMonth, ...(overrides.gatewayUnitMonth as PriceTable["gatewayUnitMonth"]) },
    vmHour: { ...prices.vmHour, ...(overrides.vmHour as PriceTable["vmHour"]) },
    redisHour: { ...prices.redisHour, ...(overrides.redisHour as PriceTable["redisHour"]) },
    aksTierHour: { ...prices.aksTierHour, ...(overrides.aksTierHour as PriceTable["aksTierHour"]) },
    diskGiBMonth: { ...prices.diskGiBMonth, ...(overrides.diskGiBMonth as PriceTable["diskGiBMonth"]) },
    logIngestionGiB: { ...prices.logIngestionGiB, ...(overrides.logIngestionGiB as PriceTable["logIngestionGiB"]) },
  };
}

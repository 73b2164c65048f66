// GPU panels from NVIDIA's DCGM exporter (metric names of the pinned release, components/cluster/gpuSkus.ts):
// per vLLM slot on the endpoint's dashboard (the GPUs its pods hold: the scrape gives them the pod's endpoint
// and slot), and per GPU pool on the GPUs dashboard. Pure.
import { DCGM_METRICS } from "../cluster/gpuSkus";
import { GPU_POOL_SERIES_LABEL } from "./gpuLabels";
import { SLOT_LABELS, selector } from "./promql";
import type { Dashboard, Panel, PromQuery, Unit } from "./dashboards";

/** One GPU measure: how it is aggregated across GPUs, its unit and what it says. */
const MEASURES: readonly {
  title: string;
  metric: string;
  aggregate: "avg" | "sum" | "max";
  unit: Unit;
  description: string;
}[] = [
  {
    title: "GPU utilization",
    metric: DCGM_METRICS.utilization,
    aggregate: "avg",
    unit: "percent",
    description: "Average utilization of the GPUs",
  },
  {
    title: "GPU memory used",
    metric: DCGM_METRICS.memoryUsed,
    aggregate: "sum",
    unit: "mbytes",
    description: "Framebuffer memory in use, summed over the GPUs (vLLM reserves most of it for the KV cache)",
  },
  {
    title: "SM clock",
    metric: DCGM_METRICS.smClock,
    aggregate: "avg",
    unit: "rotmhz",
    description: "Average streaming-multiprocessor clock (a throttled GPU clocks down)",
  },
  {
    title: "Power draw",
    metric: DCGM_METRICS.power,
    aggregate: "sum",
    unit: "watt",
    description: "Power drawn, summed over the GPUs",
  },
  {
    title: "GPU temperature",
    metric: DCGM_METRICS.temperature,
    aggregate: "max",
    unit: "celsius",
    description: "Temperature of the hottest GPU",
  },
  {
    title: "XID errors",
    metric: DCGM_METRICS.xid,
    aggregate: "max",
    unit: "short",
    description: "The last XID error of any GPU (0: none; see NVIDIA's XID catalogue)",
  },
];

const prom = (expr: string, legend: string): PromQuery => ({ kind: "prometheus", expr, legend });

/** A DCGM metric of the GPUs an endpoint's selected slots hold (the scrape labels them, gpuLabels.ts). */
export function slotGpus(endpoint: string, metric: string): string {
  return `${metric}${selector({ [SLOT_LABELS.endpoint]: endpoint, [SLOT_LABELS.slot]: "$slot" }, [SLOT_LABELS.slot])}`;
}

/** The GPU panels of an endpoint's vLLM slots, one series per slot. */
export function slotGpuPanels(endpoint: string): Panel[] {
  return MEASURES.map((m) => ({
    title: m.title,
    description: `${m.description} the slot's pods hold, per slot (NVIDIA DCGM exporter).`,
    unit: m.unit,
    queries: [prom(`${m.aggregate} by (${SLOT_LABELS.slot}) (${slotGpus(endpoint, m.metric)})`, "{{slot}}")],
  }));
}

/** The price of one GPU-hour per pool as a PromQL vector (`{gpu_pool="<pool>"} <USD>`), or undefined when none is priced. */
export function gpuHourPriceVector(prices: Readonly<Record<string, number>>): string | undefined {
  const pools = Object.entries(prices);
  if (pools.length === 0) return undefined;
  return pools
    .map(([pool, usd]) => `label_replace(vector(${usd}), "${GPU_POOL_SERIES_LABEL}", "${pool}", "", "")`)
    .join(" or ");
}

/**
 * The GPUs dashboard: every measure per GPU pool, the GPUs no pod holds, and what they cost an hour at
 * the price table's VM-hour price (per GPU: the VM's price over its GPUs), where the pool is priced.
 */
export function gpuPoolDashboard(gpuHourPrices: Readonly<Record<string, number>> = {}): Dashboard {
  // GPUs no pod holds carry no pod label; a pool with none shows 0, not a gap.
  const gpus = `count by (${GPU_POOL_SERIES_LABEL}) (${DCGM_METRICS.utilization})`;
  const idle = `(count by (${GPU_POOL_SERIES_LABEL}) (${DCGM_METRICS.utilization}{pod=""}) or 0 * ${gpus})`;
  const prices = gpuHourPriceVector(gpuHourPrices);
  return {
    uid: "genai-gpus",
    title: "GPU pools",
    tags: ["genai-platform", "gpu"],
    slots: [],
    rows: [
      {
        title: "Per GPU pool (NVIDIA DCGM exporter)",
        panels: [
          ...MEASURES.map((m) => ({
            title: m.title,
            description: `${m.description} of each GPU pool.`,
            unit: m.unit,
            queries: [
              prom(`${m.aggregate} by (${GPU_POOL_SERIES_LABEL}) (${m.metric})`, `{{${GPU_POOL_SERIES_LABEL}}}`),
            ],
          })),
          {
            title: "GPUs no pod holds",
            description:
              "GPUs of each pool that no pod is allocated to: paid for and serving nothing (scale the pool's minimum down, or an idle colour to zero).",
            unit: "short",
            queries: [prom(idle, `{{${GPU_POOL_SERIES_LABEL}}}`)],
          },
          ...(prices
            ? [
                {
                  title: "Cost per hour of idle GPUs",
                  description:
                    "What the GPUs no pod holds cost an hour, in USD at the plan's dated VM-hour prices (with the stack's overrides), per GPU: the VM's price over its GPUs.",
                  unit: "currencyUSD" as const,
                  queries: [
                    prom(`${idle} * on (${GPU_POOL_SERIES_LABEL}) (${prices})`, `{{${GPU_POOL_SERIES_LABEL}}}`),
                  ],
                },
              ]
            : []),
        ],
      },
    ],
  };
}

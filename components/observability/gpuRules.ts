// Alerts on the GPUs themselves, from NVIDIA's DCGM exporter (components/cluster/gpuSkus.ts has the pinned
// release and its metric names): a GPU's memory exhausted, an XID error, a slot whose GPUs sit idle while
// its queue is not empty (a stuck server), and a pool whose GPUs have been idle for hours (its cost).
import { DCGM_METRICS } from "../cluster/gpuSkus";
import { GPU_POOL_SERIES_LABEL } from "./gpuLabels";
import { RECORDED, type AlertingRule, type RuleGroup } from "./rules";
import { SLOT_LABELS } from "./promql";

export const GPU_ALERTS = {
  memory: "GpuMemoryExhausted",
  xid: "GpuXidError",
  stuck: "ModelSlotGpusIdleWhileQueued",
  idlePool: "GpuPoolIdle",
} as const;

/** Utilization (percent) at or under which a GPU counts as idle. */
export const IDLE_UTILIZATION_PERCENT = 5;
/** Share of a GPU's memory in use above which it counts as exhausted (vLLM itself takes about 90%). */
export const MEMORY_EXHAUSTED_SHARE = 0.98;
/** How long a pool's GPUs must have been idle for the cost alert. */
export const IDLE_POOL_FOR = "3h";

/** Each GPU, as the exporter names it: the pool, the node, the GPU index and its UUID (unique across nodes). */
const PER_GPU = `${GPU_POOL_SERIES_LABEL}, Hostname, gpu, UUID`;

/**
 * XID codes that mean the GPU or its memory is failing, not the application (NVIDIA's XID catalogue, as the
 * exporter's xid_errors.go names them): double-bit ECC, page retirement or row remapping events and
 * failures, NVLink, fallen off the bus, high single-bit ECC rate, contained and uncontained ECC, GSP.
 */
export const HARDWARE_XIDS = ["48", "63", "64", "74", "79", "92", "94", "95", "119", "120"] as const;

/** The DCGM series of the GPUs vLLM slots' pods hold (the scrape labels them with the endpoint and slot), per slot. */
function bySlot(metric: string): string {
  return `max by (${SLOT_LABELS.endpoint}, ${SLOT_LABELS.slot}) (${metric}{${SLOT_LABELS.slot}!=""})`;
}

/** The GPU alerts of a cluster whose GPU nodes run the exporter. */
export function gpuRuleGroup(): RuleGroup {
  const m = DCGM_METRICS;
  const rules: AlertingRule[] = [
    {
      alert: GPU_ALERTS.memory,
      expr: `max by (${PER_GPU}) (${m.memoryUsed} / (${m.memoryUsed} + ${m.memoryFree})) > ${MEMORY_EXHAUSTED_SHARE}`,
      for: "10m",
      labels: { severity: "warning" },
      annotations: {
        summary: `GPU {{ $labels.gpu }} on {{ $labels.Hostname }} ({{ $labels.${GPU_POOL_SERIES_LABEL} }}): memory exhausted`,
        description: `More than ${MEMORY_EXHAUSTED_SHARE * 100}% of the GPU's memory has been in use for 10m: the next allocation fails (out of memory).`,
      },
    },
    {
      alert: GPU_ALERTS.xid,
      // The metric holds the last XID until the driver restarts: a code new in the last 30m fires, once.
      expr: `max by (${PER_GPU}, err_code) (${m.xid}{err_code=~"${HARDWARE_XIDS.join("|")}"}) unless max by (${PER_GPU}, err_code) (${m.xid}{err_code=~"${HARDWARE_XIDS.join("|")}"} offset 30m)`,
      for: "1m",
      labels: { severity: "critical" },
      annotations: {
        summary: `GPU {{ $labels.gpu }} on {{ $labels.Hostname }} ({{ $labels.${GPU_POOL_SERIES_LABEL} }}): XID error {{ $value }}`,
        description:
          "The GPU reported an XID error that means failing hardware (ECC, row remapping, NVLink, fallen off the bus, GSP): drain the node and replace it if it repeats.",
      },
    },
    {
      alert: GPU_ALERTS.stuck,
      expr: `${bySlot(m.utilization)} <= ${IDLE_UTILIZATION_PERCENT} and on (${SLOT_LABELS.endpoint}, ${SLOT_LABELS.slot}) ${RECORDED.waiting} > 0`,
      for: "10m",
      labels: { severity: "critical" },
      annotations: {
        summary: "{{ $labels.model_endpoint }}/{{ $labels.slot }}: GPUs idle while requests wait",
        description: `The slot's GPUs have been at most ${IDLE_UTILIZATION_PERCENT}% busy for 10m while requests wait in its queue: a server is stuck.`,
      },
    },
    {
      alert: GPU_ALERTS.idlePool,
      expr: `max by (${GPU_POOL_SERIES_LABEL}) (max_over_time(${m.utilization}[5m])) <= ${IDLE_UTILIZATION_PERCENT}`,
      for: IDLE_POOL_FOR,
      labels: { severity: "warning" },
      annotations: {
        summary: `GPU pool {{ $labels.${GPU_POOL_SERIES_LABEL} }}: idle for hours`,
        description: `No GPU of the pool has been more than ${IDLE_UTILIZATION_PERCENT}% busy for ${IDLE_POOL_FOR}: its nodes cost their full price for nothing; lower its minimum or scale its idle colour to zero.`,
      },
    },
  ];
  return { name: "genai-platform.gpu.alerts", rules };
}

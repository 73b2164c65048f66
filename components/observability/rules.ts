// Prometheus rules for the model servers: recording rules per slot, then SLO alerts per endpoint and
// slot from the config's thresholds. The same groups go into the cluster's PrometheusRule and into
// `out/<stack>/observability/rules.yaml`, which promtool checks and unit-tests.
import { SLOT_LABELS, selector, vllm, type Scope } from "./promql";
import { VLLM_STABLE_METRICS } from "../serving/vllmReleases";
import { type Colour } from "../core/colours";

export interface RecordingRule {
  readonly record: string;
  readonly expr: string;
}
export interface AlertingRule {
  readonly alert: string;
  readonly expr: string;
  readonly for: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
}
export interface RuleGroup {
  readonly name: string;
  /** How often the group is evaluated (Prometheus' global evaluation interval when absent). */
  readonly interval?: string;
  readonly rules: readonly (RecordingRule | AlertingRule)[];
}

/** Thresholds of a slot (config `cluster.monitoring.slo`). */
export interface Slo {
  readonly ttftP95Seconds: number;
  readonly tpotP95Seconds: number;
  readonly e2eP95Seconds: number;
  readonly queueDepth: number;
  readonly kvCacheUsage: number;
  readonly errorRatio: number;
  readonly noTrafficMinutes: number;
  /** Standard deviations from its day's baseline at which a slot's traffic, TTFT or 5xx share is an anomaly. */
  readonly anomalyZScore: number;
}

/** A vLLM slot the rules watch, with its thresholds and its share of the endpoint's traffic. */
export interface MonitoredSlot {
  readonly endpoint: string;
  readonly slot: Colour;
  readonly weight: number;
  readonly slo: Slo;
  /** At weight 0 outside a rollout: it runs no servers, so none answering is no alert. */
  readonly idle?: boolean;
}

/** Recorded series, one per slot (labels `model_endpoint`, `slot`). */
export const RECORDED = {
  ttftP95: "slot:vllm_ttft_seconds:p95_5m",
  tpotP95: "slot:vllm_tpot_seconds:p95_5m",
  e2eP95: "slot:vllm_e2e_seconds:p95_5m",
  requestsPerSecond: "slot:vllm_requests:rate5m",
  waiting: "slot:vllm_waiting:sum",
  kvCacheUsage: "slot:vllm_kv_cache_usage:max",
  errorRatio: "slot:vllm_errors:ratio_rate5m",
  up: "slot:vllm_up:sum",
} as const;

/** Every model server's series (only they carry the endpoint label), per endpoint and slot. */
const everySlot: Scope = {
  matchers: { [SLOT_LABELS.endpoint]: ".+" },
  regex: [SLOT_LABELS.endpoint],
  range: "5m",
  by: [SLOT_LABELS.endpoint, SLOT_LABELS.slot],
};

/** The recording rules every monitored cluster gets. */
export function recordingRules(): RuleGroup {
  const s = everySlot;
  return {
    name: "genai-platform.vllm.recording",
    rules: [
      { record: RECORDED.ttftP95, expr: vllm.ttft(s, 0.95) },
      { record: RECORDED.tpotP95, expr: vllm.tpot(s, 0.95) },
      { record: RECORDED.e2eP95, expr: vllm.e2e(s, 0.95) },
      { record: RECORDED.requestsPerSecond, expr: vllm.requestsPerSecond(s) },
      { record: RECORDED.waiting, expr: vllm.waiting(s) },
      { record: RECORDED.kvCacheUsage, expr: vllm.kvCacheUsage(s) },
      { record: RECORDED.errorRatio, expr: vllm.errorRatio(s) },
      { record: RECORDED.up, expr: vllm.up(s) },
    ],
  };
}

/** The alert names, one per kind; a firing alert names its endpoint and slot in its labels. */
export const ALERTS = {
  down: "ModelSlotNotServing",
  noTraffic: "ModelSlotNoTraffic",
  ttft: "ModelSlotTimeToFirstTokenHigh",
  tpot: "ModelSlotTimePerOutputTokenHigh",
  e2e: "ModelSlotLatencyHigh",
  queue: "ModelSlotQueueDeep",
  kvCache: "ModelSlotKvCacheSaturated",
  errors: "ModelSlotErrorRatioHigh",
} as const;

/** The SLO alerts of one slot: every expression aggregates to one series, labelled by the rule. */
export function slotAlerts(m: MonitoredSlot): AlertingRule[] {
  const at = selector({ [SLOT_LABELS.endpoint]: m.endpoint, [SLOT_LABELS.slot]: m.slot });
  const where = `${m.endpoint}/${m.slot}`;
  const live = m.weight > 0;
  const labels = (severity: "critical" | "warning") => ({ severity, endpoint: m.endpoint, slot: m.slot });
  const above = (
    alert: string,
    recorded: string,
    threshold: number,
    what: string,
    unit: string,
    forDuration = "10m",
  ): AlertingRule => ({
    alert,
    expr: `max(${recorded}${at}) > ${threshold}`,
    for: forDuration,
    labels: labels(live ? "critical" : "warning"),
    annotations: {
      summary: `${where}: ${what} above ${threshold}${unit}`,
      description: `${what} of model endpoint ${m.endpoint}, slot ${m.slot} (weight ${m.weight}) has been above ${threshold}${unit} for ${forDuration}.`,
    },
  });
  const down: AlertingRule[] = m.idle
    ? []
    : [
        {
          alert: ALERTS.down,
          expr: `(max(${RECORDED.up}${at}) or vector(0)) < 1`,
          for: "5m",
          labels: labels(live ? "critical" : "warning"),
          annotations: {
            summary: `${where}: no model server answers`,
            description: `No vLLM server of model endpoint ${m.endpoint}, slot ${m.slot} (weight ${m.weight}) has answered a scrape for 5m.`,
          },
        },
      ];
  return [
    ...down,
    ...(live
      ? [
          {
            alert: ALERTS.noTraffic,
            expr: `(sum(rate(${VLLM_STABLE_METRICS.e2eLatency}_count${at}[${m.slo.noTrafficMinutes}m])) or vector(0)) == 0`,
            for: "5m",
            labels: labels("warning"),
            annotations: {
              summary: `${where}: no requests while its weight is ${m.weight}`,
              description: `Model endpoint ${m.endpoint}, slot ${m.slot} has weight ${m.weight} at the gateway but finished no request in ${m.slo.noTrafficMinutes}m: check the gateway's routing and the slot's backend.`,
            },
          },
        ]
      : []),
    above(ALERTS.ttft, RECORDED.ttftP95, m.slo.ttftP95Seconds, "p95 time to first token", "s"),
    above(ALERTS.tpot, RECORDED.tpotP95, m.slo.tpotP95Seconds, "p95 time per output token", "s"),
    above(ALERTS.e2e, RECORDED.e2eP95, m.slo.e2eP95Seconds, "p95 end-to-end latency", "s"),
    above(ALERTS.queue, RECORDED.waiting, m.slo.queueDepth, "requests waiting", ""),
    above(ALERTS.kvCache, RECORDED.kvCacheUsage, m.slo.kvCacheUsage, "KV-cache usage", "", "15m"),
    above(ALERTS.errors, RECORDED.errorRatio, m.slo.errorRatio, "share of 5xx answers", ""),
  ];
}

/** Every rule group of a cluster: the recording rules, then one alert group per endpoint. */
export function ruleGroups(slots: readonly MonitoredSlot[]): RuleGroup[] {
  const endpoints = [...new Set(slots.map((s) => s.endpoint))];
  return [
    recordingRules(),
    ...endpoints.map((endpoint) => ({
      name: `genai-platform.${endpoint}.alerts`,
      rules: slots.filter((s) => s.endpoint === endpoint).flatMap(slotAlerts),
    })),
  ];
}

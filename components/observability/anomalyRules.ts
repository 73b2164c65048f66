// Anomaly detection in the cluster: each slot's request rate, p95 time to first token and 5xx share are
// compared with their own baseline, a rolling z-score over the last day, instead of a threshold somebody
// guessed. Recording rules keep the baseline's mean and spread per slot; alerts fire on a deviation of more
// than the slot's `anomalyZScore` for 15 minutes. The spread is smoothed by a tenth of the mean, so a
// perfectly steady baseline does not turn a small wobble into an alert.
import { SLOT_LABELS, selector } from "./promql";
import { RECORDED, type AlertingRule, type MonitoredSlot, type RuleGroup } from "./rules";

/** The baseline window: a day, so the usual daily swing is part of the spread. */
export const ANOMALY_BASELINE = "1d";
/** How often the baselines and the anomaly alerts are evaluated. */
export const ANOMALY_INTERVAL = "5m";

/** The signals watched, the recorded series each starts from, and the direction that is an anomaly. */
const SIGNALS = {
  traffic: { source: RECORDED.requestsPerSecond, name: "vllm_requests", both: true },
  ttft: { source: RECORDED.ttftP95, name: "vllm_ttft_p95", both: false },
  errors: { source: RECORDED.errorRatio, name: "vllm_errors", both: false },
} as const;
type Signal = keyof typeof SIGNALS;

/** The recorded baseline series of a signal (labels `model_endpoint`, `slot`). */
export function baselineSeries(signal: Signal) {
  const n = SIGNALS[signal].name;
  return {
    mean: `slot:${n}:avg_${ANOMALY_BASELINE}`,
    spread: `slot:${n}:stddev_${ANOMALY_BASELINE}`,
    zScore: `slot:${n}:zscore_${ANOMALY_BASELINE}`,
  };
}

/** The alert names, one per signal. */
export const ANOMALY_ALERTS = {
  traffic: "ModelSlotTrafficAnomaly",
  ttft: "ModelSlotTimeToFirstTokenAnomaly",
  errors: "ModelSlotErrorRatioAnomaly",
} as const;

/** Below this share of 5xx answers an error "anomaly" is noise (a first error after a clean day). */
export const ANOMALY_MIN_ERROR_RATIO = 0.01;

/** The baseline of every slot's signals: mean and spread over the window, and the z-score. */
export function anomalyRecordingRules(): RuleGroup {
  return {
    name: "genai-platform.vllm.baselines",
    // A day's baseline moves slowly: every 5 minutes is enough, and a fifth of the work.
    interval: ANOMALY_INTERVAL,
    rules: (Object.keys(SIGNALS) as Signal[]).flatMap((signal) => {
      const { source } = SIGNALS[signal];
      const b = baselineSeries(signal);
      return [
        { record: b.mean, expr: `avg_over_time(${source}[${ANOMALY_BASELINE}])` },
        { record: b.spread, expr: `stddev_over_time(${source}[${ANOMALY_BASELINE}])` },
        { record: b.zScore, expr: `(${source} - ${b.mean}) / (${b.spread} + 0.1 * abs(${b.mean}) + 0.001)` },
      ];
    }),
  };
}

/** The anomaly alerts of one slot (none for an idle colour, which serves nothing on purpose). */
export function slotAnomalyAlerts(m: MonitoredSlot): AlertingRule[] {
  if (m.idle) return [];
  const at = selector({ [SLOT_LABELS.endpoint]: m.endpoint, [SLOT_LABELS.slot]: m.slot });
  const z = m.slo.anomalyZScore;
  const where = `${m.endpoint}/${m.slot}`;
  const rule = (signal: Signal, expr: string, what: string): AlertingRule => ({
    alert: ANOMALY_ALERTS[signal],
    expr,
    for: "15m",
    labels: { severity: "warning", endpoint: m.endpoint, slot: m.slot },
    annotations: {
      summary: `${where}: ${what} far from its baseline`,
      description: `${what} of model endpoint ${m.endpoint}, slot ${m.slot} has been more than ${z} standard deviations from its ${ANOMALY_BASELINE} baseline for 15m: an incident, an abuse or a change nobody announced.`,
    },
  });
  const zOf = (signal: Signal) => `max(${baselineSeries(signal).zScore}${at})`;
  return [
    rule("traffic", `abs(${zOf("traffic")}) > ${z}`, "request rate"),
    rule("ttft", `${zOf("ttft")} > ${z}`, "p95 time to first token"),
    rule(
      "errors",
      `${zOf("errors")} > ${z} and max(${RECORDED.errorRatio}${at}) > ${ANOMALY_MIN_ERROR_RATIO}`,
      "share of 5xx answers",
    ),
  ];
}

/** The baselines, then one anomaly alert group per endpoint. */
export function anomalyRuleGroups(slots: readonly MonitoredSlot[]): RuleGroup[] {
  const endpoints = [...new Set(slots.map((s) => s.endpoint))];
  return [
    anomalyRecordingRules(),
    ...endpoints.map((endpoint) => ({
      name: `genai-platform.${endpoint}.anomalies`,
      interval: ANOMALY_INTERVAL,
      rules: slots.filter((s) => s.endpoint === endpoint).flatMap(slotAnomalyAlerts),
    })),
  ];
}

// Anomaly detection in the cluster: an endpoint's request rate and each slot's p95 time to first token and
// 5xx share are compared with their own baseline, a rolling z-score over the last day, instead of a
// threshold somebody guessed. Traffic is watched per endpoint: a blue-green weight shift moves a slot's
// traffic on purpose, the endpoint's stays. One rule group, evaluated in order every 5 minutes: each
// signal cleaned of NaN (a quiet window has no quantile and no ratio, and one NaN would spoil a whole
// day's mean), its day's mean and spread, a z-score whose spread is smoothed by a tenth of the mean (a
// steady day does not turn a wobble into an alert), then the alerts, which read what the same evaluation
// just recorded.
import { SLOT_LABELS, selector } from "./promql";
import { RECORDED, type AlertingRule, type MonitoredSlot, type RecordingRule, type RuleGroup } from "./rules";

/** The baseline window: a day, so the usual daily swing is part of the spread. */
export const ANOMALY_BASELINE = "1d";
/** How often the baselines and the anomaly alerts are evaluated. */
export const ANOMALY_INTERVAL = "5m";

/** The signals watched: the recorded series each starts from, and what it is per (endpoint, or slot). */
const SIGNALS = {
  traffic: {
    level: "endpoint",
    name: "vllm_requests",
    source: `sum by (${SLOT_LABELS.endpoint}) (${RECORDED.requestsPerSecond})`,
  },
  ttft: { level: "slot", name: "vllm_ttft_p95", source: RECORDED.ttftP95 },
  errors: { level: "slot", name: "vllm_errors", source: RECORDED.errorRatio },
} as const;
type Signal = keyof typeof SIGNALS;

/** The recorded series of a signal's baseline (labels `model_endpoint`, and `slot` for slot signals). */
export function baselineSeries(signal: Signal) {
  const { level, name } = SIGNALS[signal];
  return {
    clean: `${level}:${name}:clean`,
    mean: `${level}:${name}:avg_${ANOMALY_BASELINE}`,
    spread: `${level}:${name}:stddev_${ANOMALY_BASELINE}`,
    zScore: `${level}:${name}:zscore_${ANOMALY_BASELINE}`,
  };
}

/** The alert names, one per signal. */
export const ANOMALY_ALERTS = {
  traffic: "ModelEndpointTrafficAnomaly",
  ttft: "ModelSlotTimeToFirstTokenAnomaly",
  errors: "ModelSlotErrorRatioAnomaly",
} as const;

/** Below this share of 5xx answers an error "anomaly" is noise (a first error after a clean day). */
export const ANOMALY_MIN_ERROR_RATIO = 0.01;

/** The baseline of every signal: cleaned of NaN, mean and spread over the window, and the z-score. */
export function anomalyRecordingRules(): RecordingRule[] {
  return (Object.keys(SIGNALS) as Signal[]).flatMap((signal) => {
    const b = baselineSeries(signal);
    return [
      // NaN >= 0 is false: a window without requests leaves a gap, not a NaN, in the baseline.
      { record: b.clean, expr: `${SIGNALS[signal].source} >= 0` },
      { record: b.mean, expr: `avg_over_time(${b.clean}[${ANOMALY_BASELINE}])` },
      { record: b.spread, expr: `stddev_over_time(${b.clean}[${ANOMALY_BASELINE}])` },
      { record: b.zScore, expr: `(${b.clean} - ${b.mean}) / (${b.spread} + 0.1 * abs(${b.mean}) + 0.001)` },
    ];
  });
}

const annotations = (where: string, what: string, z: number) => ({
  summary: `${where}: ${what} far from its baseline`,
  description: `${what} of ${where} has been more than ${z} standard deviations from its ${ANOMALY_BASELINE} baseline for 15m: an incident, an abuse or a change nobody announced.`,
});

/** The anomaly alerts of one slot: TTFT and 5xx share (none for an idle colour, which serves nothing on purpose). */
export function slotAnomalyAlerts(m: MonitoredSlot): AlertingRule[] {
  if (m.idle) return [];
  const at = selector({ [SLOT_LABELS.endpoint]: m.endpoint, [SLOT_LABELS.slot]: m.slot });
  const z = m.slo.anomalyZScore;
  const where = `model endpoint ${m.endpoint}, slot ${m.slot}`;
  const labels = { severity: "warning", endpoint: m.endpoint, slot: m.slot };
  return [
    {
      alert: ANOMALY_ALERTS.ttft,
      expr: `max(${baselineSeries("ttft").zScore}${at}) > ${z}`,
      for: "15m",
      labels,
      annotations: annotations(where, "p95 time to first token", z),
    },
    {
      alert: ANOMALY_ALERTS.errors,
      expr: `max(${baselineSeries("errors").zScore}${at}) > ${z} and max(${RECORDED.errorRatio}${at}) > ${ANOMALY_MIN_ERROR_RATIO}`,
      for: "15m",
      labels,
      annotations: annotations(where, "share of 5xx answers", z),
    },
  ];
}

/** The traffic alert of an endpoint (either way: a burst, or traffic gone), at its slots' strictest z. */
export function endpointTrafficAlert(endpoint: string, z: number): AlertingRule {
  const at = selector({ [SLOT_LABELS.endpoint]: endpoint });
  return {
    alert: ANOMALY_ALERTS.traffic,
    expr: `abs(max(${baselineSeries("traffic").zScore}${at})) > ${z}`,
    for: "15m",
    labels: { severity: "warning", endpoint },
    annotations: annotations(`model endpoint ${endpoint}`, "request rate", z),
  };
}

/** One group, evaluated in order: the baselines, then each endpoint's traffic alert and its slots' alerts. */
export function anomalyRuleGroups(slots: readonly MonitoredSlot[]): RuleGroup[] {
  const serving = slots.filter((s) => !s.idle);
  const endpoints = [...new Set(serving.map((s) => s.endpoint))];
  return [
    {
      name: "genai-platform.vllm.anomalies",
      interval: ANOMALY_INTERVAL,
      rules: [
        ...anomalyRecordingRules(),
        ...endpoints.flatMap((endpoint) => {
          const own = serving.filter((s) => s.endpoint === endpoint);
          return [
            endpointTrafficAlert(endpoint, Math.min(...own.map((s) => s.slo.anomalyZScore))),
            ...own.flatMap(slotAnomalyAlerts),
          ];
        }),
      ],
    },
  ];
}

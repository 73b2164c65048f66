// Anomaly alerts in Azure Monitor: dynamic thresholds, which Azure Monitor learns per time series from its
// history (Microsoft Learn, "Dynamic thresholds in metric alerts", and log search alerts with
// `criterionType: DynamicThresholdCriterion`, API 2025-01-01-preview), on each Azure OpenAI account's and the
// gateway's token usage, 429 answers and latency, and per team on the gateway's token metric. No threshold is
// guessed: the config sets how sensitive they are and how many evaluations must deviate. Pure.

/** The platform metrics watched (Microsoft Learn, supported metrics of Microsoft.CognitiveServices/accounts and
 * Microsoft.ApiManagement/service; checked 2026-12-05). */
export const ANOMALY_METRICS = {
  account: {
    namespace: "Microsoft.CognitiveServices/accounts",
    /** Processed inference tokens (prompt and completion). */
    tokens: "TokenTransaction",
    /** Requests, with the StatusCode dimension. */
    requests: "AzureOpenAIRequests",
    /** Normalized time to first byte, ms: emitted for every deployment type (time to response is not, for Standard). */
    latency: "AzureOpenAINormalizedTTFTInMS",
  },
  gateway: {
    namespace: "Microsoft.ApiManagement/service",
    /** Requests, with the GatewayResponseCode dimension. */
    requests: "Requests",
    /** Overall duration of gateway requests, ms. */
    latency: "Duration",
  },
} as const;

/** The token metric `llm-emit-token-metric` emits (Microsoft Learn, the policy's reference): workspace-based
 * Application Insights keeps it in the AppMetrics table with the policy's dimensions in Properties. */
export const GATEWAY_TOKEN_METRIC = "Total Tokens";

export type Sensitivity = "Low" | "Medium" | "High";
export interface AnomalySettings {
  readonly sensitivity: Sensitivity;
  /** Deviating evaluations needed, of `periods` in a row. */
  readonly violations: number;
  readonly periods: number;
}

/** What one anomaly alert watches: a metric of a resource, filtered, and which way a deviation counts. */
export interface AnomalySignal {
  readonly key: string;
  readonly description: string;
  readonly metricNamespace: string;
  readonly metricName: string;
  readonly aggregation: "Total" | "Average";
  readonly operator: "GreaterThan" | "GreaterOrLessThan";
  readonly dimensions: readonly {
    readonly name: string;
    readonly operator: "Include";
    readonly values: readonly string[];
  }[];
}

/** The signals of an Azure OpenAI account: tokens (a surge or a collapse), 429 answers and latency (a rise). */
export function accountSignals(key: string): AnomalySignal[] {
  const m = ANOMALY_METRICS.account;
  return [
    {
      key: `${key}-tokens-anomaly`,
      description: `Token usage on ${key} far from what Azure Monitor learned of it (a surge or a collapse)`,
      metricNamespace: m.namespace,
      metricName: m.tokens,
      aggregation: "Total",
      operator: "GreaterOrLessThan",
      dimensions: [],
    },
    {
      key: `${key}-throttled-anomaly`,
      // Learned from history: no alert until a series has three days of it (a first burst of 429s is the static ratio alert's).
      description: `429 answers on ${key} above what Azure Monitor learned of them`,
      metricNamespace: m.namespace,
      metricName: m.requests,
      aggregation: "Total",
      operator: "GreaterThan",
      dimensions: [{ name: "StatusCode", operator: "Include", values: ["429"] }],
    },
    {
      key: `${key}-latency-anomaly`,
      description: `Time to first byte on ${key} above what Azure Monitor learned of it`,
      metricNamespace: m.namespace,
      metricName: m.latency,
      aggregation: "Average",
      operator: "GreaterThan",
      dimensions: [],
    },
  ];
}

/** The gateway's signals: 429 answers to clients and request duration (a rise). */
export function gatewaySignals(): AnomalySignal[] {
  const m = ANOMALY_METRICS.gateway;
  return [
    {
      key: "gateway-throttled-anomaly",
      description: "Gateway answers of 429 to clients above what Azure Monitor learned of them",
      metricNamespace: m.namespace,
      metricName: m.requests,
      aggregation: "Total",
      operator: "GreaterThan",
      dimensions: [{ name: "GatewayResponseCode", operator: "Include", values: ["429"] }],
    },
    {
      key: "gateway-latency-anomaly",
      description: "Gateway request duration above what Azure Monitor learned of it",
      metricNamespace: m.namespace,
      metricName: m.latency,
      aggregation: "Average",
      operator: "GreaterThan",
      dimensions: [],
    },
  ];
}

/** A metric alert's dynamic criterion, in the shape monitor.MetricAlert takes. */
export function dynamicCriterion(signal: AnomalySignal, settings: AnomalySettings) {
  return {
    odataType: "Microsoft.Azure.Monitor.MultipleResourceMultipleMetricCriteria" as const,
    allOf: [
      {
        criterionType: "DynamicThresholdCriterion" as const,
        name: signal.key,
        metricNamespace: signal.metricNamespace,
        metricName: signal.metricName,
        timeAggregation: signal.aggregation,
        operator: signal.operator,
        alertSensitivity: settings.sensitivity,
        failingPeriods: {
          numberOfEvaluationPeriods: settings.periods,
          minFailingPeriodsToAlert: settings.violations,
        },
        dimensions: signal.dimensions.map((d) => ({ ...d, values: [...d.values] })),
      },
    ],
  };
}

/** KQL of each team's tokens through the gateway in the window (the token metric's Team dimension). */
export function teamTokensQuery(): string {
  return [
    "AppMetrics",
    `| where Name == ${JSON.stringify(GATEWAY_TOKEN_METRIC)}`,
    '| extend Team = tostring(Properties["Team"])',
    // A time column per row: the alert counts violations over its evaluation periods by it.
    "| summarize Tokens = sum(Sum) by Team, bin(TimeGenerated, 15m)",
  ].join("\n");
}

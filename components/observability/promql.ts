// PromQL over the vLLM metrics, shared by the dashboards and the rules. A blue-green pair serves one
// model name, so a slot is selected by the labels its PodMonitor adds (`model_endpoint`, `slot`), never by
// `model_name`. Metrics renamed across vLLM releases are read as `new or old`: rate() and aggregations
// drop the metric name, so whichever name a server exposes yields the same series.
import { VLLM_STABLE_METRICS, vllmMetricNames } from "../serving/vllmReleases";
import { SLOT_LABELS, selector } from "../serving/metricLabels";

export { SCRAPE_LABELS, SLOT_LABELS, selector } from "../serving/metricLabels";

/** A query builder for one set of matchers, one range and one grouping. */
export interface Scope {
  /** Label matchers, e.g. `{model_endpoint: "chat", slot: "$slot"}`. */
  readonly matchers: Readonly<Record<string, string>>;
  /** The matchers that are regular expressions (`=~`). */
  readonly regex?: readonly string[];
  /** The rate window, e.g. `5m` or `$__rate_interval`. */
  readonly range: string;
  /** Labels kept by aggregations (the slot at least). */
  readonly by: readonly string[];
}

const by = (s: Scope, ...extra: string[]) => `by (${[...s.by, ...extra].join(", ")})`;
const sel = (s: Scope) => selector(s.matchers, s.regex);
const rate = (s: Scope, metric: string) => `rate(${metric}${sel(s)}[${s.range}])`;
/** Rate of the first of `names` a server exposes (`new or old`). */
const rateOfAny = (s: Scope, names: readonly string[]) => names.map((n) => rate(s, n)).join(" or ");

/** Quantile `q` of a histogram, per group, from the first of its names that exists. */
export function quantile(s: Scope, q: number, names: readonly string[]): string {
  const rates = rateOfAny(
    s,
    names.map((n) => `${n}_bucket`),
  );
  return `histogram_quantile(${q}, sum ${by(s, "le")} (${rates}))`;
}

/** The vLLM queries the dashboards show and the rules record. */
export const vllm = {
  ttft: (s: Scope, q: number) => quantile(s, q, [VLLM_STABLE_METRICS.timeToFirstToken]),
  tpot: (s: Scope, q: number) => quantile(s, q, vllmMetricNames("interTokenLatency")),
  e2e: (s: Scope, q: number) => quantile(s, q, [VLLM_STABLE_METRICS.e2eLatency]),
  queueTime: (s: Scope, q: number) => quantile(s, q, [VLLM_STABLE_METRICS.queueTime]),
  /** Finished requests per second. */
  requestsPerSecond: (s: Scope) => `sum ${by(s)} (${rate(s, `${VLLM_STABLE_METRICS.e2eLatency}_count`)})`,
  promptTokensPerSecond: (s: Scope) => `sum ${by(s)} (${rate(s, VLLM_STABLE_METRICS.promptTokens)})`,
  generationTokensPerSecond: (s: Scope) => `sum ${by(s)} (${rate(s, VLLM_STABLE_METRICS.generationTokens)})`,
  running: (s: Scope) => `sum ${by(s)} (${VLLM_STABLE_METRICS.running}${sel(s)})`,
  waiting: (s: Scope) => `sum ${by(s)} (${VLLM_STABLE_METRICS.waiting}${sel(s)})`,
  /** KV-cache usage of the fullest server (0..1). */
  kvCacheUsage: (s: Scope) =>
    vllmMetricNames("kvCacheUsage")
      .map((n) => `max ${by(s)} (${n}${sel(s)})`)
      .join(" or "),
  finishReasons: (s: Scope) => `sum ${by(s, "finished_reason")} (${rate(s, VLLM_STABLE_METRICS.requestSuccess)})`,
  /** Share of API requests answered 5xx (the server's HTTP metrics group status codes as `5xx`). */
  errorRatio: (s: Scope) => {
    const api = (status?: string) =>
      rate(
        {
          ...s,
          matchers: { ...s.matchers, handler: "/v1/.*", ...(status ? { status } : {}) },
          regex: [...(s.regex ?? []), "handler"],
        },
        VLLM_HTTP_REQUESTS,
      );
    return `(sum ${by(s)} (${api("5xx")}) or sum ${by(s)} (${api()}) * 0) / sum ${by(s)} (${api()})`;
  },
  /** Scraped servers that answer. */
  up: (s: Scope) => `sum ${by(s)} (up${sel(s)})`,
} as const;

/** The HTTP request counter vLLM's OpenAI server exposes (labels handler, method, status as `2xx`). */
export const VLLM_HTTP_REQUESTS = "http_requests_total";

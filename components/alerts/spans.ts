// Spans that never arrive: the model servers' spans pass through the in-cluster collector, whose exporter
// sends them on without waiting for an answer (opentelemetry-collector-contrib azuremonitorexporter:
// "fire and forget"), so a refused token, a missing role or a closed ingestion endpoint shows in no pod,
// log or collector metric. The gateway's own log is the witness: calls the vLLM servers answered, against
// the servers' spans that reached Application Insights in the same window. Pure.

/** The prefix of every model server's cloud role (its slot's namespace, components/serving/names.ts). */
export const SERVER_ROLE_PREFIX = "vllm-";

/** The chance, at most, that a delivering collector is reported: no span of `minCalls` calls kept by chance. */
export const MISSING_SPANS_FALSE_ALARM = 0.001;

/**
 * The fewest answered calls for "no span" to mean "not delivered": at least `minRequests`, and enough that,
 * with the servers keeping only the gateway's `samplingPercent` (they follow its sampled flag), none kept by
 * chance is rarer than MISSING_SPANS_FALSE_ALARM. Undefined at 0%: no span is expected, nothing to alert on.
 */
export function missingSpansMinCalls(minRequests: number, samplingPercent: number): number | undefined {
  if (!(samplingPercent > 0)) return undefined;
  const kept = Math.min(samplingPercent, 100) / 100;
  const needed = kept >= 1 ? 1 : Math.ceil(Math.log(MISSING_SPANS_FALSE_ALARM) / Math.log(1 - kept));
  return Math.max(minRequests, needed);
}

/**
 * One row (Calls, Spans) when at least `minCalls` gateway calls in the window were answered (2xx) by a traced
 * vLLM server (by the backend's host) and none of the servers' spans arrived; no row otherwise. A failed or
 * refused call makes no span, so only answered ones count. The rule's window bounds both tables.
 */
export function missingSpansQuery(serverHosts: readonly string[], minCalls: number): string {
  return [
    "let calls = toscalar(ApiManagementGatewayLogs",
    `    | where tostring(parse_url(BackendUrl)["Host"]) in (${serverHosts.map((h) => JSON.stringify(h)).join(", ")})`,
    "    | where BackendResponseCode between (200 .. 299)",
    "    | count);",
    "AppRequests",
    `| where AppRoleName startswith ${JSON.stringify(SERVER_ROLE_PREFIX)}`,
    "| summarize Spans = count()",
    "| extend Calls = calls",
    `| where Calls >= ${minCalls} and Spans == 0`,
  ].join("\n");
}

// Spans that never arrive: the model servers' spans pass through the in-cluster collector, whose exporter
// sends them on without waiting for an answer (opentelemetry-collector-contrib azuremonitorexporter:
// "fire and forget"), so a refused token, a missing role or a closed ingestion endpoint shows in no pod,
// log or collector metric. The gateway's own log is the witness: calls the vLLM servers answered, against
// the servers' spans that reached Application Insights in the same window. Pure.

/** The prefix of every model server's cloud role (its slot's namespace, components/serving/names.ts). */
export const SERVER_ROLE_PREFIX = "vllm-";

/**
 * One row (Calls, Spans) when at least `minCalls` gateway calls in the window went to a vLLM server (by the
 * backend's host) and none of the servers' spans arrived; no row otherwise. The rule's window bounds both tables.
 */
export function missingSpansQuery(serverHosts: readonly string[], minCalls: number): string {
  return [
    "let calls = toscalar(ApiManagementGatewayLogs",
    `    | where tostring(parse_url(BackendUrl)["Host"]) in (${serverHosts.map((h) => JSON.stringify(h)).join(", ")})`,
    "    | count);",
    "AppRequests",
    `| where AppRoleName startswith ${JSON.stringify(SERVER_ROLE_PREFIX)}`,
    "| summarize Spans = count()",
    "| extend Calls = calls",
    `| where Calls >= ${minCalls} and Spans == 0`,
  ].join("\n");
}

// W3C trace context (https://www.w3.org/TR/trace-context/) for the load and smoke tests: each request
// carries a `traceparent` with a trace id of its own, so the gateway (its Application Insights diagnostic
// correlates by W3C) and the backends it calls join it, and "why was this one slow?" is one query away.
import { randomBytes } from "node:crypto";

/** A random trace id: 32 lower-case hex digits, never all zero (the specification's invalid value). */
export function newTraceId(random: (bytes: number) => Buffer = randomBytes): string {
  for (;;) {
    const id = random(16).toString("hex");
    if (!/^0+$/.test(id)) return id;
  }
}

/** The `traceparent` header of one attempt: version 00, the request's trace id, a new parent (span) id, sampled. */
export function traceparent(traceId: string, random: (bytes: number) => Buffer = randomBytes): string {
  if (!/^[0-9a-f]{32}$/.test(traceId) || /^0+$/.test(traceId)) throw new Error(`not a W3C trace id: ${traceId}`);
  let span = random(8).toString("hex");
  while (/^0+$/.test(span)) span = random(8).toString("hex");
  return `00-${traceId}-${span}-01`;
}

/** The KQL that opens one trace in the workspace of workspace-based Application Insights (the gateway's and the servers' spans). */
export function traceQuery(traceId: string): string {
  return `union AppRequests, AppDependencies, AppTraces, AppExceptions | where OperationId == "${traceId}" | order by TimeGenerated asc`;
}

/** The trace ids a person looks up after a run: the slowest requests, and every failed one. */
export function tracesToLookUp<T extends { traceId?: string; e2eMs: number; failure?: unknown }>(
  results: readonly T[],
  slowest = 3,
): { slowest: { traceId: string; e2eMs: number }[]; failed: string[] } {
  const traced = results.filter((r): r is T & { traceId: string } => r.traceId !== undefined);
  return {
    slowest: [...traced]
      .sort((a, b) => b.e2eMs - a.e2eMs)
      .slice(0, slowest)
      .map((r) => ({ traceId: r.traceId, e2eMs: r.e2eMs })),
    failed: traced.filter((r) => r.failure !== undefined).map((r) => r.traceId),
  };
}

/**
 * The trace ids of the slowest requests and of every failed one (at most 20 printed; the JSON has all), and
 * the KQL that opens one in the workspace: "why was this one slow?" is one query away.
 */
export function renderTraces(results: readonly { traceId?: string; e2eMs: number; failure?: unknown }[]): string {
  const { slowest, failed } = tracesToLookUp(results);
  if (slowest.length === 0) return "";
  const shown = failed.slice(0, 20);
  return [
    `slowest requests' traces: ${slowest.map((s) => `${s.traceId} (${Math.round(s.e2eMs)} ms)`).join(", ")}`,
    ...(failed.length > 0
      ? [
          `failed requests' traces: ${shown.join(", ")}${failed.length > shown.length ? `, and ${failed.length - shown.length} more (--json has all)` : ""}`,
        ]
      : []),
    `open one in Log Analytics (the gateway keeps every failed request's trace, and a share of the others): ${traceQuery(failed[0] ?? slowest[0]!.traceId)}`,
    "",
  ].join("\n");
}

// Request traces for the capacity simulator, read as a stream: memory stays flat however long the file.
// The format is the Azure public LLM inference trace's (Azure/AzurePublicDataset, AzureLLMInferenceTrace):
// a header naming TIMESTAMP, ContextTokens and GeneratedTokens (in any order, other columns allowed),
// then one request a line, in arrival order.
import { createReadStream, statSync } from "node:fs";
import { resolve } from "node:path";
import { StringDecoder } from "node:string_decoder";

/** One request of a trace: when it arrived (ms since the trace's first request) and its token counts. */
export interface TraceRequest {
  readonly atMs: number;
  readonly promptTokens: number;
  readonly outputTokens: number;
  /** The calling team and the endpoint called, when the trace has those columns (an export of the gateway's logs). */
  readonly team?: string;
  readonly endpoint?: string;
}

export class TraceError extends Error {}

/** The public hour of Azure LLM inference traffic the project carries, with its attribution (examples/traces/README.md). */
export const SHARED_TRACE = resolve(__dirname, "../../examples/traces/azure-llm-inference-2023-code.csv");

/** The columns a trace must have. */
export const TRACE_COLUMNS = ["TIMESTAMP", "ContextTokens", "GeneratedTokens"] as const;

/** Columns a trace may have: who called what (LOG_ANALYTICS_EXPORT gives the endpoint). */
export const ROUTE_COLUMNS = ["Team", "Endpoint"] as const;

/**
 * A trace of the platform's own traffic, from Log Analytics: the gateway's LLM log (one row a model call,
 * SequenceNumber 0 holds the token counts) joined on CorrelationId to its gateway log for the backend the
 * call went to, whose id names the endpoint (`pool-<endpoint>-<slot>`, `be-<endpoint>-<slot>-...`). The
 * gateway's logs do not name the calling team (a policy variable): `--map` assigns teams per endpoint. The
 * LLM log holds only calls a model answered: requests the gateway refused before any backend (a team's
 * budget, every backend tripped) are missing, so such a trace understates the demand that was refused.
 * Export the result as CSV (Log Analytics: Export, CSV (displayed columns)) and pass it as --trace.
 */
export const LOG_ANALYTICS_EXPORT = `ApiManagementGatewayLlmLog
| where TimeGenerated between (ago(1h) .. now()) and SequenceNumber == 0
| join kind=inner (ApiManagementGatewayLogs | project CorrelationId, BackendId) on CorrelationId
| extend Endpoint = coalesce(extract(@"^pool-(.+)-(?:blue|green)$", 1, BackendId), extract(@"^be-(.+)-(?:blue|green)-", 1, BackendId))
| project TIMESTAMP = format_datetime(TimeGenerated, "yyyy-MM-dd HH:mm:ss.fffffff"), ContextTokens = PromptTokens, GeneratedTokens = CompletionTokens, Endpoint
| order by TIMESTAMP asc`;

/** A line longer than this is not a trace line (a binary file, a file without line breaks). */
export const MAX_TRACE_LINE = 4096;

const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?Z?$/;

/** Milliseconds since the epoch of a trace timestamp (UTC, fractions of a second to the nanosecond), or undefined. */
export function traceTime(text: string): number | undefined {
  const m = TIMESTAMP.exec(text.trim());
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const ms = Date.UTC(year, month - 1, day, hour, minute, second);
  const date = new Date(ms);
  // Date.UTC rolls 2023-02-30 over to March: a day that does not exist is not a timestamp.
  if (date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day || hour > 23 || minute > 59 || second > 59)
    return undefined;
  return ms + Number(`0.${m[7] ?? "0"}`) * 1000;
}

/** More tokens than any model takes or writes in one request: a count above it is not a trace's. */
export const MAX_TOKENS_PER_REQUEST = 10_000_000;

/** The longest span a trace may cover: a month of per-minute utilization is what the reports hold. */
export const MAX_TRACE_SPAN_MS = 31 * 24 * 3_600_000;

function tokens(text: string | undefined, column: string, where: string): number {
  const trimmed = text?.trim() ?? "";
  const value = Number(trimmed);
  if (!/^\d+$/.test(trimmed) || value > MAX_TOKENS_PER_REQUEST)
    throw new TraceError(
      `${where}: ${column} ${JSON.stringify(text ?? "")} is not a whole number of tokens from 0 to ${MAX_TOKENS_PER_REQUEST.toLocaleString("en-US")} (digits only)`,
    );
  return value;
}

/** The lines of a file, streamed; a line over MAX_TRACE_LINE characters is refused. */
async function* lines(path: string): AsyncGenerator<string> {
  const decoder = new StringDecoder("utf8");
  let rest = "";
  let number = 0;
  for await (const chunk of createReadStream(path)) {
    rest += decoder.write(chunk as Buffer);
    let end: number;
    while ((end = rest.indexOf("\n")) >= 0) {
      number++;
      yield rest.slice(0, end).replace(/\r$/, "");
      rest = rest.slice(end + 1);
    }
    if (rest.length > MAX_TRACE_LINE)
      throw new TraceError(`${path}:${number + 1}: a line over ${MAX_TRACE_LINE} characters: not a trace`);
  }
  rest += decoder.end();
  if (rest.length > 0) yield rest.replace(/\r$/, "");
}

/**
 * The requests of the trace at `path`, in arrival order. Refuses, naming the file and line: a missing
 * column, a timestamp that is not one, a timestamp before the previous one, a token count that is not a
 * whole number of 0 or more. A trace without requests is refused too.
 */
export async function* readTrace(path: string): AsyncGenerator<TraceRequest> {
  let columns: Map<string, number> | undefined;
  let teamColumn: number | undefined;
  let endpointColumn: number | undefined;
  let first: number | undefined;
  let previous = -Infinity;
  let line = 0;
  for await (const text of lines(path)) {
    line++;
    const where = `${path}:${line}`;
    if (text.trim() === "") continue;
    const cells = text.split(",");
    if (!columns) {
      columns = new Map(cells.map((c, i) => [c.trim(), i]));
      const missing = TRACE_COLUMNS.filter((c) => !columns!.has(c));
      if (missing.length > 0)
        throw new TraceError(
          `${where}: the header lacks ${missing.join(", ")} (a trace has the columns ${TRACE_COLUMNS.join(", ")})`,
        );
      teamColumn = columns.get("Team");
      endpointColumn = columns.get("Endpoint");
      continue;
    }
    const cell = (c: (typeof TRACE_COLUMNS)[number]) => cells[columns!.get(c)!];
    const stamp = cell("TIMESTAMP");
    const at = stamp === undefined ? undefined : traceTime(stamp);
    if (at === undefined)
      throw new TraceError(
        `${where}: TIMESTAMP ${JSON.stringify(stamp ?? "")} is not a time written YYYY-MM-DD HH:MM:SS[.fraction]`,
      );
    if (at < previous)
      throw new TraceError(
        `${where}: TIMESTAMP ${stamp!.trim()} is before the line above: a trace is in arrival order`,
      );
    previous = at;
    if (first !== undefined && at - first > MAX_TRACE_SPAN_MS)
      throw new TraceError(
        `${where}: TIMESTAMP ${stamp!.trim()} is more than 31 days after the first request: split the trace into months`,
      );
    first ??= at;
    const team = teamColumn === undefined ? undefined : cells[teamColumn]?.trim();
    const endpoint = endpointColumn === undefined ? undefined : cells[endpointColumn]?.trim();
    yield {
      atMs: at - first,
      promptTokens: tokens(cell("ContextTokens"), "ContextTokens", where),
      outputTokens: tokens(cell("GeneratedTokens"), "GeneratedTokens", where),
      ...(team ? { team } : {}),
      ...(endpoint ? { endpoint } : {}),
    };
  }
  if (!columns) throw new TraceError(`${path}: empty: a trace has a header and one request a line`);
  if (first === undefined) throw new TraceError(`${path}: a header and no requests`);
}

/** A trace file at most this large is read once and kept in memory; a larger one is streamed every time. */
export const KEPT_TRACE_BYTES = 16 * 1024 * 1024;
const keptTraces = new Map<string, Promise<TraceRequest[]>>();

/**
 * The requests of the trace at `path` for one replay: a small file (up to KEPT_TRACE_BYTES) read once per
 * process and kept (the sweep and the plan replay it many times), a larger one streamed (memory stays flat).
 */
export function traceRequests(path: string): AsyncIterable<TraceRequest> {
  const { size, mtimeMs } = statSync(path);
  if (size > KEPT_TRACE_BYTES) return readTrace(path);
  const key = `${path}\u0000${size}\u0000${mtimeMs}`;
  let kept = keptTraces.get(key);
  if (!kept) {
    kept = wholeTrace(path);
    keptTraces.set(key, kept);
    if (keptTraces.size > 4) keptTraces.delete(keptTraces.keys().next().value!);
    kept.catch(() => keptTraces.delete(key));
  }
  const requests = kept;
  return (async function* () {
    yield* await requests;
  })();
}

/** A whole trace in memory, for the benchmark and the tests; a simulation streams with readTrace instead. */
export async function wholeTrace(path: string): Promise<TraceRequest[]> {
  const requests: TraceRequest[] = [];
  for await (const r of readTrace(path)) requests.push(r);
  return requests;
}

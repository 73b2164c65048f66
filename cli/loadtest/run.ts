// Drives requests at the gateway, closed-loop (N concurrent clients, each sending its next request when
// its last one ends) or open-loop (requests start on a fixed schedule whatever the answers: closed loops
// hide queueing). Open-loop starts are spaced evenly, so a per-minute limit sees no bursts; a ramp
// raises the rate (or the clients) linearly instead of a sudden spike. Then the summary statistics.
import type { OpenAI } from "openai";
import { compareCodePoints } from "../../components/core/order";
import { succeeded, timedRequest, type RequestResult, type RetryPolicy, type Target } from "./request";

export type LoadMode =
  { readonly kind: "closed"; readonly concurrency: number } | { readonly kind: "open"; readonly rps: number };

export interface LoadOptions {
  readonly mode: LoadMode;
  /** Stop after this many requests, or after `durationSeconds` of starts. */
  readonly requests?: number;
  readonly durationSeconds?: number;
  /** Seconds over which the rate (open) or the clients (closed) rise to the full level. */
  readonly rampSeconds: number;
  readonly stream: boolean;
  readonly maxTokens: number;
  readonly prompts: readonly string[];
  readonly retry: RetryPolicy;
  /** A start later than this behind its schedule counts as late (open loop). */
  readonly lateMs?: number;
  readonly onResult?: (result: RequestResult, done: number) => void;
}

export interface LoadRun {
  readonly results: RequestResult[];
  readonly wallMs: number;
  /** Open loop: starts more than `lateMs` behind schedule (the generator could not keep up). */
  readonly lateStarts: number;
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

/**
 * How many requests an open-loop run of `seconds` starts at `rps` after a ramp of `rampSeconds` (fewer
 * than rps x seconds: the ramp starts from zero): the starts that fall before the end.
 */
export function openLoopRequests(rps: number, rampSeconds: number, seconds: number): number {
  // During the ramp the count is rps t^2 / (2 ramp), after it rps (t - ramp / 2); the starts at 0, 1, ... before t.
  const arrivals =
    seconds <= rampSeconds ? (rps * seconds * seconds) / (2 * rampSeconds) : rps * (seconds - rampSeconds / 2);
  let n = Math.max(0, Math.ceil(arrivals - 1e-9));
  while (n > 0 && openLoopStart(n - 1, rps, rampSeconds) >= seconds * 1000) n--;
  while (openLoopStart(n, rps, rampSeconds) < seconds * 1000) n++;
  return n;
}

/** When the i-th request (from 0) starts, in ms from the run's start, at `rps` with a linear ramp over `rampSeconds`. */
export function openLoopStart(i: number, rps: number, rampSeconds: number): number {
  // Arrivals by time t: rps t^2 / (2 ramp) during the ramp, then rps (t - ramp / 2).
  const duringRamp = (rps * rampSeconds) / 2;
  const seconds =
    rampSeconds > 0 && i < duringRamp ? Math.sqrt((2 * i * rampSeconds) / rps) : i / rps + rampSeconds / 2;
  return seconds * 1000;
}

export async function runLoad(openai: OpenAI, target: Target, options: LoadOptions): Promise<LoadRun> {
  const t0 = performance.now();
  const clock = () => performance.now() - t0;
  const results: RequestResult[] = [];
  const limit = options.requests ?? Number.POSITIVE_INFINITY;
  const until = options.durationSeconds !== undefined ? options.durationSeconds * 1000 : Number.POSITIVE_INFINITY;
  const lateMs = options.lateMs ?? 5;
  let lateStarts = 0;
  let issued = 0;
  const one = async (scheduledAt: number) => {
    const n = issued++;
    const prompt = options.prompts[n % options.prompts.length]!;
    const result = await timedRequest(
      openai,
      target,
      { messages: [{ role: "user", content: prompt }], maxTokens: options.maxTokens, stream: options.stream },
      options.retry,
      clock,
      scheduledAt,
    );
    results.push(result);
    options.onResult?.(result, results.length);
  };

  if (options.mode.kind === "open") {
    const { rps } = options.mode;
    const inFlight: Promise<void>[] = [];
    for (let i = 0; i < limit; i++) {
      const at = openLoopStart(i, rps, options.rampSeconds);
      if (at >= until) break;
      const ahead = at - clock();
      if (ahead > 0) await sleep(ahead);
      if (clock() - at > lateMs) lateStarts++;
      inFlight.push(one(at));
    }
    await Promise.all(inFlight);
  } else {
    const { concurrency } = options.mode;
    const worker = async (k: number) => {
      const start = concurrency > 1 ? (k * options.rampSeconds * 1000) / concurrency : 0;
      if (start > 0) await sleep(start);
      while (issued < limit && clock() < until) await one(clock());
    };
    await Promise.all(Array.from({ length: concurrency }, (_, k) => worker(k)));
  }
  return { results, wallMs: clock(), lateStarts };
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: readonly number[], p: number): number | undefined {
  if (sorted.length === 0) return undefined;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export interface Distribution {
  readonly p50?: number;
  readonly p90?: number;
  readonly p95?: number;
  readonly p99?: number;
  readonly max?: number;
  readonly count: number;
}

export function distribution(values: readonly number[]): Distribution {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted[sorted.length - 1],
    count: sorted.length,
  };
}

export interface SlotSummary {
  readonly requests: number;
  readonly ok: number;
  readonly errorRate: number;
  readonly throttledRate: number;
  readonly retries: number;
  readonly ttftMs: Distribution;
  readonly tpotMs: Distribution;
  readonly e2eMs: Distribution;
  /** Finished requests per second of wall time. */
  readonly rps: number;
  readonly outputTokensPerSecond: number;
  /** Failed requests by kind (cli/loadtest/protocol.ts FailureKind); absent from files written before it was counted. */
  readonly failures?: Readonly<Record<string, number>>;
}

/** Failed requests counted by kind, in the order of the kinds' names. */
export function failuresByKind(results: readonly RequestResult[]): Record<string, number> {
  const counts = new Map<string, number>();
  for (const r of results) if (r.failure !== undefined) counts.set(r.failure, (counts.get(r.failure) ?? 0) + 1);
  return Object.fromEntries([...counts.entries()].sort(([a], [b]) => compareCodePoints(a, b)));
}

/** The summary's key for the slot a result names: "unknown" without one; a gateway naming a slot "all" does not replace the run's total. */
export const slotKey = (r: Pick<RequestResult, "slot">): string =>
  r.slot === undefined ? "unknown" : r.slot === "all" ? '"all" (named by the gateway)' : r.slot;

/** The summary per slot the gateway reported (and `all`), side by side. */
export function summarize(run: LoadRun): { readonly all: SlotSummary } & Readonly<Record<string, SlotSummary>> {
  const seconds = run.wallMs / 1000;
  const of = (results: readonly RequestResult[]): SlotSummary => {
    const ok = results.filter(succeeded);
    return {
      requests: results.length,
      ok: ok.length,
      errorRate: results.length ? (results.length - ok.length) / results.length : 0,
      throttledRate: results.length ? results.filter((r) => r.status === 429).length / results.length : 0,
      retries: results.reduce((sum, r) => sum + r.retries, 0),
      ttftMs: distribution(ok.flatMap((r) => (r.ttftMs !== undefined ? [r.ttftMs] : []))),
      tpotMs: distribution(ok.flatMap((r) => (r.tpotMs !== undefined ? [r.tpotMs] : []))),
      e2eMs: distribution(ok.map((r) => r.e2eMs)),
      rps: seconds > 0 ? ok.length / seconds : 0,
      outputTokensPerSecond: seconds > 0 ? ok.reduce((sum, r) => sum + (r.completionTokens ?? 0), 0) / seconds : 0,
      failures: failuresByKind(results),
    };
  };
  const bySlot = new Map<string, RequestResult[]>();
  for (const r of run.results) {
    const list = bySlot.get(slotKey(r));
    if (list) list.push(r);
    else bySlot.set(slotKey(r), [r]);
  }
  const slots = [...bySlot.keys()].sort();
  return { all: of(run.results), ...Object.fromEntries(slots.map((s) => [s, of(bySlot.get(s)!)])) };
}

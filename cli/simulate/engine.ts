// The capacity simulator's replay: each request of a trace through the planned platform, in arrival order,
// as the gateway's API policy handles it (components/gateway/apiPolicy.ts):
//   1. the team may call the endpoint (else 403), the team's monthly token quota is not spent (else 403)
//      and its token budget for the minute is not spent (else 429): llm-token-limit, counted inbound;
//   2. the weighted draw picks a live slot (slotThresholds; a seeded draw, so runs repeat);
//   3. the slot's pool sends the request to its highest-priority member whose breaker is closed (members of
//      one priority take turns); a member that answers 429 is recorded by its breaker and the next attempt
//      goes to the pool again, up to the policy's retry count; when every member is tripped the client gets
//      429 with the gateway's Retry-After; when the retries run out the client gets the last 429;
//   4. a provisioned deployment admits by Microsoft's utilization algorithm (ptu.ts) and, when it would
//      refuse, spills over natively to its pay-as-you-go twin (paygo.ts); a pay-as-you-go member admits by
//      its TPM and RPM; a vLLM target queues (vllm.ts) and fails only when the wait exceeds the gateway's
//      forward timeout.
// Latency: a served request's TTFT and end-to-end time from the dated latency and throughput tables
// (figures.ts), plus what each refused attempt cost. Requests stream through: only the per-minute
// utilization grows, with the trace's span (at most 31 days, trace.ts).
import { xoroshiro128plus } from "pure-rand/generator/xoroshiro128plus";
import { uniformInt } from "pure-rand/distribution/uniformInt";
import { CircuitBreaker } from "./breaker";
import { PaygoLimiter } from "./paygo";
import { PtuBucket, ptuCost } from "./ptu";
import { VllmServer } from "./vllm";
import { LatencyHistogram } from "./histogram";
import { drawnSlot } from "../../components/gateway/apiPolicy";
import { BACKEND_REFUSAL_MS, FORWARD_TIMEOUT_MS } from "./figures";
import type { BackendModel, PaygoDeploymentModel, PlatformModel, PtuDeploymentModel } from "./platform";
import type { TraceRequest } from "./trace";
import type { Colour } from "../../components/core/colours";

/** A request of the trace, with the team that sends it and the endpoint it calls. */
export interface RoutedRequest extends TraceRequest {
  readonly team: string;
  readonly endpoint: string;
}

/** Where a request went. */
export const OUTCOMES = [
  "ptu",
  "spillover",
  "paygo",
  "vllm",
  "teamLimit",
  "teamQuota",
  "notAllowed",
  "unknownEndpoint",
  "cacheMissLimit",
  "busy",
  "throttled",
  "timeout",
] as const;
export type Outcome = (typeof OUTCOMES)[number];

/** Outcomes in which a model answered. */
export const SERVED: readonly Outcome[] = ["ptu", "spillover", "paygo", "vllm"];

export const OUTCOME_LABEL: Readonly<Record<Outcome, string>> = {
  ptu: "served by PTU",
  spillover: "served by native spillover",
  paygo: "served by pay-as-you-go",
  vllm: "served by vLLM",
  teamLimit: "429 team tokens per minute",
  teamQuota: "403 team monthly quota",
  notAllowed: "403 no team, or endpoint not allowed",
  unknownEndpoint: "404 endpoint not served",
  cacheMissLimit: "429 team calls past the semantic cache",
  busy: "429 every backend tripped",
  throttled: "429 from the backend after retries",
  timeout: "timed out in a vLLM queue",
};

export type OutcomeCounts = Record<Outcome, number>;
const noCounts = (): OutcomeCounts => Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as OutcomeCounts;

export interface DeploymentUsage {
  readonly name: string;
  readonly kind: BackendModel["kind"];
  requests: number;
  promptTokens: number;
  outputTokens: number;
  /** Provisioned deployments: the highest utilization seen in each minute of the trace (1 = 100%). */
  readonly utilizationByMinute: number[];
}

export interface SlotLatency {
  readonly endpoint: string;
  readonly slot: Colour;
  readonly ttft: LatencyHistogram;
  readonly e2e: LatencyHistogram;
}

export interface SimulationResult {
  readonly requests: number;
  /** The trace's span, from its first arrival to its last, ms. */
  readonly spanMs: number;
  readonly outcomes: OutcomeCounts;
  readonly byTeam: ReadonlyMap<string, OutcomeCounts>;
  readonly latency: readonly SlotLatency[];
  readonly deployments: readonly DeploymentUsage[];
}

/** A backend's state during a replay: its model, its limiter, queue or bucket, and what it served. */
interface BackendState {
  readonly model: BackendModel;
  readonly usage: DeploymentUsage;
  readonly bucket?: PtuBucket;
  readonly limiter?: PaygoLimiter;
  readonly server?: VllmServer;
  /** A provisioned deployment's pay-as-you-go twin. */
  twin?: BackendState;
}

interface Member {
  readonly backend: BackendState;
  readonly priority: number;
  readonly breaker: CircuitBreaker;
}

interface Pool {
  /** Members grouped by priority, highest first. */
  readonly groups: readonly Member[][];
  /** Each group's turn counter. */
  readonly turns: number[];
  readonly latency: SlotLatency;
}

type Attempt =
  | { readonly ok: true; readonly outcome: Outcome; readonly ttftMs: number; readonly e2eMs: number }
  | { readonly ok: false; readonly status: 429 | "Timeout"; readonly retryAfterMs?: number };

/** Replays `requests` (in arrival order) through `platform`. */
export async function simulate(
  platform: PlatformModel,
  requests: AsyncIterable<RoutedRequest> | Iterable<RoutedRequest>,
): Promise<SimulationResult> {
  // The slot draw, seeded: a replay repeats exactly.
  const rng = xoroshiro128plus(1);
  const states = new Map<string, BackendState>();
  for (const b of platform.backends.values())
    states.set(b.name, {
      model: b,
      usage: { name: b.name, kind: b.kind, requests: 0, promptTokens: 0, outputTokens: 0, utilizationByMinute: [] },
      ...(b.kind === "ptu" ? { bucket: new PtuBucket(b.ptu, b.figures) } : {}),
      ...(b.kind === "paygo"
        ? { limiter: new PaygoLimiter({ tpm: b.tpm, rpm: b.rpm, rpmWindowMs: b.rpmWindowMs }) }
        : {}),
      ...(b.kind === "vllm" ? { server: new VllmServer(b.replicas, b.speed) } : {}),
    });
  for (const state of states.values())
    if (state.model.kind === "ptu" && state.model.spilloverTo) state.twin = states.get(state.model.spilloverTo);
  const endpoints = new Map(
    platform.endpoints.map((e) => {
      const pools = new Map<Colour, Pool>();
      for (const s of Object.values(e.slots)) {
        const groups: Member[][] = [];
        for (const m of s.members) {
          const member = {
            backend: states.get(m.backend)!,
            priority: m.priority,
            breaker: new CircuitBreaker(m.breaker),
          };
          const last = groups[groups.length - 1];
          if (last && last[0]!.priority === m.priority) last.push(member);
          else groups.push([member]);
        }
        pools.set(s.slot, {
          groups,
          turns: groups.map(() => 0),
          latency: { endpoint: e.name, slot: s.slot, ttft: new LatencyHistogram(), e2e: new LatencyHistogram() },
        });
      }
      return [e.name, { thresholds: e.thresholds, pools }] as const;
    }),
  );
  const teams = new Map(
    platform.teams.map((t) => [
      t.name,
      {
        model: t,
        allowed: new Set(t.endpoints),
        // A per-minute token counter is what llm-token-limit keeps; it has no request limit.
        limiters: t.counters.map(() => new PaygoLimiter({ tpm: t.tokensPerMinute, rpm: Infinity })),
        cacheMisses:
          t.cacheCallsPerMinute !== undefined
            ? new PaygoLimiter({ tpm: Infinity, rpm: t.cacheCallsPerMinute, rpmWindowMs: 60_000 })
            : undefined,
        next: 0,
        spent: 0,
      },
    ]),
  );
  const outcomes = noCounts();
  const byTeam = new Map(platform.teams.map((t) => [t.name, noCounts()]));

  const recordUtilization = (state: BackendState, t: number, value: number) => {
    const minutes = state.usage.utilizationByMinute;
    const minute = Math.floor(t / 60_000);
    while (minutes.length <= minute) minutes.push(0);
    if (value > minutes[minute]!) minutes[minute] = value;
  };
  const countServed = (state: BackendState, r: RoutedRequest) => {
    const u = state.usage;
    u.requests++;
    u.promptTokens += r.promptTokens;
    u.outputTokens += r.outputTokens;
  };
  /** An Azure OpenAI deployment served `r`: counted, with the model's latency. */
  const served = (state: BackendState, r: RoutedRequest, outcome: Outcome): Attempt => {
    countServed(state, r);
    const l = (state.model as PtuDeploymentModel | PaygoDeploymentModel).latency;
    return { ok: true, outcome, ttftMs: l.ttftMs, e2eMs: l.ttftMs + (r.outputTokens * 1_000) / l.tokensPerSecond };
  };

  /** One attempt at one member. */
  const attempt = (state: BackendState, r: RoutedRequest): Attempt => {
    const tokens = r.promptTokens + r.outputTokens;
    if (state.server) {
      const answer = state.server.serve(r.atMs, r.outputTokens, FORWARD_TIMEOUT_MS);
      if (!answer) return { ok: false, status: "Timeout" };
      countServed(state, r);
      return { ok: true, outcome: "vllm", ttftMs: answer.ttftMs, e2eMs: answer.e2eMs };
    }
    if (state.limiter) {
      const answer = state.limiter.admit(r.atMs, tokens);
      return answer.accepted
        ? served(state, r, "paygo")
        : { ok: false, status: 429, retryAfterMs: answer.retryAfterMs };
    }
    const bucket = state.bucket!;
    const model = state.model as PtuDeploymentModel;
    // The trace gives no max_tokens: the estimate is the request's actual cost, so completion corrects nothing.
    const answer = bucket.admit(r.atMs, ptuCost(model.figures, r.promptTokens, r.outputTokens));
    recordUtilization(state, r.atMs, bucket.utilization(r.atMs));
    if (answer.accepted) return served(state, r, "ptu");
    if (state.twin?.limiter) {
      const spill = state.twin.limiter.admit(r.atMs, tokens);
      if (spill.accepted) return served(state.twin, r, "spillover");
      // Both refused: the backend's answer asks for the shorter wait.
      return { ok: false, status: 429, retryAfterMs: Math.min(spill.retryAfterMs, answer.retryAfterMs) };
    }
    return { ok: false, status: 429, retryAfterMs: answer.retryAfterMs };
  };

  /** The pool's pick: the first priority group with a closed breaker, its members in turn. */
  const pick = (pool: Pool, t: number): Member | undefined => {
    for (let g = 0; g < pool.groups.length; g++) {
      const group = pool.groups[g]!;
      for (let k = 0; k < group.length; k++) {
        const member = group[(pool.turns[g]! + k) % group.length]!;
        if (member.breaker.available(t)) {
          pool.turns[g] = (pool.turns[g]! + k + 1) % group.length;
          return member;
        }
      }
    }
    return undefined;
  };

  const route = (r: RoutedRequest): Outcome => {
    // The gateway answers an endpoint it does not serve 404 before it looks at the team.
    const endpoint = endpoints.get(r.endpoint);
    if (!endpoint) return "unknownEndpoint";
    const team = teams.get(r.team);
    if (!team || !team.allowed.has(r.endpoint)) return "notAllowed";
    const tokens = r.promptTokens + r.outputTokens;
    if (team.model.monthlyTokenQuota !== undefined && team.spent >= team.model.monthlyTokenQuota) return "teamQuota";
    const limiter = team.limiters[team.next]!;
    team.next = (team.next + 1) % team.limiters.length;
    if (!limiter.admit(r.atMs, tokens).accepted) return "teamLimit";
    team.spent += tokens;
    // With the semantic cache on, a team's calls past it are limited per minute (rate-limit-by-key); every
    // call is taken as a miss (hits are not modelled).
    if (team.cacheMisses && !team.cacheMisses.admit(r.atMs, 0).accepted) return "cacheMissLimit";
    const pool = endpoint.pools.get(drawnSlot(endpoint.thresholds, uniformInt(rng, 0, 99)))!;
    let delayMs = 0;
    for (let n = 0; n <= platform.retries; n++) {
      const member = pick(pool, r.atMs);
      if (!member) return "busy";
      const answer = attempt(member.backend, r);
      if (answer.ok) {
        pool.latency.ttft.add(delayMs + answer.ttftMs);
        pool.latency.e2e.add(delayMs + answer.e2eMs);
        return answer.outcome;
      }
      // A timeout is forward-request's error, not a response: the retry stops and the client gets the error.
      member.breaker.record(r.atMs, answer.status, answer.retryAfterMs);
      if (answer.status === "Timeout") return "timeout";
      delayMs += BACKEND_REFUSAL_MS;
    }
    return "throttled";
  };

  let count = 0;
  let first: number | undefined;
  let lastAt = 0;
  const provisioned = [...states.values()].filter((s) => s.bucket);
  let minute = -1;
  const step = (r: RoutedRequest) => {
    count++;
    first ??= r.atMs;
    lastAt = r.atMs;
    // Each minute's utilization is sampled at its start too: a deployment whose breaker is open, or a
    // minute without requests, takes none, yet utilization is what it is (draining), not zero.
    const now = Math.floor(r.atMs / 60_000);
    for (let m = minute < 0 ? now : minute + 1; m <= now; m++)
      for (const s of provisioned) recordUtilization(s, m * 60_000, s.bucket!.utilization(m * 60_000));
    minute = now;
    const outcome = route(r);
    outcomes[outcome]++;
    let counts = byTeam.get(r.team);
    if (!counts) byTeam.set(r.team, (counts = noCounts()));
    counts[outcome]++;
  };
  // A trace in memory replays without a turn of the event loop per request; a file streams.
  if (Symbol.iterator in requests) for (const r of requests) step(r);
  else for await (const r of requests) step(r);
  return {
    requests: count,
    spanMs: first === undefined ? 0 : lastAt - first,
    outcomes,
    byTeam,
    latency: [...endpoints.values()].flatMap((e) => [...e.pools.values()].map((p) => p.latency)),
    deployments: [...states.values()].map((b) => b.usage),
  };
}

// What a simulation found, as numbers for machines (the JSON) and as tables a person reads: where the
// requests went, per team, latency per endpoint slot, the provisioned deployments' utilization, and cost.
import { OUTCOMES, OUTCOME_LABEL, SERVED, type Outcome, type SimulationResult } from "./engine";
import { LatencyHistogram } from "./histogram";
import type { SimulatedCost } from "./cost";
import type { PlatformModel } from "./platform";
import { LATENCY_FIGURES_DATE, LATENCY_FIGURES_SOURCE } from "./figures";
import { table } from "../shared/table";

export interface Percentiles {
  readonly p50?: number;
  readonly p95?: number;
  readonly p99?: number;
}

const percentiles = (h: LatencyHistogram): Percentiles => ({
  p50: h.percentile(50),
  p95: h.percentile(95),
  p99: h.percentile(99),
});

/** The client's 429s: the team budget's, every backend tripped, and the backends' after the retries. */
export const CLIENT_429: readonly Outcome[] = ["teamLimit", "busy", "throttled"];

export interface SimulationSummary {
  readonly stack: string;
  readonly trace: string;
  readonly scale: number;
  readonly requests: number;
  readonly minutes: number;
  readonly outcomes: Readonly<Record<Outcome, { count: number; share: number }>>;
  /** Shares of all requests: what the PR summary and the sweep compare. */
  readonly client429Share: number;
  readonly spilloverShare: number;
  readonly ttftMs: Percentiles;
  readonly byTeam: Readonly<Record<string, Readonly<Record<Outcome, number>>>>;
  readonly latency: readonly {
    endpoint: string;
    slot: string;
    served: number;
    ttftMs: Percentiles;
    e2eMs: Percentiles;
  }[];
  readonly provisioned: readonly {
    deployment: string;
    ptu: number;
    peakUtilization: number;
    minutesAtFull: number;
    utilizationByMinute: readonly number[];
  }[];
  readonly deployments: readonly {
    name: string;
    kind: string;
    requests: number;
    promptTokens: number;
    outputTokens: number;
  }[];
  readonly cost: SimulatedCost;
  readonly assumptions: readonly string[];
  readonly figures: { readonly source: string; readonly date: string };
}

const share = (n: number, of: number) => (of === 0 ? 0 : n / of);

export function summarize(
  platform: PlatformModel,
  result: SimulationResult,
  cost: SimulatedCost,
  run: { trace: string; scale: number },
): SimulationSummary {
  const served = new LatencyHistogram();
  for (const l of result.latency) served.merge(l.ttft);
  return {
    stack: platform.stack,
    trace: run.trace,
    scale: run.scale,
    requests: result.requests,
    minutes: result.spanMs / 60_000,
    outcomes: Object.fromEntries(
      OUTCOMES.map((o) => [o, { count: result.outcomes[o], share: share(result.outcomes[o], result.requests) }]),
    ) as SimulationSummary["outcomes"],
    client429Share: share(
      CLIENT_429.reduce((sum, o) => sum + result.outcomes[o], 0),
      result.requests,
    ),
    spilloverShare: share(result.outcomes.spillover, result.requests),
    ttftMs: percentiles(served),
    byTeam: Object.fromEntries([...result.byTeam].map(([team, counts]) => [team, { ...counts }])),
    latency: result.latency.map((l) => ({
      endpoint: l.endpoint,
      slot: l.slot,
      served: l.ttft.count,
      ttftMs: percentiles(l.ttft),
      e2eMs: percentiles(l.e2e),
    })),
    provisioned: result.deployments
      .filter((d) => d.kind === "ptu")
      .map((d) => {
        const b = platform.backends.get(d.name)!;
        return {
          deployment: d.name,
          ptu: b.kind === "ptu" ? b.ptu : 0,
          peakUtilization: Math.max(0, ...d.utilizationByMinute),
          minutesAtFull: d.utilizationByMinute.filter((u) => u >= 1).length,
          utilizationByMinute: d.utilizationByMinute,
        };
      }),
    deployments: result.deployments.map(({ name, kind, requests, promptTokens, outputTokens }) => ({
      name,
      kind,
      requests,
      promptTokens,
      outputTokens,
    })),
    cost,
    assumptions: platform.assumptions,
    figures: { source: LATENCY_FIGURES_SOURCE, date: LATENCY_FIGURES_DATE },
  };
}

export const percent = (x: number) => `${(x * 100).toFixed(1)}%`;
const ms = (v?: number) => (v === undefined ? "-" : Math.round(v).toLocaleString("en-US"));
export const usd = (v: number) => `$${Math.round(v).toLocaleString("en-US")}`;

/** The summary as a person reads it. */
export function renderSummary(s: SimulationSummary): string {
  const outcomes = OUTCOMES.filter((o) => s.outcomes[o].count > 0 || SERVED.includes(o));
  const teams = Object.keys(s.byTeam);
  const happened = OUTCOMES.filter((o) => s.outcomes[o].count > 0);
  const lines = [
    `Simulated stack ${s.stack} with ${s.trace}${s.scale !== 1 ? ` at ${s.scale}x its rate` : ""}: ${s.requests.toLocaleString("en-US")} requests over ${s.minutes.toFixed(1)} min`,
    "",
    "Where the requests went:",
    table(
      ["outcome", "requests", "share"],
      outcomes.map((o) => [
        OUTCOME_LABEL[o],
        s.outcomes[o].count.toLocaleString("en-US"),
        percent(s.outcomes[o].share),
      ]),
    ),
    `Client 429: ${percent(s.client429Share)}; spillover: ${percent(s.spilloverShare)}`,
    "",
    "Per team:",
    table(
      ["team", ...happened.map((o) => OUTCOME_LABEL[o])],
      teams.map((t) => [t, ...happened.map((o) => s.byTeam[t]![o].toLocaleString("en-US"))]),
    ),
    "",
    "Latency of served requests (ms, from the dated figures plus the simulated queueing and retries):",
    table(
      ["endpoint", "slot", "served", "TTFT p50", "TTFT p95", "TTFT p99", "e2e p50", "e2e p95", "e2e p99"],
      s.latency
        .filter((l) => l.served > 0)
        .map((l) => [
          l.endpoint,
          l.slot,
          l.served.toLocaleString("en-US"),
          ms(l.ttftMs.p50),
          ms(l.ttftMs.p95),
          ms(l.ttftMs.p99),
          ms(l.e2eMs.p50),
          ms(l.e2eMs.p95),
          ms(l.e2eMs.p99),
        ]),
    ),
  ];
  if (s.provisioned.length > 0)
    lines.push(
      "",
      "Provisioned deployments (utilization: the highest in each minute):",
      table(
        ["deployment", "PTU", "peak", "minutes at 100%"],
        s.provisioned.map((p) => [p.deployment, p.ptu, percent(p.peakUtilization), p.minutesAtFull]),
      ),
    );
  lines.push(
    "",
    `Cost of the simulated ${(s.cost.hours * 60).toFixed(0)} min and of a month of the same traffic (dated price table):`,
    table(
      ["item", "basis", "window", "month"],
      [
        ...s.cost.rows.map((r) => [
          r.item,
          r.basis,
          r.window === undefined ? "no price" : `$${r.window.toFixed(2)}`,
          r.monthly === undefined ? "no price" : usd(r.monthly),
        ]),
        ["total", "", `$${s.cost.windowTotal.toFixed(2)}`, usd(s.cost.monthlyTotal)],
      ],
    ),
  );
  if (s.assumptions.length > 0) lines.push("", "Assumed for this stack:", ...s.assumptions.map((a) => `  - ${a}`));
  lines.push(`Latency and throughput figures: ${s.figures.source} (${s.figures.date}).`);
  return `${lines.join("\n")}\n`;
}

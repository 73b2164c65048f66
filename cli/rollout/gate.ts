// The rollout gate: before weight moves onto the new colour, a load test (`npm run loadtest -- --json`)
// run against the gateway while both colours served must show the new colour no worse than the old one
// beyond the configured margins: TTFT p95, TPOT p95 (relative) and the error rate (absolute points).
import type { SlotSummary } from "../loadtest/run";
import { type Colour } from "../../components/core/colours";

export interface GateMargins {
  /** How much higher the new colour's p95 time to first token may be, in percent of the old one's. */
  readonly ttftP95Percent: number;
  /** Likewise for the p95 time per output token. */
  readonly tpotP95Percent: number;
  /** How many percentage points higher the new colour's error rate may be. */
  readonly errorRatePoints: number;
}

/** Every reason the load test refuses moving weight from `from` to `to`; empty when it passes. */
export function gateProblems(
  summary: Readonly<Record<string, SlotSummary>>,
  from: Colour,
  to: Colour,
  margins: GateMargins,
): string[] {
  const old = summary[from];
  const next = summary[to];
  const missing = [from, to].filter((c) => !summary[c] || summary[c]!.requests === 0);
  if (missing.length > 0)
    return [
      `the load test has no requests served by ${missing.join(" and ")}: run it while both colours take traffic (the gateway reports the slot per request)`,
    ];
  const problems: string[] = [];
  // Failures the gateway did not attribute (timeouts, refused connections) may be the new colour's.
  const unattributed = summary.unknown;
  if (unattributed && unattributed.errorRate > 0)
    problems.push(
      `${Math.round(unattributed.errorRate * unattributed.requests)} failed requests carry no slot (timeouts or connection errors): the new colour may have caused them`,
    );
  const relative = (what: string, a: number | undefined, b: number | undefined, percent: number) => {
    if (a === undefined || b === undefined)
      return problems.push(`${what}: not measured for both colours (stream the load test to measure it)`);
    const limit = a * (1 + percent / 100);
    if (b > limit)
      problems.push(
        `${what}: ${to} ${b.toFixed(0)} ms is more than ${percent}% above ${from} ${a.toFixed(0)} ms (limit ${limit.toFixed(0)} ms)`,
      );
    return undefined;
  };
  relative("TTFT p95", old!.ttftMs.p95, next!.ttftMs.p95, margins.ttftP95Percent);
  relative("TPOT p95", old!.tpotMs.p95, next!.tpotMs.p95, margins.tpotP95Percent);
  const points = (next!.errorRate - old!.errorRate) * 100;
  if (points > margins.errorRatePoints)
    problems.push(
      `error rate: ${to} ${(next!.errorRate * 100).toFixed(1)}% is ${points.toFixed(1)} points above ${from} ${(old!.errorRate * 100).toFixed(1)}% (margin ${margins.errorRatePoints} points)`,
    );
  return problems;
}

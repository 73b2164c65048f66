// A PTU deployment spilling over to its pay-as-you-go twin (cli/simulate/engine.ts), on the shared hour of
// real Azure traffic.
import { describe, expect, it } from "vitest";
import { PTU_MODELS } from "../components/openai/models";
import { circuitBreaker } from "../components/gateway/backends";
import { AZURE_LATENCY } from "../cli/simulate/figures";
import { simulate, type RoutedRequest } from "../cli/simulate/engine";
import type { PlatformModel } from "../cli/simulate/platform";
import { SHARED_TRACE, wholeTrace } from "../cli/simulate/trace";

const GPT5 = PTU_MODELS["gpt-5"]!;
const sharedTrace = (() => {
  let trace: Promise<RoutedRequest[]> | undefined;
  return () =>
    (trace ??= wholeTrace(SHARED_TRACE).then((rs) => rs.map((r) => ({ ...r, team: "t", endpoint: "chat" }))));
})();

/** One PTU deployment alone in its pool, spilling natively to a twin of `tpm` that is not in the pool. */
function spilling(ptu: number, tpm: number): PlatformModel {
  const common = { model: "gpt-5", latency: AZURE_LATENCY["gpt-5"]! };
  return {
    stack: "test",
    endpoints: [
      {
        name: "chat",
        thresholds: [{ slot: "blue", below: 100 }],
        slots: {
          blue: {
            slot: "blue",
            weight: 100,
            members: [{ backend: "p", priority: 1, breaker: circuitBreaker("azure-openai") }],
          },
        },
      },
    ],
    teams: [{ name: "t", endpoints: ["chat"], tokensPerMinute: Infinity, counters: ["t"] }],
    backends: new Map([
      [
        "p",
        {
          kind: "ptu",
          name: "p",
          ...common,
          deploymentType: "GlobalProvisionedManaged",
          ptu,
          figures: GPT5,
          spilloverTo: "s",
        },
      ],
      [
        "s",
        {
          kind: "paygo",
          name: "s",
          ...common,
          deploymentType: "GlobalStandard",
          tpm,
          rpm: tpm / 100,
          rpmWindowMs: 1_000,
        },
      ],
    ]),
    retries: 0,
    busyRetryAfterMs: 60_000,
    assumptions: [],
  };
}

describe("native spillover from a PTU deployment to its pay-as-you-go twin, on the shared trace", () => {
  it("accounts for every request, and more PTUs never serve fewer on PTU", async () => {
    const requests = await sharedTrace();
    let previous: number | undefined;
    for (const ptu of [15, 50, 100, 200, 400, 800]) {
      const { outcomes } = await simulate(spilling(ptu, 500_000), requests);
      expect(Object.values(outcomes).reduce((a, b) => a + b, 0)).toBe(requests.length);
      if (previous !== undefined) expect(outcomes.ptu).toBeGreaterThanOrEqual(previous);
      previous = outcomes.ptu;
    }
  });

  it("sized for the busiest minute, PTU serves it all; sized for the mean, the bursts spill", async () => {
    const requests = await sharedTrace();
    // The busiest minute's weighted tokens (prompt + 8 x output) over 4,750 a minute per PTU.
    const weighted = new Map<number, number>();
    for (const r of requests) {
      const minute = Math.floor(r.atMs / 60_000);
      weighted.set(minute, (weighted.get(minute) ?? 0) + r.promptTokens + GPT5.outputTokenWeight * r.outputTokens);
    }
    const peak = Math.max(...weighted.values());
    const mean = [...weighted.values()].reduce((a, b) => a + b, 0) / weighted.size;
    const forPeak = await simulate(spilling(Math.ceil(peak / GPT5.inputTpmPerPtu), 2_000_000), requests);
    expect(forPeak.outcomes.ptu).toBe(requests.length);
    const forMean = await simulate(spilling(Math.ceil(mean / GPT5.inputTpmPerPtu), 2_000_000), requests);
    expect(forMean.outcomes.spillover).toBeGreaterThan(0);
    expect(forMean.outcomes.ptu / requests.length).toBeGreaterThan(0.5);
  });
});

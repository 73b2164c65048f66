// A PTU deployment spilling over to its pay-as-you-go twin (cli/simulate/spillover.ts), on the shared
// hour of real Azure traffic.
import { describe, expect, it } from "vitest";
import { PTU_MODELS } from "../components/openai/models";
import { PaygoLimiter } from "../cli/simulate/paygo";
import { PtuBucket } from "../cli/simulate/ptu";
import { replaySpillover } from "../cli/simulate/spillover";
import { SHARED_TRACE, wholeTrace, type TraceRequest } from "../cli/simulate/trace";

const GPT5 = PTU_MODELS["gpt-5"]!;
const sharedTrace = (() => {
  let trace: Promise<TraceRequest[]> | undefined;
  return () => (trace ??= wholeTrace(SHARED_TRACE));
})();

describe("native spillover from a PTU deployment to its pay-as-you-go twin, on the shared trace", () => {
  it("accounts for every request, and more PTUs never serve fewer on PTU or spill more", async () => {
    const requests = await sharedTrace();
    let previous: { ptu: number; spillover: number } | undefined;
    for (const ptu of [15, 50, 100, 200, 400, 800]) {
      const counts = replaySpillover(
        requests,
        new PtuBucket(ptu, GPT5),
        new PaygoLimiter({ tpm: 500_000, rpm: 3_000 }),
        GPT5,
      );
      expect(counts.ptu + counts.spillover + counts.refused).toBe(requests.length);
      if (previous) {
        expect(counts.ptu).toBeGreaterThanOrEqual(previous.ptu);
        expect(counts.spillover).toBeLessThanOrEqual(previous.spillover);
      }
      previous = counts;
    }
  });

  it("sized for the busiest minute, PTU serves it all; sized for the mean, the bursts spill", async () => {
    const requests = await sharedTrace();
    const paygo = () => new PaygoLimiter({ tpm: 2_000_000, rpm: 12_000 });
    // The busiest minute's weighted tokens (prompt + 8 x output) over 4,750 a minute per PTU.
    const weighted = new Map<number, number>();
    for (const r of requests) {
      const minute = Math.floor(r.atMs / 60_000);
      weighted.set(minute, (weighted.get(minute) ?? 0) + r.promptTokens + GPT5.outputTokenWeight * r.outputTokens);
    }
    const peak = Math.max(...weighted.values());
    const mean = [...weighted.values()].reduce((a, b) => a + b, 0) / weighted.size;
    const forPeak = replaySpillover(
      requests,
      new PtuBucket(Math.ceil(peak / GPT5.inputTpmPerPtu), GPT5),
      paygo(),
      GPT5,
    );
    expect(forPeak).toEqual({ ptu: requests.length, spillover: 0, refused: 0 });
    const forMean = replaySpillover(
      requests,
      new PtuBucket(Math.ceil(mean / GPT5.inputTpmPerPtu), GPT5),
      paygo(),
      GPT5,
    );
    expect(forMean.spillover).toBeGreaterThan(0);
    expect(forMean.ptu / requests.length).toBeGreaterThan(0.5);
  });
});

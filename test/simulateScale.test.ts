// `--scale` for the capacity simulator (cli/simulate/scale.ts): deterministic thinning and replication.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { scaleTrace } from "../cli/simulate/scale";
import type { TraceRequest } from "../cli/simulate/trace";

async function* from(requests: TraceRequest[]): AsyncGenerator<TraceRequest> {
  yield* requests;
}
async function scaled(requests: TraceRequest[], factor: number): Promise<TraceRequest[]> {
  const out: TraceRequest[] = [];
  for await (const r of scaleTrace(from(requests), factor)) out.push(r);
  return out;
}

const traces = fc
  .array(fc.tuple(fc.integer({ min: 0, max: 5_000 }), fc.nat(10_000), fc.nat(2_000)), { maxLength: 200 })
  .map((rows) => {
    let t = 0;
    return rows.map(([gap, promptTokens, outputTokens]) => ({ atMs: (t += gap), promptTokens, outputTokens }));
  });

describe("scaling a trace's arrival rate", () => {
  it("turns n requests into floor(n x X), in arrival order, each the size of one in the trace", async () => {
    await fc.assert(
      fc.asyncProperty(traces, fc.double({ min: 0.05, max: 8, noNaN: true }), async (trace, factor) => {
        const out = await scaled(trace, factor);
        expect(out).toHaveLength(Math.floor(trace.length * factor + 1e-9));
        for (let i = 1; i < out.length; i++) expect(out[i]!.atMs).toBeGreaterThanOrEqual(out[i - 1]!.atMs);
        const sizes = new Set(trace.map((r) => `${r.promptTokens}/${r.outputTokens}`));
        for (const r of out) expect(sizes.has(`${r.promptTokens}/${r.outputTokens}`)).toBe(true);
        if (trace.length > 0 && out.length > 0) expect(out.at(-1)!.atMs).toBeLessThanOrEqual(trace.at(-1)!.atMs);
      }),
    );
  });

  it("leaves the trace as it is at 1, is the same every run, and spreads copies between arrivals", async () => {
    const trace = [
      { atMs: 0, promptTokens: 1, outputTokens: 1 },
      { atMs: 900, promptTokens: 2, outputTokens: 2 },
      { atMs: 1_000, promptTokens: 3, outputTokens: 3 },
    ];
    expect(await scaled(trace, 1)).toEqual(trace);
    expect(await scaled(trace, 0.5)).toEqual(await scaled(trace, 0.5));
    expect((await scaled(trace, 3)).map((r) => Math.round(r.atMs * 1000) / 1000)).toEqual([
      0, 300, 600, 900, 933.333, 966.667, 1_000, 1_000, 1_000,
    ]);
  });

  it("refuses a scale that is not above 0", async () => {
    await expect(scaled([], 0)).rejects.toThrow("the scale must be a number above 0, not 0");
    await expect(scaled([], Number.NaN)).rejects.toThrow("not NaN");
  });
});

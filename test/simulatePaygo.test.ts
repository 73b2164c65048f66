// The pay-as-you-go rate limits (cli/simulate/paygo.ts) against cases with known answers.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PaygoLimiter } from "../cli/simulate/paygo";

describe("a pay-as-you-go deployment's TPM and RPM limits", () => {
  it("never refuses traffic spread evenly below both limits", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1_000 }).map((k) => k * 1_000),
        fc.double({ min: 0.05, max: 0.9, noNaN: true }),
        fc.integer({ min: 10, max: 5_000 }),
        (tpm, load, estimate) => {
          const rpm = (tpm / 1_000) * 6;
          const limiter = new PaygoLimiter({ tpm, rpm });
          // Requests evenly spaced at `load` of whichever limit binds first.
          const perMinute = load * Math.min(tpm / estimate, rpm);
          const gap = 60_000 / perMinute;
          fc.pre(gap >= 1_000 / ((rpm * 1_000) / 60_000) && estimate < tpm);
          // The first refusal, if any (an expect per request would cost more than the limiter).
          let refusedAt: number | undefined;
          for (let t = 0; t < 300_000 && refusedAt === undefined; t += gap)
            if (!limiter.admit(t, estimate).accepted) refusedAt = t;
          expect(refusedAt).toBeUndefined();
        },
      ),
      { numRuns: 200 },
    );
  });

  it("counts estimated tokens a minute: once the count reaches TPM, 429 until the minute resets", () => {
    const limiter = new PaygoLimiter({ tpm: 10_000, rpm: 100_000 });
    let accepted = 0;
    let t = 0;
    let answer;
    while ((answer = limiter.admit(t, 3_000)).accepted) (accepted++, (t += 10));
    // 0, 3,000, 6,000, 9,000 are below 10,000: four requests, then the count stands at 12,000.
    expect(accepted).toBe(4);
    expect(answer).toEqual({ accepted: false, limit: "tpm", retryAfterMs: 60_000 - 40 });
    expect(limiter.admit(59_999, 1).accepted).toBe(false);
    expect(limiter.admit(60_000, 3_000).accepted).toBe(true);
  });

  it("evaluates RPM over short periods: at 600 RPM checked each second, the 11th request in a second is refused", () => {
    const limiter = new PaygoLimiter({ tpm: 1_000_000, rpm: 600 });
    const answers = Array.from({ length: 12 }, (_, i) => limiter.admit(5_000 + i, 1));
    expect(answers.filter((a) => a.accepted)).toHaveLength(10);
    expect(answers[10]).toEqual({ accepted: false, limit: "rpm", retryAfterMs: 1_000 - 10 });
    expect(limiter.admit(6_000, 1).accepted).toBe(true);
    // Checked over 10 s, the same limit takes the burst: 100 requests fit in the period.
    const tenSeconds = new PaygoLimiter({ tpm: 1_000_000, rpm: 600, rpmWindowMs: 10_000 });
    expect(Array.from({ length: 12 }, (_, i) => tenSeconds.admit(5_000 + i, 1).accepted).every(Boolean)).toBe(true);
  });

  it("refuses limits that are not ones", () => {
    expect(() => new PaygoLimiter({ tpm: 0, rpm: 6 })).toThrow("needs TPM above 0, not 0");
    expect(() => new PaygoLimiter({ tpm: 1_000, rpm: 0 })).toThrow("needs RPM above 0, not 0");
    expect(() => new PaygoLimiter({ tpm: 1_000, rpm: 6, rpmWindowMs: 7_000 })).toThrow("must divide a minute");
  });
});

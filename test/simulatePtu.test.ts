// The provisioned-throughput utilization model (cli/simulate/ptu.ts) against cases with known answers.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PTU_MODELS } from "../components/openai/models";
import { PtuBucket, ptuCost } from "../cli/simulate/ptu";

const GPT5 = PTU_MODELS["gpt-5"]!;

/** Offers a request of `cost` every `gapMs` for `durationMs`; each completes at once at its estimate. */
function constantRate(bucket: PtuBucket, cost: number, gapMs: number, durationMs: number) {
  let accepted = 0;
  let refused = 0;
  for (let t = 0; t < durationMs; t += gapMs) {
    if (bucket.admit(t, cost).accepted) accepted++;
    else refused++;
  }
  return { accepted, refused };
}

describe("a provisioned deployment's utilization (Microsoft's leaky bucket)", () => {
  it("weighs output tokens by the PTU table's factor", () => {
    expect(ptuCost(GPT5, 1000, 100)).toBe(1000 + 8 * 100);
    expect(ptuCost(GPT5, 1000, 100, 400)).toBe(600 + 800);
  });

  it("never refuses constant traffic below the deployment's rate", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 15, max: 500 }),
        fc.double({ min: 0.05, max: 0.95, noNaN: true }),
        fc.integer({ min: 100, max: 20_000 }),
        (ptu, load, cost) => {
          const bucket = new PtuBucket(ptu, GPT5);
          const perMs = (ptu * GPT5.inputTpmPerPtu * load) / 60_000;
          const gapMs = cost / perMs;
          fc.pre(cost < bucket.size);
          expect(constantRate(bucket, cost, gapMs, 600_000).refused).toBe(0);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("above its rate, accepts the deployment's rate and refuses the rest (k times the rate: 1/k accepted)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 15, max: 500 }), fc.double({ min: 1.2, max: 5, noNaN: true }), (ptu, k) => {
        const bucket = new PtuBucket(ptu, GPT5);
        const cost = 2_000;
        const perMs = (ptu * GPT5.inputTpmPerPtu * k) / 60_000;
        const hour = 3_600_000;
        const { accepted, refused } = constantRate(bucket, cost, cost / perMs, hour);
        // What drains in an hour plus one bucket (the first burst) and one request's overshoot, at most.
        const capacity = (bucket.size * 60 + bucket.size) / cost + 1;
        expect(accepted).toBeLessThanOrEqual(Math.ceil(capacity));
        expect(accepted / (accepted + refused)).toBeCloseTo(1 / k, 1);
      }),
      { numRuns: 100 },
    );
  });

  it("takes a burst until utilization reaches 100%, then answers 429 with the time until it is below again", () => {
    const bucket = new PtuBucket(50, GPT5); // 237,500 input-token equivalents a minute
    const cost = 10_000;
    let accepted = 0;
    let answer;
    while ((answer = bucket.admit(0, cost)).accepted) accepted++;
    // Admitted while below 100%: the 24th takes it from 230,000 to 240,000.
    expect(accepted).toBe(Math.ceil(bucket.size / cost));
    expect(answer).toEqual({ accepted: false, retryAfterMs: Math.floor(((240_000 - 237_500) / 237_500) * 60_000) + 1 });
    // Just before the retry-after time it is still full; at it, it is not.
    expect(bucket.admit(answer.retryAfterMs - 1, cost).accepted).toBe(false);
    expect(bucket.admit(answer.retryAfterMs, cost).accepted).toBe(true);
  });

  it("retry-after-ms is honest: a retry after it is always accepted", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 500 }), fc.integer({ min: 1, max: 50_000 })), {
          minLength: 1,
          maxLength: 300,
        }),
        (requests) => {
          const bucket = new PtuBucket(15, GPT5);
          let t = 0;
          for (const [gap, cost] of requests) {
            t += gap;
            const answer = bucket.admit(t, cost);
            if (!answer.accepted) {
              expect(answer.retryAfterMs).toBeGreaterThan(0);
              expect(bucket.utilization(t + answer.retryAfterMs - 1)).toBeGreaterThan(1 - 1e-9);
              t += answer.retryAfterMs;
              expect(bucket.admit(t, cost).accepted).toBe(true);
            }
          }
        },
      ),
    );
  });

  it("corrects utilization to the actual tokens when a request completes (a generous max_tokens costs only until then)", () => {
    const bucket = new PtuBucket(15, GPT5); // 71,250 a minute
    const estimate = ptuCost(GPT5, 1_000, 4_000); // 33,000 with max_tokens 4,000
    const actual = ptuCost(GPT5, 1_000, 200); // 2,600
    expect(bucket.admit(0, estimate).accepted).toBe(true);
    expect(bucket.admit(0, estimate).accepted).toBe(true);
    expect(bucket.admit(0, estimate).accepted).toBe(true);
    expect(bucket.admit(0, estimate).accepted).toBe(false);
    for (let i = 0; i < 3; i++) bucket.complete(0, estimate, actual);
    expect(bucket.utilization(0)).toBeCloseTo((3 * actual) / bucket.size, 9);
    expect(bucket.admit(0, estimate).accepted).toBe(true);
  });

  it("refuses a deployment without PTUs and time that goes backwards", () => {
    expect(() => new PtuBucket(0, GPT5)).toThrow("needs PTUs above 0, not 0");
    const bucket = new PtuBucket(15, GPT5);
    bucket.admit(1_000, 1);
    expect(() => bucket.admit(999, 1)).toThrow("time went backwards");
  });
});

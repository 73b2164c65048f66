// The gateway's circuit breakers over time (cli/simulate/breaker.ts), built from the specs the gateway's
// backends are created with.
import { describe, expect, it } from "vitest";
import { circuitBreaker } from "../components/gateway/backends";
import { CircuitBreaker } from "../cli/simulate/breaker";

describe("a backend's circuit breaker, from the gateway's own spec", () => {
  it("Azure OpenAI: one 429 trips it for the backend's Retry-After, capped by the trip duration", () => {
    const breaker = new CircuitBreaker(circuitBreaker("azure-openai", "PT1M"));
    expect(breaker.available(0)).toBe(true);
    breaker.record(0, 200);
    expect(breaker.available(1)).toBe(true);
    // Retry-After is whole seconds: 2.5 s of retry-after-ms is 3 s.
    breaker.record(1_000, 429, 2_500);
    expect(breaker.available(3_999)).toBe(false);
    expect(breaker.available(4_000)).toBe(true);
    // A Retry-After of a day is held to the trip duration.
    breaker.record(10_000, 429, 86_400_000);
    expect(breaker.reopensAt).toBe(70_000);
    // Without Retry-After, the trip duration.
    const plain = new CircuitBreaker(circuitBreaker("azure-openai", "PT30S"));
    plain.record(0, 429);
    expect(plain.reopensAt).toBe(30_000);
  });

  it("vLLM: three 5xx or timeouts within 30 s trip it for the trip duration; spread wider, or a 429, they do not", () => {
    const spread = new CircuitBreaker(circuitBreaker("vllm", "PT1M"));
    for (const t of [0, 15_000, 30_000, 45_000]) spread.record(t, 503);
    expect(spread.available(45_001)).toBe(true);
    spread.record(46_000, 429, 1_000);
    expect(spread.available(46_001)).toBe(true);
    const failing = new CircuitBreaker(circuitBreaker("vllm", "PT1M"));
    failing.record(0, 500);
    failing.record(10_000, "Timeout");
    expect(failing.available(10_001)).toBe(true);
    // Retry-After is not accepted on this rule: the trip lasts its full minute.
    failing.record(20_000, 502, 1_000);
    expect(failing.available(79_999)).toBe(false);
    expect(failing.available(80_000)).toBe(true);
  });
});

// A gateway backend's circuit breaker over time, read from the same spec the gateway's Backend resource is
// created with (components/gateway/backends.ts circuitBreaker): a rule trips when `count` answers in its
// status ranges (or its error reasons, such as Timeout) fall within `interval`; a tripped backend takes no
// requests for the trip duration, or for the backend's Retry-After when the rule accepts it (capped by
// the trip duration, as the gateway is configured). Retry-After is a header of whole seconds: a backend's
// retry-after-ms is rounded up to them. Microsoft does not say whether the interval slides
// or is fixed; this model slides it, the stricter reading.
import type { CircuitBreakerSpec } from "../../components/gateway/backends";
import { tripSeconds } from "../../components/gateway/config";

/** What a backend answered: an HTTP status, or an error reason the breaker may count. */
export type BackendOutcome = number | "Timeout";

interface Rule {
  readonly count: number;
  readonly intervalMs: number;
  readonly tripMs: number;
  readonly acceptRetryAfter: boolean;
  counts(outcome: BackendOutcome): boolean;
  failures: number[];
}

export class CircuitBreaker {
  private readonly rules: Rule[];
  private trippedUntil = -Infinity;

  constructor(spec: CircuitBreakerSpec) {
    this.rules = spec.rules.map((r) => ({
      count: r.failureCondition.count,
      intervalMs: tripSeconds(r.failureCondition.interval) * 1000,
      tripMs: tripSeconds(r.tripDuration) * 1000,
      acceptRetryAfter: r.acceptRetryAfter,
      counts: (outcome) =>
        typeof outcome === "number"
          ? r.failureCondition.statusCodeRanges.some((range) => outcome >= range.min && outcome <= range.max)
          : (r.failureCondition.errorReasons ?? []).includes(outcome),
      failures: [],
    }));
  }

  /** Whether the backend takes requests at `t` (ms). */
  available(t: number): boolean {
    return t >= this.trippedUntil;
  }

  /** When the backend takes requests again (ms), or -Infinity when it was never tripped. */
  get reopensAt(): number {
    return this.trippedUntil;
  }

  /** The backend answered at `t`; `retryAfterMs` is its Retry-After, if it sent one. */
  record(t: number, outcome: BackendOutcome, retryAfterMs?: number): void {
    for (const rule of this.rules) {
      if (!rule.counts(outcome)) continue;
      rule.failures.push(t);
      while (rule.failures.length > 0 && rule.failures[0]! <= t - rule.intervalMs) rule.failures.shift();
      if (rule.failures.length < rule.count) continue;
      const tripMs =
        rule.acceptRetryAfter && retryAfterMs !== undefined
          ? Math.min(Math.ceil(retryAfterMs / 1000) * 1000, rule.tripMs)
          : rule.tripMs;
      this.trippedUntil = Math.max(this.trippedUntil, t + tripMs);
      rule.failures = [];
    }
  }
}

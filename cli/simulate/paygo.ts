// Azure OpenAI's rate limits for a pay-as-you-go (Standard) deployment, as Microsoft documents them.
// Source: Microsoft Learn, "Manage Azure OpenAI quota", section "Understanding rate limits"
// (azure-ai-docs, articles/ai-foundry/openai/how-to/quota.md):
//   - TPM: each request's estimated max processed tokens (prompt, max_tokens, best_of) is added to a
//     running count that is reset each minute; once the count reaches the limit, further requests get 429
//     until it resets;
//   - RPM: evaluated over a small period, "typically 1 or 10 seconds": more requests in that period than
//     the RPM limit allows for it get 429 until the next period. (Microsoft's example: at 600 RPM checked
//     each second, the 11th request in a second is refused.)
// The RPM limit per 1,000 TPM differs by model; the caller gives it (it is not always 6).

/** The answer to a request: accepted, or refused with 429 and how long until a period resets. */
export type RateAnswer =
  | { readonly accepted: true }
  | { readonly accepted: false; readonly limit: "tpm" | "rpm"; readonly retryAfterMs: number };

export interface PaygoLimits {
  /** Tokens per minute. */
  readonly tpm: number;
  /** Requests per minute. */
  readonly rpm: number;
  /** The period RPM is evaluated over, ms (1,000 or 10,000). */
  readonly rpmWindowMs?: number;
}

/** One pay-as-you-go deployment's limits over time. Times are ms from the simulation's start (a minute boundary). */
export class PaygoLimiter {
  private readonly windowMs: number;
  private readonly requestsPerWindow: number;
  private minute = -1;
  private tokens = 0;
  private window = -1;
  private requests = 0;

  constructor(private readonly limits: PaygoLimits) {
    if (!(limits.tpm > 0)) throw new RangeError(`a pay-as-you-go deployment needs TPM above 0, not ${limits.tpm}`);
    if (!(limits.rpm > 0)) throw new RangeError(`a pay-as-you-go deployment needs RPM above 0, not ${limits.rpm}`);
    this.windowMs = limits.rpmWindowMs ?? 1_000;
    if (this.windowMs <= 0 || 60_000 % this.windowMs !== 0)
      throw new RangeError(`the RPM period must divide a minute, not ${this.windowMs} ms`);
    this.requestsPerWindow = (limits.rpm * this.windowMs) / 60_000;
  }

  /** A request arriving at `t` whose estimated max processed tokens are `estimate`. */
  admit(t: number, estimate: number): RateAnswer {
    const minute = Math.floor(t / 60_000);
    if (minute !== this.minute) {
      this.minute = minute;
      this.tokens = 0;
    }
    const window = Math.floor(t / this.windowMs);
    if (window !== this.window) {
      this.window = window;
      this.requests = 0;
    }
    if (this.tokens >= this.limits.tpm)
      return { accepted: false, limit: "tpm", retryAfterMs: (minute + 1) * 60_000 - t };
    if (this.requests >= this.requestsPerWindow)
      return { accepted: false, limit: "rpm", retryAfterMs: (window + 1) * this.windowMs - t };
    this.tokens += estimate;
    this.requests++;
    return { accepted: true };
  }
}

// Azure OpenAI's utilization algorithm for a provisioned (PTU) deployment, as Microsoft documents it: a
// variation of the leaky bucket. Source: Microsoft Learn, "Get started with provisioned deployments in
// Microsoft Foundry", section "How utilization works" (ms.date 2026-04-10):
//   1. a request that arrives while utilization is at 100% is refused at once with 429 and retry-after-ms
//      (the time until utilization is below 100% again);
//   2. otherwise its estimated cost (prompt tokens less cached ones, plus max_tokens) is added;
//   3. when it completes, utilization is corrected to the actual tokens;
//   4. utilization drains continuously at a rate proportional to the deployed PTUs.
// Costs are in input-token equivalents: an output token weighs `outputTokenWeight` input tokens and one
// PTU drains `inputTpmPerPtu` per minute (the dated PTU table, components/openai/models.ts).
// Microsoft does not publish the bucket's size. This model takes one minute of the deployment's
// throughput (what "tokens per minute per PTU" measures), so a deployment absorbs a burst of up to one
// minute's worth of tokens above its steady rate before it throttles.
import type { PtuModelFigures } from "../../components/openai/models";

/** What one request costs a provisioned deployment, in input-token equivalents. */
export function ptuCost(
  figures: Pick<PtuModelFigures, "outputTokenWeight">,
  promptTokens: number,
  outputTokens: number,
  cachedTokens = 0,
): number {
  return Math.max(0, promptTokens - cachedTokens) + figures.outputTokenWeight * outputTokens;
}

/** The answer to a request: accepted, or refused with 429 and how long until utilization is below 100%. */
export type Admission = { readonly accepted: true } | { readonly accepted: false; readonly retryAfterMs: number };

/** One provisioned deployment's utilization over time. Times are milliseconds and never go backwards. */
export class PtuBucket {
  /** Input-token equivalents drained per millisecond. */
  private readonly drainPerMs: number;
  /** The bucket's size: utilization 100%. */
  readonly size: number;
  private level = 0;
  private at = 0;

  constructor(ptu: number, figures: Pick<PtuModelFigures, "inputTpmPerPtu">) {
    if (!(ptu > 0)) throw new RangeError(`a provisioned deployment needs PTUs above 0, not ${ptu}`);
    this.size = ptu * figures.inputTpmPerPtu;
    this.drainPerMs = this.size / 60_000;
  }

  private advance(t: number): void {
    if (t < this.at) throw new RangeError(`time went backwards: ${t} ms after ${this.at} ms`);
    this.level = Math.max(0, this.level - (t - this.at) * this.drainPerMs);
    this.at = t;
  }

  /** Utilization at time `t` (1 = 100%; it may exceed 1 for a while after a burst). */
  utilization(t: number): number {
    this.advance(t);
    return this.level / this.size;
  }

  /** A request arriving at `t` with estimated cost `estimate` (prompt tokens and max_tokens weighted). */
  admit(t: number, estimate: number): Admission {
    this.advance(t);
    if (this.level >= this.size)
      return { accepted: false, retryAfterMs: Math.floor((this.level - this.size) / this.drainPerMs) + 1 };
    this.level += estimate;
    return { accepted: true };
  }

  /** An accepted request completing at `t`: its estimate corrected to what it actually cost. */
  complete(t: number, estimate: number, actual: number): void {
    this.advance(t);
    this.level = Math.max(0, this.level + actual - estimate);
  }
}

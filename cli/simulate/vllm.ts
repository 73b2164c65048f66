// A vLLM target's replicas as the simulator models them: each replica serves up to `concurrency` requests
// at once, each at the per-request speed measured at that concurrency (the dated throughput table,
// cli/simulate/figures.ts); a request that finds every seat taken waits for the first to free (vLLM
// queues rather than refusing), then takes the measured TTFT and its output tokens at the measured speed.

/** How fast one replica serves at its concurrency. */
export interface ReplicaSpeed {
  /** Requests one replica serves at once. */
  readonly concurrency: number;
  /** Time to first token once a request has a seat, ms, at that concurrency. */
  readonly ttftMs: number;
  /** Milliseconds per output token of one request at that concurrency. */
  readonly msPerOutputToken: number;
}

export interface VllmAnswer {
  /** Time spent waiting for a seat, ms. */
  readonly waitMs: number;
  readonly ttftMs: number;
  readonly e2eMs: number;
}

/** The seats of every replica of a target, as a min-heap of the times they free. */
export class VllmServer {
  private readonly heap: number[];

  constructor(
    replicas: number,
    private readonly speed: ReplicaSpeed,
  ) {
    if (!(replicas >= 1) || !(speed.concurrency >= 1))
      throw new RangeError(`a vLLM target needs replicas and concurrency of 1 or more`);
    this.heap = new Array<number>(replicas * speed.concurrency).fill(-Infinity);
  }

  /** What a request arriving at `t` waits and takes, if it is taken: not when its wait exceeds `timeoutMs`. */
  serve(t: number, outputTokens: number, timeoutMs: number): VllmAnswer | undefined {
    const free = this.heap[0]!;
    const waitMs = Math.max(0, free - t);
    if (waitMs > timeoutMs) return undefined;
    const ttftMs = waitMs + this.speed.ttftMs;
    const e2eMs = ttftMs + outputTokens * this.speed.msPerOutputToken;
    this.replaceTop(t + e2eMs);
    return { waitMs, ttftMs, e2eMs };
  }

  private replaceTop(value: number): void {
    const h = this.heap;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= h.length) break;
      const r = l + 1;
      const c = r < h.length && h[r]! < h[l]! ? r : l;
      if (h[c]! >= value) break;
      h[i] = h[c]!;
      i = c;
    }
    h[i] = value;
  }
}

// Latency percentiles in constant memory, whatever the trace's length: values (ms) go into buckets that
// grow by 1% each, so a percentile is exact to within 1% (the bucket's upper edge is reported). Values
// from 0 to 1 ms share the first bucket; the last one holds everything from about 11.6 days up.
const GROWTH = 1.01;
const LOG_GROWTH = Math.log(GROWTH);
/** Buckets up to 1e9 ms. */
const BUCKETS = Math.ceil(Math.log(1e9) / LOG_GROWTH) + 1;

const upperEdge = (bucket: number) => (bucket === 0 ? 1 : GROWTH ** bucket);

export class LatencyHistogram {
  private readonly counts = new Float64Array(BUCKETS);
  private total = 0;
  private largest = 0;

  add(ms: number): void {
    const bucket = ms <= 1 ? 0 : Math.min(BUCKETS - 1, Math.ceil(Math.log(ms) / LOG_GROWTH));
    this.counts[bucket]!++;
    this.total++;
    if (ms > this.largest) this.largest = ms;
  }

  /** Adds every value of `other` (for percentiles over several slots). */
  merge(other: LatencyHistogram): this {
    for (let b = 0; b < BUCKETS; b++) this.counts[b]! += other.counts[b]!;
    this.total += other.total;
    this.largest = Math.max(this.largest, other.largest);
    return this;
  }

  get count(): number {
    return this.total;
  }

  /** The value at or below which `p` percent of the values lie (nearest rank, to within 1%), or undefined when empty. */
  percentile(p: number): number | undefined {
    if (this.total === 0) return undefined;
    const rank = Math.max(1, Math.ceil((p / 100) * this.total));
    let seen = 0;
    for (let b = 0; b < BUCKETS; b++) {
      seen += this.counts[b]!;
      if (seen >= rank) return Math.min(this.largest, upperEdge(b));
    }
    return this.largest;
  }

  /** The non-empty buckets' upper edges and counts, in order: the latency chart's bars. */
  buckets(): { upToMs: number; count: number }[] {
    const out: { upToMs: number; count: number }[] = [];
    for (let b = 0; b < BUCKETS; b++)
      if (this.counts[b]! > 0) out.push({ upToMs: upperEdge(b), count: this.counts[b]! });
    return out;
  }
}

// `--scale X` for the capacity simulator: the same traffic at X times its arrival rate, deterministically.
// Below 1 it thins (request i is kept when floor((i + 1) X) > floor(i X): an even share, no randomness);
// above 1 it replicates (request i becomes floor((i + 1) X) - floor(i X) requests of its size, spread
// evenly between its arrival and the next one's, so replication adds no burst the trace did not have).
// Either way n requests become floor(n X), in arrival order.
import type { TraceRequest } from "./trace";

export async function* scaleTrace(requests: AsyncIterable<TraceRequest>, factor: number): AsyncGenerator<TraceRequest> {
  if (!(factor > 0) || !Number.isFinite(factor))
    throw new RangeError(`the scale must be a number above 0, not ${factor}`);
  let index = 0;
  let held: TraceRequest | undefined;
  const copies = (i: number) => Math.floor((i + 1) * factor + 1e-9) - Math.floor(i * factor + 1e-9);
  function* spread(r: TraceRequest, i: number, nextAt: number): Generator<TraceRequest> {
    const k = copies(i);
    for (let j = 0; j < k; j++) yield j === 0 ? r : { ...r, atMs: r.atMs + ((nextAt - r.atMs) * j) / k };
  }
  for await (const r of requests) {
    if (held) yield* spread(held, index++, r.atMs);
    held = r;
  }
  // The last request has no next one: its copies arrive with it.
  if (held) yield* spread(held, index, held.atMs);
}

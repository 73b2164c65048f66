// The load test's pictures, as SVG a person opens in a browser or a PR: a latency histogram (TTFT and
// end-to-end) and TTFT/TPOT over the run, one colour per slot. d3 computes scales, bins and paths; the
// shared XML renderer writes the document.
import { bin, max } from "d3-array";
import { scaleLinear } from "d3-scale";
import { element as el } from "../../components/core/xml";
import { HEIGHT, M, WIDTH, axes, colour, frame } from "../shared/svgChart";
import { succeeded, type RequestResult } from "./request";
import { slotKey } from "./run";
import { compareCodePoints } from "../../components/core/order";

const bySlot = (results: readonly RequestResult[]) => {
  const slots = new Map<string, RequestResult[]>();
  for (const r of results) {
    if (!succeeded(r)) continue;
    const list = slots.get(slotKey(r));
    if (list) list.push(r);
    else slots.set(slotKey(r), [r]);
  }
  return [...slots.entries()].sort(([a], [b]) => compareCodePoints(a, b));
};

/** Histogram of a latency (ms) per slot, as outlined step lines over shared bins. */
export function latencyHistogram(results: readonly RequestResult[], metric: "ttftMs" | "e2eMs", title: string): string {
  const slots = bySlot(results);
  const values = slots.flatMap(([, rs]) => rs.flatMap((r) => (r[metric] !== undefined ? [r[metric]!] : [])));
  const x = scaleLinear()
    .domain([0, max(values) ?? 1])
    .nice()
    .range([M.left, WIDTH - M.right]);
  const binner = bin()
    .domain(x.domain() as [number, number])
    .thresholds(x.ticks(40));
  const series = slots.map(([slot, rs]) => ({
    slot,
    bins: binner(rs.flatMap((r) => (r[metric] !== undefined ? [r[metric]!] : []))),
  }));
  const y = scaleLinear()
    .domain([0, max(series.flatMap((s) => s.bins.map((b) => b.length))) ?? 1])
    .nice()
    .range([HEIGHT - M.bottom, M.top]);
  const bars = series.flatMap((s, i) =>
    s.bins
      .filter((b) => b.length > 0)
      .map((b) => {
        const x0 = x(b.x0 ?? 0);
        const w = Math.max(1, (x(b.x1 ?? 0) - x0) / series.length - 1);
        return el("rect", {
          x: x0 + i * w,
          y: y(b.length),
          width: w,
          height: y(0) - y(b.length),
          fill: colour(s.slot),
          "fill-opacity": 0.7,
        });
      }),
  );
  return frame(
    title,
    [...axes(x, y, "milliseconds", "requests"), ...bars],
    series.map((s) => `${s.slot} (${s.bins.reduce((n, b) => n + b.length, 0)})`),
  );
}

/** TTFT and TPOT of each request against its start time, per slot. */
export function overTime(results: readonly RequestResult[], metric: "ttftMs" | "tpotMs", title: string): string {
  const slots = bySlot(results);
  const points = slots.flatMap(([, rs]) =>
    rs.flatMap((r) => (r[metric] !== undefined ? [{ t: r.startedAt / 1000, v: r[metric]! }] : [])),
  );
  const x = scaleLinear()
    .domain([0, max(points, (p) => p.t) ?? 1])
    .nice()
    .range([M.left, WIDTH - M.right]);
  const y = scaleLinear()
    .domain([0, max(points, (p) => p.v) ?? 1])
    .nice()
    .range([HEIGHT - M.bottom, M.top]);
  const dots = slots.flatMap(([slot, rs]) =>
    rs.flatMap((r) =>
      r[metric] !== undefined
        ? [
            el("circle", {
              cx: x(r.startedAt / 1000),
              cy: y(r[metric]!),
              r: 2,
              fill: colour(slot),
              "fill-opacity": 0.6,
            }),
          ]
        : [],
    ),
  );
  return frame(
    title,
    [...axes(x, y, "seconds into the run (request start)", "milliseconds"), ...dots],
    slots.map(([slot, rs]) => `${slot} (${rs.length})`),
  );
}

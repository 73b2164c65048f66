// The simulator's pictures (SVG): provisioned utilization over the trace, the latency distribution per
// endpoint slot, and where the requests went. Drawn in the command line's shared chart frame.
import { max } from "d3-array";
import { scaleLinear, scaleLog } from "d3-scale";
import { element as el } from "../../components/core/xml";
import { HEIGHT, M, WIDTH, axes, frame } from "../shared/svgChart";
import { OUTCOMES, OUTCOME_LABEL, SERVED, type SimulationResult } from "./engine";
import type { SimulationSummary } from "./report";

const PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"];
const paint = (i: number) => PALETTE[i % PALETTE.length]!;

/** Each provisioned deployment's highest utilization per minute, against the 100% line. */
export function utilizationChart(s: SimulationSummary): string {
  const minutes = Math.max(1, ...s.provisioned.map((p) => p.utilizationByMinute.length));
  const x = scaleLinear()
    .domain([0, minutes])
    .range([M.left, WIDTH - M.right]);
  const y = scaleLinear()
    .domain([0, Math.max(1.2, ...s.provisioned.map((p) => p.peakUtilization)) * 100])
    .nice()
    .range([HEIGHT - M.bottom, M.top]);
  const lines = s.provisioned.map((p, i) =>
    el("polyline", {
      points: p.utilizationByMinute.map((u, m) => `${x(m + 0.5).toFixed(1)},${y(u * 100).toFixed(1)}`).join(" "),
      fill: "none",
      stroke: paint(i),
      "stroke-width": 1.5,
    }),
  );
  const full = el("line", {
    x1: M.left,
    x2: WIDTH - M.right,
    y1: y(100),
    y2: y(100),
    stroke: "#d62728",
    "stroke-dasharray": "4 3",
  });
  return frame(
    "Provisioned utilization (highest each minute; 429 from 100%)",
    [...axes(x, y, "minutes into the trace", "utilization %"), full, ...lines],
    s.provisioned.map((p) => `${p.deployment} (${p.ptu} PTU)`),
    s.provisioned.map((_, i) => paint(i)),
  );
}

/** Time to first token of served requests per endpoint slot (a log scale: queueing makes long tails). */
export function latencyChart(result: SimulationResult): string {
  if (result.latency.every((l) => l.ttft.count === 0))
    return frame(
      "Time to first token of served requests",
      [
        el(
          "text",
          { x: WIDTH / 2, y: HEIGHT / 2, "font-size": 14, "text-anchor": "middle" },
          [],
          "no request was served",
        ),
      ],
      [],
    );
  const series = result.latency
    .filter((l) => l.ttft.count > 0)
    .map((l) => ({ name: `${l.endpoint}/${l.slot}`, buckets: l.ttft.buckets() }));
  const all = series.flatMap((s) => s.buckets);
  const x = scaleLog()
    .domain([Math.max(1, Math.min(...all.map((b) => b.upToMs), 1_000)), Math.max(10, ...all.map((b) => b.upToMs))])
    .nice()
    .range([M.left, WIDTH - M.right]);
  const y = scaleLinear()
    .domain([0, max(all, (b) => b.count) ?? 1])
    .nice()
    .range([HEIGHT - M.bottom, M.top]);
  const bars = series.flatMap((s, i) =>
    s.buckets.map((b) =>
      el("rect", {
        x: x(b.upToMs) - 2 + i * 2,
        y: y(b.count),
        width: 3,
        height: y(0) - y(b.count),
        fill: paint(i),
        "fill-opacity": 0.8,
      }),
    ),
  );
  return frame(
    "Time to first token of served requests",
    [...axes(x, y, "milliseconds (log scale)", "requests"), ...bars],
    series.map((s) => s.name),
    series.map((_, i) => paint(i)),
  );
}

/** How many requests each outcome took: served (blue) and refused (red). */
export function outcomesChart(s: SimulationSummary): string {
  const rows = OUTCOMES.filter((o) => s.outcomes[o].count > 0);
  const x = scaleLinear()
    .domain([0, Math.max(1, ...rows.map((o) => s.outcomes[o].count))])
    .nice()
    .range([M.left + 200, WIDTH - M.right - 60]);
  const band = (HEIGHT - M.top - M.bottom) / Math.max(rows.length, 1);
  const bars = rows.flatMap((o, i) => {
    const top = M.top + i * band;
    const n = s.outcomes[o].count;
    return [
      el(
        "text",
        { x: M.left + 195, y: top + band / 2 + 4, "font-size": 11, "text-anchor": "end" },
        [],
        OUTCOME_LABEL[o],
      ),
      el("rect", {
        x: x(0),
        y: top + 2,
        width: Math.max(1, x(n) - x(0)),
        height: Math.max(2, band - 4),
        fill: SERVED.includes(o) ? "#1f77b4" : "#d62728",
      }),
      el(
        "text",
        { x: x(n) + 4, y: top + band / 2 + 4, "font-size": 11 },
        [],
        `${n} (${(s.outcomes[o].share * 100).toFixed(1)}%)`,
      ),
    ];
  });
  return frame(`Where ${s.requests} requests went`, bars, []);
}

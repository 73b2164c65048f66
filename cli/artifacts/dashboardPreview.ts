// A dashboard's preview as SVG, so a reviewer sees in the PR what Grafana will show: every row and
// panel of the JSON model, each query drawn from a small synthetic data set (seeded, so the file is the
// same on every run). The numbers are illustrative, never live metrics, and the picture says so.
import { xoroshiro128plus } from "pure-rand/generator/xoroshiro128plus";
import { uniformFloat64 } from "pure-rand/distribution/uniformFloat64";
import { scaleLinear } from "d3-scale";
import { line } from "d3-shape";
import { element as el, renderXml, type XmlNode } from "../../components/core/xml";

interface GrafanaTarget {
  expr?: string;
  legendFormat?: string;
  azureMonitor?: { alias?: string };
  /** A log query names its series by its columns, which a preview cannot know: it draws one, named by the panel. */
  azureLogAnalytics?: { query?: string };
}
interface GrafanaPanel {
  type: string;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  fieldConfig?: { defaults?: { unit?: string } };
  targets?: GrafanaTarget[];
}
interface GrafanaDashboard {
  title: string;
  panels: GrafanaPanel[];
  templating?: { list?: { name: string; query: string }[] };
}

const WIDTH = 1200;
const UNIT_PX = WIDTH / 24;
const ROW_PX = 26;
const POINTS = 72; // six hours at five minutes
const COLOURS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf"];

/** A generator seeded by `text` (its FNV-1a hash), so previews are byte-identical across runs. */
function seeded(text: string): () => number {
  const seed = [...text].reduce((h, c) => Math.imul(h ^ c.charCodeAt(0), 16777619) >>> 0, 2166136261);
  const rng = xoroshiro128plus(seed | 0);
  return () => uniformFloat64(rng);
}

/** A typical level per unit; quantiles rise with their rank (p50 < p95 < p99). */
function level(unit: string, title: string, legend: string): number {
  const base: Record<string, number> = {
    s: 0.4,
    ms: 450,
    reqps: 8,
    short: 400,
    percentunit: 0.45,
    percent: 55,
    currencyUSD: 120,
    mbytes: 60_000,
    rotmhz: 1400,
    watt: 250,
    celsius: 60,
  };
  const rank = /p99/.test(legend) ? 2.6 : /p95/.test(legend) ? 1.8 : 1;
  const rare = /error|429|failover/i.test(title) ? 0.03 : 1;
  return (base[unit] ?? 1) * rank * rare;
}

/** Units that count traffic: a slot's share of the endpoint's weight scales them. */
const TRAFFIC_UNITS = new Set(["reqps", "short"]);

/**
 * The synthetic series of one panel: one per query and per value its legend's labels take. With the
 * slots' weights, they follow the routing: a slot at weight 0 draws nothing (it serves no traffic, so it
 * has no latency either), and traffic counts scale with the slot's weight.
 */
export function syntheticSeries(
  panel: GrafanaPanel,
  slots: readonly string[],
  weights?: Readonly<Record<string, number>>,
): { name: string; values: number[] }[] {
  const unit = panel.fieldConfig?.defaults?.unit ?? "short";
  const expand = (legend: string): string[] => {
    let names = [legend];
    if (legend.includes("{{slot}}"))
      names = names.flatMap((n) => (slots.length > 0 ? slots : ["slot"]).map((s) => n.replaceAll("{{slot}}", s)));
    if (legend.includes("{{finished_reason}}"))
      names = names.flatMap((n) => ["stop", "length"].map((r) => n.replaceAll("{{finished_reason}}", r)));
    return names;
  };
  return (panel.targets ?? [])
    .flatMap((t) => expand(t.legendFormat ?? t.azureMonitor?.alias ?? (t.azureLogAnalytics ? panel.title : "")))
    .map((name) => {
      const random = seeded(`${panel.title}/${name}`);
      const mean = level(unit, panel.title, name) * (0.7 + 0.6 * random());
      const cap = unit === "percentunit" ? 1 : unit === "percent" ? 100 : Infinity;
      let value = mean;
      const values = Array.from({ length: POINTS }, (_, i) => {
        value = Math.min(
          cap,
          Math.max(
            0,
            value + (mean - value) * 0.3 + mean * 0.15 * (random() - 0.5) + (i > 40 && i < 48 ? mean * 0.1 : 0),
          ),
        );
        return value;
      });
      return { name, values };
    })
    .flatMap((series) => {
      const slot = series.name.split(" ")[0]!;
      const weight = weights?.[slot];
      if (weight === undefined) return [series];
      if (weight === 0) return [];
      const top = Math.max(...Object.values(weights!));
      return [TRAFFIC_UNITS.has(unit) ? { ...series, values: series.values.map((v) => (v * weight) / top) } : series];
    });
}

const format =
  (unit: string) =>
  (v: number): string => {
    if (unit === "percentunit") return `${Math.round(v * 100)}%`;
    if (unit === "percent") return `${Math.round(v)}%`;
    const suffix = unit === "s" ? " s" : unit === "ms" ? " ms" : unit === "reqps" ? "/s" : "";
    return `${unit === "currencyUSD" ? "$" : ""}${Number(v.toPrecision(2))}${suffix}`;
  };

function panelSvg(
  panel: GrafanaPanel,
  top: number,
  slots: readonly string[],
  weights?: Readonly<Record<string, number>>,
): XmlNode {
  const x0 = panel.gridPos.x * UNIT_PX + 6;
  const width = panel.gridPos.w * UNIT_PX - 12;
  const height = panel.gridPos.h * 30 - 12;
  const unit = panel.fieldConfig?.defaults?.unit ?? "short";
  const series = syntheticSeries(panel, slots, weights);
  const plot = { left: 60, right: 10, top: 28, bottom: 20 + 16 * Math.ceil(series.length / 3) };
  const max = Math.max(...series.flatMap((s) => s.values), 0.001);
  const y = scaleLinear()
    .domain([0, max])
    .nice()
    .range([height - plot.bottom, plot.top]);
  const x = scaleLinear()
    .domain([0, POINTS - 1])
    .range([plot.left, width - plot.right]);
  const path = line<number>()
    .x((_, i) => x(i))
    .y((v) => y(v));
  // Percent ticks through the scale's own formatter, whose precision follows the tick step (no "1%, 1%, 2%").
  const label =
    unit === "percentunit"
      ? y.tickFormat(4, "%")
      : unit === "percent"
        ? (v: number) => `${y.tickFormat(4, "~f")(v)}%`
        : format(unit);
  return el("g", { transform: `translate(${x0},${top})` }, [
    el("rect", { width, height, rx: 4, fill: "#ffffff", stroke: "#d0d4d9" }),
    el("text", { x: 10, y: 18, "font-size": 13, "font-weight": "bold", fill: "#222" }, [], panel.title),
    ...y
      .ticks(4)
      .flatMap((t) => [
        el("line", { x1: plot.left, x2: width - plot.right, y1: y(t), y2: y(t), stroke: "#eceef1" }),
        el(
          "text",
          { x: plot.left - 6, y: y(t) + 4, "font-size": 10, "text-anchor": "end", fill: "#666" },
          [],
          label(t),
        ),
      ]),
    ...["-6h", "-4h", "-2h", "now"].map((label, i) =>
      el(
        "text",
        {
          x: x((i * (POINTS - 1)) / 3),
          y: height - plot.bottom + 14,
          "font-size": 10,
          "text-anchor": "middle",
          fill: "#666",
        },
        [],
        label,
      ),
    ),
    ...series.map((s, i) =>
      el("path", { d: path(s.values) ?? "", fill: "none", stroke: COLOURS[i % COLOURS.length]!, "stroke-width": 1.5 }),
    ),
    ...series.map((s, i) =>
      el(
        "g",
        {
          transform: `translate(${plot.left + (i % 3) * ((width - plot.left) / 3)},${height - plot.bottom + 30 + Math.floor(i / 3) * 16})`,
        },
        [
          el("rect", { width: 10, height: 3, y: -4, fill: COLOURS[i % COLOURS.length]! }),
          el("text", { x: 14, "font-size": 10, fill: "#333" }, [], s.name),
        ],
      ),
    ),
  ]);
}

/** The SVG preview of a Grafana dashboard JSON model; with the endpoint's slot weights, its traffic follows them. */
export function dashboardPreview(dashboard: GrafanaDashboard, weights?: Readonly<Record<string, number>>): string {
  const slots =
    (dashboard.templating?.list ?? [])
      .find((v) => v.name === "slot")
      ?.query.split(",")
      .filter(Boolean) ?? [];
  const header = 48;
  // Grafana's grid: a row is 1 unit high and a panel `h` units; one unit is drawn 30 px.
  const top = (gridY: number) => header + gridY * 30;
  const bottom = Math.max(
    ...dashboard.panels.map((p) => top(p.gridPos.y) + (p.type === "row" ? ROW_PX : p.gridPos.h * 30)),
    header,
  );
  const children = dashboard.panels.map((p) =>
    p.type === "row"
      ? el(
          "text",
          { x: 8, y: top(p.gridPos.y) + 20, "font-size": 15, "font-weight": "bold", fill: "#111" },
          [],
          p.title,
        )
      : panelSvg(p, top(p.gridPos.y), slots, weights),
  );
  return renderXml(
    el(
      "svg",
      {
        xmlns: "http://www.w3.org/2000/svg",
        width: WIDTH,
        height: bottom + 8,
        viewBox: `0 0 ${WIDTH} ${bottom + 8}`,
        "font-family": "sans-serif",
      },
      [
        el("rect", { width: WIDTH, height: bottom + 8, fill: "#f4f5f7" }),
        el("text", { x: 8, y: 24, "font-size": 18, "font-weight": "bold", fill: "#111" }, [], dashboard.title),
        el(
          "text",
          { x: 8, y: 40, "font-size": 11, fill: "#a33" },
          [],
          "Preview drawn from synthetic data: the panels and queries are the dashboard's, the numbers are not live metrics.",
        ),
        ...children,
      ],
    ),
  );
}

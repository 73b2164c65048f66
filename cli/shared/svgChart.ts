// The frame every SVG chart of the command line is drawn in: a white canvas with a title, axes with
// ticks from d3's scales, and a legend; one colour per slot. The shared XML renderer writes the document.
import { element as el, renderXml, type XmlNode } from "../../components/core/xml";
import { own } from "../../components/core/own";

export const WIDTH = 900;
export const HEIGHT = 320;
export const M = { left: 60, right: 20, top: 40, bottom: 50 };
const COLOURS: Record<string, string> = { blue: "#1f77b4", green: "#2ca02c", unknown: "#7f7f7f" };
export const colour = (slot: string) => own(COLOURS, slot) ?? "#ff7f0e";

/** A chart: `legend` names the series (coloured by slot, the first word, unless `colours` gives each its own). */
export function frame(title: string, children: XmlNode[], legend: string[], colours?: readonly string[]): string {
  return renderXml(
    el(
      "svg",
      {
        xmlns: "http://www.w3.org/2000/svg",
        width: WIDTH,
        height: HEIGHT,
        viewBox: `0 0 ${WIDTH} ${HEIGHT}`,
        "font-family": "sans-serif",
      },
      [
        el("rect", { width: WIDTH, height: HEIGHT, fill: "#ffffff" }),
        el("text", { x: M.left, y: 22, "font-size": 15, "font-weight": "bold" }, [], title),
        ...children,
        ...legend.map((name, i) =>
          el("g", { transform: `translate(${M.left + i * 140},${HEIGHT - 12})` }, [
            el("rect", { width: 12, height: 4, y: -4, fill: colours?.[i] ?? colour(name.split(" ")[0]!) }),
            el("text", { x: 16, "font-size": 11 }, [], name),
          ]),
        ),
      ],
    ),
  );
}

/** A d3 scale as the axes use it: linear or logarithmic. */
export interface ChartScale {
  (value: number): number;
  ticks(count?: number): number[];
}

export function axes(x: ChartScale, y: ChartScale, xLabel: string, yLabel: string): XmlNode[] {
  return [
    ...y
      .ticks(5)
      .flatMap((t) => [
        el("line", { x1: M.left, x2: WIDTH - M.right, y1: y(t), y2: y(t), stroke: "#eee" }),
        el("text", { x: M.left - 6, y: y(t) + 4, "font-size": 10, "text-anchor": "end" }, [], String(t)),
      ]),
    ...x
      .ticks(8)
      .map((t) =>
        el("text", { x: x(t), y: HEIGHT - M.bottom + 14, "font-size": 10, "text-anchor": "middle" }, [], String(t)),
      ),
    el(
      "text",
      { x: (M.left + WIDTH - M.right) / 2, y: HEIGHT - M.bottom + 30, "font-size": 11, "text-anchor": "middle" },
      [],
      xLabel,
    ),
    el("text", { x: 14, y: M.top - 8, "font-size": 11 }, [], yLabel),
  ];
}

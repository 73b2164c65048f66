// The dashboards' previews follow the stack's routing: a slot at weight 0 draws nothing, and traffic
// counts scale with each slot's weight (cli/artifacts/dashboardPreview.ts).
import { describe, expect, it } from "vitest";
import { syntheticSeries } from "../cli/artifacts/dashboardPreview";

const panel = (unit: string) => ({
  type: "timeseries",
  title: "Requests",
  gridPos: { x: 0, y: 0, w: 12, h: 8 },
  fieldConfig: { defaults: { unit } },
  targets: [{ legendFormat: "blue swc" }, { legendFormat: "green swc" }, { legendFormat: "429 to clients" }],
});

describe("a dashboard preview's synthetic series", () => {
  it("draws nothing for a slot at weight 0, in any unit", () => {
    for (const unit of ["short", "ms", "percent"]) {
      const names = syntheticSeries(panel(unit), [], { blue: 100, green: 0 }).map((s) => s.name);
      expect(names).toEqual(["blue swc", "429 to clients"]);
    }
  });

  it("scales traffic by the slot's weight, and leaves latency alone", () => {
    const even = syntheticSeries(panel("short"), []);
    const split = syntheticSeries(panel("short"), [], { blue: 75, green: 25 });
    const green = (series: typeof even) => series.find((s) => s.name === "green swc")!.values;
    green(split).forEach((v, i) => expect(v).toBeCloseTo(green(even)[i]! / 3, 9));
    expect(syntheticSeries(panel("ms"), [], { blue: 75, green: 25 })).toEqual(syntheticSeries(panel("ms"), []));
  });
});

// Who sends each trace row where (cli/simulate/routing.ts), the sweep's PTU counts (sweep.ts), the command's
// durations and shares, and the cost of a window (cost.ts).
import { describe, expect, it } from "vitest";
import { defaultRouteMap, parseRouteMap, routeRequests } from "../cli/simulate/routing";
import { sweepCounts, meets, MAX_SWEEP_POINTS } from "../cli/simulate/sweep";
import { platformModel, type PtuDeploymentModel } from "../cli/simulate/platform";
import { simulatedCost, pricedHours } from "../cli/simulate/cost";
import { durationMs, shareOf } from "../cli/commands/simulate";
import { PRICES } from "../components/cost/prices";
import { validConfig } from "./configHelpers";

const prod = platformModel("prod", validConfig("prod"));

describe("--map: trace rows to teams and endpoints", () => {
  it("reads pairs with shares, and refuses a pair the stack does not have, naming what it has", () => {
    expect(parseRouteMap("assistant/chat=3, search/qwen", prod)).toEqual([
      { team: "assistant", endpoint: "chat", weight: 3 },
      { team: "search", endpoint: "qwen", weight: 1 },
    ]);
    expect(parseRouteMap("search/chat", prod)).toEqual({
      problem:
        "--map: team search does not call endpoint chat in stack prod; allowed pairs: assistant/chat, assistant/embeddings, search/embeddings, search/qwen",
    });
    expect(parseRouteMap("assistant/chat=0", prod)).toMatchObject({ problem: expect.stringContaining("above 0") });
    expect(parseRouteMap("assistant/chat,assistant/chat", prod)).toMatchObject({
      problem: expect.stringContaining("twice"),
    });
    expect(parseRouteMap("assistant", prod)).toMatchObject({ problem: expect.stringContaining("not team/endpoint") });
    expect(defaultRouteMap(prod)).toEqual([{ team: "assistant", endpoint: "chat", weight: 1 }]);
  });

  it("deals rows by share, evenly spread, and keeps a row's own Team and Endpoint", async () => {
    const rows = Array.from({ length: 8 }, (_, i) => ({ atMs: i, promptTokens: 1, outputTokens: 1 }));
    const routed = [];
    for await (const r of routeRequests(
      [...rows, { atMs: 9, promptTokens: 1, outputTokens: 1, team: "search", endpoint: "embeddings" }],
      [
        { team: "assistant", endpoint: "chat", weight: 3 },
        { team: "search", endpoint: "qwen", weight: 1 },
      ],
    ))
      routed.push(`${r.team}/${r.endpoint}`);
    expect(routed).toEqual([
      "assistant/chat",
      "assistant/chat",
      "search/qwen",
      "assistant/chat",
      "assistant/chat",
      "assistant/chat",
      "search/qwen",
      "assistant/chat",
      "search/embeddings",
    ]);
  });
});

describe("the PTU sweep's counts and targets", () => {
  const ptu = prod.backends.get("swc/chat-blue-gpt-5-gptu") as PtuDeploymentModel;

  it("runs from the type's minimum to twice the planned count in its steps, then widens fourfold", () => {
    expect(sweepCounts(ptu)).toEqual([15, 20, 25, 30, 35, 40, 45, 50, 55, 60, 65, 70, 75, 80, 85, 90, 95, 100]);
    const wider = sweepCounts(ptu, 100);
    expect(wider[0]).toBeGreaterThan(100);
    expect(wider[wider.length - 1]).toBeLessThanOrEqual(400);
    expect(wider.length).toBeLessThanOrEqual(MAX_SWEEP_POINTS);
    expect(wider.every((n) => (n - 15) % 5 === 0)).toBe(true);
    // A large deployment keeps its planned count in a coarser range.
    const big = sweepCounts({ ...ptu, ptu: 1_000 });
    expect(big.length).toBeLessThanOrEqual(MAX_SWEEP_POINTS + 1);
    expect(big).toContain(1_000);
  });

  it("meets a target only at or under it, and a TTFT target only with a TTFT", () => {
    expect(meets({ client429Share: 0.001, ttftP95Ms: 2_000 }, { client429Share: 0.001, ttftP95Ms: 2_000 })).toBe(true);
    expect(meets({ client429Share: 0.0011 }, { client429Share: 0.001 })).toBe(false);
    expect(meets({ client429Share: 0 }, { client429Share: 0.001, ttftP95Ms: 2_000 })).toBe(false);
  });
});

describe("the command's numbers", () => {
  it("reads durations and shares as written, and nothing else", () => {
    expect([durationMs("90s"), durationMs("10m"), durationMs("1h"), durationMs("800ms"), durationMs("2")]).toEqual([
      90_000, 600_000, 3_600_000, 800, 2_000,
    ]);
    expect([durationMs("0s"), durationMs("-1s"), durationMs("1d"), durationMs("")]).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
    expect([shareOf("0.1%"), shareOf("0.001"), shareOf("100%"), shareOf("2"), shareOf("x%")]).toEqual([
      0.001,
      0.001,
      1,
      undefined,
      undefined,
    ]);
  });
});

describe("the cost of a simulated window", () => {
  it("prices PTUs and GPU nodes by the hour, pay-as-you-go by the tokens served, a month as 730 hours", () => {
    const result = {
      requests: 1,
      spanMs: 3_600_000,
      outcomes: {} as never,
      byTeam: new Map(),
      latency: [],
      deployments: [...prod.backends.values()].map((b) => ({
        name: b.name,
        kind: b.kind,
        requests: 0,
        promptTokens: b.name === "swc/chat-blue-gpt-5-gstd" ? 1_000_000 : 0,
        outputTokens: b.name === "swc/chat-blue-gpt-5-gstd" ? 100_000 : 0,
        utilizationByMinute: [],
      })),
    };
    const cost = simulatedCost(prod, result, PRICES);
    expect(cost.hours).toBe(1);
    // gpt-5: $1.25 per million in, $10 per million out.
    expect(cost.rows.find((r) => r.item === "pay-as-you-go swc/chat-blue-gpt-5-gstd")).toMatchObject({
      window: 2.25,
      monthly: 2.25 * 730,
    });
    // 50 PTU of GlobalProvisionedManaged at $1 an hour; 2 A100 VMs at $3.67.
    expect(cost.rows.find((r) => r.item === "PTU swc/chat-blue-gpt-5-gptu")).toMatchObject({
      window: 50,
      monthly: 36_500,
    });
    expect(cost.rows.find((r) => r.item === "vLLM qwen/blue/a100-0")!.window).toBeCloseTo(7.34);
    expect(cost.windowTotal).toBeCloseTo(2.25 + 50 + 7.34);
    expect(cost.unpriced).toEqual([]);
    expect(pricedHours(1_000)).toBeCloseTo(1 / 60);
  });
});

// Spend per team: the price rows a stack's paths imply (a table of prices), and the KQL that prices the
// gateway's logs, analyzed by Microsoft's Kusto analyzer against the tables' documented columns.
import { describe, expect, it } from "vitest";
import {
  priceRows,
  teamCostQuery,
  teamCostWorkbook,
  TEAM_COST_METHOD,
  type CostPaths,
} from "../components/cost/teamCost";
import { PRICES } from "../components/cost/prices";
import { kustoDiagnostics } from "./kusto";

const gpus = (vmSize: string) => ({ Standard_NC24ads_A100_v4: 1, Standard_NC48ads_A100_v4: 2 })[vmSize];
const paths: CostPaths = {
  deployments: [
    {
      name: "chat-blue-gpt-5-gptu",
      model: "gpt-5",
      deploymentType: "GlobalProvisionedManaged",
      capacity: 50,
      ptu: true,
    },
    { name: "chat-blue-gpt-5-gstd", model: "gpt-5", deploymentType: "GlobalStandard", capacity: 300_000, ptu: false },
    // The same deployment in a second region: one price row.
    { name: "chat-blue-gpt-5-gstd", model: "gpt-5", deploymentType: "GlobalStandard", capacity: 200_000, ptu: false },
  ],
  vllm: [
    {
      endpoint: "qwen",
      slot: "blue",
      targets: [
        { vmSize: "Standard_NC24ads_A100_v4", gpusPerReplica: 1, replicas: 2 },
        { vmSize: "Standard_NC48ads_A100_v4", gpusPerReplica: 1, replicas: 1 },
      ],
    },
  ],
};

describe("price rows", () => {
  it.each<[string, Partial<typeof PRICES>, Record<string, number>]>([
    ["list prices", {}, { ptu: 50, vllm: 3.67 * 2 + 7.35 / 2 }],
    [
      "the stack's overrides",
      {
        ptuHour: { GlobalProvisionedManaged: 0.5 },
        vmHour: { Standard_NC24ads_A100_v4: 2, Standard_NC48ads_A100_v4: 4 },
      },
      { ptu: 25, vllm: 2 * 2 + 4 / 2 },
    ],
  ])("prices PTUs by the hour, vLLM by its GPU hours, pay-as-you-go by the token (%s)", (_what, overrides, hourly) => {
    const { rows, unpriced } = priceRows(paths, { ...PRICES, ...overrides }, gpus);
    expect(unpriced).toEqual([]);
    expect(rows.map((r) => [r.key, r.kind])).toEqual([
      ["chat-blue-gpt-5-gptu", "ptu"],
      ["chat-blue-gpt-5-gstd", "paygo"],
      ["vllm:qwen/blue", "vllm"],
    ]);
    expect(rows[0]!.hourly).toBeCloseTo(hourly.ptu!, 9);
    expect(rows[1]).toMatchObject({ inputPerMillion: 1.25, outputPerMillion: 10, hourly: 0 });
    expect(rows[2]!.hourly).toBeCloseTo(hourly.vllm!, 9);
  });

  it("lists what the table has no price for instead of pricing it at zero", () => {
    const { rows, unpriced } = priceRows(
      {
        deployments: [{ ...paths.deployments[1]!, model: "o9" }],
        vllm: [{ ...paths.vllm[0]!, targets: [{ vmSize: "Standard_X", gpusPerReplica: 1, replicas: 1 }] }],
      },
      PRICES,
      gpus,
    );
    expect(unpriced).toEqual(["chat-blue-gpt-5-gstd (o9 tokens)", "vllm:qwen/blue (Standard_X hour)"]);
    expect(rows.map((r) => r.key)).toEqual(["vllm:qwen/blue"]);
  });
});

describe("the cost-per-team query", () => {
  const { rows } = priceRows(paths, PRICES, gpus);
  it.each(["day", "month"] as const)("analyzes without a diagnostic (per %s)", (per) => {
    const query = teamCostQuery(rows, per);
    expect(kustoDiagnostics(query)).toEqual([]);
    expect(query).toContain('"chat-blue-gpt-5-gptu", "ptu", 0.0, 0.0, 50.0');
  });
  it("fails the analyzer when it names a column the logs do not have (the check can fail)", () => {
    expect(kustoDiagnostics(teamCostQuery(rows, "day").replace("sum(PromptTokens)", "sum(InputTokens)"))).not.toEqual(
      [],
    );
  });
  it("states its method", () => {
    expect(TEAM_COST_METHOD).toContain("split between teams by their share of the tokens");
  });
});

describe("the spend workbook", () => {
  it("states the method and what is unpriced, and runs both queries on the workspace", () => {
    const { rows } = priceRows(paths, PRICES, gpus);
    const workbook = JSON.parse(teamCostWorkbook(rows, "/subscriptions/s/workspaces/log", ["x (o9 tokens)"]));
    expect(workbook.version).toBe("Notebook/1.0");
    expect(workbook.fallbackResourceIds).toEqual(["/subscriptions/s/workspaces/log"]);
    expect(workbook.items[0].content.json).toContain(TEAM_COST_METHOD);
    expect(workbook.items[0].content.json).toContain("Not priced (no figure in the price table): x (o9 tokens).");
    expect(workbook.items.slice(1).map((i: any) => i.content.query)).toEqual([
      teamCostQuery(rows, "month"),
      teamCostQuery(rows, "day"),
    ]);
  });
});

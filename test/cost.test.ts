// The cost guardrails: the budget's config, the budget resource, the monthly cost table, and the rule.
import { describe, expect, it } from "vitest";
import { PRICES, budgetNotifications, monthlyCost, withOverrides } from "../components/cost";
import { costRows } from "../cli/reports/report";
import { loadStackConfig } from "../stacks/load";
import { policies } from "../policies/rules";
import { TYPES } from "../policies/lib";
import { runStackRule, type FakeResource } from "./policies/harness";
import { AS_OF, planStack, pulumiConfigOf, rawConfig, resourcesOfType, validConfig } from "./helpers";

const issuesOf = (raw: Record<string, unknown>) => {
  const result = loadStackConfig(pulumiConfigOf(raw), { stack: "prod", asOf: AS_OF });
  return result.ok ? [] : result.issues.map((i) => `${i.path}: ${i.message}`);
};

describe("budget config", () => {
  it("needs a budget in prod, starting on the first of a month, at most twelve months ahead", () => {
    const raw = rawConfig("prod");
    delete raw.budget;
    expect(issuesOf(raw)).toContain(
      "budget: prod needs a cost budget: {monthlyAmount, startDate: YYYY-MM-01, contactEmails}",
    );
    const mid = rawConfig("prod");
    mid.budget.startDate = "2026-12-15";
    expect(issuesOf(mid)).toContain('budget.startDate: the first of a month, YYYY-MM-01 (got "2026-12-15")');
    const late = rawConfig("prod");
    late.budget.startDate = "2028-01-01";
    expect(issuesOf(late)).toContain(
      "budget.startDate: 2028-01-01 is more than twelve months after 2026-11-27: Azure refuses a budget that starts that late",
    );
  });
  it("keeps to Azure's five notifications", () => {
    expect(
      Object.keys(
        budgetNotifications({ contactEmails: ["a@b.c"], actualThresholds: [50, 80, 100], forecastThreshold: 100 }),
      ),
    ).toEqual(["actual-50", "actual-80", "actual-100", "forecast-100"]);
    expect(() =>
      budgetNotifications({ contactEmails: ["a@b.c"], actualThresholds: [10, 20, 30, 40, 50], forecastThreshold: 100 }),
    ).toThrow(/at most 5/);
  });
});

describe("the prod budget", () => {
  it("watches the stack's resource group and the cluster's node resource group monthly, from the configured month, with actual and forecast notifications", async () => {
    const prod = await planStack("prod");
    const budget = resourcesOfType(prod.stackExport, "azure-native:consumption:Budget")[0]!;
    expect(budget.inputs).toMatchObject({
      budgetName: "budget-genai-prod",
      amount: 60000,
      category: "Cost",
      timeGrain: "Monthly",
      timePeriod: { startDate: "2026-12-01T00:00:00Z" },
    });
    expect(budget.inputs.scope).toBe("/subscriptions/3f9a2b71-6c4d-4e8f-a1b2-c3d4e5f60718");
    expect(budget.inputs.filter).toEqual({
      dimensions: {
        name: "ResourceGroupName",
        operator: "In",
        values: ["rg-genai-prod", "MC_rg-genai-prod_aks-genai-prod_swedencentral"],
      },
    });
    const cluster = resourcesOfType(prod.stackExport, "azure-native:containerservice:ManagedCluster")[0]!;
    expect(cluster.inputs.nodeResourceGroup).toBe("MC_rg-genai-prod_aks-genai-prod_swedencentral");
    expect(
      Object.values(budget.inputs.notifications as Record<string, any>)
        .map((n) => `${n.thresholdType} ${n.threshold}`)
        .sort(),
    ).toEqual(["Actual 100", "Actual 80", "Forecasted 100"]);
  });
});

describe("monthly cost", () => {
  it("prices PTU by the hour, pay-as-you-go at full use by its token mix, the gateway by unit, GPU pools from min to max", () => {
    const rows = monthlyCost(
      {
        ptu: [{ name: "p", deploymentType: "GlobalProvisionedManaged", capacity: 50 }],
        paygo: [{ name: "g", model: "gpt-5", tpm: 1000, outputShare: 0.25 }],
        gateway: { sku: "Premium", capacity: 2 },
        pools: [
          { name: "a100", vmSize: "Standard_NC24ads_A100_v4", minCount: 1, maxCount: 3 },
          { name: "general", kind: "general", vmSize: "Standard_D4ds_v5", minCount: 1, maxCount: 3 },
        ],
        disks: [],
        logs: false,
      },
      PRICES,
    );
    expect(rows.map((r) => [r.item, Math.round(r.monthly!), r.monthlyMax && Math.round(r.monthlyMax)])).toEqual([
      ["PTU p", 36_500, undefined],
      // 1,000 TPM x 43,800 minutes = 43.8 M tokens at 0.75 x 1.25 + 0.25 x 10 per million.
      ["PAYGO g", Math.round(43.8 * (0.75 * 1.25 + 0.25 * 10)), undefined],
      ["gateway Premium", 5_600, undefined],
      ["GPU pool a100", Math.round(3.67 * 730), Math.round(3 * 3.67 * 730)],
      ["AKS general pool (monitoring)", Math.round(0.23 * 730), Math.round(3 * 0.23 * 730)],
    ]);
  });
  it("takes the stack's price overrides and says when a price is missing", () => {
    const config = validConfig("prod");
    const overridden = costRows({
      ...config,
      prices: { ...config.prices, ptuHour: { GlobalProvisionedManaged: 0.5 } },
    });
    expect(overridden.find((r) => r.item.startsWith("PTU"))!.monthly).toBe(50 * 0.5 * 730);
    const missing = monthlyCost(
      {
        ptu: [],
        paygo: [{ name: "x", model: "unknown-model", tpm: 1000, outputShare: 0 }],
        pools: [],
        disks: [],
        logs: false,
      },
      withOverrides(PRICES, {}),
    );
    expect(missing[0]!.monthly).toBeUndefined();
  });
  it("lists the cache, the cluster's tier, every disk and the logs: priced where the table or the stack has a price", () => {
    const rows = costRows(validConfig("prod"));
    const item = (prefix: string) => rows.find((r) => r.item.startsWith(prefix));
    expect(item("Azure Managed Redis Balanced_B5")).toMatchObject({ basis: "1 cache, high availability x 730 h" });
    expect(item("Azure Managed Redis")!.monthly).toBeUndefined();
    expect(item("AKS cluster management (Standard tier)")).toBeDefined();
    expect(item("disks vLLM model cache qwen-blue-0")).toMatchObject({ basis: "800 GiB Premium_LRS" });
    expect(item("disks Prometheus")).toMatchObject({ basis: "50 GiB StandardSSD_ZRS" });
    expect(item("Log Analytics ingestion")).toMatchObject({ note: expect.stringContaining("volume") });
    const priced = costRows({
      ...validConfig("prod"),
      prices: { ...validConfig("prod").prices, redisHour: { Balanced_B5: 1 }, diskGiBMonth: { Premium_LRS: 0.1 } },
    });
    expect(priced.find((r) => r.item.startsWith("Azure Managed Redis"))!.monthly).toBe(730);
    expect(priced.find((r) => r.item.startsWith("disks vLLM"))!.monthly).toBeCloseTo(80);
  });
});

describe("cost-azure-budget", () => {
  const policy = policies.find((p) => p.name === "cost-azure-budget")!;
  const group: FakeResource = { type: TYPES.resourceGroup, name: "core-rg", props: { name: "rg" } };
  const budget = (notifications: Record<string, unknown>): FakeResource => ({
    type: TYPES.budget,
    name: "budget",
    props: { amount: 100, notifications },
  });
  const note = (thresholdType: string) => ({
    enabled: true,
    threshold: 100,
    operator: "GreaterThanOrEqualTo",
    thresholdType,
    contactEmails: ["a@b.c"],
  });
  it("passes a budget with actual and forecast notifications", async () => {
    expect(
      (await runStackRule(policy, [group, budget({ a: note("Actual"), f: note("Forecasted") })])).violations,
    ).toEqual([]);
  });
  it("fails without a budget, and with a budget that tells nobody about the forecast", async () => {
    expect((await runStackRule(policy, [group])).violations).toEqual(["no cost budget: spend is watched by nobody"]);
    expect((await runStackRule(policy, [group, budget({ a: note("Actual") })])).violations).toEqual([
      "budget: no forecasted-spend notification reaches anyone",
    ]);
  });
});

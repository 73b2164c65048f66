// Azure Monitor alerts on the model accounts, as the prod plan registers them.
import { describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { plan } from "../cli/commands/plan";
import { OPENAI_METRICS, quotaUsedQuery } from "../components/alerts";
import { ANOMALY_METRICS, teamTokensQuery } from "../components/alerts/anomaly";
import { missingSpansQuery } from "../components/alerts/spans";
import { PROJECT_DIR, planStack, rawConfig, resourcesOfType, namespaced } from "./helpers";

describe("Azure Monitor alerts", () => {
  it("alert on every account's time to first byte, and on PTU utilization where PTUs are deployed, to one action group", async () => {
    const prod = await planStack("prod");
    // The static ones: the learned (dynamic-threshold) ones are the next test's.
    const alerts = resourcesOfType(prod.stackExport, "azure-native:monitor:MetricAlert").filter(
      (a) => (a.inputs.criteria as any).allOf[0].criterionType === "StaticThresholdCriterion",
    );
    const group = resourcesOfType(prod.stackExport, "azure-native:monitor:ActionGroup")[0]!;
    expect(group.inputs).toMatchObject({
      groupShortName: "genai-prod",
      emailReceivers: [{ emailAddress: "platform-oncall@contoso.com" }],
    });
    const byRule = Object.fromEntries(alerts.map((a) => [a.inputs.ruleName, a.inputs]));
    expect(Object.keys(byRule).sort()).toEqual([
      "alert-genai-prod-eus2-ttfb",
      "alert-genai-prod-swc-ptu",
      "alert-genai-prod-swc-ttfb",
    ]);
    expect((byRule["alert-genai-prod-swc-ptu"] as any).criteria.allOf[0]).toMatchObject({
      metricName: OPENAI_METRICS.ptuUtilization,
      timeAggregation: "Maximum",
      operator: "GreaterThan",
      threshold: 90,
    });
    expect((byRule["alert-genai-prod-eus2-ttfb"] as any).criteria.allOf[0]).toMatchObject({
      metricName: OPENAI_METRICS.timeToFirstByte,
      timeAggregation: "Average",
      threshold: 3000,
    });
    for (const a of alerts) expect((a.inputs.actions as any[])[0].actionGroupId).toBe(group.id);
  });

  it("learn each account's and the gateway's normal token usage, 429s and latency (dynamic thresholds), and each team's tokens", async () => {
    const prod = await planStack("prod");
    const learned = resourcesOfType(prod.stackExport, "azure-native:monitor:MetricAlert").filter(
      (a) => (a.inputs.criteria as any).allOf[0].criterionType === "DynamicThresholdCriterion",
    );
    const byRule = Object.fromEntries(learned.map((a) => [a.inputs.ruleName as string, a.inputs as any]));
    expect(Object.keys(byRule).sort()).toEqual(
      [
        ...["eus2", "swc"].flatMap((k) =>
          ["tokens", "throttled", "latency"].map((s) => `alert-genai-prod-${k}-${s}-anomaly`),
        ),
        "alert-genai-prod-gateway-throttled-anomaly",
        "alert-genai-prod-gateway-latency-anomaly",
      ].sort(),
    );
    expect(byRule["alert-genai-prod-swc-throttled-anomaly"].criteria).toEqual({
      odataType: "Microsoft.Azure.Monitor.MultipleResourceMultipleMetricCriteria",
      allOf: [
        {
          criterionType: "DynamicThresholdCriterion",
          name: "swc-throttled-anomaly",
          metricNamespace: ANOMALY_METRICS.account.namespace,
          metricName: ANOMALY_METRICS.account.requests,
          timeAggregation: "Total",
          operator: "GreaterThan",
          alertSensitivity: "Medium",
          failingPeriods: { numberOfEvaluationPeriods: 4, minFailingPeriodsToAlert: 3 },
          dimensions: [{ name: "StatusCode", operator: "Include", values: ["429"] }],
        },
      ],
    });
    // Token usage deviates either way: a surge (abuse) or a collapse (an outage upstream).
    expect(byRule["alert-genai-prod-eus2-tokens-anomaly"].criteria.allOf[0]).toMatchObject({
      metricName: ANOMALY_METRICS.account.tokens,
      operator: "GreaterOrLessThan",
    });
    const team = resourcesOfType(prod.stackExport, "azure-native:monitor:ScheduledQueryRule").find(
      (r) => r.inputs.ruleName === "alert-genai-prod-team-tokens-anomaly",
    )!;
    expect((team.inputs.criteria as any).allOf[0]).toMatchObject({
      criterionType: "DynamicThresholdCriterion",
      query: teamTokensQuery(),
      metricMeasureColumn: "Tokens",
      dimensions: [{ name: "Team", operator: "Include", values: ["*"] }],
      alertSensitivity: "Medium",
    });
  });

  it("call a webhook only from the secret alertWebhookUrl, which stays secret", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "genai-alerts-")), "Pulumi.prod.yaml");
    const config = namespaced(rawConfig("prod"));
    writeFileSync(
      file,
      stringify(
        { config: { ...config, "genai-platform:alertWebhookUrl": { secure: "v1:AAAAbm90LXJlYWw=" } } },
        { aliasDuplicateObjects: false },
      ),
    );
    const out = mkdtempSync(join(tmpdir(), "genai-alerts-out-"));
    expect(
      await plan(["--stack", "prod", "--config-file", file, "--out", out], PROJECT_DIR, {
        out: () => true,
        err: () => true,
      }),
    ).toBe(0);
    const exported = JSON.parse(readFileSync(join(out, "prod", "stack.json"), "utf8"));
    const group = exported.deployment.resources.find((r: any) => r.type === "azure-native:monitor:ActionGroup");
    expect(JSON.stringify(group.inputs.webhookReceivers)).toContain("1b47061264138c4ac30d75fd1eb44270");
  });

  it("alert on the share of 429 and 5xx answers per account and at the gateway, from the workspace's request logs", async () => {
    const prod = await planStack("prod");
    const rules = resourcesOfType(prod.stackExport, "azure-native:monitor:ScheduledQueryRule");
    const group = resourcesOfType(prod.stackExport, "azure-native:monitor:ActionGroup")[0]!;
    const workspace = resourcesOfType(prod.stackExport, "azure-native:operationalinsights:Workspace")[0]!;
    const byRule: Record<string, any> = Object.fromEntries(rules.map((r) => [r.inputs.ruleName, r.inputs as any]));
    expect(Object.keys(byRule).sort()).toEqual([
      "alert-genai-prod-account-errors",
      "alert-genai-prod-account-throttled",
      "alert-genai-prod-gateway-errors",
      "alert-genai-prod-gateway-throttled",
      "alert-genai-prod-server-spans-missing",
      "alert-genai-prod-team-quota",
      "alert-genai-prod-team-tokens-anomaly",
    ]);
    // The servers' spans, witnessed missing by the gateway's log: prod's one vLLM target's address, and 25
    // answered calls (prod keeps 25% of traces: none of 25 kept by chance is rarer than 1 in 1,000).
    const spans = byRule["alert-genai-prod-server-spans-missing"];
    expect(spans).toMatchObject({
      kind: "LogAlert",
      scopes: [workspace.id],
      windowSize: "PT1H",
      skipQueryValidation: true,
    });
    expect(spans.criteria.allOf[0]).toMatchObject({
      query: missingSpansQuery(["10.40.31.200"], 25),
      timeAggregation: "Count",
      operator: "GreaterThan",
      threshold: 0,
      failingPeriods: { numberOfEvaluationPeriods: 2, minFailingPeriodsToAlert: 2 },
    });
    delete byRule["alert-genai-prod-server-spans-missing"];
    // The share of a team's monthly quota used: prod's assistant team has a spend ceiling (its quota).
    const quota = byRule["alert-genai-prod-team-quota"];
    expect(quota).toMatchObject({ kind: "LogAlert", scopes: [workspace.id], actions: { actionGroups: [group.id] } });
    expect(quota.description).toContain("teams assistant");
    expect(quota.criteria.allOf[0]).toMatchObject({
      query: quotaUsedQuery("Token quota used percent"),
      metricMeasureColumn: "UsedPercent",
      operator: "GreaterThanOrEqual",
      threshold: 80,
      dimensions: [
        { name: "Team", operator: "Include", values: ["*"] },
        { name: "Client", operator: "Include", values: ["*"] },
      ],
    });
    delete byRule["alert-genai-prod-team-quota"];
    // The team tokens' anomaly alert is the learned-thresholds test's.
    delete byRule["alert-genai-prod-team-tokens-anomaly"];
    for (const r of Object.values(byRule)) {
      expect(r).toMatchObject({
        kind: "LogAlert",
        scopes: [workspace.id],
        windowSize: "PT15M",
        actions: { actionGroups: [group.id] },
      });
      expect(r.criteria.allOf[0]).toMatchObject({
        metricMeasureColumn: "ratio",
        resourceIdColumn: "_ResourceId",
        operator: "GreaterThan",
      });
    }
    expect(byRule["alert-genai-prod-gateway-throttled"].criteria.allOf[0].threshold).toBe(0.05);
    expect(byRule["alert-genai-prod-account-errors"].criteria.allOf[0].threshold).toBe(0.02);
    // The gateway's logs go to the resource-specific tables the gateway's queries read.
    const settings = resourcesOfType(prod.stackExport, "azure-native:monitor:DiagnosticSetting").filter((d) =>
      String(d.inputs.resourceUri).includes("Microsoft.ApiManagement"),
    );
    expect(settings.map((d) => d.inputs.logAnalyticsDestinationType)).toEqual(["Dedicated"]);
  });
});

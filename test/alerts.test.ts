// Azure Monitor alerts on the model accounts, as the prod plan registers them.
import { describe, expect, it } from "vitest";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { plan } from "../cli/plan";
import { OPENAI_METRICS } from "../components/alerts";
import { PROJECT_DIR, planStack, rawConfig, resourcesOfType } from "./helpers";

describe("Azure Monitor alerts", () => {
  it("alert on every account's time to first byte, and on PTU utilization where PTUs are deployed, to one action group", async () => {
    const prod = await planStack("prod");
    const alerts = resourcesOfType(prod.stackExport, "azure-native:monitor:MetricAlert");
    const group = resourcesOfType(prod.stackExport, "azure-native:monitor:ActionGroup")[0]!;
    expect(group.inputs).toMatchObject({ groupShortName: "genai-prod", emailReceivers: [{ emailAddress: "platform-oncall@contoso.com" }] });
    const byRule = Object.fromEntries(alerts.map((a) => [a.inputs.ruleName, a.inputs]));
    expect(Object.keys(byRule).sort()).toEqual(["alert-genai-prod-eus2-ttfb", "alert-genai-prod-swc-ptu", "alert-genai-prod-swc-ttfb"]);
    expect((byRule["alert-genai-prod-swc-ptu"] as any).criteria.allOf[0]).toMatchObject({ metricName: OPENAI_METRICS.ptuUtilization, timeAggregation: "Maximum", operator: "GreaterThan", threshold: 90 });
    expect((byRule["alert-genai-prod-eus2-ttfb"] as any).criteria.allOf[0]).toMatchObject({ metricName: OPENAI_METRICS.timeToFirstByte, timeAggregation: "Average", threshold: 3000 });
    for (const a of alerts) expect((a.inputs.actions as any[])[0].actionGroupId).toBe(group.id);
  });

  it("call a webhook only from the secret alertWebhookUrl, which stays secret", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "genai-alerts-")), "Pulumi.prod.yaml");
    const config = Object.fromEntries(Object.entries(rawConfig("prod")).map(([k, v]) => [`genai-platform:${k}`, v]));
    writeFileSync(file, stringify({ config: { ...config, "genai-platform:alertWebhookUrl": { secure: "v1:AAAAbm90LXJlYWw=" } } }, { aliasDuplicateObjects: false }));
    const out = mkdtempSync(join(tmpdir(), "genai-alerts-out-"));
    expect(await plan(["--stack", "prod", "--config-file", file, "--out", out], PROJECT_DIR, { out: () => true, err: () => true })).toBe(0);
    const { readFileSync } = await import("node:fs");
    const exported = JSON.parse(readFileSync(join(out, "prod", "stack.json"), "utf8"));
    const group = exported.deployment.resources.find((r: any) => r.type === "azure-native:monitor:ActionGroup");
    expect(JSON.stringify(group.inputs.webhookReceivers)).toContain("1b47061264138c4ac30d75fd1eb44270");
  });
});

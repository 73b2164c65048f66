// The path to a stack of one's own: the small-team example plans and passes the pack within its budget,
// a stack file with only `environment` is told what every required key needs, and `pulumi new` asks for
// the top-level keys every stack needs (Pulumi.yaml's template).
import { describe, expect, it } from "vitest";
import { readFileSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { CONFIG_NAMESPACE, REQUIRED_KEY_HINTS, parsePlatformConfig } from "../stacks/config";
import { AS_OF, PROJECT_DIR, planCommand } from "./helpers";

const SMALL = join(PROJECT_DIR, "docs", "examples", "Pulumi.small.yaml");

describe("a stack of your own", () => {
  it("the small-team example plans, passes the policy pack and costs less than its budget at full use", async () => {
    const out = mkdtempSync(join(tmpdir(), "genai-small-"));
    const result = await planCommand(
      "--stack",
      "small",
      "--config-file",
      SMALL,
      "--out",
      out,
      "--json",
      "--as-of",
      AS_OF,
    );
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.policy.mandatory).toBe(0);
    const budget = parse(readFileSync(SMALL, "utf8")).config[`${CONFIG_NAMESPACE}:budget`].monthlyAmount;
    expect(report.cost.totalMonthly).toBeGreaterThan(0);
    expect(report.cost.totalMonthly).toBeLessThanOrEqual(budget);
    // Every value a person must replace is marked.
    expect(readFileSync(SMALL, "utf8").match(/PLACEHOLDER/g)!.length).toBeGreaterThanOrEqual(8);
  });

  it("a stack file with only environment is told what to put in each required key", () => {
    const result = parsePlatformConfig({ environment: "dev" });
    expect(result.ok).toBe(false);
    const issues = result.ok ? [] : result.issues;
    for (const key of ["subscriptionId", "location", "namePrefix", "tags", "accounts", "models"])
      expect(issues.find((i) => i.path === key)?.message).toBe(`required: ${REQUIRED_KEY_HINTS[key]}`);
    expect(issues.every((i) => !i.message.includes("received undefined"))).toBe(true);
  });

  it("pulumi new asks for the keys every stack needs", () => {
    const template = parse(readFileSync(join(PROJECT_DIR, "Pulumi.yaml"), "utf8")).template;
    expect(Object.keys(template.config)).toEqual(
      expect.arrayContaining(
        ["environment", "subscriptionId", "location", "namePrefix"].map((k) => `${CONFIG_NAMESPACE}:${k}`),
      ),
    );
    for (const entry of Object.values<{ description: string }>(template.config)) expect(entry.description).toBeTruthy();
  });
});

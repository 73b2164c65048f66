// The KQL of the log alerts and of the capacity simulator's export, analyzed by Microsoft's Kusto analyzer
// against the tables Azure Monitor documents (test/kusto.ts). Pure: the queries come from their builders,
// which the prod plan's alerts use (test/alerts.test.ts checks the planned rules carry them).
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { kustoDiagnostics } from "./kusto";
import { PROJECT_DIR } from "./configHelpers";
import { LOG_ANALYTICS_EXPORT } from "../cli/simulate/trace";
import { quotaUsedQuery, ratioQuery } from "../components/alerts/queries";
import { teamTokensQuery } from "../components/alerts/anomaly";
import {
  MISSING_SPANS_FALSE_ALARM,
  SERVER_ROLE_PREFIX,
  missingSpansMinCalls,
  missingSpansQuery,
} from "../components/alerts/spans";
import { slotNamespace } from "../components/serving/names";

describe("the log alerts' KQL", () => {
  it("the team tokens anomaly query analyzes against Application Insights' AppMetrics table", () => {
    // Microsoft's Kusto analyzer, against the AppMetrics schema: every column and function exists.
    expect(kustoDiagnostics(teamTokensQuery())).toEqual([]);
    expect(kustoDiagnostics(teamTokensQuery().replace("sum(Sum)", "sum(Total)"))).not.toEqual([]);
  });

  it.each([
    ["account", "throttled"],
    ["account", "errors"],
    ["gateway", "throttled"],
    ["gateway", "errors"],
  ] as const)("%s %s: parses and analyzes against the documented table", (source, match) => {
    const query = ratioQuery(source, match, 20);
    expect(kustoDiagnostics(query)).toEqual([]);
    expect(query).toContain("extend ratio = todouble(matching) / requests");
  });

  it("the team quota alert's query analyzes against Application Insights' AppMetrics table", () => {
    expect(kustoDiagnostics(quotaUsedQuery("Token quota used percent"))).toEqual([]);
    expect(kustoDiagnostics(quotaUsedQuery("x").replace("max(Max)", "max(Maximum)"))).not.toEqual([]);
  });

  it("the missing-spans alert's query analyzes against the gateway's log and Application Insights' requests", () => {
    const query = missingSpansQuery(["10.40.31.200", "10.40.31.201"], 20);
    expect(kustoDiagnostics(query)).toEqual([]);
    expect(query).toContain('in ("10.40.31.200", "10.40.31.201")');
    expect(query).toContain(`| where AppRoleName startswith "${SERVER_ROLE_PREFIX}"`);
    expect(query.endsWith("| where Calls >= 20 and Spans == 0")).toBe(true);
    // Only answered calls make a span.
    expect(query).toContain("| where BackendResponseCode between (200 .. 299)");
    // The prefix is the servers' role: their slot's namespace.
    expect(slotNamespace("qwen", "blue").startsWith(SERVER_ROLE_PREFIX)).toBe(true);
  });

  it("the missing-spans alert waits for enough answered calls that no span kept is no chance", () => {
    expect(missingSpansMinCalls(20, 100)).toBe(20);
    expect(missingSpansMinCalls(20, 25)).toBe(25);
    expect(missingSpansMinCalls(20, 10)).toBe(66);
    expect(missingSpansMinCalls(5, 50)).toBe(10);
    expect(missingSpansMinCalls(20, 0)).toBeUndefined();
    for (const percent of [1, 5, 25, 50, 99])
      expect((1 - percent / 100) ** missingSpansMinCalls(1, percent)!).toBeLessThanOrEqual(MISSING_SPANS_FALSE_ALARM);
  });

  it("the analyzer reports an unknown column and a syntax error (the check can fail)", () => {
    expect(kustoDiagnostics("ApiManagementGatewayLogs | where StatusCode == 429")).not.toEqual([]);
    expect(kustoDiagnostics("AzureDiagnostics | summarize requests = count( by _ResourceId")).not.toEqual([]);
  });
});

// The project's other published KQL, checked by the same analyzer.
describe("the capacity simulator's Log Analytics export (cli/simulate/trace.ts)", () => {
  it("the export's KQL parses and analyzes against the documented tables", () => {
    expect(kustoDiagnostics(LOG_ANALYTICS_EXPORT)).toEqual([]);
    // The guide shows the same query (indented in its list).
    expect(readFileSync(join(PROJECT_DIR, "docs/capacity-simulator.md"), "utf8")).toContain(
      LOG_ANALYTICS_EXPORT.split("\n")
        .map((line) => `  ${line}`)
        .join("\n"),
    );
    // The check can fail: a column the LLM log does not have.
    expect(kustoDiagnostics(LOG_ANALYTICS_EXPORT.replace("PromptTokens", "InputTokens"))).not.toEqual([]);
  });
});

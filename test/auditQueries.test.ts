// The audit trail's documented queries, analyzed by Microsoft's Kusto analyzer against the columns the
// Azure Monitor table reference documents (test/kusto.ts): a misspelt column, table or function fails.
// No Kusto engine runs offline, so the queries are checked for meaning, not run on data.
import { describe, expect, it } from "vitest";
import { AUDIT_QUERY, TEAM_USAGE_QUERY, TRACE_METADATA, TRACE_SOURCE } from "../components/gateway/logs";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { kustoDiagnostics } from "./kusto";
import { PROJECT_DIR } from "./configHelpers";

describe("the audit trail's queries", () => {
  it.each([
    ["who called which model with what, when", AUDIT_QUERY],
    ["a team's usage this month", TEAM_USAGE_QUERY],
  ])("%s: analyzes without a diagnostic", (_what, query) => {
    expect(kustoDiagnostics(query)).toEqual([]);
  });

  it("reads the trace records the gateway policy writes (source and metadata names)", () => {
    for (const query of [AUDIT_QUERY, TEAM_USAGE_QUERY]) {
      expect(query).toContain(`tostring(Trace["source"]) == "${TRACE_SOURCE}"`);
      for (const name of TRACE_METADATA) expect(query).toContain(`Trace["metadata"]["${name}"]`);
    }
  });

  it("is what the gateway guide shows", () => {
    expect(readFileSync(join(PROJECT_DIR, "docs/gateway.md"), "utf8")).toContain(AUDIT_QUERY);
  });

  it("fails on a column the tables do not have (the analyzer is not a no-op)", () => {
    expect(
      kustoDiagnostics(AUDIT_QUERY.replace("PromptTokens = sum(PromptTokens)", "PromptTokens = sum(PromptToken)")),
    ).not.toEqual([]);
  });
});

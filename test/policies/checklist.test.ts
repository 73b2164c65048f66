import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { CHECKLIST } from "../../policies/checklist";
import { policies } from "../../policies/rules";
import {
  checklistDocument,
  controlsTable,
  coverage,
  coverageTable,
  itemsOf,
  uncovered,
  withCoverage,
  COVERAGE_DOC,
} from "../../cli/commands/checklist";
import { controlsOf } from "../../policies/lib";
import { PROJECT_DIR } from "../configHelpers";

describe("the checklist and the pack's coverage", () => {
  it("covers every item with a rule or an explicit process entry", () => {
    expect(CHECKLIST.map((i) => i.number)).toEqual(Array.from({ length: 19 }, (_, i) => i + 1));
    expect(uncovered(coverage())).toEqual([]);
  });

  it("fails an item that has neither", () => {
    const { process: _process, ...item } = CHECKLIST.find((i) => i.number === 7)!;
    expect(uncovered([{ item, rules: [] }])).toEqual([7]);
  });

  it("reads which items a rule enforces from its own metadata, and every rule names a real item", () => {
    for (const policy of policies) {
      const items = itemsOf(policy);
      expect(items.length, policy.name).toBeGreaterThan(0);
      for (const n of items)
        expect(
          CHECKLIST.some((i) => i.number === n),
          `${policy.name} names #${n}`,
        ).toBe(true);
    }
    expect(coverage().find((c) => c.item.number === 13)!.rules).toContain(
      "observability-azure-diagnostics-to-workspace",
    );
  });

  it("lists every rule with the standard controls its metadata names", () => {
    const table = controlsTable();
    for (const policy of policies) expect(table).toContain(`| \`${policy.name}\` |`);
    expect(controlsOf("#4 | PSS restricted: Seccomp; Checkov CKV_K8S_31")).toEqual([
      "PSS restricted: Seccomp",
      "Checkov CKV_K8S_31",
    ]);
    expect(controlsOf("#4, #14")).toEqual([]);
    expect(table).toContain("| `security-k8s-pod-security` | critical | PSS baseline: HostProcess");
  });

  it("is current in policies/CHECKLIST.md and docs/policy-pack.md (run npm run checklist after changing a rule)", () => {
    expect(readFileSync(join(PROJECT_DIR, "policies", "CHECKLIST.md"), "utf8")).toBe(checklistDocument());
    const readme = readFileSync(join(PROJECT_DIR, COVERAGE_DOC), "utf8");
    expect(withCoverage(readme)).toBe(readme);
    expect(readme).toContain(coverageTable());
  });
});

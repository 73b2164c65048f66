// The policy pack's verdict on a stack export as a report: violations ordered by severity, the table a
// reviewer reads, the exit code, and the policy config it was decided with (read and checked here).
// `npm run check`, the plan and the bench all use it.
import Table from "cli-table3";
import { PACK_NAME, policies } from "../../policies/rules";
import { compareCodePoints } from "../../components/core/order";
import type { PolicyPackConfig } from "./policyConfig";
import { CheckpointError, disabledPolicies, policyConfigProblems, urnName, type Violation } from "./policyRunner";
import { InputFileError, MAX_POLICY_CONFIG_BYTES, readInputText } from "../shared/inputFile";
import { oneLine, quoted } from "../shared/terminalText";
import { EXIT } from "../shared/io";

const SEVERITY_ORDER = ["critical", "high", "medium", "low"] as const;

export interface PolicyReport {
  readonly pack: string;
  readonly policies: number;
  readonly mandatory: number;
  readonly advisory: number;
  /** Rules the policy config turns off: they decided nothing. */
  readonly disabled: string[];
  readonly violations: Violation[];
}

export function policyReport(violations: Violation[], config: PolicyPackConfig): PolicyReport {
  const sorted = [...violations].sort(
    (a, b) =>
      SEVERITY_ORDER.indexOf(a.severity) - SEVERITY_ORDER.indexOf(b.severity) ||
      compareCodePoints(a.policy, b.policy) ||
      compareCodePoints(a.urn ?? "", b.urn ?? ""),
  );
  return {
    pack: PACK_NAME,
    policies: policies.length,
    mandatory: violations.filter((v) => v.enforcementLevel === "mandatory").length,
    advisory: violations.filter((v) => v.enforcementLevel === "advisory").length,
    disabled: disabledPolicies(policies, config),
    violations: sorted,
  };
}

/** The table a reviewer reads: violations grouped by severity, each with what to do about it. */
export function renderPolicyReport(report: PolicyReport): string {
  const head = `Policy pack ${report.pack} (${report.policies} rules): ${report.mandatory} mandatory, ${report.advisory} advisory violation${report.mandatory + report.advisory === 1 ? "" : "s"}`;
  const disabled =
    report.disabled.length > 0
      ? `${report.disabled.length} rule${report.disabled.length === 1 ? " is" : "s are"} disabled by the policy config and decided nothing: ${report.disabled.join(", ")}`
      : undefined;
  if (report.violations.length === 0) return [head, disabled ?? "Every rule passes."].join("\n");
  const out = [head, ...(disabled ? [disabled] : [])];
  for (const severity of SEVERITY_ORDER) {
    const group = report.violations.filter((v) => v.severity === severity);
    if (group.length === 0) continue;
    const table = new Table({
      head: ["rule", "level", "resource", "message"],
      colWidths: [44, 11, 34, 60],
      wordWrap: true,
      style: { head: [], border: [], compact: true },
    });
    table.push(
      ...group.map((v) => [
        v.policy,
        v.enforcementLevel,
        v.urn ? oneLine(urnName(v.urn)) : "(stack)",
        oneLine(v.message),
      ]),
    );
    const rules = [...new Map(group.map((v) => [v.policy, v])).values()];
    out.push(
      "",
      `${severity.toUpperCase()} (${group.length})`,
      table.toString(),
      ...rules.map((v) => `  ${v.policy}${v.checklist ? ` (checklist ${v.checklist})` : ""}: ${v.remediation}`),
    );
  }
  return out.join("\n");
}

export function exitCodeOf(report: PolicyReport): number {
  return report.mandatory > 0 ? EXIT.policy : EXIT.ok;
}

/** The JSON in the file `path`, given as `option`; a CheckpointError naming the option, path and why otherwise. */
export function readJson(path: string, option: string, maxBytes: number): unknown {
  let text: string;
  try {
    text = readInputText(option, path, maxBytes);
  } catch (error) {
    if (error instanceof InputFileError) throw new CheckpointError(error.message);
    throw error;
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new CheckpointError(`${option} ${quoted(path)} is not valid JSON: ${(error as Error).message}`);
  }
}

/** Reads and checks a `--policy-pack-config` file. */
export function readPolicyConfig(path: string, option = "policy config"): PolicyPackConfig {
  const config = readJson(path, option, MAX_POLICY_CONFIG_BYTES);
  if (typeof config !== "object" || config === null || Array.isArray(config))
    throw new CheckpointError(`policy config ${path} must be a JSON object of policy name to level or settings`);
  const problems = policyConfigProblems(config as PolicyPackConfig, policies);
  if (problems.length > 0) throw new CheckpointError(`policy config ${path}: ${problems.join("; ")}`);
  return config as PolicyPackConfig;
}

// `npm run check -- <stack-export.json> [--policy-config FILE] [--json]`
// Runs the policy pack's rules on a `pulumi stack export` file (from the offline plan or a live stack).
// Exit codes: 0 no mandatory violation; 1 mandatory violations; 2 unreadable or malformed input.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import Table from "cli-table3";
import { PACK_NAME, policies } from "../policies/rules";
import { compareCodePoints } from "../components/core/order";
import type { PolicyPackConfig } from "./policyConfig";
import { CheckpointError, checkpointResources, disabledPolicies, evaluatePolicies, policyConfigProblems, type Violation } from "./policyRunner";

export const CHECK_EXIT = { ok: 0, mandatory: 1, invalid: 2 } as const;
const USAGE = "usage: npm run check -- <stack-export.json> [--policy-config FILE] [--json]";
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
    (a, b) => SEVERITY_ORDER.indexOf(a.severity) - SEVERITY_ORDER.indexOf(b.severity) || compareCodePoints(a.policy, b.policy) || compareCodePoints(a.urn ?? "", b.urn ?? ""),
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
  const disabled = report.disabled.length > 0 ? `${report.disabled.length} rule${report.disabled.length === 1 ? " is" : "s are"} disabled by the policy config and decided nothing: ${report.disabled.join(", ")}` : undefined;
  if (report.violations.length === 0) return [head, disabled ?? "Every rule passes."].join("\n");
  const out = [head, ...(disabled ? [disabled] : [])];
  for (const severity of SEVERITY_ORDER) {
    const group = report.violations.filter((v) => v.severity === severity);
    if (group.length === 0) continue;
    const table = new Table({ head: ["rule", "level", "resource", "message"], colWidths: [44, 11, 34, 60], wordWrap: true, style: { head: [], border: [], compact: true } });
    table.push(...group.map((v) => [v.policy, v.enforcementLevel, v.urn ? v.urn.split("::").pop()! : "(stack)", v.message]));
    const rules = [...new Map(group.map((v) => [v.policy, v])).values()];
    out.push("", `${severity.toUpperCase()} (${group.length})`, table.toString(), ...rules.map((v) => `  ${v.policy} (checklist ${v.checklist}): ${v.remediation}`));
  }
  return out.join("\n");
}

export function exitCodeOf(report: PolicyReport): number {
  return report.mandatory > 0 ? CHECK_EXIT.mandatory : CHECK_EXIT.ok;
}

function readJson(path: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    throw new CheckpointError(`cannot read ${what} ${path}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new CheckpointError(`${what} ${path} is not valid JSON: ${(error as Error).message}`);
  }
}

/** Reads and checks a `--policy-pack-config` file. */
export function readPolicyConfig(path: string): PolicyPackConfig {
  const config = readJson(path, "policy config");
  if (typeof config !== "object" || config === null || Array.isArray(config)) throw new CheckpointError(`policy config ${path} must be a JSON object of policy name to level or settings`);
  const problems = policyConfigProblems(config as PolicyPackConfig, policies);
  if (problems.length > 0) throw new CheckpointError(`policy config ${path}: ${problems.join("; ")}`);
  return config as PolicyPackConfig;
}

export async function check(argv: string[], io = { out: (s: string) => process.stdout.write(s), err: (s: string) => process.stderr.write(s) }): Promise<number> {
  try {
    let parsed;
    try {
      parsed = parseArgs({ args: argv, options: { "policy-config": { type: "string" }, json: { type: "boolean", default: false } }, allowPositionals: true, strict: true });
    } catch (error) {
      throw new CheckpointError(`${(error as Error).message}\n${USAGE}`);
    }
    if (parsed.positionals.length !== 1) throw new CheckpointError(`expected one stack export file, got ${parsed.positionals.length}\n${USAGE}`);
    const exportPath = resolve(parsed.positionals[0]!);
    const resources = checkpointResources(readJson(exportPath, "stack export"), exportPath);
    // Beside a planned stack.json sits the policy config the plan wrote for it.
    const sibling = join(dirname(exportPath), "policy-config.json");
    const configPath = parsed.values["policy-config"] ? resolve(parsed.values["policy-config"]) : existsSync(sibling) ? sibling : undefined;
    const config = configPath ? readPolicyConfig(configPath) : {};
    const report = policyReport(await evaluatePolicies(resources, policies, config, "mandatory", "export"), config);
    if (parsed.values.json) io.out(`${JSON.stringify({ ...report, policyConfig: configPath ?? null }, null, 2)}\n`);
    else io.out(`${renderPolicyReport(report)}\n${configPath ? `(policy config: ${relative(process.cwd(), configPath)})` : "(no policy config: stack rules that need facts report them missing)"}\n`);
    return exitCodeOf(report);
  } catch (error) {
    if (error instanceof CheckpointError) {
      io.err(`check: ${error.message}\n`);
      return CHECK_EXIT.invalid;
    }
    throw error;
  }
}

if (require.main === module) {
  check(process.argv.slice(2)).then(
    (code) => {
      // Not process.exit(): pending writes (such as the loader's transform cache) finish first.
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`check: a rule failed to run: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(CHECK_EXIT.invalid);
    },
  );
}

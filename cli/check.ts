// `npm run check -- <stack-export.json> [--policy-config FILE] [--json]` (the export also as `--state FILE`)
// Runs the policy pack's rules on a `pulumi stack export` file (from the offline plan or a live stack).
// Exit codes: 0 no mandatory violation; 1 mandatory violations; 2 unreadable or malformed input (a file
// that is not a stack export or a policy config, or an export a rule cannot read).
import { existsSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import Table from "cli-table3";
import { PACK_NAME, policies } from "../policies/rules";
import { compareCodePoints } from "../components/core/order";
import type { PolicyPackConfig } from "./policyConfig";
import {
  CheckpointError,
  RuleError,
  checkpointResources,
  disabledPolicies,
  evaluatePolicies,
  policyConfigProblems,
  urnName,
  type Violation,
} from "./policyRunner";
import { InputFileError, MAX_EXPORT_BYTES, MAX_POLICY_CONFIG_BYTES, readInputText } from "./inputFile";
import { oneLine, printed, quoted, terminalJson } from "./terminalText";
import { type CommandIo, EXIT, processIo } from "./io";

const USAGE =
  "usage: npm run check -- <stack-export.json> [--policy-config FILE] [--json]   (or --state <stack-export.json>)";
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
function readJson(path: string, option: string, maxBytes: number): unknown {
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

export async function check(argv: string[], io: CommandIo = processIo): Promise<number> {
  try {
    let parsed;
    try {
      // Options given twice are collected, so the second is refused rather than silently replacing the first.
      parsed = parseArgs({
        args: argv,
        options: {
          state: { type: "string", multiple: true },
          "policy-config": { type: "string", multiple: true },
          json: { type: "boolean", default: false },
        },
        allowPositionals: true,
        strict: true,
      });
    } catch (error) {
      throw new CheckpointError(`${(error as Error).message}\n${USAGE}`);
    }
    const exports = [...(parsed.values.state ?? []), ...parsed.positionals];
    if (exports.length !== 1)
      throw new CheckpointError(
        `expected one stack export file, got ${exports.length} (a path, or --state FILE)\n${USAGE}`,
      );
    const configs = parsed.values["policy-config"] ?? [];
    if (configs.length > 1)
      throw new CheckpointError(`expected at most one --policy-config, got ${configs.length}\n${USAGE}`);
    const exportPath = resolve(exports[0]!);
    const resources = checkpointResources(
      readJson(exportPath, parsed.values.state !== undefined ? "--state" : "stack export", MAX_EXPORT_BYTES),
      exportPath,
    );
    // Beside a planned stack.json sits the policy config the plan wrote for it.
    const sibling = join(dirname(exportPath), "policy-config.json");
    const configPath = configs[0] !== undefined ? resolve(configs[0]) : existsSync(sibling) ? sibling : undefined;
    const config = configPath
      ? readPolicyConfig(configPath, configs[0] !== undefined ? "--policy-config" : "policy config")
      : {};
    const report = policyReport(await evaluatePolicies(resources, policies, config, "mandatory", "export"), config);
    if (parsed.values.json) io.out(`${terminalJson({ ...report, policyConfig: configPath ?? null })}\n`);
    else
      io.out(
        `${renderPolicyReport(report)}\n${configPath ? `(policy config: ${printed(relative(process.cwd(), configPath))})` : "(no policy config: stack rules that need facts report them missing)"}\n`,
      );
    return exitCodeOf(report);
  } catch (error) {
    if (error instanceof CheckpointError) {
      io.err(`check: ${printed(error.message)}\n`);
      return EXIT.invalid;
    }
    if (error instanceof RuleError) {
      io.err(
        `check: ${printed(error.message)}; the export holds something the rule cannot read (or the rule has a fault), so nothing was decided\n`,
      );
      return EXIT.invalid;
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
      process.stderr.write(
        `check: a rule failed to run: ${printed(error instanceof Error ? error.message : String(error))}\n`,
      );
      process.exit(EXIT.invalid);
    },
  );
}

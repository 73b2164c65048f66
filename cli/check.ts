// `npm run check -- <stack-export.json> [--policy-config FILE] [--json]` (the export also as `--state FILE`)
// Runs the policy pack's rules on a `pulumi stack export` file (from the offline plan or a live stack).
// Exit codes: 0 no mandatory violation; 1 mandatory violations; 2 unreadable or malformed input (a file
// that is not a stack export or a policy config, or an export a rule cannot read).
import { closeSync, constants, existsSync, fstatSync, openSync, readSync, realpathSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import Table from "cli-table3";
import { PACK_NAME, policies } from "../policies/rules";
import { compareCodePoints } from "../components/core/order";
import type { PolicyPackConfig } from "./policyConfig";
import { CheckpointError, RuleError, checkpointResources, disabledPolicies, evaluatePolicies, policyConfigProblems, urnName, type Violation } from "./policyRunner";
import { readReason } from "./stackFile";

export const CHECK_EXIT = { ok: 0, mandatory: 1, invalid: 2 } as const;
const USAGE = "usage: npm run check -- <stack-export.json> [--policy-config FILE] [--json]   (or --state <stack-export.json>)";
const SEVERITY_ORDER = ["critical", "high", "medium", "low"] as const;

/** The largest stack export read (the planned prod export is 0.7 MB; a stack at the resource limit, some 45 MB). */
export const MAX_EXPORT_BYTES = 64 * 1024 * 1024;
/** The largest policy config read (the planned ones are a few kB). */
export const MAX_POLICY_CONFIG_BYTES = 4 * 1024 * 1024;

/** File systems the kernel synthesises: their files are not exports, and some hold secrets (/proc/self/environ). */
const VIRTUAL_ROOTS = ["/proc", "/sys", "/dev"];

/** Escape sequences, whole: CSI (ESC [ or 0x9B), OSC / DCS / SOS / PM / APC strings up to their terminator, and two-byte ESC forms. */
const SEQUENCE = /(?:\u001b\[|\u009b)[0-?]*[ -/]*[@-~]?|(?:\u001b[\]PX^_]|[\u0090\u0098\u009d\u009e\u009f])[^\u0007\u001b\u009c]*(?:\u0007|\u001b\\|\u009c)?|\u001b[ -/]*[0-~]?/g;
/** Control characters but newline (C0, DEL, C1) and the bidirectional embeddings, overrides and isolates that reorder what a person reads. */
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;
/** What JSON.stringify leaves unescaped that a terminal may still act on: DEL, C1 and the bidirectional controls. */
const JSON_UNSAFE = /[\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/** `text` (a message or a name from a file) safe to print on a terminal: escape sequences and control characters removed, newlines kept. */
export function printable(text: string): string {
  return text.replace(SEQUENCE, "").replace(/\t/g, " ").replace(CONTROL, "");
}

/** `text` on one line, safe to print (a table cell). */
export function oneLine(text: string): string {
  return printable(text).replace(/\r?\n/g, " ");
}

const escapeOne = (c: string): string => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`;

/** `text` (an error naming what a user gave) safe to print, every control character but newline shown escaped (`\u001b`), so the input stays recognisable. */
export function escapeControls(text: string): string {
  return text.replace(CONTROL, escapeOne);
}

/** `value` as JSON whose text a terminal shows as it is: every character it could act on escaped (`\u009b`), so the values are unchanged. */
export function terminalJson(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(JSON_UNSAFE, escapeOne);
}

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
    table.push(...group.map((v) => [v.policy, v.enforcementLevel, v.urn ? oneLine(urnName(v.urn)) : "(stack)", oneLine(v.message)]));
    const rules = [...new Map(group.map((v) => [v.policy, v])).values()];
    out.push("", `${severity.toUpperCase()} (${group.length})`, table.toString(), ...rules.map((v) => `  ${v.policy}${v.checklist ? ` (checklist ${v.checklist})` : ""}: ${v.remediation}`));
  }
  return out.join("\n");
}

export function exitCodeOf(report: PolicyReport): number {
  return report.mandatory > 0 ? CHECK_EXIT.mandatory : CHECK_EXIT.ok;
}

/** Bytes decoded as UTF-8 (a leading byte-order mark dropped); a CheckpointError naming `what` for UTF-16 or other encodings. */
export function decodeText(bytes: Buffer, what: string): string {
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    throw new CheckpointError(`${what} is UTF-16 (as a PowerShell redirect writes it), not UTF-8: save it as UTF-8 (\`pulumi stack export --file FILE\` does)`);
  }
  const text = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? bytes.subarray(3) : bytes;
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(text);
  } catch {
    throw new CheckpointError(`${what} is not UTF-8 text`);
  }
}

/** Reads at most `maxBytes` + 1 bytes of an open file, however its size changes while it is read. */
function readAtMost(fd: number, maxBytes: number): Buffer {
  const chunks: Buffer[] = [];
  let total = 0;
  for (;;) {
    const chunk = Buffer.alloc(Math.min(1024 * 1024, maxBytes + 1 - total));
    const read = readSync(fd, chunk, 0, chunk.length, null);
    if (read === 0) break;
    chunks.push(chunk.subarray(0, read));
    total += read;
    if (total > maxBytes) break;
  }
  return Buffer.concat(chunks);
}

/**
 * The text of the regular file at `path`, at most `maxBytes` long; a CheckpointError naming `what`,
 * the path and why otherwise (no such file, a folder, a device or pipe, a virtual file system, too big).
 */
export function readInputFile(path: string, what: string, maxBytes: number): string {
  const named = `${what} ${path}`;
  let real: string;
  let fd: number;
  try {
    real = realpathSync(path);
    if (VIRTUAL_ROOTS.some((root) => real === root || real.startsWith(`${root}/`))) {
      throw new CheckpointError(`${named} is on a virtual file system (${real}), not a saved file`);
    }
    // Non-blocking: opening a named pipe must not wait for a writer.
    fd = openSync(real, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    if (error instanceof CheckpointError) throw error;
    throw new CheckpointError(`cannot read ${named}: ${readReason(error)}`);
  }
  try {
    const stat = fstatSync(fd);
    if (stat.isDirectory()) throw new CheckpointError(`cannot read ${named}: it is a folder, not a file (EISDIR)`);
    if (!stat.isFile()) throw new CheckpointError(`cannot read ${named}: it is not a regular file (a device, pipe or socket)`);
    const tooBig = new CheckpointError(`${named} holds more than ${maxBytes.toLocaleString("en-US")} bytes, the most check reads`);
    if (stat.size > maxBytes) throw tooBig;
    const bytes = readAtMost(fd, maxBytes);
    if (bytes.length > maxBytes) throw tooBig;
    return decodeText(bytes, named);
  } catch (error) {
    if (error instanceof CheckpointError) throw error;
    throw new CheckpointError(`cannot read ${named}: ${readReason(error)}`);
  } finally {
    closeSync(fd);
  }
}

function readJson(path: string, what: string, maxBytes: number): unknown {
  const text = readInputFile(path, what, maxBytes);
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new CheckpointError(`${what} ${path} is not valid JSON: ${(error as Error).message}`);
  }
}

/** Reads and checks a `--policy-pack-config` file. */
export function readPolicyConfig(path: string): PolicyPackConfig {
  const config = readJson(path, "policy config", MAX_POLICY_CONFIG_BYTES);
  if (typeof config !== "object" || config === null || Array.isArray(config)) throw new CheckpointError(`policy config ${path} must be a JSON object of policy name to level or settings`);
  const problems = policyConfigProblems(config as PolicyPackConfig, policies);
  if (problems.length > 0) throw new CheckpointError(`policy config ${path}: ${problems.join("; ")}`);
  return config as PolicyPackConfig;
}

export async function check(argv: string[], io = { out: (s: string) => process.stdout.write(s), err: (s: string) => process.stderr.write(s) }): Promise<number> {
  try {
    let parsed;
    try {
      // Options given twice are collected, so the second is refused rather than silently replacing the first.
      parsed = parseArgs({ args: argv, options: { state: { type: "string", multiple: true }, "policy-config": { type: "string", multiple: true }, json: { type: "boolean", default: false } }, allowPositionals: true, strict: true });
    } catch (error) {
      throw new CheckpointError(`${(error as Error).message}\n${USAGE}`);
    }
    const exports = [...(parsed.values.state ?? []), ...parsed.positionals];
    if (exports.length !== 1) throw new CheckpointError(`expected one stack export file, got ${exports.length} (a path, or --state FILE)\n${USAGE}`);
    const configs = parsed.values["policy-config"] ?? [];
    if (configs.length > 1) throw new CheckpointError(`expected at most one --policy-config, got ${configs.length}\n${USAGE}`);
    const exportPath = resolve(exports[0]!);
    const resources = checkpointResources(readJson(exportPath, "stack export", MAX_EXPORT_BYTES), exportPath);
    // Beside a planned stack.json sits the policy config the plan wrote for it.
    const sibling = join(dirname(exportPath), "policy-config.json");
    const configPath = configs[0] !== undefined ? resolve(configs[0]) : existsSync(sibling) ? sibling : undefined;
    const config = configPath ? readPolicyConfig(configPath) : {};
    const report = policyReport(await evaluatePolicies(resources, policies, config, "mandatory", "export"), config);
    if (parsed.values.json) io.out(`${terminalJson({ ...report, policyConfig: configPath ?? null })}\n`);
    else io.out(`${renderPolicyReport(report)}\n${configPath ? `(policy config: ${escapeControls(relative(process.cwd(), configPath))})` : "(no policy config: stack rules that need facts report them missing)"}\n`);
    return exitCodeOf(report);
  } catch (error) {
    if (error instanceof CheckpointError) {
      io.err(`check: ${escapeControls(error.message)}\n`);
      return CHECK_EXIT.invalid;
    }
    if (error instanceof RuleError) {
      io.err(`check: ${escapeControls(error.message)}; the export holds something the rule cannot read (or the rule has a fault), so nothing was decided\n`);
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
      process.stderr.write(`check: a rule failed to run: ${escapeControls(error instanceof Error ? error.message : String(error))}\n`);
      process.exit(CHECK_EXIT.invalid);
    },
  );
}

// `npm run check -- <stack-export.json> [--policy-config FILE] [--json]` (the export also as `--state FILE`)
// Runs the policy pack's rules on a `pulumi stack export` file (from the offline plan or a live stack).
// Exit codes: 0 no mandatory violation; 1 mandatory violations; 2 unreadable or malformed input (a file
// that is not a stack export or a policy config, or an export a rule cannot read).
import { existsSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { policies } from "../../policies/rules";
import { CheckpointError, RuleError, checkpointResources, evaluatePolicies } from "../engine/policyRunner";
import { MAX_EXPORT_BYTES } from "../shared/inputFile";
import { printed, terminalJson } from "../shared/terminalText";
import { exitCodeOf, policyReport, readJson, readPolicyConfig, renderPolicyReport } from "../engine/policyReport";
import { type CommandIo, EXIT, UsageError, processIo, quietOnClosedPipe } from "../shared/io";
import { type CommandSpec, helpText, parseCommandLine, usageLine, wantsHelp } from "../shared/args";

export const CHECK_SPEC: CommandSpec = {
  command: "check",
  summary:
    "Runs the policy pack's rules on a `pulumi stack export` file: the offline plan's out/<stack>/stack.json or a live stack's export. The policy config beside a planned export is read unless --policy-config names one.",
  positionals: "<stack-export.json>",
  options: {
    state: {
      type: "string",
      value: "FILE",
      multiple: true,
      help: "the stack export, as an option instead of the positional",
    },
    "policy-config": {
      type: "string",
      value: "FILE",
      multiple: true,
      help: "the enforcement levels and the stack's facts",
    },
    json: { type: "boolean", default: false, help: "print the verdict as JSON" },
  },
  examples: [
    "npm run check -- out/prod/stack.json",
    "pulumi stack export --stack prod > live.json && npm run check -- live.json --policy-config out/prod/policy-config.json",
  ],
  notes: ["exit codes: 0 no mandatory violation; 1 mandatory violations; 2 unreadable or malformed input"],
};
const USAGE = usageLine(CHECK_SPEC);

export async function check(argv: string[], io: CommandIo = processIo): Promise<number> {
  try {
    if (wantsHelp(argv)) {
      io.out(helpText(CHECK_SPEC));
      return EXIT.ok;
    }
    let parsed;
    try {
      // Options given twice are collected, so the second is refused rather than silently replacing the first.
      parsed = parseCommandLine(CHECK_SPEC, argv);
    } catch (error) {
      if (!(error instanceof UsageError)) throw error;
      throw new CheckpointError(error.message);
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
  quietOnClosedPipe();
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

// `npm run plan -- --stack <dev|prod> [--out DIR] [--json | --format text|json|markdown] [--base EXPORT | --base-config FILE] [--verify] [--config-file FILE] [--as-of YYYY-MM-DD] [--policy-config FILE]`
// Runs the Pulumi program offline under the mock runtime and writes out/<stack>/ (cli/planner/planRun.ts).
// Exit codes: 0 fine; 1 mandatory policy violations; 2 invalid arguments, config or --out (nothing
// written); 3 the program itself failed (an engine would refuse it: unmocked type, duplicate URN, preview drift).
import "../shared/startup";
import { join, resolve } from "node:path";
import { AsOfError, asOfDay, dayProblem } from "../../stacks/asOf";
import {
  MAX_STACK_FILE_BYTES,
  StackFileError,
  readStackFile,
  stackNameProblem,
  projectName,
  missingStackHint,
} from "../shared/stackFile";
import { type CommandIo, EXIT, UsageError, processIo, quietOnClosedPipe } from "../shared/io";
import { type CommandSpec, helpText, parseCommandLine, usageLine, wantsHelp } from "../shared/args";
import { textProblem } from "../shared/terminalText";
import { MAX_EXPORT_BYTES, MAX_POLICY_CONFIG_BYTES, inputFileProblem } from "../shared/inputFile";
import type { PlanArgs } from "../planner/planRun";

export const PLAN_SPEC: CommandSpec = {
  command: "plan",
  summary:
    "Plans a stack offline: runs the Pulumi program under the mock runtime, checks it with the policy pack, and writes out/<stack>/ (the stack export, the policy config, gateway policies, Kubernetes manifests, rules and dashboards). Nothing is deployed and no cloud is called.",
  options: {
    stack: { type: "string", value: "NAME", default: "dev", help: "the stack: reads Pulumi.<NAME>.yaml" },
    out: { type: "string", value: "DIR", default: "out", help: "where out/<stack>/ is written" },
    json: { type: "boolean", default: false, help: "print the report as JSON (as --format json)" },
    format: { type: "string", value: "text|json|markdown", help: "how the report is printed (default text)" },
    base: { type: "string", value: "EXPORT", help: "compare with a `pulumi stack export` (text or markdown)" },
    "base-config": {
      type: "string",
      value: "FILE",
      help: "compare with an earlier stack file, planned here in memory (text or markdown)",
    },
    verify: { type: "boolean", default: false, help: "plan again as a preview and check it registers the same URNs" },
    "config-file": { type: "string", value: "FILE", help: "the stack file to plan instead of Pulumi.<stack>.yaml" },
    "as-of": { type: "string", value: "YYYY-MM-DD", help: "the day model lifecycle is checked for (default today)" },
    "policy-config": {
      type: "string",
      value: "FILE",
      help: "the policy pack's enforcement levels instead of the environment's committed ones",
    },
  },
  examples: [
    "npm run plan -- --stack dev",
    "npm run plan -- --stack prod --verify",
    "npm run plan -- --stack prod --format markdown --base-config main/Pulumi.prod.yaml   # a PR comment",
  ],
  notes: [
    "exit codes: 0 planned; 1 a mandatory policy is broken; 2 invalid arguments, config or --out (nothing written); 3 the program itself failed",
  ],
};
const USAGE = usageLine(PLAN_SPEC);

/** Every file the plan reads, by option: each is checked before anything is read or written. */
function inputFiles(args: PlanArgs): [string, string, number][] {
  const given: [string, string | undefined, number][] = [
    [args.configFileOption ?? "stack file", args.configFile, MAX_STACK_FILE_BYTES],
    ["--policy-config", args.policyConfig, MAX_POLICY_CONFIG_BYTES],
    ["--base", args.base, MAX_EXPORT_BYTES],
    ["--base-config", args.baseConfig, MAX_STACK_FILE_BYTES],
  ];
  return given.filter((g): g is [string, string, number] => g[1] !== undefined);
}

function parsePlanArgs(argv: string[], projectDir: string): PlanArgs {
  const values = parseCommandLine(PLAN_SPEC, argv).values as {
    stack: string;
    out: string;
    json: boolean;
    format?: string;
    base?: string;
    "base-config"?: string;
    verify: boolean;
    "config-file"?: string;
    "as-of"?: string;
    "policy-config"?: string;
  };
  for (const [option, value] of Object.entries(values)) {
    const problem = typeof value === "string" ? textProblem(`--${option}`, value) : undefined;
    if (problem) throw new UsageError(`${problem}\n${USAGE}`);
  }
  const stackProblem = stackNameProblem(values.stack);
  if (stackProblem) throw new UsageError(`${stackProblem}\n${USAGE}`);
  // out/<stack> beside the output writer's own entries (out/.<stack>.<pid>-<hex>): a hidden stack folder could be taken for one.
  if (values.stack.startsWith("."))
    throw new UsageError(
      `--stack "${values.stack}" starts with a dot: out/${values.stack} would be a hidden folder, and those are the output writer's own\n${USAGE}`,
    );
  if (values.out === "") throw new UsageError(`--out "" is empty: give a folder, such as out\n${USAGE}`);
  const asOfProblem = values["as-of"] !== undefined ? dayProblem(values["as-of"]) : undefined;
  if (asOfProblem) throw new UsageError(`--as-of ${asOfProblem}\n${USAGE}`);
  const format = values.format ?? (values.json ? "json" : "text");
  if (format !== "text" && format !== "json" && format !== "markdown")
    throw new UsageError(`--format ${format}: text, json or markdown\n${USAGE}`);
  if (values.json && format !== "json") throw new UsageError(`--json and --format ${format} disagree\n${USAGE}`);
  if (values.base && values["base-config"]) throw new UsageError(`give --base or --base-config, not both\n${USAGE}`);
  if ((values.base || values["base-config"]) && format === "json")
    throw new UsageError(
      `--base and --base-config compare in the text or markdown report: use --format text or markdown\n${USAGE}`,
    );
  return {
    format,
    ...(values.base ? { base: resolve(values.base) } : {}),
    ...(values["base-config"] ? { baseConfig: resolve(values["base-config"]) } : {}),
    asOf: values["as-of"] ?? asOfDay(),
    stack: values.stack,
    outDir: resolve(values.out),
    json: format === "json",
    verify: values.verify,
    configFile: resolve(values["config-file"] ?? join(projectDir, `Pulumi.${values.stack}.yaml`)),
    configFileOption: values["config-file"] !== undefined ? "--config-file" : "stack file",
    ...(values["policy-config"] ? { policyConfig: resolve(values["policy-config"]) } : {}),
    projectDir,
  };
}

export async function plan(argv: string[], projectDir: string, io: CommandIo = processIo): Promise<number> {
  if (wantsHelp(argv)) {
    io.out(helpText(PLAN_SPEC));
    return EXIT.ok;
  }
  let args: PlanArgs;
  let project: string;
  let stackConfig;
  try {
    args = parsePlanArgs(argv, projectDir);
    for (const [option, path, maxBytes] of inputFiles(args)) {
      const problem = inputFileProblem(option, path, maxBytes);
      if (problem) throw new UsageError(problem);
    }
    project = projectName(projectDir);
    stackConfig = readStackFile(args.configFile, args.configFileOption);
  } catch (error) {
    if (error instanceof UsageError || error instanceof StackFileError || error instanceof AsOfError) {
      // args is set once the options parsed: a stack file that is not there lists the ones that are.
      const parsed = args! as PlanArgs | undefined;
      const hint = parsed?.configFileOption === "stack file" ? missingStackHint(projectDir, parsed.stack) : undefined;
      io.err(`plan: ${error.message}${hint ? `\n${hint}` : ""}\n`);
      return EXIT.invalid;
    }
    throw error;
  }

  // The program, the SDK and the policy pack load only once the stack file has been read.
  const { planStack } = await import("../planner/planRun");
  return planStack(args, project, stackConfig, io);
}

if (require.main === module) {
  quietOnClosedPipe();
  plan(process.argv.slice(2), resolve(__dirname, "../..")).then(
    (code) => {
      // Not process.exit(): pending writes (such as the loader's transform cache) finish first.
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`plan: internal error: ${error instanceof Error ? error.stack : String(error)}\n`);
      process.exit(EXIT.programFailed);
    },
  );
}

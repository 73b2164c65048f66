// `npm run plan -- --stack <dev|prod> [--out DIR] [--json] [--verify] [--config-file FILE]`
// Runs the Pulumi program offline under the mock runtime and writes out/<stack>/stack.json.
// Exit codes: 0 fine; 1 mandatory policy violations (reserved); 2 invalid config or arguments;
// 3 the program itself failed (an engine would refuse it: unmocked type, duplicate URN, preview drift).
import "./startup";
import { readFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import { asOfDay, dayProblem, loadStackConfig } from "../stacks/load";
import { stableGuid } from "./mockOutputs";
import { runOffline, type OfflineRun } from "./offlineRun";
import { buildPlanReport, renderPlanReport } from "./report";
import { exitCodeOf, policyReport, renderPolicyReport } from "./check";
import { baseEnforcement, buildPolicyConfig, policyFacts } from "./policyConfig";
import { evaluatePolicies } from "./policyRunner";
import { policies } from "../policies/rules";
import { buildStackExport } from "./stackExport";
import { ArtifactWriteError, writeArtifacts } from "./outWriter";
import { StackFileError, parseYaml, readStackFile } from "./stackFile";

export const EXIT = { ok: 0, policy: 1, invalid: 2, programFailed: 3 } as const;

const USAGE = "usage: npm run plan -- --stack <dev|prod> [--out DIR] [--json] [--verify] [--config-file FILE] [--as-of YYYY-MM-DD]";

/** Why `name` is not a Pulumi stack name (1-100 letters, digits, -, _ and .; never . or ..), or undefined. */
export function stackNameProblem(name: string): string | undefined {
  if (!/^[A-Za-z0-9_.-]{1,100}$/.test(name)) return `--stack "${name}" is not a stack name: 1-100 letters, digits, -, _ and .`;
  if (name === "." || name === "..") return `--stack "${name}" is not a stack name: it would name a folder outside --out`;
  return undefined;
}

class UsageError extends Error {}

interface PlanArgs {
  readonly stack: string;
  readonly outDir: string;
  readonly json: boolean;
  readonly verify: boolean;
  readonly configFile: string;
  readonly projectDir: string;
  /** The day model lifecycle is checked for. */
  readonly asOf: string;
}

function parsePlanArgs(argv: string[], projectDir: string): PlanArgs {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        stack: { type: "string", default: "dev" },
        out: { type: "string", default: "out" },
        json: { type: "boolean", default: false },
        verify: { type: "boolean", default: false },
        "config-file": { type: "string" },
        "as-of": { type: "string" },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n${USAGE}`);
  }
  const stackProblem = stackNameProblem(values.stack);
  if (stackProblem) throw new UsageError(`${stackProblem}\n${USAGE}`);
  const asOfProblem = values["as-of"] !== undefined ? dayProblem(values["as-of"]) : undefined;
  if (asOfProblem) throw new UsageError(`--as-of ${asOfProblem}\n${USAGE}`);
  return {
    asOf: values["as-of"] ?? asOfDay(),
    stack: values.stack,
    outDir: resolve(values.out),
    json: values.json,
    verify: values.verify,
    configFile: resolve(values["config-file"] ?? join(projectDir, `Pulumi.${values.stack}.yaml`)),
    projectDir,
  };
}

function projectName(projectDir: string): string {
  const project = parseYaml(readFileSync(join(projectDir, "Pulumi.yaml"), "utf8"), "Pulumi.yaml") as { name?: string };
  if (!project?.name) throw new StackFileError("Pulumi.yaml has no project name");
  return project.name;
}

function urnDrift(run: OfflineRun, preview: OfflineRun): string[] {
  const applied = new Set(run.resources.map((r) => r.urn));
  const previewed = new Set(preview.resources.map((r) => r.urn));
  return [
    ...[...applied].filter((u) => !previewed.has(u)).map((u) => `registered by an update but not by a preview (created inside an apply?): ${u}`),
    ...[...previewed].filter((u) => !applied.has(u)).map((u) => `registered by a preview but not by an update: ${u}`),
  ];
}

export async function plan(argv: string[], projectDir: string, io = { out: (s: string) => process.stdout.write(s), err: (s: string) => process.stderr.write(s) }): Promise<number> {
  let args: PlanArgs;
  let project: string;
  let stackConfig;
  try {
    args = parsePlanArgs(argv, projectDir);
    project = projectName(projectDir);
    stackConfig = readStackFile(args.configFile);
  } catch (error) {
    if (error instanceof UsageError || error instanceof StackFileError) {
      io.err(`plan: ${error.message}\n`);
      return EXIT.invalid;
    }
    throw error;
  }

  const loaded = loadStackConfig(stackConfig, { stack: args.stack, asOf: args.asOf });
  if (!loaded.ok) {
    io.err(`plan: ${args.configFile} is not a valid stack configuration; nothing was planned:\n${loaded.issues.map((i) => `  ${i.path}: ${i.message}\n`).join("")}`);
    return EXIT.invalid;
  }
  const config = loaded.config;
  const runOptions = {
    projectDir,
    project,
    stack: args.stack,
    config: stackConfig.config,
    secretKeys: stackConfig.secretKeys,
    asOf: args.asOf,
    mockContext: { subscriptionId: config.subscriptionId, tenantId: stableGuid(`tenant/${config.subscriptionId}`) },
  };
  const run = await runOffline({ ...runOptions, preview: false });
  const problems = [...run.errors];
  if (args.verify && problems.length === 0) problems.push(...urnDrift(run, await runOffline({ ...runOptions, preview: true })));
  if (problems.length > 0) {
    io.err(`plan: the program cannot be deployed as it is:\n${problems.map((p) => `  ${p}\n`).join("")}`);
    return EXIT.programFailed;
  }

  const stackExport = buildStackExport(run.resources, { projectDir, project, stack: args.stack });
  const policyConfig = buildPolicyConfig(baseEnforcement(projectDir, config.environment), policyFacts(config));
  const stackDir = join(args.outDir, args.stack);
  const exportPath = join(stackDir, "stack.json");
  const policyConfigPath = join(stackDir, "policy-config.json");
  try {
    writeArtifacts(stackDir, [
      { path: "stack.json", content: `${JSON.stringify(stackExport, null, 2)}\n` },
      { path: "policy-config.json", content: `${JSON.stringify(policyConfig, null, 2)}\n` },
    ]);
  } catch (error) {
    if (!(error instanceof ArtifactWriteError)) throw error;
    io.err(`plan: --out ${args.outDir}: ${error.message}; nothing was written\n`);
    return EXIT.invalid;
  }
  const policyResult = policyReport(await evaluatePolicies(stackExport.deployment.resources, policies, policyConfig), policyConfig);

  const report = buildPlanReport(args.stack, config, stackExport.deployment.resources, { asOf: args.asOf, warnings: [...new Set([...loaded.warnings, ...run.warnings])] });
  if (args.json) {
    io.out(`${JSON.stringify({ ...report, policy: policyResult, stackExport: exportPath, policyConfig: policyConfigPath, verified: args.verify }, null, 2)}\n`);
  } else {
    const wrote = `Wrote ${relative(process.cwd(), exportPath)}${args.verify ? " (preview registers the same URNs)" : ""} and ${relative(process.cwd(), policyConfigPath)}`;
    io.out(`${renderPlanReport(report)}\n\n${renderPolicyReport(policyResult)}\n\n${wrote}\n`);
  }
  return exitCodeOf(policyResult) === 0 ? EXIT.ok : EXIT.policy;
}

if (require.main === module) {
  plan(process.argv.slice(2), resolve(__dirname, "..")).then(
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

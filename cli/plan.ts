// `npm run plan -- --stack <dev|prod> [--out DIR] [--json] [--verify] [--config-file FILE]`
// Runs the Pulumi program offline under the mock runtime and writes out/<stack>/stack.json.
// Exit codes: 0 fine; 1 mandatory policy violations (reserved); 2 invalid config or arguments;
// 3 the program itself failed (an engine would refuse it: unmocked type, duplicate URN, preview drift).
import "./startup";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import { load as parse } from "js-yaml";
import { parsePlatformConfig, rawConfigFromPulumi } from "../stacks/config";
import { stableGuid } from "./mockOutputs";
import { runOffline, type OfflineRun } from "./offlineRun";
import { buildPlanReport, renderPlanReport } from "./report";
import { exitCodeOf, policyReport, renderPolicyReport } from "./check";
import { baseEnforcement, buildPolicyConfig, policyFacts } from "./policyConfig";
import { evaluatePolicies } from "./policyRunner";
import { policies } from "../policies/rules";
import { buildStackExport } from "./stackExport";
import { SECRET_PLACEHOLDER, StackFileError, readStackFile } from "./stackFile";

export const EXIT = { ok: 0, policy: 1, invalid: 2, programFailed: 3 } as const;

const USAGE = "usage: npm run plan -- --stack <dev|prod> [--out DIR] [--json] [--verify] [--config-file FILE]";

class UsageError extends Error {}

interface PlanArgs {
  readonly stack: string;
  readonly outDir: string;
  readonly json: boolean;
  readonly verify: boolean;
  readonly configFile: string;
  readonly projectDir: string;
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
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n${USAGE}`);
  }
  if (!/^[A-Za-z0-9_.-]+$/.test(values.stack)) throw new UsageError(`--stack "${values.stack}" is not a stack name (letters, digits, -, _, .)\n${USAGE}`);
  return {
    stack: values.stack,
    outDir: resolve(values.out),
    json: values.json,
    verify: values.verify,
    configFile: resolve(values["config-file"] ?? join(projectDir, `Pulumi.${values.stack}.yaml`)),
    projectDir,
  };
}

function projectName(projectDir: string): string {
  const project = parse(readFileSync(join(projectDir, "Pulumi.yaml"), "utf8")) as { name?: string };
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

  const parsed = parsePlatformConfig(rawConfigFromPulumi(stackConfig.config));
  if (!parsed.ok) {
    // A `secure:` value cannot be decrypted offline: say so rather than report the placeholder as bad.
    const explain = (message: string) => (message.includes(JSON.stringify(SECRET_PLACEHOLDER)) ? `a \`secure:\` value, which the offline plan cannot decrypt; this key has a checked format and is not secret: set it in clear` : message);
    io.err(`plan: ${args.configFile} is not a valid stack configuration; nothing was planned:\n${parsed.issues.map((i) => `  ${i.path}: ${explain(i.message)}\n`).join("")}`);
    return EXIT.invalid;
  }
  const config = parsed.config;
  const runOptions = {
    projectDir,
    project,
    stack: args.stack,
    config: stackConfig.config,
    secretKeys: stackConfig.secretKeys,
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
    mkdirSync(stackDir, { recursive: true });
    writeFileSync(exportPath, `${JSON.stringify(stackExport, null, 2)}\n`);
    writeFileSync(policyConfigPath, `${JSON.stringify(policyConfig, null, 2)}\n`);
  } catch (error) {
    io.err(`plan: cannot write to --out ${args.outDir}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}\n`);
    return EXIT.invalid;
  }
  const policyResult = policyReport(await evaluatePolicies(stackExport.deployment.resources, policies, policyConfig));

  const report = buildPlanReport(args.stack, config, stackExport.deployment.resources);
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

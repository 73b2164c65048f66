// The heavy half of `npm run plan`: validate the config, run the program under the mock runtime, run the
// policy pack, build the report, and only then write the artifacts and print. cli/commands/plan.ts loads it once
// the stack file has been read. Every input (the stack file, --policy-config, --base, --base-config) is
// read and checked, and every output computed, before anything is written: a run that exits 2 or 3
// leaves out/ as it was, and one that writes has nothing left that can fail but the write.
import { withSourceHeader } from "../artifacts/header";
import { basename, join, relative } from "node:path";
import { STATEFUL_TYPES } from "../../policies/lib";
import {
  diffResources,
  exportedResourcesOf,
  renderChangesText,
  renderMarkdown,
  type Change,
  type ExportedResourceLike,
} from "../reports/markdownSummary";
import { loadStackConfig, type StackConfigInput } from "../../stacks/load";
import type { PlatformConfig } from "../../stacks/config";
import { stableGuid } from "../engine/mockOutputs";
import { runOffline, type OfflineRun } from "../engine/offlineRun";
import { simulateReference, type ReferenceSimulation } from "../simulate/reference";
import { SimulationInputError } from "../simulate/platform";
import type { SimulatedCapacityFact } from "../../policies/rules/capacity/capacity-simulated-client-429";
import { buildPlanReport, renderPlanReport } from "../reports/report";
import {
  exitCodeOf,
  policyReport,
  readPolicyConfig,
  renderPolicyReport,
  type PolicyReport,
} from "../engine/policyReport";
import { baseEnforcement, buildPolicyConfig, policyFacts, type PolicyPackConfig } from "../engine/policyConfig";
import { CheckpointError, evaluatePolicies } from "../engine/policyRunner";
import { policies } from "../../policies/rules";
import { buildStackExport, type StackExport } from "../engine/stackExport";
import { ArtifactWriteError, outputDirProblem, treeTargetProblem, writeArtifactTree } from "../shared/outWriter";
import { type CommandIo, EXIT } from "../shared/io";
import { StackFileError, readStackFile } from "../shared/stackFile";
import { InputFileError, MAX_EXPORT_BYTES, readInputText } from "../shared/inputFile";
import { quoted } from "../shared/terminalText";
import { GATEWAY_ARTIFACTS, gatewayPolicyFiles } from "../artifacts/gatewayArtifacts";
import { K8S_ARTIFACTS, k8sManifestFiles } from "../artifacts/k8sArtifacts";
import { OBSERVABILITY_ARTIFACTS, observabilityFiles } from "../artifacts/observabilityArtifacts";

export interface PlanArgs {
  readonly stack: string;
  readonly outDir: string;
  readonly json: boolean;
  /** The report's rendering: text (the default), json, or markdown for a PR comment. */
  readonly format: "text" | "json" | "markdown";
  /** A `pulumi stack export` to compare with (markdown). */
  readonly base?: string;
  /** An earlier stack file to plan and compare with (markdown). */
  readonly baseConfig?: string;
  readonly verify: boolean;
  readonly configFile: string;
  /** How the stack file was named: `--config-file`, or `stack file` for `Pulumi.<stack>.yaml`. */
  readonly configFileOption?: string;
  readonly projectDir: string;
  /** The day model lifecycle is checked for. */
  readonly asOf: string;
  /** Levels and allowlists to use instead of policies/config/<environment>.json. */
  readonly policyConfig?: string;
}

function urnDrift(run: OfflineRun, preview: OfflineRun): string[] {
  const applied = new Set(run.resources.map((r) => r.urn));
  const previewed = new Set(preview.resources.map((r) => r.urn));
  return [
    ...[...applied]
      .filter((u) => !previewed.has(u))
      .map((u) => `registered by an update but not by a preview (created inside an apply?): ${u}`),
    ...[...previewed].filter((u) => !applied.has(u)).map((u) => `registered by a preview but not by an update: ${u}`),
  ];
}

/** The stack's reference trace replayed (cli/simulate/reference.ts), or why it cannot be: a config problem (exit 2). */
async function referenceOf(
  args: Pick<PlanArgs, "projectDir" | "stack" | "configFile">,
  config: PlatformConfig,
): Promise<{ ok: true; simulation?: ReferenceSimulation } | { ok: false; message: string }> {
  try {
    const simulation = await simulateReference(args.projectDir, args.stack, config);
    return { ok: true, ...(simulation ? { simulation } : {}) };
  } catch (error) {
    if (!(error instanceof SimulationInputError)) throw error;
    return { ok: false, message: `${args.configFile}: ${error.message}; nothing was planned` };
  }
}

/** What the capacity rule reads: the reference trace's simulated client 429 share and the stack's objective. */
function simulatedFacts(reference: ReferenceSimulation | undefined): Record<string, Record<string, unknown>> {
  if (!reference) return {};
  const simulated: SimulatedCapacityFact = {
    trace: reference.trace,
    requests: reference.summary.requests,
    client429Share: reference.summary.client429Share,
    ...(reference.maxClient429Share !== undefined ? { maxClient429Share: reference.maxClient429Share } : {}),
  };
  return { "capacity-simulated-client-429": { simulated } };
}

/** What a plan may find in its stack folder from an earlier plan: what it writes there, and nothing else. */
export const PLAN_ENTRIES: readonly string[] = [
  "stack.json",
  "policy-config.json",
  GATEWAY_ARTIFACTS,
  K8S_ARTIFACTS,
  OBSERVABILITY_ARTIFACTS,
];

class BaseError extends Error {}

/** A stack file's config, validated, or why it is not valid. */
type Loaded =
  | { readonly ok: true; readonly config: PlatformConfig; readonly warnings: readonly string[] }
  | { readonly ok: false; readonly message: string };

function loadConfig(args: Pick<PlanArgs, "stack" | "asOf" | "configFile">, stackConfig: StackConfigInput): Loaded {
  const loaded = loadStackConfig(stackConfig, { stack: args.stack, asOf: args.asOf });
  if (loaded.ok) return { ok: true, config: loaded.config, warnings: loaded.warnings };
  return {
    ok: false,
    message: `${args.configFile} is not a valid stack configuration; nothing was planned:\n${loaded.issues.map((i) => `  ${i.path}: ${i.message}`).join("\n")}`,
  };
}

/** The program's run on a valid config and its export, or why it cannot be deployed; writes nothing. */
type Planned =
  | { readonly ok: true; readonly run: OfflineRun; readonly stackExport: StackExport }
  | { readonly ok: false; readonly message: string };

/** Runs the program on `config` under the mock runtime (twice with --verify). */
async function runProgram(
  args: Pick<PlanArgs, "projectDir" | "stack" | "asOf" | "verify">,
  project: string,
  stackConfig: StackConfigInput,
  config: PlatformConfig,
): Promise<Planned> {
  const runOptions = {
    projectDir: args.projectDir,
    project,
    stack: args.stack,
    config: stackConfig.config,
    secretKeys: stackConfig.secretKeys,
    asOf: args.asOf,
    mockContext: { subscriptionId: config.subscriptionId, tenantId: stableGuid(`tenant/${config.subscriptionId}`) },
  };
  const run = await runOffline({ ...runOptions, preview: false });
  const problems = [...run.errors];
  if (args.verify && problems.length === 0)
    problems.push(...urnDrift(run, await runOffline({ ...runOptions, preview: true })));
  if (problems.length > 0)
    return {
      ok: false,
      message: `the program cannot be deployed as it is:\n${problems.map((p) => `  ${p}`).join("\n")}`,
    };
  return {
    ok: true,
    run,
    stackExport: buildStackExport(run.resources, { projectDir: args.projectDir, project, stack: args.stack }),
  };
}

/** What planning a stack in memory found: why it cannot be planned (exit 2 or 3), or the plan and the pack's verdict. */
export type PlanOutcome =
  | { readonly ok: false; readonly code: typeof EXIT.invalid | typeof EXIT.programFailed; readonly message: string }
  | {
      readonly ok: true;
      readonly config: PlatformConfig;
      readonly run: OfflineRun;
      readonly stackExport: StackExport;
      readonly policy: PolicyReport;
      readonly warnings: readonly string[];
    };

/** The arguments an in-memory plan reads: no output folder, no comparison. */
export type PlanInputs = Pick<PlanArgs, "stack" | "configFile" | "projectDir" | "asOf" | "verify" | "policyConfig">;

/**
 * Plans a stack in memory, as `npm run plan` does but writing nothing: the config checked, the policy
 * config read, the program run under the mock runtime, the policy pack evaluated. The rollout plans each
 * candidate stack file with it.
 */
export async function planInMemory(
  args: PlanInputs,
  project: string,
  stackConfig: StackConfigInput,
): Promise<PlanOutcome> {
  const loaded = loadConfig(args, stackConfig);
  if (!loaded.ok) return { ok: false, code: EXIT.invalid, message: loaded.message };
  const enforcement = enforcementOf(args, loaded.config);
  if (!enforcement.ok) return { ok: false, code: EXIT.invalid, message: enforcement.message };
  const reference = await referenceOf(args, loaded.config);
  if (!reference.ok) return { ok: false, code: EXIT.invalid, message: reference.message };
  const planned = await runProgram(args, project, stackConfig, loaded.config);
  if (!planned.ok) return { ok: false, code: EXIT.programFailed, message: planned.message };
  return {
    ok: true,
    config: loaded.config,
    run: planned.run,
    stackExport: planned.stackExport,
    policy: (await judge(planned.stackExport, loaded.config, enforcement.base, reference.simulation)).report,
    warnings: [...new Set([...loaded.warnings, ...planned.run.warnings])],
  };
}

/** The enforcement levels a plan starts from: --policy-config, or the environment's committed ones. */
function enforcementOf(
  args: PlanInputs,
  config: PlatformConfig,
): { ok: true; base: PolicyPackConfig } | { ok: false; message: string } {
  try {
    return {
      ok: true,
      base: args.policyConfig
        ? readPolicyConfig(args.policyConfig, "--policy-config")
        : baseEnforcement(args.projectDir, config.environment),
    };
  } catch (error) {
    if (!(error instanceof CheckpointError)) throw error;
    return { ok: false, message: `--policy-config: ${error.message}; nothing was planned` };
  }
}

/** The policy pack's verdict on a planned export, and the policy config it was decided with (`base` and the stack's facts). */
async function judge(
  stackExport: StackExport,
  config: PlatformConfig,
  base: PolicyPackConfig,
  reference: ReferenceSimulation | undefined,
): Promise<{ policyConfig: PolicyPackConfig; report: PolicyReport }> {
  const policyConfig = buildPolicyConfig(base, { ...policyFacts(config), ...simulatedFacts(reference) });
  const report = policyReport(
    await evaluatePolicies(stackExport.deployment.resources, policies, policyConfig),
    policyConfig,
  );
  return { policyConfig, report };
}

/** The resources of the `pulumi stack export` at `path` (--base), read whole and checked. */
function readBaseExport(path: string): readonly ExportedResourceLike[] {
  let value: unknown;
  try {
    value = JSON.parse(readInputText("--base", path, MAX_EXPORT_BYTES));
  } catch (error) {
    if (error instanceof InputFileError) throw new BaseError(error.message);
    if (error instanceof SyntaxError) throw new BaseError(`--base ${quoted(path)}: not JSON: ${error.message}`);
    throw error;
  }
  const resources = exportedResourcesOf(value);
  if (typeof resources === "string") throw new BaseError(`--base ${path}: ${resources}`);
  return resources;
}

/** The changes against `--base` (an export) or `--base-config` (an earlier stack file, planned here in memory). */
async function baseChanges(
  args: PlanArgs,
  project: string,
  resources: readonly ExportedResourceLike[],
): Promise<{ base: string; list: Change[]; reference?: ReferenceSimulation; referenceProblem?: string } | undefined> {
  if (args.baseConfig) {
    const doesNotPlan = (why: string) => new BaseError(`--base-config ${args.baseConfig} does not plan:\n${why}`);
    let stackConfig;
    try {
      stackConfig = readStackFile(args.baseConfig, "--base-config");
    } catch (error) {
      if (!(error instanceof StackFileError)) throw error;
      throw doesNotPlan(error.message);
    }
    // The earlier stack file, planned the same way in memory (no comparison, no verification of its own).
    const baseArgs: PlanArgs = {
      ...args,
      configFile: args.baseConfig,
      base: undefined,
      baseConfig: undefined,
      verify: false,
    };
    const loaded = loadConfig(baseArgs, stackConfig);
    if (!loaded.ok) throw doesNotPlan(loaded.message);
    const planned = await runProgram(baseArgs, project, stackConfig, loaded.config);
    if (!planned.ok) throw doesNotPlan(planned.message);
    // The base's own reference trace, replayed: the PR summary's "before".
    const reference = await referenceOf(baseArgs, loaded.config);
    return {
      base: basename(args.baseConfig),
      list: diffResources(planned.stackExport.deployment.resources, resources, STATEFUL_TYPES),
      ...(reference.ok && reference.simulation ? { reference: reference.simulation } : {}),
      ...(!reference.ok ? { referenceProblem: reference.message } : {}),
    };
  }
  if (!args.base) return undefined;
  return { base: basename(args.base), list: diffResources(readBaseExport(args.base), resources, STATEFUL_TYPES) };
}

/** Why the plan cannot write to --out, or undefined: checked before the program runs. */
function outProblem(args: PlanArgs): string | undefined {
  return outputDirProblem(args.outDir) ?? treeTargetProblem(args.outDir, args.stack, PLAN_ENTRIES);
}

export async function planStack(
  args: PlanArgs,
  project: string,
  stackConfig: StackConfigInput,
  io: CommandIo,
): Promise<number> {
  const refuse = (code: number, message: string) => {
    io.err(`plan: ${message}\n`);
    return code;
  };
  const loaded = loadConfig(args, stackConfig);
  if (!loaded.ok) return refuse(EXIT.invalid, loaded.message);
  const config = loaded.config;
  const out = outProblem(args);
  if (out) return refuse(EXIT.invalid, `--out ${args.outDir}: ${out}; nothing was planned`);
  const enforcement = enforcementOf(args, config);
  if (!enforcement.ok) return refuse(EXIT.invalid, enforcement.message);
  const reference = await referenceOf(args, config);
  if (!reference.ok) return refuse(EXIT.invalid, reference.message);
  const planned = await runProgram(args, project, stackConfig, config);
  if (!planned.ok) return refuse(EXIT.programFailed, planned.message);
  const { run, stackExport } = planned;

  let changes;
  if (args.format !== "json") {
    try {
      changes = await baseChanges(args, project, stackExport.deployment.resources);
    } catch (error) {
      if (!(error instanceof BaseError)) throw error;
      return refuse(EXIT.invalid, `${error.message}; nothing was written`);
    }
  }
  const { policyConfig, report: policyResult } = await judge(
    stackExport,
    config,
    enforcement.base,
    reference.simulation,
  );
  const report = buildPlanReport(args.stack, config, stackExport.deployment.resources, {
    asOf: args.asOf,
    warnings: [...new Set([...loaded.warnings, ...run.warnings])],
  });
  const stackDir = join(args.outDir, args.stack);
  const exportPath = join(stackDir, "stack.json");
  const policyConfigPath = join(stackDir, "policy-config.json");
  const sourced = (files: { path: string; content: string }[]) =>
    files.map((f) => withSourceHeader(f, args.stack, basename(args.configFile)));
  const artifacts = {
    gateway: sourced(gatewayPolicyFiles(run.resources)),
    k8s: sourced(k8sManifestFiles(run.resources)),
    observability: sourced(
      observabilityFiles(
        run.resources,
        Object.fromEntries(
          Object.entries(config.models).map(([endpoint, e]) => [
            `${endpoint}.json`,
            Object.fromEntries(Object.entries(e.slots).map(([slot, s]) => [slot, s!.weight])),
          ]),
        ),
      ),
    ),
  };
  let printed: string;
  if (args.format === "markdown") {
    printed = renderMarkdown(
      report,
      config,
      policyResult,
      changes,
      reference.simulation && {
        before: changes?.reference,
        after: reference.simulation,
        ...(changes?.referenceProblem ? { beforeProblem: changes.referenceProblem } : {}),
      },
    );
  } else if (args.json) {
    const gatewayPolicies = artifacts.gateway.map((f) => join(stackDir, f.path));
    printed = `${JSON.stringify({ ...report, policy: policyResult, stackExport: exportPath, policyConfig: policyConfigPath, gatewayPolicies, verified: args.verify }, null, 2)}\n`;
  } else {
    const policyFiles = artifacts.gateway.length;
    const manifests = artifacts.k8s.length;
    const observability = artifacts.observability.length;
    const extra = [
      ...(policyFiles
        ? [
            `${policyFiles} gateway polic${policyFiles === 1 ? "y" : "ies"} in ${relative(process.cwd(), join(stackDir, GATEWAY_ARTIFACTS))}`,
          ]
        : []),
      ...(manifests
        ? [`${manifests} Kubernetes manifests in ${relative(process.cwd(), join(stackDir, K8S_ARTIFACTS))}`]
        : []),
      ...(observability
        ? [
            `rules, dashboards and previews (${observability} files) in ${relative(process.cwd(), join(stackDir, OBSERVABILITY_ARTIFACTS))}`,
          ]
        : []),
    ];
    const wrote = `Wrote ${relative(process.cwd(), exportPath)}${args.verify ? " (preview registers the same URNs)" : ""}, ${relative(process.cwd(), policyConfigPath)}${extra.map((e) => `, ${e}`).join("")}`;
    printed = `${changes ? `${renderChangesText(changes)}\n\n` : ""}${renderPlanReport(report)}\n\n${renderPolicyReport(policyResult)}\n\n${wrote}\n`;
  }
  try {
    // The stack's folder is switched whole: a reader never sees a new stack.json beside old policies.
    writeArtifactTree(
      args.outDir,
      args.stack,
      [
        { path: "stack.json", content: `${JSON.stringify(stackExport, null, 2)}\n` },
        { path: "policy-config.json", content: `${JSON.stringify(policyConfig, null, 2)}\n` },
        ...artifacts.gateway,
        ...artifacts.k8s,
        ...artifacts.observability,
      ],
      undefined,
      { adopt: PLAN_ENTRIES },
    );
  } catch (error) {
    if (!(error instanceof ArtifactWriteError)) throw error;
    return refuse(EXIT.invalid, `--out ${args.outDir}: ${error.message}; nothing was written`);
  }
  io.out(printed);
  return exitCodeOf(policyResult) === 0 ? EXIT.ok : EXIT.policy;
}

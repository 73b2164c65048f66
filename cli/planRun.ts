// The heavy half of `npm run plan`: validate the config, run the program under the mock runtime, write
// the artifacts, run the policy pack and report. cli/plan.ts loads it once the stack file has been read.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join, relative } from "node:path";
import { STATEFUL_TYPES } from "../policies/lib";
import { diffResources, renderMarkdown, type Change, type ExportedResourceLike } from "./markdownSummary";
import { loadStackConfig, type StackConfigInput } from "../stacks/load";
import { stableGuid } from "./mockOutputs";
import { runOffline, type OfflineRun } from "./offlineRun";
import { buildPlanReport, renderPlanReport } from "./report";
import { exitCodeOf, policyReport, readPolicyConfig, renderPolicyReport } from "./check";
import { baseEnforcement, buildPolicyConfig, policyFacts } from "./policyConfig";
import { CheckpointError, evaluatePolicies } from "./policyRunner";
import { policies } from "../policies/rules";
import { buildStackExport } from "./stackExport";
import { ArtifactWriteError, outputDirProblem, writeArtifactTree } from "./outWriter";
import { EXIT } from "./exitCodes";
import { StackFileError, readStackFile } from "./stackFile";
import { GATEWAY_ARTIFACTS, gatewayPolicyFiles } from "./gatewayArtifacts";
import { K8S_ARTIFACTS, k8sManifestFiles } from "./k8sArtifacts";
import { OBSERVABILITY_ARTIFACTS, observabilityFiles } from "./observabilityArtifacts";


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
  readonly projectDir: string;
  /** The day model lifecycle is checked for. */
  readonly asOf: string;
  /** Levels and allowlists to use instead of policies/config/<environment>.json. */
  readonly policyConfig?: string;
}

export interface PlanIo {
  readonly out: (text: string) => unknown;
  readonly err: (text: string) => unknown;
}

function urnDrift(run: OfflineRun, preview: OfflineRun): string[] {
  const applied = new Set(run.resources.map((r) => r.urn));
  const previewed = new Set(preview.resources.map((r) => r.urn));
  return [
    ...[...applied].filter((u) => !previewed.has(u)).map((u) => `registered by an update but not by a preview (created inside an apply?): ${u}`),
    ...[...previewed].filter((u) => !applied.has(u)).map((u) => `registered by a preview but not by an update: ${u}`),
  ];
}

class BaseError extends Error {}

/** The changes against `--base` (an export) or `--base-config` (an earlier stack file, planned here). */
async function baseChanges(args: PlanArgs, project: string, resources: readonly ExportedResourceLike[]): Promise<{ base: string; list: Change[] } | undefined> {
  let path = args.base;
  let dir: string | undefined;
  if (args.baseConfig) {
    dir = mkdtempSync(join(tmpdir(), "genai-base-"));
    const errors: string[] = [];
    let code: number;
    try {
      // The earlier stack file, planned the same way (as JSON, with no comparison of its own).
      const baseArgs: PlanArgs = { ...args, configFile: args.baseConfig, outDir: dir, format: "json", json: true, base: undefined, baseConfig: undefined, verify: false };
      code = await planStack(baseArgs, project, readStackFile(args.baseConfig), { out: () => true, err: (t) => errors.push(t) });
    } catch (error) {
      if (!(error instanceof StackFileError)) throw error;
      throw new BaseError(`--base-config ${args.baseConfig} does not plan:\n${error.message}`);
    }
    if (code !== EXIT.ok && code !== EXIT.policy) throw new BaseError(`--base-config ${args.baseConfig} does not plan:\n${errors.join("")}`);
    path = join(dir, args.stack, "stack.json");
  }
  if (!path) return undefined;
  try {
    const base = JSON.parse(readFileSync(path, "utf8")) as { deployment?: { resources?: ExportedResourceLike[] } };
    if (!Array.isArray(base.deployment?.resources)) throw new BaseError(`--base ${path}: not a pulumi stack export (no deployment.resources)`);
    return { base: basename(args.baseConfig ?? path), list: diffResources(base.deployment.resources, resources, STATEFUL_TYPES) };
  } catch (error) {
    if (error instanceof BaseError) throw error;
    throw new BaseError(`--base ${path}: ${(error as Error).message}`);
  } finally {
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
}

export async function planStack(args: PlanArgs, project: string, stackConfig: StackConfigInput, io: PlanIo): Promise<number> {
  const projectDir = args.projectDir;
  const loaded = loadStackConfig(stackConfig, { stack: args.stack, asOf: args.asOf });
  if (!loaded.ok) {
    io.err(`plan: ${args.configFile} is not a valid stack configuration; nothing was planned:\n${loaded.issues.map((i) => `  ${i.path}: ${i.message}\n`).join("")}`);
    return EXIT.invalid;
  }
  const config = loaded.config;
  const outProblem = outputDirProblem(args.outDir);
  if (outProblem) {
    io.err(`plan: --out ${args.outDir}: ${outProblem}; nothing was planned\n`);
    return EXIT.invalid;
  }
  let base;
  try {
    base = args.policyConfig ? readPolicyConfig(args.policyConfig) : baseEnforcement(projectDir, config.environment);
  } catch (error) {
    if (!(error instanceof CheckpointError)) throw error;
    io.err(`plan: --policy-config: ${error.message}; nothing was planned\n`);
    return EXIT.invalid;
  }
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
  // Every input is read before anything is written: a bad --base or --base-config leaves out/ as it was.
  let changes;
  if (args.format === "markdown") {
    try {
      changes = await baseChanges(args, project, stackExport.deployment.resources);
    } catch (error) {
      if (!(error instanceof BaseError)) throw error;
      io.err(`plan: ${error.message}; nothing was written\n`);
      return EXIT.invalid;
    }
  }
  const policyConfig = buildPolicyConfig(base, policyFacts(config));
  const stackDir = join(args.outDir, args.stack);
  const exportPath = join(stackDir, "stack.json");
  const policyConfigPath = join(stackDir, "policy-config.json");
  const artifacts = { gateway: gatewayPolicyFiles(run.resources), k8s: k8sManifestFiles(run.resources), observability: observabilityFiles(run.resources) };
  try {
    // The stack's folder is switched whole: a reader never sees a new stack.json beside old policies.
    writeArtifactTree(args.outDir, args.stack, [
      { path: "stack.json", content: `${JSON.stringify(stackExport, null, 2)}\n` },
      { path: "policy-config.json", content: `${JSON.stringify(policyConfig, null, 2)}\n` },
      ...artifacts.gateway,
      ...artifacts.k8s,
      ...artifacts.observability,
    ]);
  } catch (error) {
    if (!(error instanceof ArtifactWriteError)) throw error;
    io.err(`plan: --out ${args.outDir}: ${error.message}; nothing was written\n`);
    return EXIT.invalid;
  }
  const policyResult = policyReport(await evaluatePolicies(stackExport.deployment.resources, policies, policyConfig), policyConfig);

  const report = buildPlanReport(args.stack, config, stackExport.deployment.resources, { asOf: args.asOf, warnings: [...new Set([...loaded.warnings, ...run.warnings])] });
  if (args.format === "markdown") {
    io.out(renderMarkdown(report, config, policyResult, changes));
  } else if (args.json) {
    const gatewayPolicies = artifacts.gateway.map((f) => join(stackDir, f.path));
    io.out(`${JSON.stringify({ ...report, policy: policyResult, stackExport: exportPath, policyConfig: policyConfigPath, gatewayPolicies, verified: args.verify }, null, 2)}\n`);
  } else {
    const policyFiles = artifacts.gateway.length;
    const manifests = artifacts.k8s.length;
    const observability = artifacts.observability.length;
    const extra = [
      ...(policyFiles ? [`${policyFiles} gateway policies in ${relative(process.cwd(), join(stackDir, GATEWAY_ARTIFACTS))}`] : []),
      ...(manifests ? [`${manifests} Kubernetes manifests in ${relative(process.cwd(), join(stackDir, K8S_ARTIFACTS))}`] : []),
      ...(observability ? [`rules, dashboards and previews (${observability} files) in ${relative(process.cwd(), join(stackDir, OBSERVABILITY_ARTIFACTS))}`] : []),
    ];
    const wrote = `Wrote ${relative(process.cwd(), exportPath)}${args.verify ? " (preview registers the same URNs)" : ""}, ${relative(process.cwd(), policyConfigPath)}${extra.map((e) => `, ${e}`).join("")}`;
    io.out(`${renderPlanReport(report)}\n\n${renderPolicyReport(policyResult)}\n\n${wrote}\n`);
  }
  return exitCodeOf(policyResult) === 0 ? EXIT.ok : EXIT.policy;
}


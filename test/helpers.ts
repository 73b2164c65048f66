import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "vitest";
import { register } from "tsx/cjs/api";
import type { StackConfig } from "../cli/shared/stackFile";
import { AS_OF, PROJECT_DIR, stackFile } from "./configHelpers";
import { runOffline, setRunStore, type OfflineRun } from "../cli/engine/offlineRun";
import { buildStackExport, type StackExport } from "../cli/engine/stackExport";
import { stableGuid } from "../cli/engine/mockOutputs";
import { plan } from "../cli/commands/plan";

// The offline run loads the program with Node's require, as `pulumi up` does through tsx.
register();

export {
  AS_OF,
  PROJECT_DIR,
  matchesGoldenFile,
  namespaced,
  pulumiConfigOf,
  rawConfig,
  stackFile,
  validConfig,
  withoutSelfHosted,
} from "./configHelpers";

export interface PlannedStack {
  readonly run: OfflineRun;
  readonly stackExport: StackExport;
}

// The committed dev and prod stacks, planned at most once per worker process and shared by its test
// files (vitest.config.mts: the program project's files share their workers), each caller getting a
// copy. Kept on the process's global object: vitest evaluates this module afresh for every test file.
interface SharedPlans {
  plans: Map<string, Promise<string>>;
  outputs: Map<string, Promise<{ dir: string; report: string }>>;
}
const SHARED = Symbol.for("genai-platform/test/committed-plans");
const shared: SharedPlans = ((globalThis as Record<symbol, SharedPlans>)[SHARED] ??= {
  plans: new Map(),
  outputs: new Map(),
});
const committedPlans = shared.plans;
const committedOutputs = shared.outputs;

/** The plan of `stack`: the committed dev or prod stack unchanged is shared (a fresh copy per call); anything else is planned now. */
export async function planStack(
  stack: string,
  options: { preview?: boolean; config?: StackConfig } = {},
): Promise<PlannedStack> {
  if (options.preview || options.config || (stack !== "dev" && stack !== "prod")) return planFresh(stack, options);
  let planned = committedPlans.get(stack);
  if (!planned) committedPlans.set(stack, (planned = planFresh(stack).then((p) => JSON.stringify(p))));
  return JSON.parse(await planned) as PlannedStack;
}

/**
 * What `npm run plan -- --stack <dev|prod> --out DIR --json` writes for the committed stack unchanged,
 * shared like planStack's plans: the stack's folder under DIR (read it, never write it) and the report it printed.
 */
export async function plannedOutput(stack: "dev" | "prod"): Promise<{ dir: string; report: any }> {
  let planned = committedOutputs.get(stack);
  if (!planned) {
    planned = (async () => {
      const out = mkdtempSync(join(tmpdir(), "genai-planned-"));
      const result = await planCommand("--stack", stack, "--out", out, "--json", "--as-of", AS_OF);
      if (result.code !== 0)
        throw new Error(`npm run plan -- --stack ${stack} exited ${result.code}: ${result.stderr}`);
      return { dir: join(out, stack), report: result.stdout };
    })();
    committedOutputs.set(stack, planned);
  }
  const { dir, report } = await planned;
  return { dir, report: JSON.parse(report) };
}

/** Runs `planning` with every offline run done now, none read from the run's store (test/runStore.ts). */
export async function uncached<T>(planning: () => Promise<T>): Promise<T> {
  const store = setRunStore(undefined);
  try {
    return await planning();
  } finally {
    setRunStore(store);
  }
}

/** Plans `stack` in the offline engine: now, or read back from the run's store (test/runStore.ts) unless `uncached`. */
export async function planFresh(
  stack: string,
  options: { preview?: boolean; config?: StackConfig; uncached?: boolean } = {},
): Promise<PlannedStack> {
  const stackConfig = options.config ?? stackFile(stack);
  // The mock provider answers with ids in the stack's own subscription, as the planner's does.
  const subscriptionId = stackConfig.config["genai-platform:subscriptionId"] ?? "00000000-0000-4000-8000-000000000001";
  const runOptions = {
    projectDir: PROJECT_DIR,
    project: "genai-platform",
    stack,
    config: stackConfig.config,
    secretKeys: stackConfig.secretKeys,
    preview: options.preview ?? false,
    asOf: AS_OF,
    mockContext: { subscriptionId, tenantId: stableGuid("tenant") },
  };
  const run = await (options.uncached ? uncached(() => runOffline(runOptions)) : runOffline(runOptions));
  return {
    run,
    stackExport: buildStackExport(run.resources, { projectDir: PROJECT_DIR, project: "genai-platform", stack }),
  };
}

/** `npm run plan -- <args>` in this process: its exit code and what it printed. */
export async function planCommand(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const code = await plan(args, PROJECT_DIR, {
    out: (s) => ((stdout += s), true),
    err: (s) => ((stderr += s), true),
  });
  return { code, stdout, stderr };
}

/** Runs a small program from test/fixtures/<name> under the offline runtime. */
export function runFixtureProgram(name: string, preview = false): Promise<OfflineRun> {
  return runOffline({
    projectDir: join(PROJECT_DIR, "test/fixtures", name),
    project: "fixture",
    stack: "dev",
    config: {},
    secretKeys: [],
    preview,
    asOf: AS_OF,
    mockContext: { subscriptionId: "s", tenantId: "t" },
  });
}

export function resourcesOfType(stackExport: StackExport, type: string) {
  return stackExport.deployment.resources.filter((r) => r.type === type);
}

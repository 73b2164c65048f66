// Running `npm run rollout` in this process on copies of the prod stack file, and the state exports
// its proof reads: shared by the rollout cycle tests.
import { expect } from "vitest";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import type { RawEndpoint } from "../cli/rollout/machine";
import { rollout } from "../cli/commands/rollout";
import { plan } from "../cli/commands/plan";
import { AS_OF, PROJECT_DIR, plannedOutput } from "./helpers";

/** Runs the command in this process. Its state exports are offline plans, so it asks for offline proof explicitly. */
export async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  return raw(...argv, ...(argv.includes("--state") ? ["--allow-offline-proof"] : []));
}

export async function raw(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await rollout([...argv, "--as-of", AS_OF], PROJECT_DIR, {
    out: (t) => (out += t),
    err: (t) => (err += t),
  });
  return { code, out, err };
}

/**
 * A step of `npm run rollout` on the prod stack file `file`, endpoint `endpoint`, in this process; with
 * `confirmCuts`, every shift confirms the capacity cut it may make (--accept-capacity-drop).
 */
export const stepOn =
  (file: string, endpoint: string, confirmCuts = false) =>
  (...argv: string[]) =>
    cli(
      ...argv,
      ...(confirmCuts && argv[0] === "shift" ? ["--accept-capacity-drop"] : []),
      "--stack",
      "prod",
      "--config-file",
      file,
      "--endpoint",
      endpoint,
    );

/**
 * The state export of a plan of `file` (of the committed prod stack when no file is given, the run's
 * shared plan): what `pulumi stack export` shows once it is applied. A copy the test may change.
 */
export async function exportOf(file?: string, policyConfig?: string): Promise<string> {
  const out = mkdtempSync(join(tmpdir(), "genai-rollout-state-"));
  const path = join(out, "prod", "stack.json");
  if (file) {
    const policy = policyConfig ? ["--policy-config", policyConfig] : [];
    expect(
      await plan(["--stack", "prod", "--config-file", file, "--out", out, "--as-of", AS_OF, ...policy], PROJECT_DIR, {
        out: () => true,
        err: () => true,
      }),
    ).toBe(0);
  } else {
    mkdirSync(join(out, "prod"));
    copyFileSync(join((await plannedOutput("prod")).dir, "stack.json"), path);
  }
  return path;
}

/** A copy of the state export at `path` once its model servers are ready, as a live export shows them. */
export function readyCopy(path: string): string {
  // A live export carries the StatefulSets' status once their servers are ready; the offline plan's does not.
  const state = JSON.parse(readFileSync(path, "utf8"));
  for (const r of state.deployment.resources)
    if (r.type === "kubernetes:apps/v1:StatefulSet")
      r.outputs = { ...r.outputs, spec: r.inputs.spec, status: { readyReplicas: r.inputs.spec.replicas } };
  const ready = join(mkdtempSync(join(tmpdir(), "genai-rollout-state-")), "stack.json");
  writeFileSync(ready, JSON.stringify(state));
  return ready;
}

export const copyOfProd = () => {
  const file = join(mkdtempSync(join(tmpdir(), "genai-rollout-")), "Pulumi.prod.yaml");
  copyFileSync(join(PROJECT_DIR, "Pulumi.prod.yaml"), file);
  return file;
};
export const slotsOf = (file: string, endpoint: string) =>
  parse(readFileSync(file, "utf8")).config["genai-platform:models"][endpoint] as RawEndpoint;

export const weights = (e: RawEndpoint) => Object.fromEntries(Object.entries(e.slots).map(([c, s]) => [c, s!.weight]));

// What the rollout reads besides the stack file, checked at the boundary: a `pulumi stack export` offered
// as proof, and a load test's JSON offered to the gate. A file of another shape is refused by name and
// field, never read into a crash or into "an export of nothing"; so is one that is no regular file (a
// device or a pipe would be read forever) or larger than any export or results file the step needs.
import { z } from "zod";
import type { SlotSummary } from "../loadtest/run";
import { DEPLOYMENT, STATEFUL_SET, type StateExport } from "./proof";
import { OFFLINE_MAGIC, OFFLINE_MARKER } from "../engine/stackExport";
import { InputFileError, readInputFile } from "../shared/inputFile";
import { own } from "../../components/core/own";
import { quoted, safeName } from "../shared/terminalText";

/** The largest --state or --loadtest file read: far above a large stack's export, far below what exhausts memory. */
export const MAX_INPUT_BYTES = 256 * 1024 * 1024;

/** The bytes of `file`, given as `option`, or why not (cli/shared/inputFile.ts: no regular file, larger than `maxBytes`, unreadable). */
export function readRegularFile(
  file: string,
  option: string,
  maxBytes: number,
): { bytes: Buffer } | { problem: string } {
  try {
    return { bytes: readInputFile(option, file, maxBytes) };
  } catch (error) {
    if (error instanceof InputFileError) return { problem: error.message };
    throw error;
  }
}

/** The JSON in `file`, given as `option`, or why it cannot be read: no regular file, too large, unreadable, not JSON. */
export function readJsonInput(file: string, option: string): { value: unknown } | { problem: string } {
  const read = readRegularFile(file, option, MAX_INPUT_BYTES);
  if ("problem" in read) return read;
  try {
    return { value: JSON.parse(read.bytes.toString("utf8")) };
  } catch (error) {
    return { problem: `${option} ${quoted(file)} is not JSON: ${(error as Error).message}` };
  }
}

const count = z.number().int().nonnegative();
const labels = z.record(z.string(), z.string());

/** The fields the proof reads (cli/rollout/proof.ts), per resource type, in inputs and outputs alike. */
const PROVED_FIELDS: Readonly<Record<string, z.ZodType>> = {
  [DEPLOYMENT]: z.looseObject({
    name: z.string().optional(),
    tags: labels.optional(),
    properties: z.looseObject({ provisioningState: z.string().optional() }).optional(),
  }),
  [STATEFUL_SET]: z.looseObject({
    metadata: z.looseObject({ name: z.string().optional(), labels: labels.optional() }).optional(),
    spec: z
      .looseObject({
        replicas: count.optional(),
        template: z
          .looseObject({
            spec: z
              .looseObject({ containers: z.array(z.looseObject({ args: z.array(z.string()).optional() })).optional() })
              .optional(),
          })
          .optional(),
      })
      .optional(),
    status: z.looseObject({ readyReplicas: count.optional() }).optional(),
  }),
};

const resource = z
  .looseObject({
    urn: z.string().regex(/^urn:pulumi:[^:]+::[^:]+::/, "a Pulumi URN (urn:pulumi:<stack>::<project>::…)"),
    type: z.string().min(1),
    inputs: z.record(z.string(), z.unknown()).optional(),
    outputs: z.record(z.string(), z.unknown()).optional(),
    delete: z.boolean().optional(),
    pendingReplacement: z.boolean().optional(),
  })
  .superRefine((r, ctx) => {
    const fields = own(PROVED_FIELDS, r.type);
    if (!fields) return;
    for (const side of ["inputs", "outputs"] as const) {
      const checked = fields.safeParse(r[side] ?? {});
      if (!checked.success)
        for (const issue of checked.error.issues)
          ctx.addIssue({ code: "custom", path: [side, ...issue.path], message: issue.message });
    }
  });

const stateExport = z.looseObject({
  version: z.number().int().min(3, "a checkpoint of version 3 or later (pulumi stack export)"),
  deployment: z.looseObject({
    manifest: z.looseObject({ magic: z.string().optional(), time: z.string().optional() }).optional(),
    resources: z.array(resource).min(1, "no resources: this export proves nothing (was the stack ever deployed?)"),
  }),
});

function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map(
      (i) =>
        `${
          i.path.length
            ? i.path
                .map((p) => (typeof p === "number" ? `[${p}]` : `.${safeName(String(p))}`))
                .join("")
                .replace(/^\./, "")
            : "(the file)"
        }: ${i.message}`,
    )
    .join("; ");
}

/** `urn:pulumi:<stack>::<project>` as `<stack> of project <project>`, each name escaped when it is not plain. */
function stackOf(prefix: string): string {
  const [stack = "", project = ""] = prefix.replace(/^urn:pulumi:/, "").split("::");
  return `${safeName(stack)} of project ${safeName(project)}`;
}

/**
 * The export `value` (read from `file`) as proof for `stack` of `project`, or why it cannot be: not an
 * export, an export of nothing, of another stack or project, or the offline plan's own export (unless
 * `allowOffline` asks for that explicitly, as tests and demos do).
 */
export function stateExportOf(
  value: unknown,
  file: string,
  expect: { stack: string; project: string; allowOffline: boolean },
): { state: StateExport } | { problem: string } {
  const parsed = stateExport.safeParse(value);
  if (!parsed.success)
    return { problem: `--state ${file} is not a pulumi stack export: ${describeIssues(parsed.error)}` };
  const names = new Set(parsed.data.deployment.resources.map((r) => r.urn.split("::").slice(0, 2).join("::")));
  const wanted = `urn:pulumi:${expect.stack}::${expect.project}`;
  const other = [...names].filter((n) => n !== wanted);
  if (other.length > 0)
    return {
      problem: `--state ${file} is an export of ${other.map(stackOf).join(", ")}, not of stack ${expect.stack} of project ${expect.project}`,
    };
  const offline = parsed.data[OFFLINE_MARKER] !== undefined || parsed.data.deployment.manifest?.magic === OFFLINE_MAGIC;
  if (offline && !expect.allowOffline) {
    return {
      problem: `--state ${file} is the offline plan's export (npm run plan), not a deployment's: it proves nothing is deployed. Pass the output of pulumi stack export, or --allow-offline-proof for a demo`,
    };
  }
  return { state: parsed.data as StateExport };
}

const distribution = z.looseObject({
  p50: z.number().optional(),
  p90: z.number().optional(),
  p95: z.number().optional(),
  p99: z.number().optional(),
  max: z.number().optional(),
  count: z.number().int().nonnegative(),
});
const rate = z.number().min(0).max(1);
const slotSummary = z.looseObject({
  requests: z.number().int().nonnegative(),
  ok: z.number().int().nonnegative(),
  errorRate: rate,
  throttledRate: rate,
  retries: z.number().nonnegative(),
  ttftMs: distribution,
  tpotMs: distribution,
  e2eMs: distribution,
  rps: z.number().nonnegative(),
  outputTokensPerSecond: z.number().nonnegative(),
});
const loadtestResults = z.looseObject({
  endpoint: z.string().optional(),
  summary: z.record(z.string(), slotSummary, "a summary per slot (write it with npm run loadtest -- --json FILE)"),
});

/** The gate's inputs from a load test's JSON (`value`, read from `file`), or why they are not there. */
export function loadtestSummaryOf(
  value: unknown,
  file: string,
): { summary: Record<string, SlotSummary>; endpoint?: string } | { problem: string } {
  const parsed = loadtestResults.safeParse(value);
  if (!parsed.success)
    return {
      problem: `--loadtest ${file} is not the JSON of npm run loadtest -- --json: ${describeIssues(parsed.error)}`,
    };
  const summary = Object.fromEntries(Object.entries(parsed.data.summary)) as Record<string, SlotSummary>;
  return { summary, ...(parsed.data.endpoint !== undefined ? { endpoint: parsed.data.endpoint } : {}) };
}

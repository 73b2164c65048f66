// Evaluates the policy pack's own rule objects on a `pulumi stack export`, without the Pulumi CLI:
// the same code `pulumi preview --policy-pack policies` runs, fed from the checkpoint instead of the engine.
import type {
  EnforcementLevel,
  Policy,
  PolicyResource,
  PolicyResourceOptions,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  Severity,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";
import type { PolicyPackConfig } from "./policyConfig";
import { SECRET_SIG, SIG_KEY } from "./stackExport";

// The policy runtime's own unknown-value guard (internal to @pulumi/policy, so typed here), so a rule
// meets a preview's unknowns exactly as it does under the CLI.
// The engine writes a value unknown until the update as the same sentinel the proxy looks for.
const { UnknownValueError, unknownCheckingProxy } = require("@pulumi/policy/proxy") as {
  UnknownValueError: new (...args: never[]) => Error;
  unknownCheckingProxy: <T extends object>(value: T) => T;
};


/** What a rule sees where the checkpoint holds a secret: never the value. */
export const SECRET_VALUE = "[secret]";

export interface CheckpointResource {
  readonly urn: string;
  readonly type: string;
  readonly custom?: boolean;
  readonly inputs?: Record<string, unknown>;
  readonly outputs?: Record<string, unknown>;
  readonly parent?: string;
  readonly protect?: boolean;
  readonly dependencies?: string[];
  readonly propertyDependencies?: Record<string, string[]>;
  readonly provider?: string;
}

export interface Violation {
  readonly policy: string;
  readonly severity: Severity;
  readonly enforcementLevel: EnforcementLevel;
  readonly checklist: string;
  readonly urn?: string;
  readonly message: string;
  readonly remediation: string;
}

export class CheckpointError extends Error {}

/** Checkpoint versions `pulumi stack export` writes: 3, and 4 once a stack uses newer deployment features. */
export const CHECKPOINT_VERSIONS: readonly number[] = [3, 4];

/** Reads a `pulumi stack export` document (version 3 or 4), refusing anything else with a clear message. */
export function checkpointResources(document: unknown, source: string): CheckpointResource[] {
  const version = (document as { version?: unknown } | null)?.version;
  if (!CHECKPOINT_VERSIONS.includes(version as number)) {
    throw new CheckpointError(`${source}: not a \`pulumi stack export\` file of version ${CHECKPOINT_VERSIONS.join(" or ")} (version is ${JSON.stringify(version ?? null)})`);
  }
  const deployment = (document as { deployment?: { resources?: unknown } }).deployment;
  if (typeof deployment !== "object" || deployment === null) throw new CheckpointError(`${source}: no "deployment" object`);
  const resources = deployment.resources ?? [];
  if (!Array.isArray(resources)) throw new CheckpointError(`${source}: deployment.resources is not a list`);
  const seen = new Map<string, number>();
  resources.forEach((r: Record<string, unknown> | null, i) => {
    const at = `${source}: deployment.resources[${i}]`;
    if (typeof r?.urn !== "string" || typeof r?.type !== "string") throw new CheckpointError(`${at} has no urn or type`);
    // The engine never records one URN twice (a pending delete aside, marked `delete: true`).
    if (r.delete !== true) {
      const first = seen.get(r.urn);
      if (first !== undefined) throw new CheckpointError(`${at} repeats the URN of deployment.resources[${first}] (${r.urn}): a checkpoint holds each resource once`);
      seen.set(r.urn, i);
    }
    for (const key of ["inputs", "outputs", "propertyDependencies"]) {
      if (r[key] !== undefined && (typeof r[key] !== "object" || r[key] === null || Array.isArray(r[key]))) throw new CheckpointError(`${at}.${key} is not an object`);
    }
    if (r.dependencies !== undefined && !(Array.isArray(r.dependencies) && r.dependencies.every((d) => typeof d === "string"))) {
      throw new CheckpointError(`${at}.dependencies is not a list of URNs`);
    }
    for (const [property, urns] of Object.entries((r.propertyDependencies as Record<string, unknown>) ?? {})) {
      if (!Array.isArray(urns) || !urns.every((u) => typeof u === "string")) throw new CheckpointError(`${at}.propertyDependencies.${property} is not a list of URNs`);
    }
  });
  return resources as CheckpointResource[];
}

/** Secrets become a placeholder, as the policy runtime never hands a rule a secret's value here. */
function plain(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(plain);
  if (typeof value === "object" && value !== null) {
    const record = value as Record<string, unknown>;
    if (record[SIG_KEY] === SECRET_SIG) return SECRET_VALUE;
    return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, plain(v)]));
  }
  return value;
}

const inputsCache = new WeakMap<CheckpointResource, Record<string, any>>();
const outputsCache = new WeakMap<CheckpointResource, Record<string, any>>();

const present = (p: Record<string, unknown> | undefined): p is Record<string, unknown> => p !== undefined && Object.keys(p).length > 0;

/**
 * What a rule reads, as the engine hands it over: resource rules see inputs, stack rules see outputs
 * (each falling back to the other where a checkpoint has only one); secrets hidden, unknowns guarded.
 */
function propsOf(r: CheckpointResource, view: "inputs" | "outputs" = "inputs"): Record<string, any> {
  const cache = view === "inputs" ? inputsCache : outputsCache;
  let props = cache.get(r);
  if (!props) {
    const [preferred, fallback] = view === "inputs" ? [r.inputs, r.outputs] : [r.outputs, r.inputs];
    props = unknownCheckingProxy(plain(present(preferred) ? preferred : fallback ?? {}) as Record<string, any>);
    cache.set(r, props);
  }
  return props;
}

function nameOf(urn: string): string {
  return urn.slice(urn.lastIndexOf("::") + 2);
}

function optionsOf(r: CheckpointResource): PolicyResourceOptions {
  return { protect: r.protect === true, ignoreChanges: [], aliases: [], customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 }, additionalSecretOutputs: [], ...(r.parent ? { parent: r.parent } : {}) };
}

/**
 * A rule's "does not apply here", thrown for every resource of another type (most calls of most rules):
 * not an Error, so it captures no stack trace, which would cost more than the rule itself.
 */
class NotApplicable {
  constructor(readonly message?: string) {}
}
const notApplicable = (reason?: string): never => {
  throw new NotApplicable(reason);
};

function isTypeOf(type: string, resourceClass: unknown): boolean {
  return (resourceClass as { __pulumiType?: string }).__pulumiType === type;
}

function levelOf(policy: Policy, config: PolicyPackConfig, packLevel: EnforcementLevel): EnforcementLevel {
  const own = config[policy.name];
  const all = config.all;
  const level = (typeof own === "string" ? own : own?.enforcementLevel) ?? (typeof all === "string" ? all : all?.enforcementLevel) ?? policy.enforcementLevel ?? packLevel;
  return level === "remediate" ? "mandatory" : level;
}

function settingsOf(policy: Policy, config: PolicyPackConfig): Record<string, unknown> {
  const own = config[policy.name];
  if (typeof own !== "object" || own === null) return {};
  const { enforcementLevel: _level, ...settings } = own;
  return settings;
}

/** The policies the config turns off, by name. */
export function disabledPolicies(policies: readonly Policy[], config: PolicyPackConfig, packLevel: EnforcementLevel = "mandatory"): string[] {
  return policies.filter((p) => levelOf(p, config, packLevel) === "disabled").map((p) => p.name);
}

export const ENFORCEMENT_LEVELS: readonly EnforcementLevel[] = ["advisory", "mandatory", "remediate", "disabled"];

/** Every problem with a policy config: unknown policy names, levels and settings (a typo would silently weaken the pack). */
export function policyConfigProblems(config: PolicyPackConfig, policies: readonly Policy[]): string[] {
  const byName = new Map(policies.map((p) => [p.name, p]));
  const problems: string[] = [];
  const unknown = Object.keys(config).filter((k) => k !== "all" && !byName.has(k));
  if (unknown.length > 0) problems.push(`names unknown polic${unknown.length > 1 ? "ies" : "y"} ${unknown.join(", ")}; known: all, ${[...byName.keys()].join(", ")}`);
  for (const [key, value] of Object.entries(config)) {
    const policy = byName.get(key);
    if (policy && typeof value === "object" && value !== null) {
      const allowed = Object.keys(policy.configSchema?.properties ?? {});
      const extra = Object.keys(value).filter((setting) => setting !== "enforcementLevel" && !allowed.includes(setting));
      if (extra.length > 0) problems.push(`"${key}": unknown setting${extra.length > 1 ? "s" : ""} ${extra.join(", ")}; it takes ${allowed.length > 0 ? `enforcementLevel, ${allowed.join(", ")}` : "only enforcementLevel"}`);
    }
    const level = typeof value === "string" ? value : typeof value === "object" && value !== null ? value.enforcementLevel : Symbol("bad");
    if (level !== undefined && !ENFORCEMENT_LEVELS.includes(level as EnforcementLevel)) {
      problems.push(`"${key}": enforcement level ${typeof level === "symbol" ? JSON.stringify(value) : JSON.stringify(level)} is not one of ${ENFORCEMENT_LEVELS.join(", ")}`);
    }
  }
  return problems;
}

/** Runs every resource and stack rule on the checkpoint's resources. */
export async function evaluatePolicies(
  resources: readonly CheckpointResource[],
  policies: readonly Policy[],
  config: PolicyPackConfig = {},
  packLevel: EnforcementLevel = "mandatory",
  /** `preview`: a value unknown until the update is expected (advisory, as the policy server reports it); `export`: a finished update's checkpoint holds none, so one is a broken or edited export (mandatory). */
  source: "preview" | "export" = "preview",
): Promise<Violation[]> {
  const analyzed = resources.filter((r) => r.type !== "pulumi:pulumi:Stack");
  const violations: Violation[] = [];
  const stackTags: ReadonlyMap<string, string> = new Map();

  // Stack rules see every resource with parent and dependencies resolved to resources.
  const byUrn = new Map<string, PolicyResource>();
  for (const r of analyzed) {
    byUrn.set(r.urn, {
      type: r.type,
      props: propsOf(r, "outputs"),
      urn: r.urn,
      name: nameOf(r.urn),
      opts: optionsOf(r),
      dependencies: [],
      propertyDependencies: {},
      isType: (c) => isTypeOf(r.type, c),
      asType: (c) => (isTypeOf(r.type, c) ? (propsOf(r, "outputs") as never) : undefined),
    });
  }
  for (const r of analyzed) {
    const resource = byUrn.get(r.urn)! as { -readonly [K in keyof PolicyResource]: PolicyResource[K] };
    if (r.parent && byUrn.has(r.parent)) resource.parent = byUrn.get(r.parent);
    resource.dependencies = (r.dependencies ?? []).flatMap((u) => (byUrn.has(u) ? [byUrn.get(u)!] : []));
    resource.propertyDependencies = Object.fromEntries(
      Object.entries(r.propertyDependencies ?? {}).map(([property, urns]) => [property, urns.flatMap((u) => (byUrn.has(u) ? [byUrn.get(u)!] : []))]),
    );
  }

  const record = (policy: Policy, enforcementLevel: EnforcementLevel, message: string, urn?: string) =>
    violations.push({
      policy: policy.name,
      severity: policy.severity ?? "medium",
      enforcementLevel,
      checklist: policy.framework?.reference ?? "",
      ...(urn ? { urn } : {}),
      message,
      remediation: policy.remediationSteps ?? "",
    });
  // As the policy server does: a rule that needs a value unknown until the update is reported, advisory.
  const reportUnknown = (policy: Policy, urn: string | undefined, error: Error) =>
    source === "preview"
      ? record(policy, "advisory", `can't run during preview: ${error.message}`, urn)
      : record(policy, "mandatory", `a value is unknown in this stack export, which a finished update never writes (a broken or edited export): ${error.message}`, urn);

  // Each resource's validation args are built once and handed to every resource rule in turn (only
  // getConfig is the rule's own); rules run one after another, so they never see another's config.
  let getConfig = <T extends object>(): T => ({}) as T;
  const resourceArgs = analyzed.map((r) => ({
    urn: r.urn,
    args: {
      type: r.type,
      props: propsOf(r),
      urn: r.urn,
      name: nameOf(r.urn),
      opts: optionsOf(r),
      stackTags,
      isType: (c) => isTypeOf(r.type, c),
      asType: (c) => (isTypeOf(r.type, c) ? (propsOf(r) as never) : undefined),
      getConfig: <T extends object>() => getConfig<T>(),
      notApplicable,
    } satisfies ResourceValidationArgs,
  }));

  for (const policy of policies) {
    const enforcementLevel = levelOf(policy, config, packLevel);
    if (enforcementLevel === "disabled") continue;
    const report = (message: string, urn?: string) => record(policy, enforcementLevel, message, urn);
    getConfig = <T extends object>() => settingsOf(policy, config) as T;
    const validateResource = (policy as ResourceValidationPolicy).validateResource;
    const validateStack = (policy as StackValidationPolicy).validateStack;
    if (validateResource) {
      const validations = Array.isArray(validateResource) ? validateResource : [validateResource];
      let current = "";
      const reportOnCurrent = (message: string, urn?: string) => report(message, urn ?? current);
      for (const { urn, args } of resourceArgs) {
        current = urn;
        for (const validation of validations) {
          try {
            // Most rules are synchronous: await only what returns a promise.
            const pending = validation(args, reportOnCurrent);
            if (pending instanceof Promise) await pending;
          } catch (error) {
            if (error instanceof UnknownValueError) reportUnknown(policy, urn, error);
            else if (!(error instanceof NotApplicable)) throw error;
          }
        }
      }
    }
    if (validateStack) {
      const args: StackValidationArgs = { resources: [...byUrn.values()], stackTags, getConfig, notApplicable };
      try {
        await validateStack(args, report);
      } catch (error) {
        if (error instanceof UnknownValueError) reportUnknown(policy, undefined, error);
        else if (!(error instanceof NotApplicable)) throw error;
      }
    }
  }
  return violations;
}

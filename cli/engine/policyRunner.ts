// Evaluates the policy pack's own rule objects on a `pulumi stack export`, without the Pulumi CLI:
// the same code `pulumi preview --policy-pack policies` runs, fed from the checkpoint instead of the engine.
import type {
  EnforcementLevel,
  Policy,
  PolicyProviderResource,
  PolicyResource,
  PolicyResourceOptions,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  Severity,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";
import type { PolicyPackConfig } from "./policyConfig";
import { SECRET_PLACEHOLDER, SECRET_SIG, SIG_KEY } from "../../components/core/secrets";
import Ajv, { type ValidateFunction } from "ajv";
import { baseType } from "../../policies/catalogue";

// The policy runtime's own unknown-value guard (internal to @pulumi/policy, so typed here), so a rule
// meets a preview's unknowns exactly as it does under the CLI.
// The engine writes a value unknown until the update as the same sentinels the proxy looks for.
const proxy = require("@pulumi/policy/proxy") as {
  UnknownValueError: new (...args: never[]) => Error;
  unknownCheckingProxy: <T extends object>(value: T) => T;
} & Record<`unknown${"Boolean" | "Number" | "String" | "Array" | "Asset" | "Archive" | "Object"}Value`, string>;
const { UnknownValueError, unknownCheckingProxy } = proxy;

/** The engine's sentinels for a value unknown until the update, one per kind of value. */
const UNKNOWN_SENTINELS: ReadonlySet<string> = new Set([
  proxy.unknownBooleanValue,
  proxy.unknownNumberValue,
  proxy.unknownStringValue,
  proxy.unknownArrayValue,
  proxy.unknownAssetValue,
  proxy.unknownArchiveValue,
  proxy.unknownObjectValue,
]);

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

/** A rule that threw on a resource instead of deciding it: a malformed export it cannot read, or a fault of the rule. */
export class RuleError extends Error {
  constructor(
    readonly policy: string,
    readonly urn: string | undefined,
    cause: unknown,
  ) {
    super(
      `rule ${policy} could not run${urn ? ` on ${urn}` : ""}: ${cause instanceof Error ? cause.message : String(cause)}`,
      { cause },
    );
  }
}

/** Checkpoint versions `pulumi stack export` writes: 3, and 4 once a stack uses newer deployment features. */
export const CHECKPOINT_VERSIONS: readonly number[] = [3, 4];

/**
 * The most resources an export may hold: the stack rules relate resources pairwise, so 10,000 of the
 * costliest kind (model deployments) take a minute or two, and ten times as many would take hours.
 */
export const MAX_RESOURCES = 10_000;

/** How deep inputs and outputs may nest objects and lists (the platform's deepest, a pod's node affinity, nests 12). */
export const MAX_DEPTH = 128;

/** C0 and C1 control characters and DEL: no type token holds one. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** A type token as Pulumi writes it: `package:module:Type`, no whitespace or control character. */
const TYPE_TOKEN = /^[^:\s]+:[^:\s]*:[^:\s]+$/;

/** Fields of a checkpoint resource that are true or false when present. */
const FLAGS = ["custom", "protect", "delete", "pendingReplacement", "external"] as const;

/** Fields of a checkpoint resource that name another resource (a URN, or a provider reference) when present. */
const REFERENCES = ["parent", "provider"] as const;

/**
 * A URN's type and name, read as Pulumi reads them: `urn:pulumi:<stack>::<project>::<parent types>$<type>::<name>`,
 * the name being everything after the third `::`; undefined for anything else.
 */
export function parseUrn(urn: string): { readonly type: string; readonly name: string } | undefined {
  if (!urn.startsWith("urn:pulumi:")) return undefined;
  const parts: string[] = [];
  let rest = urn;
  for (let i = 0; i < 3; i++) {
    const at = rest.indexOf("::");
    if (at < 0) return undefined;
    parts.push(rest.slice(0, at));
    rest = rest.slice(at + 2);
  }
  const qualified = parts[2]!;
  const type = qualified.slice(qualified.lastIndexOf("$") + 1);
  return parts[0] === "urn:pulumi:" || parts[1] === "" || type === "" ? undefined : { type, name: rest };
}

/** A resource's name: what its URN says (the whole URN where it is not one). */
export function urnName(urn: string): string {
  return parseUrn(urn)?.name ?? urn;
}

/** What a JSON value is, for a message: `null`, `a list`, `a string`... */
function kindOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}

/** The path (`.a.b[2]`) at which `value` nests objects and lists deeper than `limit`, or undefined. Iterative: any depth is safe to measure. */
export function pathTooDeep(value: unknown, limit: number): string | undefined {
  const pending: [unknown, string, number][] = [[value, "", 0]];
  while (pending.length > 0) {
    const [node, path, depth] = pending.pop()!;
    if (typeof node !== "object" || node === null) continue;
    if (depth >= limit) return path;
    const list = Array.isArray(node);
    for (const [key, child] of Object.entries(node))
      pending.push([child, list ? `${path}[${key}]` : `${path}.${key}`, depth + 1]);
  }
  return undefined;
}

/** Every path (`.a.b[2]`) at which `value` holds the engine's unknown-value sentinel; a secret's insides are not read. */
export function unknownPaths(value: unknown, path = ""): string[] {
  if (typeof value === "string") return UNKNOWN_SENTINELS.has(value) ? [path] : [];
  if (typeof value !== "object" || value === null || isSecretValue(value)) return [];
  const list = Array.isArray(value);
  return Object.entries(value).flatMap(([key, child]) =>
    unknownPaths(child, list ? `${path}[${key}]` : `${path}.${key}`),
  );
}

const isSecretValue = (value: object): boolean =>
  Object.prototype.hasOwnProperty.call(value, SIG_KEY) && (value as Record<string, unknown>)[SIG_KEY] === SECRET_SIG;

/** Why a resource's urn and type are not Pulumi's (or do not agree), or undefined. */
function identityProblem(record: Record<string, unknown>): string | undefined {
  for (const key of ["urn", "type"]) {
    if (record[key] === undefined) return `has no ${key}`;
    if (typeof record[key] !== "string") return `has a ${key} that is ${kindOf(record[key])}, not a string`;
  }
  const { type } = record as { type: string };
  const urn = parseUrn(record.urn as string);
  if (!urn || CONTROL.test(urn.type))
    return `has urn ${JSON.stringify(record.urn)}, which is not a Pulumi URN (urn:pulumi:<stack>::<project>::<type>::<name>)`;
  if (!TYPE_TOKEN.test(type) || CONTROL.test(type))
    return `has type ${JSON.stringify(type)}, which is not a Pulumi type token (package:module:Type)`;
  // Pulumi derives the URN from the type: a type that differs (beyond an API version) was edited, perhaps
  // to pass the resource off as the stack, a provider or a component, which rules do not check.
  if (baseType(urn.type) !== baseType(type))
    return `has type ${JSON.stringify(type)}, but its URN names type ${JSON.stringify(urn.type)}: Pulumi derives the URN from the type, so one of them was edited`;
  if (type === "pulumi:pulumi:Stack" && record.custom === true)
    return "is the stack (pulumi:pulumi:Stack) marked custom, which Pulumi never writes";
  return undefined;
}

/** Why a resource's other fields are not of the kinds a checkpoint holds, or undefined. */
function fieldProblem(record: Record<string, unknown>): string | undefined {
  for (const key of FLAGS)
    if (record[key] !== undefined && typeof record[key] !== "boolean")
      return `.${key} is ${kindOf(record[key])}, not true or false`;
  for (const key of REFERENCES)
    if (record[key] !== undefined && typeof record[key] !== "string")
      return `.${key} is ${kindOf(record[key])}, not a URN`;
  const provider = record.provider as string | undefined;
  if (provider && !parseUrn(provider.slice(0, Math.max(0, provider.lastIndexOf("::")))))
    return `.provider is ${JSON.stringify(provider)}, not a provider reference (<provider URN>::<id>)`;
  for (const key of ["inputs", "outputs", "propertyDependencies"]) {
    if (
      record[key] !== undefined &&
      (typeof record[key] !== "object" || record[key] === null || Array.isArray(record[key]))
    )
      return `.${key} is not an object`;
  }
  if (
    record.dependencies !== undefined &&
    !(Array.isArray(record.dependencies) && record.dependencies.every((d) => typeof d === "string"))
  )
    return ".dependencies is not a list of URNs";
  for (const [property, urns] of Object.entries((record.propertyDependencies as Record<string, unknown>) ?? {})) {
    if (!Array.isArray(urns) || !urns.every((u) => typeof u === "string"))
      return `.propertyDependencies.${property} is not a list of URNs`;
  }
  return undefined;
}

/** Why a resource's inputs or outputs nest too deep to read, or undefined. */
function depthProblem(record: Record<string, unknown>): string | undefined {
  for (const key of ["inputs", "outputs"]) {
    const deep = pathTooDeep(record[key], MAX_DEPTH);
    if (deep !== undefined)
      return `.${key} nests objects and lists more than ${MAX_DEPTH} deep (at ${key}${deep.slice(0, 200)}${deep.length > 200 ? "…" : ""})`;
  }
  return undefined;
}

/** Why one entry of `deployment.resources` is not a checkpoint resource, or undefined. */
function resourceProblem(r: unknown): string | undefined {
  if (typeof r !== "object" || r === null || Array.isArray(r)) return `is ${kindOf(r)}, not a resource object`;
  const record = r as Record<string, unknown>;
  return identityProblem(record) ?? fieldProblem(record) ?? depthProblem(record);
}

/** Reads a `pulumi stack export` document (version 3 or 4), refusing anything else with a clear message. */
export function checkpointResources(document: unknown, source: string): CheckpointResource[] {
  const version =
    typeof document === "object" && document !== null && !Array.isArray(document)
      ? (document as { version?: unknown }).version
      : undefined;
  if (!CHECKPOINT_VERSIONS.includes(version as number)) {
    throw new CheckpointError(
      `${source}: not a \`pulumi stack export\` file of version ${CHECKPOINT_VERSIONS.join(" or ")} (version is ${JSON.stringify(version ?? null)})`,
    );
  }
  const deployment = (document as { deployment?: { resources?: unknown } }).deployment;
  if (typeof deployment !== "object" || deployment === null || Array.isArray(deployment))
    throw new CheckpointError(`${source}: no "deployment" object`);
  const resources = deployment.resources ?? [];
  if (!Array.isArray(resources))
    throw new CheckpointError(`${source}: deployment.resources is ${kindOf(resources)}, not a list`);
  if (resources.length > MAX_RESOURCES)
    throw new CheckpointError(
      `${source}: deployment.resources holds ${resources.length} resources; the check reads at most ${MAX_RESOURCES}`,
    );
  const seen = new Map<string, number>();
  resources.forEach((r: unknown, i) => {
    const at = `${source}: deployment.resources[${i}]`;
    const problem = resourceProblem(r);
    if (problem) throw new CheckpointError(`${at}${problem.startsWith(".") ? "" : " "}${problem}`);
    const resource = r as CheckpointResource & { delete?: boolean };
    // The engine never records one URN twice (a pending delete aside, marked `delete: true`).
    if (resource.delete !== true) {
      const first = seen.get(resource.urn);
      if (first !== undefined)
        throw new CheckpointError(
          `${at} repeats the URN of deployment.resources[${first}] (${JSON.stringify(resource.urn)}): a checkpoint holds each resource once`,
        );
      seen.set(resource.urn, i);
    }
  });
  return resources as CheckpointResource[];
}

/** Secrets become a placeholder, as the policy runtime never hands a rule a secret's value here. */
function plain(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(plain);
  if (typeof value === "object" && value !== null) {
    const record = value as Record<string, unknown>;
    if (record[SIG_KEY] === SECRET_SIG) return SECRET_PLACEHOLDER;
    return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, plain(v)]));
  }
  return value;
}

const inputsCache = new WeakMap<CheckpointResource, Record<string, any>>();
const outputsCache = new WeakMap<CheckpointResource, Record<string, any>>();

const present = (p: Record<string, unknown> | undefined): p is Record<string, unknown> =>
  p !== undefined && Object.keys(p).length > 0;

/**
 * What a rule reads, as the engine hands it over: resource rules see inputs, stack rules see outputs
 * (each falling back to the other where a checkpoint has only one); secrets hidden, unknowns guarded.
 */
function propsOf(r: CheckpointResource, view: "inputs" | "outputs" = "inputs"): Record<string, any> {
  const cache = view === "inputs" ? inputsCache : outputsCache;
  let props = cache.get(r);
  if (!props) {
    const [preferred, fallback] = view === "inputs" ? [r.inputs, r.outputs] : [r.outputs, r.inputs];
    props = unknownCheckingProxy(plain(present(preferred) ? preferred : (fallback ?? {})) as Record<string, any>);
    cache.set(r, props);
  }
  return props;
}

const nameOf = urnName;

/**
 * The provider a custom resource is managed by, as the policy runtime hands it to a resource rule: the
 * provider resource its reference (`<provider URN>::<id>`) names, else its package's default provider.
 * Pulumi's own resources (the stack, providers) and components have none.
 */
function providerOf(
  r: CheckpointResource,
  byUrn: ReadonlyMap<string, CheckpointResource>,
): PolicyProviderResource | undefined {
  const urn = r.provider ? r.provider.slice(0, r.provider.lastIndexOf("::")) : undefined;
  if (!urn && (r.custom !== true || r.type.startsWith("pulumi:providers:"))) return undefined;
  const resource = urn ? byUrn.get(urn) : undefined;
  const type =
    resource?.type ?? (urn && parseUrn(urn)?.type) ?? `pulumi:providers:${r.type.slice(0, r.type.indexOf(":"))}`;
  return {
    type,
    urn: urn ?? "",
    name: urn ? urnName(urn) : "default",
    props: plain(resource?.inputs ?? {}) as Record<string, any>,
  };
}

function optionsOf(r: CheckpointResource): PolicyResourceOptions {
  return {
    protect: r.protect === true,
    ignoreChanges: [],
    aliases: [],
    customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
    additionalSecretOutputs: [],
    ...(r.parent ? { parent: r.parent } : {}),
  };
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
  const level =
    (typeof own === "string" ? own : own?.enforcementLevel) ??
    (typeof all === "string" ? all : all?.enforcementLevel) ??
    policy.enforcementLevel ??
    packLevel;
  return level === "remediate" ? "mandatory" : level;
}

function settingsOf(policy: Policy, config: PolicyPackConfig): Record<string, unknown> {
  const own = config[policy.name];
  if (typeof own !== "object" || own === null) return {};
  const { enforcementLevel: _level, ...settings } = own;
  return settings;
}

/** The policies the config turns off, by name. */
export function disabledPolicies(
  policies: readonly Policy[],
  config: PolicyPackConfig,
  packLevel: EnforcementLevel = "mandatory",
): string[] {
  return policies.filter((p) => levelOf(p, config, packLevel) === "disabled").map((p) => p.name);
}

export const ENFORCEMENT_LEVELS: readonly EnforcementLevel[] = ["advisory", "mandatory", "remediate", "disabled"];

/** One JSON Schema validator for every rule's settings, as the Pulumi CLI checks `--policy-pack-config` against `configSchema`. */
const settingsValidator = new Ajv({ allErrors: true, strict: false });
const compiledSchemas = new WeakMap<object, ValidateFunction>();

/** The settings of rule `key` that do not have the type its configSchema declares (a string where a list belongs is otherwise read letter by letter). */
function settingTypeProblems(key: string, schema: NonNullable<Policy["configSchema"]>, value: object): string[] {
  let validate = compiledSchemas.get(schema);
  if (!validate) {
    validate = settingsValidator.compile({
      type: "object",
      properties: schema.properties ?? {},
      ...(schema.required ? { required: schema.required } : {}),
    });
    compiledSchemas.set(schema, validate);
  }
  const { enforcementLevel: _level, ...settings } = value as Record<string, unknown>;
  if (validate(settings)) return [];
  return (validate.errors ?? []).map(
    (e) =>
      `"${key}": setting ${e.instancePath.slice(1).replaceAll("/", ".") || "(the settings)"} ${e.message ?? "is invalid"}${e.params && "type" in e.params ? ` (got ${JSON.stringify(pathValue(settings, e.instancePath)) ?? "nothing"})` : ""}`,
  );
}

/** The value at a JSON pointer inside `value`. */
function pathValue(value: unknown, pointer: string): unknown {
  return pointer
    .split("/")
    .slice(1)
    .reduce<unknown>(
      (at, part) =>
        typeof at === "object" && at !== null && Object.prototype.hasOwnProperty.call(at, part)
          ? (at as Record<string, unknown>)[part]
          : undefined,
      value,
    );
}

/** Every problem with a policy config: unknown policy names, levels and settings (a typo would silently weaken the pack). */
export function policyConfigProblems(config: PolicyPackConfig, policies: readonly Policy[]): string[] {
  const byName = new Map(policies.map((p) => [p.name, p]));
  const problems: string[] = [];
  const unknown = Object.keys(config).filter((k) => k !== "all" && !byName.has(k));
  if (unknown.length > 0)
    problems.push(
      `names unknown polic${unknown.length > 1 ? "ies" : "y"} ${unknown.join(", ")}; known: all, ${[...byName.keys()].join(", ")}`,
    );
  for (const [key, value] of Object.entries(config)) {
    const policy = byName.get(key);
    if (policy && typeof value === "object" && value !== null) {
      const allowed = Object.keys(policy.configSchema?.properties ?? {});
      const extra = Object.keys(value).filter(
        (setting) => setting !== "enforcementLevel" && !allowed.includes(setting),
      );
      if (extra.length > 0)
        problems.push(
          `"${key}": unknown setting${extra.length > 1 ? "s" : ""} ${extra.join(", ")}; it takes ${allowed.length > 0 ? `enforcementLevel, ${allowed.join(", ")}` : "only enforcementLevel"}`,
        );
    }
    if (policy?.configSchema && typeof value === "object" && value !== null)
      problems.push(...settingTypeProblems(key, policy.configSchema, value));
    const level =
      typeof value === "string"
        ? value
        : typeof value === "object" && value !== null
          ? value.enforcementLevel
          : Symbol("bad");
    if (level !== undefined && !ENFORCEMENT_LEVELS.includes(level as EnforcementLevel)) {
      problems.push(
        `"${key}": enforcement level ${typeof level === "symbol" ? JSON.stringify(value) : JSON.stringify(level)} is not one of ${ENFORCEMENT_LEVELS.join(", ")}`,
      );
    }
  }
  return problems;
}

/** What the runner itself reports on a stack export, beside the pack's rules (so no policy config turns it off). */
export const EXPORT_INTEGRITY = {
  policy: "stack-export-values-known",
  severity: "critical",
  remediation:
    "Export the stack again after a finished update (`pulumi stack export --file stack.json`) and check that file; an export is never edited by hand, and a preview's values are checked by `pulumi preview --policy-pack`.",
} as const;

/** Most paths a violation lists before it counts the rest. */
const LISTED_PATHS = 5;

/** The violation of a resource of a stack export that holds unknown values, if it does. */
function unknownValueViolations(r: CheckpointResource): Violation[] {
  const paths = [...unknownPaths(r.inputs ?? {}, "inputs"), ...unknownPaths(r.outputs ?? {}, "outputs")];
  if (paths.length === 0) return [];
  const listed =
    paths.slice(0, LISTED_PATHS).join(", ") +
    (paths.length > LISTED_PATHS ? ` and ${paths.length - LISTED_PATHS} more` : "");
  return [
    {
      policy: EXPORT_INTEGRITY.policy,
      severity: EXPORT_INTEGRITY.severity,
      enforcementLevel: "mandatory",
      checklist: "",
      urn: r.urn,
      message: `a value is unknown in this stack export at ${listed}: a finished update never writes one (a broken or edited export), so no rule can decide what it holds`,
      remediation: EXPORT_INTEGRITY.remediation,
    },
  ];
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
  // A finished update's checkpoint holds no unknown value: in an export, one anywhere (read by a rule or
  // not, in inputs or outputs) means a broken or edited file, and no rule can vouch for the resource.
  if (source === "export") violations.push(...resources.flatMap(unknownValueViolations));
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
      Object.entries(r.propertyDependencies ?? {}).map(([property, urns]) => [
        property,
        urns.flatMap((u) => (byUrn.has(u) ? [byUrn.get(u)!] : [])),
      ]),
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
      : record(
          policy,
          "mandatory",
          `a value is unknown in this stack export, which a finished update never writes (a broken or edited export): ${error.message}`,
          urn,
        );

  // Each resource's validation args are built once and handed to every resource rule in turn (only
  // getConfig is the rule's own); rules run one after another, so they never see another's config.
  let getConfig = <T extends object>(): T => ({}) as T;
  const checkpointByUrn = new Map(resources.map((r) => [r.urn, r]));
  const resourceArgs = analyzed.map((r) => {
    const provider = providerOf(r, checkpointByUrn);
    return {
      urn: r.urn,
      args: {
        type: r.type,
        ...(provider ? { provider } : {}),
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
    };
  });

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
            else if (!(error instanceof NotApplicable)) throw new RuleError(policy.name, urn, error);
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
        else if (!(error instanceof NotApplicable)) throw new RuleError(policy.name, undefined, error);
      }
    }
  }
  return violations;
}

// Runs one rule the way the policy runtime does, with fake validation args: notApplicable, stackTags,
// getConfig, and unknown values (a preview) that throw when a rule reads them.
import type {
  Policy,
  PolicyResource,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationPolicy,
} from "@pulumi/policy";

const proxy = require("@pulumi/policy/proxy") as {
  UnknownValueError: new (...args: never[]) => Error;
  unknownCheckingProxy: <T extends object>(value: T) => T;
  unknownStringValue: string;
};
/** The sentinel a preview puts where a value is not known yet. */
export const UNKNOWN = proxy.unknownStringValue;

export interface Outcome {
  readonly violations: string[];
  /** The reason given to notApplicable, when the rule does not apply. */
  readonly notApplicable?: string;
  /** The message of an unknown-value error, when the rule needed a value a preview does not know. */
  readonly unknown?: string;
}

class NotApplicable extends Error {}

function outcomeOf(error: unknown, violations: string[]): Outcome {
  if (error instanceof NotApplicable) return { violations, notApplicable: error.message };
  if (error instanceof proxy.UnknownValueError) return { violations, unknown: (error as Error).message };
  throw error;
}

const notApplicable = (reason?: string): never => {
  throw new NotApplicable(reason ?? "");
};

export interface FakeResource {
  readonly type: string;
  readonly name: string;
  readonly props: Record<string, any>;
  readonly protect?: boolean;
  /** Property name -> names of the resources (in the same fake stack) the property came from. */
  readonly dependsOn?: Record<string, string[]>;
}

export async function runResourceRule(
  policy: Policy,
  resource: FakeResource,
  config: Record<string, unknown> = {},
): Promise<Outcome> {
  const violations: string[] = [];
  const validate = (policy as ResourceValidationPolicy).validateResource;
  const args: ResourceValidationArgs = {
    type: resource.type,
    props: proxy.unknownCheckingProxy(structuredClone(resource.props)),
    urn: `urn:pulumi:test::p::${resource.type}::${resource.name}`,
    name: resource.name,
    opts: {
      protect: resource.protect ?? false,
      ignoreChanges: [],
      aliases: [],
      customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
      additionalSecretOutputs: [],
    },
    stackTags: new Map([["environment", "test"]]),
    isType: () => false,
    asType: () => undefined,
    getConfig: <T extends object>() => config as T,
    notApplicable,
  };
  try {
    for (const v of Array.isArray(validate) ? validate : [validate!])
      await v(args, (message) => violations.push(message));
    return { violations };
  } catch (error) {
    return outcomeOf(error, violations);
  }
}

/** A copy of `props` with the value at `path` unknown, as in a preview. */
export function withUnknown(props: Record<string, any>, path: string[]): Record<string, any> {
  const copy = structuredClone(props);
  let at: Record<string, any> = copy;
  for (const key of path.slice(0, -1)) at = at[key] ??= {};
  at[path[path.length - 1]!] = UNKNOWN;
  return copy;
}

export async function runStackRule(
  policy: Policy,
  resources: readonly FakeResource[],
  config: Record<string, unknown> = {},
): Promise<Outcome> {
  const violations: string[] = [];
  const byName = new Map<string, PolicyResource>();
  for (const r of resources) {
    byName.set(r.name, {
      type: r.type,
      props: proxy.unknownCheckingProxy(structuredClone(r.props)),
      urn: `urn:pulumi:test::p::${r.type}::${r.name}`,
      name: r.name,
      opts: {
        protect: r.protect ?? false,
        ignoreChanges: [],
        aliases: [],
        customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
        additionalSecretOutputs: [],
      },
      dependencies: [],
      propertyDependencies: {},
      isType: () => false,
      asType: () => undefined,
    });
  }
  for (const r of resources) {
    const resource = byName.get(r.name)! as {
      propertyDependencies: Record<string, PolicyResource[]>;
      dependencies: PolicyResource[];
    };
    resource.propertyDependencies = Object.fromEntries(
      Object.entries(r.dependsOn ?? {}).map(([p, names]) => [p, names.map((n) => byName.get(n)!)]),
    );
    resource.dependencies = [...new Set(Object.values(resource.propertyDependencies).flat())];
  }
  try {
    await (policy as StackValidationPolicy).validateStack!(
      {
        resources: [...byName.values()],
        stackTags: new Map(),
        getConfig: <T extends object>() => config as T,
        notApplicable,
      },
      (message) => violations.push(message),
    );
    return { violations };
  } catch (error) {
    return outcomeOf(error, violations);
  }
}

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { stableGuid } from "./mockOutputs";
import { compareCodePoints } from "../../components/core/order";
import type { RecordedResource } from "./offlineRun";
import { SECRET_PLACEHOLDER, SECRET_SIG, SIG_KEY } from "../../components/core/secrets";

/** The manifest magic of the offline plan's export: no real update writes it, so proof from a deployment can refuse it. */
export const OFFLINE_MAGIC = "offline-plan";
/**
 * The top-level field that marks the offline plan's export: `pulumi stack export` writes only `version`
 * and `deployment`, so its presence says the file is a plan, never the state of a deployment.
 */
export const OFFLINE_MARKER = "offlinePlan";

export interface ExportedResource {
  urn: string;
  custom: boolean;
  id?: string;
  type: string;
  inputs: Record<string, unknown>;
  outputs: Record<string, unknown>;
  parent?: string;
  protect: boolean;
  dependencies: string[];
  propertyDependencies?: Record<string, string[]>;
  provider?: string;
}

export interface StackExport {
  version: 3;
  /** Always true: this export was planned offline (see OFFLINE_MARKER). */
  [OFFLINE_MARKER]: true;
  deployment: {
    manifest: { time: string; magic: string; version: string };
    secrets_providers: { type: string };
    resources: ExportedResource[];
  };
}

export function isSecret(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && (value as Record<string, unknown>)[SIG_KEY] === SECRET_SIG;
}

/** Replaces every secret with the checkpoint's secret envelope holding no value; sorts keys. */
export function redact(value: unknown): unknown {
  if (isSecret(value)) return { [SIG_KEY]: SECRET_SIG, ciphertext: SECRET_PLACEHOLDER };
  if (Array.isArray(value)) return value.map(redact);
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, redact((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

function markSecretOutputs(outputs: Record<string, unknown>, secretNames: readonly string[]): Record<string, unknown> {
  const marked = { ...outputs };
  for (const name of secretNames) {
    if (name in marked && !isSecret(marked[name])) marked[name] = { [SIG_KEY]: SECRET_SIG, value: marked[name] };
  }
  return marked;
}

function packageVersion(projectDir: string, pkg: string): string {
  try {
    const path = createRequire(join(projectDir, "package.json")).resolve(`@pulumi/${pkg}/package.json`);
    return (JSON.parse(readFileSync(path, "utf8")) as { version: string }).version;
  } catch {
    return "unknown";
  }
}

/** Orders resources so that each follows its parent, provider and dependencies; ties by URN (stable across runs). */
function topologicalOrder(resources: ExportedResource[]): ExportedResource[] {
  const byUrn = new Map(resources.map((r) => [r.urn, r]));
  const prerequisites = (r: ExportedResource) =>
    [r.parent, r.provider?.slice(0, r.provider.lastIndexOf("::")), ...r.dependencies].filter(
      (u): u is string => Boolean(u) && byUrn.has(u!) && u !== r.urn,
    );
  const placed = new Set<string>();
  const ordered: ExportedResource[] = [];
  const pending = [...resources].sort((a, b) => compareCodePoints(a.urn, b.urn));
  while (pending.length > 0) {
    const index = pending.findIndex((r) => prerequisites(r).every((u) => placed.has(u)));
    const next = pending.splice(index < 0 ? 0 : index, 1)[0]!;
    placed.add(next.urn);
    ordered.push(next);
  }
  return ordered;
}

/**
 * Builds the checkpoint `pulumi stack export` would print (version 3), with a default provider per
 * package where the program named none, as the engine adds them.
 */
export function buildStackExport(
  resources: readonly RecordedResource[],
  options: { projectDir: string; project: string; stack: string },
): StackExport {
  const exported: ExportedResource[] = [];
  const defaultProviders = new Map<string, ExportedResource>();
  for (const r of resources) {
    let provider = r.provider;
    if (r.custom && !provider && !r.type.startsWith("pulumi:providers:")) {
      const pkg = r.type.split(":")[0]!;
      const version = packageVersion(options.projectDir, pkg);
      const urn = `urn:pulumi:${options.stack}::${options.project}::pulumi:providers:${pkg}::default_${version.replace(/\./g, "_")}`;
      const id = stableGuid(urn);
      if (!defaultProviders.has(urn)) {
        defaultProviders.set(urn, {
          urn,
          custom: true,
          id,
          type: `pulumi:providers:${pkg}`,
          inputs: { version },
          outputs: { version },
          protect: false,
          dependencies: [],
        });
      }
      provider = `${urn}::${id}`;
    }
    const propertyDependencies =
      Object.keys(r.propertyDependencies).length > 0
        ? (redact(r.propertyDependencies) as Record<string, string[]>)
        : undefined;
    exported.push({
      urn: r.urn,
      custom: r.custom,
      ...(r.id !== undefined ? { id: r.id } : {}),
      type: r.type,
      inputs: redact(r.inputs) as Record<string, unknown>,
      outputs: redact(markSecretOutputs(r.outputs, r.additionalSecretOutputs)) as Record<string, unknown>,
      ...(r.parent ? { parent: r.parent } : {}),
      protect: r.protect,
      dependencies: [...new Set(r.dependencies)].sort(),
      ...(propertyDependencies ? { propertyDependencies } : {}),
      ...(provider ? { provider } : {}),
    });
  }
  return {
    version: 3,
    [OFFLINE_MARKER]: true,
    deployment: {
      // A fixed manifest: two plans of one config are byte-identical.
      manifest: {
        time: "1970-01-01T00:00:00Z",
        magic: OFFLINE_MAGIC,
        version: `@pulumi/pulumi ${packageVersion(options.projectDir, "pulumi")}`,
      },
      secrets_providers: { type: "offline-placeholder" },
      resources: topologicalOrder([...defaultProviders.values(), ...exported]),
    },
  };
}

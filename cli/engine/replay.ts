// The benchmark's baseline for the offline plan (npm run bench): the resources of a planned stack export
// registered again, as they are, through the same mock runtime (cli/engine/offlineRun.ts) with no program
// around them: no config, no composition, no outputs to resolve, no policy pack, nothing written. The plan's
// cost over this replay is the platform's own.
//   node --import tsx cli/engine/replay.ts <stack.json>   (exit 0 when it registered the export's URNs exactly)
import "../shared/startup";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { runOffline } from "./offlineRun";
import type { ExportedResource, StackExport } from "./stackExport";
import { stableGuid } from "./mockOutputs";
import { buildStackExport, isSecret } from "./stackExport";
import { SECRET_PLACEHOLDER } from "../../components/core/secrets";

const PROVIDER_TYPE = "pulumi:providers:";

/** The name a resource was registered with: the URN's last `::` segment. */
const nameOf = (urn: string) => urn.slice(urn.lastIndexOf("::") + 2);

/** An export's inputs as a program passes them: each secret envelope (its value redacted) a secret again. */
function asInputs(value: unknown): unknown {
  if (isSecret(value)) return pulumi.secret(SECRET_PLACEHOLDER);
  if (Array.isArray(value)) return value.map(asInputs);
  if (typeof value === "object" && value !== null)
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, asInputs(v)]));
  return value;
}

/** The providers a stack export lists for resources given none (the engine's default providers, cli/engine/stackExport.ts). */
const isDefaultProvider = (r: ExportedResource) =>
  r.type.startsWith(PROVIDER_TYPE) && nameOf(r.urn).startsWith("default_");

/** A component with the type, name and outputs it had in the plan. */
class ReplayedComponent extends pulumi.ComponentResource {
  constructor(type: string, name: string, outputs: Record<string, unknown>, options: pulumi.ComponentResourceOptions) {
    super(type, name, {}, options);
    this.registerOutputs(outputs);
  }
}

type ResourceClass = new (
  name: string,
  args: Record<string, unknown>,
  options: pulumi.CustomResourceOptions,
) => pulumi.Resource;

/** The Kubernetes SDK's module of an API group (`networking.k8s.io` is `networking`, the core group `core`). */
const k8sGroup = (group: string) => (group === "helm.sh" ? "helm" : group.split(".")[0]!);

/**
 * The SDK class a program constructs for `type` (a program pays for loading and running it too), or
 * undefined for a custom resource definition's kind (constructed as apiextensions.CustomResource).
 */
function resourceClass(type: string): ResourceClass | undefined {
  const [pkg, module, name] = type.split(":") as [string, string, string];
  if (pkg === "pulumi" && module === "providers")
    return require(name === "azure-native" ? "@pulumi/azure-native" : `@pulumi/${name}`).Provider;
  if (pkg === "azure-native") return require(`@pulumi/azure-native/${module}`)[name];
  if (pkg === "random") return require("@pulumi/random")[name];
  if (pkg === "kubernetes") {
    const [group, version] = module.split("/") as [string, string];
    return require("@pulumi/kubernetes")[k8sGroup(group)]?.[version]?.[name];
  }
  throw new Error(`${type}: no SDK class is known for this package`);
}

/** A program that registers `resources` (in export order, parents first) with their inputs, parents, providers and dependencies. */
export function replayProgram(resources: readonly ExportedResource[]): () => void {
  return () => {
    const made = new Map<string, pulumi.Resource>();
    for (const r of resources) {
      if (r.type === "pulumi:pulumi:Stack" || isDefaultProvider(r)) continue;
      const parent = r.parent ? made.get(r.parent) : undefined;
      const dependsOn = r.dependencies.map((urn) => made.get(urn)).filter((d): d is pulumi.Resource => !!d);
      const options = { ...(parent ? { parent } : {}), protect: r.protect, dependsOn };
      const name = nameOf(r.urn);
      const inputs = asInputs(r.inputs) as Record<string, unknown>;
      let resource: pulumi.Resource;
      if (r.custom) {
        const provider = r.provider ? made.get(r.provider.slice(0, r.provider.lastIndexOf("::"))) : undefined;
        const custom = { ...options, ...(provider ? { provider: provider as pulumi.ProviderResource } : {}) };
        const Class = resourceClass(r.type);
        resource = Class
          ? new Class(name, inputs, custom)
          : new (require("@pulumi/kubernetes").apiextensions.CustomResource)(name, inputs, custom);
      } else {
        resource = new ReplayedComponent(r.type, name, r.outputs, options);
      }
      made.set(r.urn, resource);
    }
  };
}

/** Replays the export at `path` under the mock runtime; the URNs it registered, and the run's errors. */
export async function replayExport(path: string): Promise<{ urns: string[]; expected: string[]; errors: string[] }> {
  const exported = JSON.parse(readFileSync(path, "utf8")) as StackExport;
  const resources = exported.deployment.resources;
  const stackUrn = resources.find((r) => r.type === "pulumi:pulumi:Stack")!.urn;
  const [stack, project] = stackUrn.slice("urn:pulumi:".length).split("::") as [string, string];
  const projectDir = resolve(__dirname, "../..");
  const run = await runOffline({
    projectDir,
    project,
    stack,
    config: {},
    secretKeys: [],
    asOf: "2000-01-01",
    preview: false,
    mockContext: { subscriptionId: stableGuid("replay"), tenantId: stableGuid("tenant/replay") },
    program: replayProgram(resources),
  });
  const replayed = buildStackExport(run.resources, { projectDir, project, stack }).deployment.resources;
  return { urns: replayed.map((r) => r.urn).sort(), expected: resources.map((r) => r.urn).sort(), errors: run.errors };
}

if (require.main === module) {
  replayExport(process.argv[2]!).then(
    ({ urns, expected, errors }) => {
      const same = urns.length === expected.length && urns.every((u, i) => u === expected[i]);
      if (errors.length || !same) {
        console.error(errors.join("\n") || `registered ${urns.length} URNs, the export has ${expected.length}`);
        process.exitCode = 1;
      }
    },
    (error: unknown) => {
      console.error(error);
      process.exitCode = 3;
    },
  );
}

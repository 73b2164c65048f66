// What a `pulumi stack export` proves about a colour of an endpoint: its Azure OpenAI deployments exist
// and finished provisioning (`provisioningState: Succeeded`), or its vLLM StatefulSets exist with every
// replica ready (`status.readyReplicas`, at least one). Read from outputs, which only a real update
// writes; the fields read are validated where the export is read (cli/rollout/inputs.ts). A resource the
// engine has deleted or is deleting (`delete`, `pendingReplacement`) proves nothing.
import type { RawSlot } from "./machine";
import { type Colour } from "../../components/core/colours";
import { safeName } from "../shared/terminalText";

interface ExportedResource {
  type: string;
  outputs?: Record<string, any>;
  inputs?: Record<string, any>;
  delete?: boolean;
  pendingReplacement?: boolean;
}
export interface StateExport {
  deployment?: { resources?: ExportedResource[] };
}

export const DEPLOYMENT = "azure-native:cognitiveservices:Deployment";
export const STATEFUL_SET = "kubernetes:apps/v1:StatefulSet";

/** The resources of one endpoint colour in the export that the engine has not deleted. */
export function colourResources(
  state: StateExport,
  endpoint: string,
  colour: Colour,
): { deployments: ExportedResource[]; statefulSets: ExportedResource[] } {
  const resources = (state.deployment?.resources ?? []).filter(
    (r) => r.delete !== true && r.pendingReplacement !== true,
  );
  const tagged = (r: ExportedResource) => (r.outputs?.tags ?? r.inputs?.tags ?? {}) as Record<string, string>;
  const labels = (r: ExportedResource) =>
    ((r.outputs?.metadata ?? r.inputs?.metadata)?.labels ?? {}) as Record<string, string>;
  return {
    deployments: resources.filter(
      (r) => r.type === DEPLOYMENT && tagged(r).endpoint === endpoint && tagged(r).slot === colour,
    ),
    statefulSets: resources.filter(
      (r) =>
        r.type === STATEFUL_SET &&
        labels(r)["genai-platform/endpoint"] === endpoint &&
        labels(r)["genai-platform/slot"] === colour,
    ),
  };
}

const named = (name: unknown) => (name === undefined ? "?" : safeName(name));

/** Whether the export shows the colour's targets deployed and healthy, and if not, why. */
export function proveColour(
  state: StateExport,
  endpoint: string,
  colour: Colour,
  slot: RawSlot,
): { healthy: true } | { healthy: false; why: string } {
  const { deployments: all, statefulSets: allSets } = colourResources(state, endpoint, colour);
  const tags = (r: ExportedResource) => (r.outputs?.tags ?? r.inputs?.tags ?? {}) as Record<string, string>;
  // Only resources of this slot's own targets count: a colour reused by a later rollout must be re-applied first.
  const azureTargets = slot.targets.filter((t) => t.kind === "azure-openai");
  const deployments = all.filter((d) =>
    azureTargets.some((t) => tags(d).model === t.model && tags(d).modelVersion === t.version),
  );
  const vllmTargets = slot.targets.filter((t) => t.kind === "vllm");
  const args = (s: ExportedResource) =>
    JSON.stringify((s.outputs?.spec ?? s.inputs?.spec)?.template?.spec?.containers?.[0]?.args ?? []);
  const statefulSets = allSets.filter((s) =>
    vllmTargets.some((t) => args(s).includes(JSON.stringify(String(t.revision)))),
  );
  const azure = azureTargets.length;
  const vllm = vllmTargets.length;
  if (deployments.length < azure)
    return {
      healthy: false,
      why: `${deployments.length} of its ${azure} Azure OpenAI deployments (of the slot's models and versions) are in the export (run pulumi up first)`,
    };
  const unfinished = deployments.filter((d) => d.outputs?.properties?.provisioningState !== "Succeeded");
  if (unfinished.length > 0)
    return {
      healthy: false,
      why: `deployments not provisioned: ${unfinished.map((d) => `${named(d.outputs?.name)} (${d.outputs?.properties?.provisioningState !== undefined ? safeName(d.outputs.properties.provisioningState) : "no state"})`).join(", ")}`,
    };
  if (statefulSets.length < vllm)
    return {
      healthy: false,
      why: `${statefulSets.length} of its ${vllm} vLLM targets (at the slot's model revisions) are in the export (run pulumi up first)`,
    };
  const wanted = (s: ExportedResource) => Math.max(1, s.outputs?.spec?.replicas ?? 1);
  const unready = statefulSets.filter((s) => !((s.outputs?.status?.readyReplicas ?? 0) >= wanted(s)));
  if (unready.length > 0)
    return {
      healthy: false,
      why: `model servers not ready: ${unready.map((s) => `${named(s.outputs?.metadata?.name)} (${s.outputs?.status?.readyReplicas ?? 0}/${s.outputs?.spec?.replicas ?? "?"} ready)`).join(", ")}`,
    };
  return { healthy: true };
}

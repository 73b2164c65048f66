// Every Kubernetes object the plan deploys as a manifest under `out/<stack>/k8s/`, so a reviewer (and
// the schema tests) read what the cluster will get. Secret values appear only as a marker.
import { stringify } from "yaml";
import type { RecordedResource } from "../engine/offlineRun";
import { isSecret } from "../engine/stackExport";
import { SECRET_PLACEHOLDER } from "../../components/core/secrets";
import { compareCodePoints } from "../../components/core/order";

/** The folder of `out/<stack>/` that holds the Kubernetes manifests (and nothing else). */
export const K8S_ARTIFACTS = "k8s";

/** A manifest as the API server receives it: secrets replaced by a marker, keys in a stable order. */
export function manifestOf(inputs: Readonly<Record<string, unknown>>): Record<string, unknown> {
  // A secret keeps its shape (a Secret's stringData stays a map) with every value replaced by the marker.
  const masked = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(masked);
    if (typeof value === "object" && value !== null)
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, masked(v)]));
    return SECRET_PLACEHOLDER;
  };
  const plain = (value: unknown): unknown => {
    if (isSecret(value)) return masked((value as { value?: unknown }).value);
    if (Array.isArray(value)) return value.map(plain);
    if (typeof value === "object" && value !== null)
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
    return value;
  };
  return plain(inputs) as Record<string, unknown>;
}

/** `k8s/<namespace>.<kind>.<name>.yaml` per Kubernetes object (cluster-scoped ones without a namespace). */
export function k8sManifestFiles(resources: readonly RecordedResource[]): { path: string; content: string }[] {
  return resources
    .filter((r) => r.custom && r.type.startsWith("kubernetes:"))
    .map((r) => {
      const manifest = manifestOf(r.inputs);
      // A Helm release is no manifest: its file holds the chart, version and values Helm installs.
      const release = r.type === "kubernetes:helm.sh/v3:Release";
      const metadata = (release ? manifest : (manifest.metadata ?? {})) as { name?: string; namespace?: string };
      const name = [metadata.namespace, release ? "helmrelease" : String(manifest.kind).toLowerCase(), metadata.name]
        .filter(Boolean)
        .join(".");
      return {
        path: `${K8S_ARTIFACTS}/${name}.yaml`,
        content: stringify(manifest, { aliasDuplicateObjects: false, sortMapEntries: false }),
      };
    })
    .sort((a, b) => compareCodePoints(a.path, b.path));
}

// The Kubernetes names of a model slot's objects. Pure: the serving component, the stack's wiring (the
// trace collector admits the slots' namespaces by name) and the tests build them alike.
import type { Colour } from "../core/colours";

/** Kubernetes names: lower-case DNS labels. */
export const k8sName = (...parts: string[]) =>
  parts
    .join("-")
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, "-")
    .replace(/-+/g, "-")
    .slice(0, 63)
    .replace(/-$/, "");

/**
 * A slot's namespace; also the service name its servers give their spans (Application Insights' cloud
 * role), so a slot's spans are one filter away.
 */
export function slotNamespace(endpoint: string, slot: Colour): string {
  return k8sName("vllm", endpoint, slot);
}

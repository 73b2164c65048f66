// The gateway's policy documents as the plan deploys them, one file each under `out/<stack>/gateway/`,
// so a reviewer reads the XML a change ships. Taken from the registered resources, not re-rendered.
import type { RecordedResource } from "../engine/offlineRun";
import { compareCodePoints } from "../../components/core/order";

/** The folder of `out/<stack>/` that holds the gateway's policies (and nothing else). */
export const GATEWAY_ARTIFACTS = "gateway";

const API_POLICY = "azure-native:apimanagement:ApiPolicy";
const OPERATION_POLICY = "azure-native:apimanagement:ApiOperationPolicy";

/** `gateway/api-<api>.xml` per API policy, `gateway/api-<api>-<operation>.xml` per operation policy. */
export function gatewayPolicyFiles(resources: readonly RecordedResource[]): { path: string; content: string }[] {
  return resources
    .filter((r) => r.type === API_POLICY || r.type === OPERATION_POLICY)
    .map((r) => {
      const name = [r.inputs.apiId, ...(r.type === OPERATION_POLICY ? [r.inputs.operationId] : [])]
        .map(String)
        .join("-");
      return { path: `${GATEWAY_ARTIFACTS}/api-${name}.xml`, content: String(r.inputs.value) };
    })
    .sort((a, b) => compareCodePoints(a.path, b.path));
}

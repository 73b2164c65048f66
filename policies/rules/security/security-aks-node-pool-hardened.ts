import type { ResourceValidationPolicy } from "@pulumi/policy";
import { TYPES, checklist, forType } from "../../lib";

/** The taint the platform's GPU pools carry; GPU workloads tolerate exactly this one. */
export const GPU_TAINT = "sku=gpu:NoSchedule";

/** Azure's GPU VM families: N-series (NC, ND, NV, NG...), whatever the version suffix. */
export function isGpuVmSize(vmSize: unknown): boolean {
  return /^Standard_N[A-Z]/i.test(String(vmSize ?? ""));
}

export const securityAksNodePoolHardened: ResourceValidationPolicy = {
  name: "security-aks-node-pool-hardened",
  description:
    "No node pool gives its nodes public IPs, and every GPU pool carries the GPU taint (sku=gpu:NoSchedule), so only pods that ask for GPUs, and tolerate exactly that taint, land on the most expensive nodes.",
  severity: "high",
  enforcementLevel: "mandatory",
  framework: checklist([1, 4, 5], ["MCSB NS-2", "Checkov CKV_AZURE_143"]),
  remediationSteps: `Leave enableNodePublicIP unset (false); give every pool of an N-series VM size nodeTaints: ["${GPU_TAINT}"].`,
  validateResource: forType(TYPES.agentPool, (props, _args, report) => {
    if (props.enableNodePublicIP === true)
      report(`pool ${props.agentPoolName ?? ""}: every node gets a public IP (enableNodePublicIP)`);
    const gpu = isGpuVmSize(props.vmSize) || props.gpuProfile !== undefined;
    if (gpu && !(props.nodeTaints ?? []).includes(GPU_TAINT))
      report(
        `GPU pool ${props.agentPoolName ?? ""} (${props.vmSize}) is not tainted ${GPU_TAINT}: any pod may take its GPUs' nodes`,
      );
  }),
};

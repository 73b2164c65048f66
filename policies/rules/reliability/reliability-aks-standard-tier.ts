import type { ResourceValidationPolicy } from "@pulumi/policy";
import { TYPES, checklist, forType } from "../../lib";

export const reliabilityAksStandardTier: ResourceValidationPolicy = {
  name: "reliability-aks-standard-tier",
  description:
    "The AKS control plane runs on the Standard (or Premium) tier, with its uptime SLA and a control plane sized for the cluster; the Free tier has neither.",
  severity: "high",
  enforcementLevel: "mandatory",
  framework: checklist([3], ["Checkov CKV_AZURE_170"]),
  remediationSteps: "Set sku {name: Base, tier: Standard} (the cluster component does in prod).",
  validateResource: forType(TYPES.managedCluster, (props, _args, report) => {
    const tier = String(props.sku?.tier ?? "Free");
    if (!["standard", "premium"].includes(tier.toLowerCase()))
      report(`the control plane is on the ${tier} tier: no uptime SLA`);
  }),
};

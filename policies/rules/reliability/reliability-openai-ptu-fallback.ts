import type { StackValidationPolicy } from "@pulumi/policy";
import { deploymentNameOf, PTU_SKUS, TYPES, checklist, ofType, sourceOf } from "../../lib";

export const reliabilityOpenaiPtuFallback: StackValidationPolicy = {
  name: "reliability-openai-ptu-fallback",
  description: "Every PTU deployment has somewhere for overflow to go: native spillover to a deployment of the same account, or a second target in the same endpoint and slot.",
  severity: "high",
  enforcementLevel: "mandatory",
  framework: checklist(3),
  remediationSteps: "Add a pay-as-you-go target of the same model and version to the slot (same account and Global/DataZone level for native spillover), or a target in another region.",
  validateStack: (args, report) => {
    const deployments = ofType(args.resources, TYPES.openAiDeployment);
    const accountOf = (d: (typeof deployments)[number]) => sourceOf(d, "accountName", TYPES.openAiAccount)?.urn;
    for (const d of deployments.filter((x) => PTU_SKUS.has(x.props.sku?.name))) {
      const spillover = d.props.properties?.spilloverDeploymentName;
      if (spillover) {
        const target = deployments.find((o) => o !== d && deploymentNameOf(o) === spillover && accountOf(o) === accountOf(d));
        if (!target) report(`${deploymentNameOf(d)} spills over to "${spillover}", which is not a deployment of the same account in this stack`, d.urn);
        continue;
      }
      const { endpoint, slot } = d.props.tags ?? {};
      const sibling = deployments.some((o) => o !== d && o.props.tags?.endpoint === endpoint && o.props.tags?.slot === slot && endpoint !== undefined);
      if (!sibling) report(`${deploymentNameOf(d)} has no spillover and no other target in ${endpoint ?? "?"}/${slot ?? "?"}: when its PTUs are saturated, clients get 429`, d.urn);
    }
  },
};

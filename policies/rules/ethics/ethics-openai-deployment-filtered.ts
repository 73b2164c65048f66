import type { StackValidationPolicy } from "@pulumi/policy";
import { TYPES, checklist, describe, ofType, sourceOf } from "../../lib";

export const ethicsOpenaiDeploymentFiltered: StackValidationPolicy = {
  name: "ethics-openai-deployment-filtered",
  description: "Every Azure OpenAI deployment names a content filter (RAI policy) defined in this stack on the same account.",
  severity: "high",
  enforcementLevel: "mandatory",
  framework: checklist(8, 16),
  remediationSteps: "Set properties.raiPolicyName to the account's platform RAI policy (OpenAiService does this for every deployment).",
  validateStack: (args, report) => {
    const policies = ofType(args.resources, TYPES.raiPolicy);
    for (const deployment of ofType(args.resources, TYPES.openAiDeployment)) {
      // Decided from dependencies where possible: in a preview the policy's name is not known yet.
      if (sourceOf(deployment, "properties", TYPES.raiPolicy)) continue;
      const name = deployment.props.properties?.raiPolicyName;
      if (!name) {
        report(`${describe(deployment)} has no raiPolicyName: it runs with the account's default filter only`, deployment.urn);
        continue;
      }
      const account = sourceOf(deployment, "accountName", TYPES.openAiAccount)?.urn;
      const defined = policies.some((p) => p.props.name === name && sourceOf(p, "accountName", TYPES.openAiAccount)?.urn === account);
      if (!defined) report(`${describe(deployment)} names RAI policy "${name}", which this stack does not define on its account`, deployment.urn);
    }
  },
};

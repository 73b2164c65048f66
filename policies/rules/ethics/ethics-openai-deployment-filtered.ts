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
      const fromStack = sourceOf(deployment, "properties", TYPES.raiPolicy);
      const name = deployment.props.properties?.raiPolicyName;
      const byName = policies.find((p) => p.props.raiPolicyName === name && p.props.accountName === deployment.props.accountName);
      if (!name) report(`${describe(deployment)} has no raiPolicyName: it runs with the account's default filter only`, deployment.urn);
      else if (!fromStack && !byName) report(`${describe(deployment)} names RAI policy "${name}", which this stack does not define on its account`, deployment.urn);
    }
  },
};

import type { StackValidationPolicy } from "@pulumi/policy";
import { TYPES, checklist, decideEach, describe, ofType } from "../../lib";

export const governanceOpenaiAllowedModels: StackValidationPolicy = {
  name: "governance-openai-allowed-models",
  description:
    "Every Azure OpenAI deployment serves a model on the environment's allowed list, from the policy config.",
  severity: "high",
  enforcementLevel: "mandatory",
  framework: checklist([2, 8], ["MCSB AM-2"]),
  remediationSteps:
    "Deploy an allowed model, or add it to models in policies/config/<environment>.json in a reviewed change (after its evaluation).",
  configSchema: { properties: { models: { type: "array", items: { type: "string" } } } },
  validateStack: (args, report) => {
    const { models } = args.getConfig<{ models?: string[] }>();
    if (!models) {
      report("no allowed models in the policy config: set models in policies/config/<environment>.json");
      return;
    }
    decideEach(ofType(args.resources, TYPES.openAiDeployment), describe, (deployment) => {
      const model = deployment.props.properties?.model?.name;
      if (!models.includes(model))
        report(
          `${describe(deployment)} serves ${JSON.stringify(model ?? null)}; allowed: ${models.join(", ")}`,
          deployment.urn,
        );
    });
  },
};

import type { ResourceValidationPolicy } from "@pulumi/policy";
import { TYPES, checklist, forType } from "../../lib";

export const securityOpenaiLocalAuthDisabled: ResourceValidationPolicy = {
  name: "security-openai-local-auth-disabled",
  description: "Azure OpenAI accounts accept Entra ID tokens only: API keys are disabled.",
  severity: "critical",
  enforcementLevel: "mandatory",
  framework: checklist(
    [4, 14],
    [
      "Azure Policy 'Azure AI Services resources should have key access disabled (disable local authentication)'",
      "MCSB IM-1",
    ],
  ),
  remediationSteps:
    "Set properties.disableLocalAuth: true on the account and call it with a managed identity (role Cognitive Services OpenAI User).",
  validateResource: forType(TYPES.openAiAccount, (props, _args, report) => {
    if (props.properties?.disableLocalAuth !== true) {
      report(`disableLocalAuth is ${JSON.stringify(props.properties?.disableLocalAuth ?? null)}: API keys stay usable`);
    }
  }),
};

import type { ResourceValidationPolicy } from "@pulumi/policy";
import { TYPES, checklist, forType, isUnknownValueError } from "../../lib";

/** Whether a value is set; a value a preview does not know yet is set (it will be). */
function isSet(read: () => unknown): boolean {
  try {
    const value = read();
    return value !== undefined && value !== null && value !== "";
  } catch (error) {
    if (isUnknownValueError(error)) return true;
    throw error;
  }
}

export const securityOpenaiIdentityAndSubdomain: ResourceValidationPolicy = {
  name: "security-openai-identity-and-subdomain",
  description:
    "Every Azure OpenAI account has a managed identity and a custom subdomain: Entra ID tokens and private DNS need the subdomain, and the account reaches other services with its identity, never with keys.",
  severity: "high",
  enforcementLevel: "mandatory",
  framework: checklist([4, 14], ["MCSB IM-1, IM-3"]),
  remediationSteps:
    "Set identity.type: SystemAssigned (or UserAssigned) and properties.customSubDomainName (OpenAiService sets <account name>-<random suffix>); the subdomain cannot change after creation.",
  validateResource: forType(TYPES.openAiAccount, (props, _args, report) => {
    const identity = String(props.identity?.type ?? "None");
    if (!/Assigned/.test(identity))
      report(`identity.type is ${JSON.stringify(identity)}: the account has no managed identity`);
    if (!isSet(() => props.properties?.customSubDomainName))
      report(
        "properties.customSubDomainName is not set: Entra ID tokens and private endpoints need a custom subdomain",
      );
  }),
};

import type { ResourceValidationPolicy } from "@pulumi/policy";
import { TYPES, checklist, forType } from "../../lib";

export const securityOpenaiPublicNetworkDisabled: ResourceValidationPolicy = {
  name: "security-openai-public-network-disabled",
  description:
    "Azure OpenAI accounts are not reachable from the public internet: public network access Disabled and network ACLs deny by default.",
  severity: "high",
  enforcementLevel: "mandatory",
  framework: checklist(
    [4, 6],
    ["Azure Policy 'Azure AI Services resources should restrict network access'", "MCSB NS-2"],
  ),
  remediationSteps:
    "Set publicNetworkAccess: Disabled in the stack config (the default) and reach the account through a private endpoint; with public access on, at least restrict allowedIpRanges.",
  validateResource: forType(TYPES.openAiAccount, (props, _args, report) => {
    const access = props.properties?.publicNetworkAccess;
    const defaultAction = props.properties?.networkAcls?.defaultAction;
    if (access !== "Disabled") report(`publicNetworkAccess is ${JSON.stringify(access ?? "Enabled (default)")}`);
    if (defaultAction !== "Deny")
      report(
        `networkAcls.defaultAction is ${JSON.stringify(defaultAction ?? "Allow (default)")}: any address may connect`,
      );
  }),
};

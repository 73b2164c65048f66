import type { ResourceValidationPolicy } from "@pulumi/policy";
import { TYPES, checklist, forType } from "../../lib";

export const securityOpenaiOutboundRestricted: ResourceValidationPolicy = {
  name: "security-openai-outbound-restricted",
  description:
    "Azure OpenAI accounts restrict outbound network access to an allowlist of FQDNs (data loss prevention): the service cannot be made to send data anywhere else.",
  severity: "medium",
  enforcementLevel: "mandatory",
  framework: checklist([4], ["MCSB NS-2"]),
  remediationSteps:
    "Set properties.restrictOutboundNetworkAccess: true and properties.allowedFqdnList (OpenAiService does, from accounts.<key>.allowedFqdns; empty when the account needs no outbound access).",
  validateResource: forType(TYPES.openAiAccount, (props, _args, report) => {
    if (props.properties?.restrictOutboundNetworkAccess !== true)
      report(
        `restrictOutboundNetworkAccess is ${JSON.stringify(props.properties?.restrictOutboundNetworkAccess ?? false)}: the account may call any address`,
      );
    else if (!Array.isArray(props.properties?.allowedFqdnList))
      report("restrictOutboundNetworkAccess is on but allowedFqdnList is not a list");
  }),
};

import type { ResourceValidationPolicy } from "@pulumi/policy";
import { TYPES, checklist, forType } from "../../lib";

interface GatewayPrivateSettings {
  /** The stack accepts a public gateway (gateway.allowPublicAccess): the rule then runs advisory and says so. */
  readonly publicAccessAccepted?: boolean;
}

export const securityApimGatewayPrivate: ResourceValidationPolicy = {
  name: "security-apim-gateway-private",
  description:
    "The API Management gateway is not reachable from the internet: injected into the network in internal mode, or public network access disabled (reached through a private endpoint), unless the stack accepts a public gateway explicitly (gateway.allowPublicAccess), which is reported.",
  severity: "high",
  enforcementLevel: "mandatory",
  configSchema: { properties: { publicAccessAccepted: { type: "boolean" } } },
  framework: checklist(
    [4, 6],
    [
      "MCSB NS-2",
      "Azure Policy 'API Management services should use a virtual network'",
      "Checkov CKV_AZURE_107, CKV_AZURE_174",
    ],
  ),
  remediationSteps:
    "Use a tier with VNet injection (Premium) and a network: the gateway component sets virtualNetworkType: Internal; or publicNetworkAccess: Disabled with a private endpoint.",
  validateResource: forType(TYPES.apiManagementService, (props, args, report) => {
    const internal = props.virtualNetworkType === "Internal";
    const privateOnly = String(props.publicNetworkAccess ?? "").toLowerCase() === "disabled";
    if (internal || privateOnly) return;
    const accepted = args.getConfig<GatewayPrivateSettings>().publicAccessAccepted === true;
    report(
      `the gateway answers on the internet (virtualNetworkType ${props.virtualNetworkType ?? "None"}, publicNetworkAccess ${props.publicNetworkAccess ?? "Enabled"})${accepted ? ": accepted by the stack (gateway.allowPublicAccess)" : ""}`,
    );
  }),
};

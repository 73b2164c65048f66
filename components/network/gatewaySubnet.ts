// The gateway subnet's rules for API Management (pure: types only from the SDK; the component applies them).
import type * as azureTypes from "@pulumi/azure-native/types";

/**
 * What the gateway subnet needs for API Management. Injection: the management endpoint (TCP 3443)
 * reachable from the ApiManagement service tag (the NSG's defaults already admit the load balancer and
 * the VNet). Integration (v2 tiers): the subnet delegated to Microsoft.Web/serverFarms.
 * Source: Microsoft Learn, "Virtual network configuration reference: API Management" and "Integrate an
 * Azure API Management instance with a private virtual network for outbound connections" (checked 2026-11).
 */
export function gatewaySubnetSettings(mode: "injection" | "integration" | undefined): {
  securityRules: azureTypes.input.network.SecurityRuleArgs[];
  delegations: azureTypes.input.network.DelegationArgs[];
  /** An injected gateway reaches its own dependencies (Storage, SQL, Key Vault, Monitor, Entra ID) outbound. */
  defaultOutboundAccess: boolean;
} {
  if (mode === "integration")
    return {
      securityRules: [],
      delegations: [{ name: "apim-outbound", serviceName: "Microsoft.Web/serverFarms" }],
      defaultOutboundAccess: false,
    };
  if (mode === "injection") {
    return {
      defaultOutboundAccess: true,
      securityRules: [
        {
          name: "allow-apim-management",
          priority: 100,
          direction: "Inbound",
          access: "Allow",
          protocol: "Tcp",
          sourceAddressPrefix: "ApiManagement",
          sourcePortRange: "*",
          destinationAddressPrefix: "VirtualNetwork",
          destinationPortRange: "3443",
        },
      ],
      delegations: [],
    };
  }
  return { securityRules: [], delegations: [], defaultOutboundAccess: false };
}

// Rough minutes Azure takes to create one resource of each type, for the plan's first-deploy estimate
// (the longest path through the resource graph). Rough by nature: regions and load move them. API
// Management's tiers are in components/gateway/tiers.ts (classic tiers 45-75 minutes, v2 minutes).
// Sources: Microsoft Learn quickstarts and "Azure Managed Redis" overview (creation "can take a while",
// observed 15-25 minutes), the AI-Gateway labs (API Management), provisioned deployment notes. Checked 2026-11-27.
import { own } from "./own";

export const CREATE_TIMES_SOURCE =
  "Microsoft Learn quickstarts, Azure Managed Redis overview, AI-Gateway labs (rough figures)";
export const CREATE_TIMES_DATE = "2026-11-27";

/** Minutes per type; a type not listed counts as DEFAULT_CREATE_MINUTES. */
export const CREATE_MINUTES: Readonly<Record<string, number>> = {
  "azure-native:resources:ResourceGroup": 0.1,
  "azure-native:operationalinsights:Workspace": 1,
  "azure-native:applicationinsights:Component": 0.5,
  "azure-native:managedidentity:UserAssignedIdentity": 0.3,
  "azure-native:authorization:RoleAssignment": 0.5,
  "azure-native:cognitiveservices:Account": 1,
  "azure-native:cognitiveservices:RaiPolicy": 0.3,
  "azure-native:cognitiveservices:Deployment": 2,
  "azure-native:network:VirtualNetwork": 0.5,
  "azure-native:network:NetworkSecurityGroup": 0.3,
  "azure-native:network:Subnet": 0.3,
  "azure-native:network:PrivateEndpoint": 1.5,
  "azure-native:network:PrivateDnsZoneGroup": 0.5,
  "azure-native:privatedns:PrivateZone": 0.5,
  "azure-native:privatedns:VirtualNetworkLink": 0.5,
  "azure-native:redisenterprise:RedisEnterprise": 20,
  "azure-native:redisenterprise:Database": 3,
  "azure-native:redisenterprise:AccessPolicyAssignment": 1,
  "azure-native:monitor:DiagnosticSetting": 0.2,
  "azure-native:apimanagement:Cache": 0.5,
  "azure-native:containerservice:ManagedCluster": 10,
  "azure-native:containerservice:AgentPool": 10,
  // Pulumi waits for the servers to be ready: the first start downloads and loads the model.
  "kubernetes:apps/v1:StatefulSet": 20,
};

/** API Management children (APIs, operations, policies, backends...) take seconds. */
export const DEFAULT_CREATE_MINUTES = 0.2;

/**
 * Minutes to create one resource, by its type and (for API Management's service) its tier, whose
 * minutes `gatewayTierMinutes` gives (the tier table is the gateway's: passed in, not imported).
 */
export function createMinutes(
  type: string,
  inputs: Readonly<Record<string, unknown>>,
  gatewayTierMinutes: (sku: string) => number | undefined,
): number {
  if (type === "azure-native:apimanagement:ApiManagementService") {
    const sku = (inputs.sku as { name?: string } | undefined)?.name;
    return (sku && gatewayTierMinutes(sku)) || 60;
  }
  const known = own(CREATE_MINUTES, type);
  if (known !== undefined) return known;
  return type.startsWith("azure-native:") ? DEFAULT_CREATE_MINUTES : 0;
}

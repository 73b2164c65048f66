import { createHash } from "node:crypto";

/** What the offline run knows that a provider would: the subscription resources are created in. */
export interface MockContext {
  readonly subscriptionId: string;
  readonly tenantId: string;
}

type Inputs = Record<string, any>;

interface MockedType {
  /** Inputs that are only URL path parameters (the resource's and its parents' names): ARM does not echo them. */
  readonly pathInputs?: readonly string[];
  /** The resource id the provider would return. */
  readonly id: (inputs: Inputs, name: string, context: MockContext) => string;
  /** Computed outputs beyond the inputs, shaped like the provider's (ARM's) response. */
  readonly outputs?: (inputs: Inputs, id: string, name: string, context: MockContext) => Inputs;
}

/** A stable GUID-shaped value derived from `seed`, so two plans of one config are identical. */
export function stableGuid(seed: string): string {
  const hex = createHash("sha256").update(seed).digest("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

function resourceGroupScope(inputs: Inputs, context: MockContext): string {
  return `/subscriptions/${context.subscriptionId}/resourceGroups/${inputs.resourceGroupName}`;
}

/** An ARM resource directly in a resource group: `<rg>/providers/<namespace>/<type>/<name>`. */
function armId(namespaceAndType: string, nameInput: string): MockedType["id"] {
  return (inputs, _name, context) => `${resourceGroupScope(inputs, context)}/providers/${namespaceAndType}/${inputs[nameInput]}`;
}

function armBase(type: string) {
  return (_inputs: Inputs, id: string, _name: string, _context: MockContext): Inputs => ({
    name: id.split("/").pop(),
    type,
    azureApiVersion: "mock",
  });
}

function systemIdentity(inputs: Inputs, id: string, context: MockContext): Inputs {
  const type: string | undefined = inputs.identity?.type;
  if (!type || !type.includes("SystemAssigned")) return {};
  return { identity: { ...inputs.identity, principalId: stableGuid(`${id}/principal`), tenantId: context.tenantId } };
}

function randomString(length: number, seed: string, alphabet: string): string {
  const bytes = createHash("sha256").update(seed).digest();
  return Array.from({ length }, (_, i) => alphabet[bytes[i % bytes.length]! % alphabet.length]).join("");
}

/**
 * The offline provider: one entry per resource type the program may create. A type missing here is
 * an error (never a silent echo), so a new resource type must get ARM-shaped outputs first.
 */
export const MOCKED_TYPES: Readonly<Record<string, MockedType>> = {
  "pulumi:providers:azure-native": {
    id: (_inputs, name) => stableGuid(`provider/${name}`),
  },
  "azure-native:resources:ResourceGroup": {
    pathInputs: ["resourceGroupName"],
    id: (inputs, _name, context) => `/subscriptions/${context.subscriptionId}/resourceGroups/${inputs.resourceGroupName}`,
    outputs: (inputs, id) => ({ name: inputs.resourceGroupName, type: "Microsoft.Resources/resourceGroups", properties: { provisioningState: "Succeeded" }, azureApiVersion: "mock", id }),
  },
  "azure-native:operationalinsights:Workspace": {
    pathInputs: ["workspaceName"],
    id: armId("Microsoft.OperationalInsights/workspaces", "workspaceName"),
    outputs: (inputs, id, name, context) => ({
      ...armBase("Microsoft.OperationalInsights/workspaces")(inputs, id, name, context),
      customerId: stableGuid(`${id}/customerId`),
      provisioningState: "Succeeded",
    }),
  },
  "azure-native:applicationinsights:Component": {
    pathInputs: ["resourceName"],
    id: armId("Microsoft.Insights/components", "resourceName"),
    outputs: (inputs, id, name, context) => {
      const instrumentationKey = stableGuid(`${id}/ikey`);
      return {
        ...armBase("Microsoft.Insights/components")(inputs, id, name, context),
        appId: stableGuid(`${id}/appId`),
        instrumentationKey,
        connectionString: `InstrumentationKey=${instrumentationKey};IngestionEndpoint=https://${inputs.location}-0.in.applicationinsights.azure.com/`,
        provisioningState: "Succeeded",
      };
    },
  },
  "azure-native:cognitiveservices:Account": {
    pathInputs: ["accountName"],
    id: armId("Microsoft.CognitiveServices/accounts", "accountName"),
    outputs: (inputs, id, name, context) => ({
      ...armBase("Microsoft.CognitiveServices/accounts")(inputs, id, name, context),
      ...systemIdentity(inputs, id, context),
      properties: {
        ...inputs.properties,
        endpoint: `https://${inputs.properties?.customSubDomainName}.${inputs.kind === "AIServices" ? "cognitiveservices" : "openai"}.azure.com/`,
        provisioningState: "Succeeded",
      },
    }),
  },
  "azure-native:cognitiveservices:RaiPolicy": {
    pathInputs: ["accountName", "raiPolicyName"],
    id: (inputs, _name, context) => `${resourceGroupScope(inputs, context)}/providers/Microsoft.CognitiveServices/accounts/${inputs.accountName}/raiPolicies/${inputs.raiPolicyName}`,
    outputs: armBase("Microsoft.CognitiveServices/accounts/raiPolicies"),
  },
  "azure-native:cognitiveservices:Deployment": {
    pathInputs: ["accountName", "deploymentName"],
    id: (inputs, _name, context) => `${resourceGroupScope(inputs, context)}/providers/Microsoft.CognitiveServices/accounts/${inputs.accountName}/deployments/${inputs.deploymentName}`,
    outputs: (inputs, id, name, context) => ({
      ...armBase("Microsoft.CognitiveServices/accounts/deployments")(inputs, id, name, context),
      properties: { ...inputs.properties, provisioningState: "Succeeded" },
    }),
  },
  "azure-native:monitor:DiagnosticSetting": {
    pathInputs: ["resourceUri"],
    id: (inputs) => `${inputs.resourceUri}/providers/Microsoft.Insights/diagnosticSettings/${inputs.name}`,
    outputs: armBase("Microsoft.Insights/diagnosticSettings"),
  },
  "azure-native:managedidentity:UserAssignedIdentity": {
    pathInputs: ["resourceName"],
    id: armId("Microsoft.ManagedIdentity/userAssignedIdentities", "resourceName"),
    outputs: (inputs, id, name, context) => ({
      ...armBase("Microsoft.ManagedIdentity/userAssignedIdentities")(inputs, id, name, context),
      principalId: stableGuid(`${id}/principal`),
      clientId: stableGuid(`${id}/client`),
      tenantId: context.tenantId,
    }),
  },
  "azure-native:managedidentity:FederatedIdentityCredential": {
    pathInputs: ["resourceName", "federatedIdentityCredentialResourceName"],
    id: (inputs, _name, context) => `${resourceGroupScope(inputs, context)}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${inputs.resourceName}/federatedIdentityCredentials/${inputs.federatedIdentityCredentialResourceName}`,
    outputs: armBase("Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials"),
  },
  "azure-native:authorization:RoleAssignment": {
    pathInputs: ["roleAssignmentName"],
    id: (inputs) => `${inputs.scope}/providers/Microsoft.Authorization/roleAssignments/${inputs.roleAssignmentName}`,
    outputs: armBase("Microsoft.Authorization/roleAssignments"),
  },
  "azure-native:network:VirtualNetwork": {
    pathInputs: ["virtualNetworkName"],
    id: armId("Microsoft.Network/virtualNetworks", "virtualNetworkName"),
    outputs: armBase("Microsoft.Network/virtualNetworks"),
  },
  "azure-native:network:NetworkSecurityGroup": {
    pathInputs: ["networkSecurityGroupName"],
    id: armId("Microsoft.Network/networkSecurityGroups", "networkSecurityGroupName"),
    outputs: armBase("Microsoft.Network/networkSecurityGroups"),
  },
  "azure-native:network:Subnet": {
    pathInputs: ["virtualNetworkName", "subnetName"],
    id: (inputs, _name, context) => `${resourceGroupScope(inputs, context)}/providers/Microsoft.Network/virtualNetworks/${inputs.virtualNetworkName}/subnets/${inputs.subnetName}`,
    outputs: armBase("Microsoft.Network/virtualNetworks/subnets"),
  },
  "azure-native:network:PrivateEndpoint": {
    pathInputs: ["privateEndpointName"],
    id: armId("Microsoft.Network/privateEndpoints", "privateEndpointName"),
    outputs: armBase("Microsoft.Network/privateEndpoints"),
  },
  "azure-native:network:PrivateDnsZoneGroup": {
    pathInputs: ["privateEndpointName", "privateDnsZoneGroupName"],
    id: (inputs, _name, context) => `${resourceGroupScope(inputs, context)}/providers/Microsoft.Network/privateEndpoints/${inputs.privateEndpointName}/privateDnsZoneGroups/${inputs.privateDnsZoneGroupName}`,
    outputs: armBase("Microsoft.Network/privateEndpoints/privateDnsZoneGroups"),
  },
  "azure-native:privatedns:PrivateZone": {
    pathInputs: ["privateZoneName"],
    id: armId("Microsoft.Network/privateDnsZones", "privateZoneName"),
    outputs: armBase("Microsoft.Network/privateDnsZones"),
  },
  "azure-native:privatedns:VirtualNetworkLink": {
    pathInputs: ["privateZoneName", "virtualNetworkLinkName"],
    id: (inputs, _name, context) => `${resourceGroupScope(inputs, context)}/providers/Microsoft.Network/privateDnsZones/${inputs.privateZoneName}/virtualNetworkLinks/${inputs.virtualNetworkLinkName}`,
    outputs: armBase("Microsoft.Network/privateDnsZones/virtualNetworkLinks"),
  },
  "azure-native:redisenterprise:RedisEnterprise": {
    pathInputs: ["clusterName"],
    id: armId("Microsoft.Cache/redisEnterprise", "clusterName"),
    outputs: (inputs, id, name, context) => ({
      ...armBase("Microsoft.Cache/redisEnterprise")(inputs, id, name, context),
      hostName: `${inputs.clusterName}.${inputs.location}.redis.azure.net`,
      provisioningState: "Succeeded",
      redisVersion: "7.4",
    }),
  },
  "azure-native:redisenterprise:Database": {
    pathInputs: ["clusterName", "databaseName"],
    id: (inputs, _name, context) => `${resourceGroupScope(inputs, context)}/providers/Microsoft.Cache/redisEnterprise/${inputs.clusterName}/databases/${inputs.databaseName}`,
    outputs: armBase("Microsoft.Cache/redisEnterprise/databases"),
  },
  "azure-native:redisenterprise:AccessPolicyAssignment": {
    pathInputs: ["clusterName", "databaseName", "accessPolicyAssignmentName"],
    id: (inputs, _name, context) => `${resourceGroupScope(inputs, context)}/providers/Microsoft.Cache/redisEnterprise/${inputs.clusterName}/databases/${inputs.databaseName}/accessPolicyAssignments/${inputs.accessPolicyAssignmentName}`,
    outputs: armBase("Microsoft.Cache/redisEnterprise/databases/accessPolicyAssignments"),
  },
  "random:index/randomString:RandomString": {
    id: (_inputs, name) => `none-${name}`,
    outputs: (inputs, _id, name) => {
      const alphabet = `${inputs.lower === false ? "" : "abcdefghijklmnopqrstuvwxyz"}${inputs.upper === false ? "" : "ABCDEFGHIJKLMNOPQRSTUVWXYZ"}${inputs.numeric === false ? "" : "0123456789"}`;
      return { result: randomString(inputs.length, `${name}/${JSON.stringify(inputs.keepers ?? {})}`, alphabet) };
    },
  },
};

/** The invokes (provider functions) the offline run answers; any other is an error. */
export const MOCKED_CALLS: Readonly<Record<string, (inputs: Inputs, context: MockContext) => Inputs>> = {
  "azure-native:authorization:getClientConfig": (_inputs, context) => ({
    clientId: stableGuid("deployer/client"),
    objectId: stableGuid("deployer/object"),
    subscriptionId: context.subscriptionId,
    tenantId: context.tenantId,
  }),
};

export class UnmockedTypeError extends Error {}

/** How the engine marks a value not known until the update. */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

const isRecord = (value: unknown): value is Inputs => typeof value === "object" && value !== null && !Array.isArray(value);

/** Computed outputs as a preview shows them: what the inputs already say stays, the rest is unknown. */
function unknownComputed(echoed: Inputs, computed: Inputs): Inputs {
  return Object.fromEntries(
    Object.entries(computed).map(([key, value]) => {
      const given = echoed[key];
      if (isRecord(given) && isRecord(value)) return [key, { ...given, ...unknownComputed(given, Object.fromEntries(Object.entries(value).filter(([k]) => !(k in given)))) }];
      return [key, UNKNOWN];
    }),
  );
}

/**
 * The provider's answer for one resource: its id and full state (inputs plus computed outputs). In a
 * preview, as for a resource not yet created, the id and every computed output are unknown, so code
 * inside an `apply` on them does not run (and cannot create resources a real preview would not see).
 */
export function mockResource(type: string, name: string, inputs: Inputs, context: MockContext, preview = false): { id: string; state: Inputs } {
  const mocked = MOCKED_TYPES[type];
  if (!mocked) {
    throw new UnmockedTypeError(`resource type ${type} (${name}) has no entry in the offline provider table (cli/mockOutputs.ts): add its ARM-shaped outputs there`);
  }
  const id = mocked.id(inputs, name, context);
  // Like the provider: the ARM body (inputs less the URL's path parameters) plus computed outputs.
  const echoed = Object.fromEntries(Object.entries(inputs).filter(([key]) => key !== "resourceGroupName" && !mocked.pathInputs?.includes(key)));
  const computed = mocked.outputs?.(inputs, id, name, context) ?? {};
  if (preview) return { id: "", state: { ...echoed, ...unknownComputed(echoed, computed) } };
  return { id, state: { ...echoed, ...computed } };
}

export function mockCall(token: string, inputs: Inputs, context: MockContext): Inputs {
  const call = MOCKED_CALLS[token];
  if (!call) throw new UnmockedTypeError(`function ${token} has no entry in the offline provider table (cli/mockOutputs.ts)`);
  return call(inputs, context);
}

import { createHash } from "node:crypto";
import { own } from "../../components/core/own";

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

function armBase(type: string, id: string): Inputs {
  return { name: id.split("/").pop(), type, azureApiVersion: "mock" };
}

/**
 * An ARM resource in a resource group, described once by its path: `segments` pair each type segment
 * with the input that names it (`["accounts", "accountName"], ["deployments", "deploymentName"]`).
 * The id, the ARM type and the inputs ARM does not echo (the path's names) all follow from it.
 */
function inResourceGroup(
  namespace: string,
  segments: readonly [string, string][],
  computed?: (inputs: Inputs, id: string, context: MockContext) => Inputs,
): MockedType {
  const type = [namespace, ...segments.map(([segment]) => segment)].join("/");
  return {
    pathInputs: segments.map(([, input]) => input),
    id: (inputs, _name, context) =>
      `${resourceGroupScope(inputs, context)}/providers/${namespace}/${segments.map(([segment, input]) => `${segment}/${inputs[input]}`).join("/")}`,
    outputs: (inputs, id, _name, context) => ({ ...armBase(type, id), ...computed?.(inputs, id, context) }),
  };
}

/** An extension resource: its id hangs below the id in `scopeInput`; `pathInputs` are those ARM does not echo. */
function below(scopeInput: string, providerPath: string, nameInput: string, pathInputs: readonly string[]): MockedType {
  return {
    pathInputs,
    id: (inputs) => `${inputs[scopeInput]}/providers/${providerPath}/${inputs[nameInput]}`,
    outputs: (_inputs, id) => armBase(providerPath, id),
  };
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

/** A Kubernetes object: its id is `namespace/name` (or `name`), and the API server echoes the manifest with a uid. */
const kubernetesObject: MockedType = {
  id: (inputs) => [inputs.metadata?.namespace, inputs.metadata?.name].filter(Boolean).join("/"),
  outputs: (inputs, id) => ({ metadata: { ...inputs.metadata, uid: stableGuid(`k8s/${id}`) } }),
};

/**
 * The offline provider: one entry per resource type the program may create. A type missing here is
 * an error (never a silent echo), so a new resource type must get ARM-shaped outputs first.
 */
export const MOCKED_TYPES: Readonly<Record<string, MockedType>> = {
  "pulumi:providers:azure-native": {
    id: (_inputs, name) => stableGuid(`provider/${name}`),
  },
  "pulumi:providers:kubernetes": {
    id: (_inputs, name) => stableGuid(`provider/${name}`),
  },
  "azure-native:resources:ResourceGroup": {
    pathInputs: ["resourceGroupName"],
    id: (inputs, _name, context) =>
      `/subscriptions/${context.subscriptionId}/resourceGroups/${inputs.resourceGroupName}`,
    outputs: (inputs, id) => ({
      name: inputs.resourceGroupName,
      type: "Microsoft.Resources/resourceGroups",
      properties: { provisioningState: "Succeeded" },
      azureApiVersion: "mock",
      id,
    }),
  },
  "azure-native:operationalinsights:Workspace": inResourceGroup(
    "Microsoft.OperationalInsights",
    [["workspaces", "workspaceName"]],
    (_inputs, id) => ({
      customerId: stableGuid(`${id}/customerId`),
      provisioningState: "Succeeded",
    }),
  ),
  "azure-native:applicationinsights:Component": inResourceGroup(
    "Microsoft.Insights",
    [["components", "resourceName"]],
    (inputs, id) => {
      const instrumentationKey = stableGuid(`${id}/ikey`);
      return {
        appId: stableGuid(`${id}/appId`),
        instrumentationKey,
        connectionString: `InstrumentationKey=${instrumentationKey};IngestionEndpoint=https://${inputs.location}-0.in.applicationinsights.azure.com/`,
        provisioningState: "Succeeded",
      };
    },
  ),
  "azure-native:cognitiveservices:Account": inResourceGroup(
    "Microsoft.CognitiveServices",
    [["accounts", "accountName"]],
    (inputs, id, context) => ({
      ...systemIdentity(inputs, id, context),
      properties: {
        ...inputs.properties,
        // Azure OpenAI accounts answer on openai.azure.com; AI Services and Content Safety on cognitiveservices.azure.com.
        endpoint: `https://${inputs.properties?.customSubDomainName}.${inputs.kind === "OpenAI" ? "openai" : "cognitiveservices"}.azure.com/`,
        provisioningState: "Succeeded",
      },
    }),
  ),
  "azure-native:cognitiveservices:RaiPolicy": inResourceGroup("Microsoft.CognitiveServices", [
    ["accounts", "accountName"],
    ["raiPolicies", "raiPolicyName"],
  ]),
  "azure-native:cognitiveservices:Deployment": inResourceGroup(
    "Microsoft.CognitiveServices",
    [
      ["accounts", "accountName"],
      ["deployments", "deploymentName"],
    ],
    (inputs) => ({
      properties: { ...inputs.properties, provisioningState: "Succeeded" },
    }),
  ),
  "azure-native:monitor:DiagnosticSetting": below("resourceUri", "Microsoft.Insights/diagnosticSettings", "name", [
    "resourceUri",
  ]),
  "azure-native:managedidentity:UserAssignedIdentity": inResourceGroup(
    "Microsoft.ManagedIdentity",
    [["userAssignedIdentities", "resourceName"]],
    (_inputs, id, context) => ({
      principalId: stableGuid(`${id}/principal`),
      clientId: stableGuid(`${id}/client`),
      tenantId: context.tenantId,
    }),
  ),
  "azure-native:managedidentity:FederatedIdentityCredential": inResourceGroup("Microsoft.ManagedIdentity", [
    ["userAssignedIdentities", "resourceName"],
    ["federatedIdentityCredentials", "federatedIdentityCredentialResourceName"],
  ]),
  "azure-native:monitor:ActionGroup": inResourceGroup("Microsoft.Insights", [["actionGroups", "actionGroupName"]]),
  "azure-native:monitor:MetricAlert": inResourceGroup("Microsoft.Insights", [["metricAlerts", "ruleName"]]),
  "azure-native:monitor:ScheduledQueryRule": inResourceGroup("Microsoft.Insights", [
    ["scheduledQueryRules", "ruleName"],
  ]),
  "azure-native:consumption:Budget": below("scope", "Microsoft.Consumption/budgets", "budgetName", [
    "scope",
    "budgetName",
  ]),
  "azure-native:authorization:RoleAssignment": below(
    "scope",
    "Microsoft.Authorization/roleAssignments",
    "roleAssignmentName",
    ["roleAssignmentName"],
  ),
  "azure-native:network:VirtualNetwork": inResourceGroup("Microsoft.Network", [
    ["virtualNetworks", "virtualNetworkName"],
  ]),
  "azure-native:network:NetworkSecurityGroup": inResourceGroup("Microsoft.Network", [
    ["networkSecurityGroups", "networkSecurityGroupName"],
  ]),
  "azure-native:network:Subnet": inResourceGroup("Microsoft.Network", [
    ["virtualNetworks", "virtualNetworkName"],
    ["subnets", "subnetName"],
  ]),
  "azure-native:network:PrivateEndpoint": inResourceGroup("Microsoft.Network", [
    ["privateEndpoints", "privateEndpointName"],
  ]),
  "azure-native:network:PrivateDnsZoneGroup": inResourceGroup("Microsoft.Network", [
    ["privateEndpoints", "privateEndpointName"],
    ["privateDnsZoneGroups", "privateDnsZoneGroupName"],
  ]),
  "azure-native:privatedns:PrivateZone": inResourceGroup("Microsoft.Network", [["privateDnsZones", "privateZoneName"]]),
  "azure-native:privatedns:PrivateRecordSet": inResourceGroup(
    "Microsoft.Network",
    [
      ["privateDnsZones", "privateZoneName"],
      ["A", "relativeRecordSetName"],
    ],
    (inputs) => ({ fqdn: `${inputs.relativeRecordSetName}.${inputs.privateZoneName}.` }),
  ),
  "azure-native:privatedns:VirtualNetworkLink": inResourceGroup("Microsoft.Network", [
    ["privateDnsZones", "privateZoneName"],
    ["virtualNetworkLinks", "virtualNetworkLinkName"],
  ]),
  "azure-native:redisenterprise:RedisEnterprise": inResourceGroup(
    "Microsoft.Cache",
    [["redisEnterprise", "clusterName"]],
    (inputs) => ({
      hostName: `${inputs.clusterName}.${inputs.location}.redis.azure.net`,
      provisioningState: "Succeeded",
      redisVersion: "7.4",
    }),
  ),
  "azure-native:apimanagement:ApiManagementService": inResourceGroup(
    "Microsoft.ApiManagement",
    [["service", "serviceName"]],
    (inputs, id, context) => ({
      ...systemIdentity(inputs, id, context),
      gatewayUrl: `https://${inputs.serviceName}.azure-api.net`,
      // Internal mode takes an address of the gateway's subnet at deploy; offline, a stand-in from the range.
      ...(inputs.virtualNetworkType === "Internal" ? { privateIPAddresses: ["10.0.0.4"] } : {}),
      provisioningState: "Succeeded",
    }),
  ),
  "azure-native:apimanagement:Logger": inResourceGroup("Microsoft.ApiManagement", [
    ["service", "serviceName"],
    ["loggers", "loggerId"],
  ]),
  "azure-native:apimanagement:Diagnostic": inResourceGroup("Microsoft.ApiManagement", [
    ["service", "serviceName"],
    ["diagnostics", "diagnosticId"],
  ]),
  "azure-native:apimanagement:NamedValue": inResourceGroup("Microsoft.ApiManagement", [
    ["service", "serviceName"],
    ["namedValues", "namedValueId"],
  ]),
  // A generic ARM resource (a setting the typed resources cannot express): its path is in its inputs.
  "azure-native:resources:Resource": {
    pathInputs: ["resourceProviderNamespace", "parentResourcePath", "resourceType", "resourceName", "apiVersion"],
    id: (inputs, _name, context) =>
      `${resourceGroupScope(inputs, context)}/providers/${inputs.resourceProviderNamespace}/${inputs.parentResourcePath ? `${inputs.parentResourcePath}/` : ""}${inputs.resourceType}/${inputs.resourceName}`,
    outputs: (inputs, id) => ({
      ...armBase(
        `${inputs.resourceProviderNamespace}/${String(inputs.parentResourcePath ?? "")
          .split("/")
          .filter((_, i) => i % 2 === 0)
          .concat(inputs.resourceType)
          .filter(Boolean)
          .join("/")}`,
        id,
      ),
      azureApiVersion: inputs.apiVersion,
    }),
  },
  "azure-native:applicationinsights:Workbook": inResourceGroup("Microsoft.Insights", [["workbooks", "resourceName"]]),
  "azure-native:apimanagement:Backend": inResourceGroup("Microsoft.ApiManagement", [
    ["service", "serviceName"],
    ["backends", "backendId"],
  ]),
  "azure-native:apimanagement:Api": inResourceGroup("Microsoft.ApiManagement", [
    ["service", "serviceName"],
    ["apis", "apiId"],
  ]),
  "azure-native:apimanagement:ApiOperation": inResourceGroup("Microsoft.ApiManagement", [
    ["service", "serviceName"],
    ["apis", "apiId"],
    ["operations", "operationId"],
  ]),
  "azure-native:apimanagement:ApiPolicy": inResourceGroup("Microsoft.ApiManagement", [
    ["service", "serviceName"],
    ["apis", "apiId"],
    ["policies", "policyId"],
  ]),
  "azure-native:apimanagement:ApiOperationPolicy": inResourceGroup("Microsoft.ApiManagement", [
    ["service", "serviceName"],
    ["apis", "apiId"],
    ["operations", "operationId"],
    ["policies", "policyId"],
  ]),
  "azure-native:apimanagement:Product": inResourceGroup("Microsoft.ApiManagement", [
    ["service", "serviceName"],
    ["products", "productId"],
  ]),
  "azure-native:apimanagement:ProductApi": inResourceGroup("Microsoft.ApiManagement", [
    ["service", "serviceName"],
    ["products", "productId"],
    ["apis", "apiId"],
  ]),
  "azure-native:apimanagement:Subscription": inResourceGroup("Microsoft.ApiManagement", [
    ["service", "serviceName"],
    ["subscriptions", "sid"],
  ]),
  "azure-native:apimanagement:Cache": inResourceGroup("Microsoft.ApiManagement", [
    ["service", "serviceName"],
    ["caches", "cacheId"],
  ]),
  "azure-native:containerservice:ManagedCluster": inResourceGroup(
    "Microsoft.ContainerService",
    [["managedClusters", "resourceName"]],
    (inputs, id) => ({
      fqdn: `${inputs.dnsPrefix}-${stableGuid(id).slice(0, 8)}.hcp.${inputs.location}.azmk8s.io`,
      oidcIssuerProfile: {
        ...inputs.oidcIssuerProfile,
        issuerURL: `https://${inputs.location}.oic.prod-aks.azure.com/${stableGuid("tenant")}/${stableGuid(id)}/`,
      },
      provisioningState: "Succeeded",
    }),
  ),
  "azure-native:containerservice:AgentPool": inResourceGroup(
    "Microsoft.ContainerService",
    [
      ["managedClusters", "resourceName"],
      ["agentPools", "agentPoolName"],
    ],
    () => ({ provisioningState: "Succeeded" }),
  ),
  "azure-native:containerservice:MaintenanceConfiguration": inResourceGroup("Microsoft.ContainerService", [
    ["managedClusters", "resourceName"],
    ["maintenanceConfigurations", "configName"],
  ]),
  ...Object.fromEntries(
    [
      "kubernetes:core/v1:Namespace",
      "kubernetes:core/v1:ServiceAccount",
      "kubernetes:core/v1:Secret",
      "kubernetes:core/v1:ConfigMap",
      "kubernetes:storage.k8s.io/v1:StorageClass",
      "kubernetes:monitoring.coreos.com/v1:PodMonitor",
      "kubernetes:monitoring.coreos.com/v1:PrometheusRule",
      "kubernetes:core/v1:Service",
      "kubernetes:apps/v1:StatefulSet",
      "kubernetes:apps/v1:DaemonSet",
      "kubernetes:apps/v1:Deployment",
      "kubernetes:networking.k8s.io/v1:NetworkPolicy",
      "kubernetes:policy/v1:PodDisruptionBudget",
      "kubernetes:keda.sh/v1alpha1:ScaledObject",
    ].map((type) => [type, kubernetesObject]),
  ),
  "kubernetes:helm.sh/v3:Release": {
    id: (inputs) => `${inputs.namespace}/${inputs.name}`,
    outputs: (inputs) => ({
      status: {
        name: inputs.name,
        namespace: inputs.namespace,
        chart: inputs.chart,
        version: inputs.version,
        status: "deployed",
        revision: 1,
      },
    }),
  },
  "azure-native:redisenterprise:Database": inResourceGroup("Microsoft.Cache", [
    ["redisEnterprise", "clusterName"],
    ["databases", "databaseName"],
  ]),
  "azure-native:redisenterprise:AccessPolicyAssignment": inResourceGroup("Microsoft.Cache", [
    ["redisEnterprise", "clusterName"],
    ["databases", "databaseName"],
    ["accessPolicyAssignments", "accessPolicyAssignmentName"],
  ]),
  "random:index/randomPassword:RandomPassword": {
    id: (_inputs, name) => `none-${name}`,
    outputs: (inputs, _id, name) => ({
      result: randomString(
        inputs.length,
        `${name}/${JSON.stringify(inputs.keepers ?? {})}`,
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
      ),
    }),
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
  // An exec kubeconfig (kubelogin), as AKS returns it for a cluster with local accounts off.
  "azure-native:containerservice:listManagedClusterUserCredentials": (inputs) => ({
    kubeconfigs: [
      {
        name: "clusterUser",
        value: Buffer.from(
          `apiVersion: v1\nkind: Config\nclusters: [{name: ${inputs.resourceName}, cluster: {server: "https://${inputs.resourceName}.offline.invalid:443"}}]\nusers: [{name: clusterUser, user: {exec: {apiVersion: client.authentication.k8s.io/v1beta1, command: kubelogin, args: [get-token, --login, devicecode, --server-id, 6dae42f8-4368-4678-94ff-3960e28e3630]}}}]\ncontexts: [{name: ${inputs.resourceName}, context: {cluster: ${inputs.resourceName}, user: clusterUser}}]\ncurrent-context: ${inputs.resourceName}\n`,
        ).toString("base64"),
      },
    ],
  }),
  // A stand-in key, stable per database: the real one never leaves Azure in an offline plan.
  "azure-native:redisenterprise:listDatabaseKeys": (inputs) => ({
    primaryKey: `offline-${stableGuid(`${inputs.clusterName}/${inputs.databaseName}/primary`)}`,
    secondaryKey: `offline-${stableGuid(`${inputs.clusterName}/${inputs.databaseName}/secondary`)}`,
  }),
};

export class UnmockedTypeError extends Error {}

/** How the engine marks a value not known until the update. */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

const isRecord = (value: unknown): value is Inputs =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** Computed outputs as a preview shows them: what the inputs already say stays, the rest is unknown. */
function unknownComputed(echoed: Inputs, computed: Inputs): Inputs {
  return Object.fromEntries(
    Object.entries(computed).map(([key, value]) => {
      const given = echoed[key];
      if (isRecord(given) && isRecord(value))
        return [
          key,
          {
            ...given,
            ...unknownComputed(given, Object.fromEntries(Object.entries(value).filter(([k]) => !(k in given)))),
          },
        ];
      return [key, UNKNOWN];
    }),
  );
}

/**
 * The provider's answer for one resource: its id and full state (inputs plus computed outputs). In a
 * preview, as for a resource not yet created, the id and every computed output are unknown, so code
 * inside an `apply` on them does not run (and cannot create resources a real preview would not see).
 */
export function mockResource(
  type: string,
  name: string,
  inputs: Inputs,
  context: MockContext,
  preview = false,
): { id: string; state: Inputs } {
  const mocked = own(MOCKED_TYPES, type);
  if (!mocked) {
    throw new UnmockedTypeError(
      `resource type ${type} (${name}) has no entry in the offline provider table (cli/engine/mockOutputs.ts): add its ARM-shaped outputs there`,
    );
  }
  const id = mocked.id(inputs, name, context);
  // Like the provider: the ARM body (inputs less the URL's path parameters) plus computed outputs.
  const echoed = Object.fromEntries(
    Object.entries(inputs).filter(([key]) => key !== "resourceGroupName" && !mocked.pathInputs?.includes(key)),
  );
  const computed = mocked.outputs?.(inputs, id, name, context) ?? {};
  if (preview) return { id: "", state: { ...echoed, ...unknownComputed(echoed, computed) } };
  return { id, state: { ...echoed, ...computed } };
}

export function mockCall(token: string, inputs: Inputs, context: MockContext): Inputs {
  const call = own(MOCKED_CALLS, token);
  if (!call)
    throw new UnmockedTypeError(
      `function ${token} has no entry in the offline provider table (cli/engine/mockOutputs.ts)`,
    );
  return call(inputs, context);
}

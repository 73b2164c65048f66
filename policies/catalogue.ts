// The type catalogue: every cloud resource type the platform creates, classified once. Rules read their
// lists from here (what is taggable, stateful, diagnosable with which log categories, reachable only
// privately through which private-link group), and `governance-type-classified` reports any
// azure-native or kubernetes type a stack holds that is not here, so a component cannot add a type
// without classifying it in the same change.
// Log categories and groups: Microsoft Learn, "Supported categories for Azure Monitor resource logs"
// (Microsoft.CognitiveServices/accounts, Microsoft.Cache/redisEnterprise/databases), checked 2026-11-27.

export interface DiagnosticsExpectation {
  /** Log categories a diagnostic setting must send (each by its own name or by a category group that holds it). */
  readonly logs: readonly string[];
  /** Category groups and the categories of this type they hold; `allLogs` always holds every category. */
  readonly groups: Readonly<Record<string, readonly string[]>>;
  /** The setting must send `AllMetrics`. */
  readonly metrics: boolean;
}

export interface TypeEntry {
  /** What the resource is, for reviewers. */
  readonly what: string;
  /** The ARM resource type, to resolve a resource id (a scope, a private link target) to a resource of the stack. */
  readonly arm?: string;
  /** Takes ARM tags (cost allocation needs environment, owner and cost center on it). */
  readonly taggable: boolean;
  /** Holds state a user owns: prod protects it from deletion. */
  readonly stateful: boolean;
  /** Must send these diagnostics to the Log Analytics workspace. */
  readonly diagnostics?: DiagnosticsExpectation;
  /** Reached only through a private endpoint with this group id in prod. */
  readonly privateLinkGroup?: string;
  /** The rules that check this type itself (stack-wide rules such as tags apply by the fields above). */
  readonly rules: readonly string[];
}

const TYPE_CATALOGUE = {
  "azure-native:resources:ResourceGroup": {
    what: "the stack's resource group",
    arm: "Microsoft.Resources/resourceGroups",
    taggable: true,
    stateful: true,
    rules: [],
  },
  "azure-native:operationalinsights:Workspace": {
    what: "Log Analytics workspace every diagnostic setting sends to",
    arm: "Microsoft.OperationalInsights/workspaces",
    taggable: true,
    stateful: true,
    rules: ["security-monitoring-local-auth-disabled"],
  },
  "azure-native:applicationinsights:Workbook": {
    what: "the Azure Monitor workbook of spend per team (queries over the workspace)",
    arm: "Microsoft.Insights/workbooks",
    taggable: true,
    stateful: false,
    rules: [],
  },
  "azure-native:applicationinsights:Component": {
    what: "workspace-based Application Insights",
    arm: "Microsoft.Insights/components",
    taggable: true,
    stateful: true,
    rules: ["security-monitoring-local-auth-disabled"],
  },
  "azure-native:cognitiveservices:Account": {
    what: "Azure OpenAI (or AI Services) account",
    arm: "Microsoft.CognitiveServices/accounts",
    taggable: true,
    stateful: true,
    diagnostics: { logs: ["Audit", "RequestResponse"], groups: { audit: ["Audit"] }, metrics: true },
    privateLinkGroup: "account",
    rules: [
      "security-openai-local-auth-disabled",
      "security-openai-public-network-disabled",
      "security-openai-identity-and-subdomain",
      "security-openai-outbound-restricted",
      "security-anomaly-detection",
    ],
  },
  "azure-native:cognitiveservices:Deployment": {
    what: "model deployment (PTU or pay-as-you-go) in an account",
    arm: "Microsoft.CognitiveServices/accounts/deployments",
    taggable: true,
    stateful: false,
    rules: [
      "data-openai-deployment-version-pinned",
      "data-openai-deployment-no-auto-upgrade",
      "ethics-openai-deployment-filtered",
      "security-apim-fronts-every-deployment",
      "reliability-openai-ptu-fallback",
      "capacity-openai-ptu-sized",
      "cost-openai-ptu-within-cap",
      "cost-openai-paygo-within-quota",
      "governance-openai-allowed-models",
      "lifecycle-endpoint-live-slot",
    ],
  },
  "azure-native:cognitiveservices:RaiPolicy": {
    what: "content filter (RAI policy) of an account",
    arm: "Microsoft.CognitiveServices/accounts/raiPolicies",
    taggable: true,
    stateful: false,
    rules: ["ethics-openai-content-filter-strength"],
  },
  "azure-native:monitor:DiagnosticSetting": {
    what: "diagnostic setting sending logs and metrics to the workspace",
    arm: "Microsoft.Insights/diagnosticSettings",
    taggable: false,
    stateful: false,
    rules: ["observability-azure-diagnostics-to-workspace"],
  },
  "azure-native:authorization:RoleAssignment": {
    what: "role assignment of a workload identity",
    arm: "Microsoft.Authorization/roleAssignments",
    taggable: false,
    stateful: false,
    rules: ["security-rbac-no-broad-roles", "security-rbac-scope-narrow"],
  },
  "azure-native:managedidentity:UserAssignedIdentity": {
    what: "user-assigned identity of a workload",
    arm: "Microsoft.ManagedIdentity/userAssignedIdentities",
    taggable: true,
    stateful: false,
    rules: [],
  },
  "azure-native:managedidentity:FederatedIdentityCredential": {
    what: "federated credential (workload identity) of an identity",
    arm: "Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials",
    taggable: false,
    stateful: false,
    rules: [],
  },
  "azure-native:network:VirtualNetwork": {
    what: "the platform's virtual network",
    arm: "Microsoft.Network/virtualNetworks",
    taggable: true,
    stateful: false,
    rules: [],
  },
  "azure-native:network:Subnet": {
    what: "subnet of the virtual network",
    arm: "Microsoft.Network/virtualNetworks/subnets",
    taggable: false,
    stateful: false,
    rules: [],
  },
  "azure-native:network:NetworkSecurityGroup": {
    what: "network security group of a subnet",
    arm: "Microsoft.Network/networkSecurityGroups",
    taggable: true,
    stateful: false,
    rules: [],
  },
  "azure-native:network:PrivateEndpoint": {
    what: "private endpoint to an account or the cache",
    arm: "Microsoft.Network/privateEndpoints",
    taggable: true,
    stateful: false,
    rules: ["security-network-private-endpoint"],
  },
  "azure-native:network:PrivateDnsZoneGroup": {
    what: "DNS registration of a private endpoint",
    arm: "Microsoft.Network/privateEndpoints/privateDnsZoneGroups",
    taggable: false,
    stateful: false,
    rules: [],
  },
  "azure-native:privatedns:PrivateZone": {
    what: "private DNS zone",
    arm: "Microsoft.Network/privateDnsZones",
    taggable: true,
    stateful: false,
    rules: [],
  },
  "azure-native:privatedns:PrivateRecordSet": {
    what: "A record of a private DNS zone (an internal gateway's host names)",
    arm: "Microsoft.Network/privateDnsZones/A",
    taggable: false,
    stateful: false,
    rules: [],
  },
  "azure-native:privatedns:VirtualNetworkLink": {
    what: "link of a private DNS zone to the virtual network",
    arm: "Microsoft.Network/privateDnsZones/virtualNetworkLinks",
    taggable: true,
    stateful: false,
    rules: [],
  },
  "azure-native:redisenterprise:RedisEnterprise": {
    what: "Azure Managed Redis cluster (the semantic cache)",
    arm: "Microsoft.Cache/redisEnterprise",
    taggable: true,
    stateful: true,
    diagnostics: { logs: [], groups: {}, metrics: true },
    privateLinkGroup: "redisEnterprise",
    rules: [
      "security-redis-tls-enforced",
      "security-redis-public-network-disabled",
      "reliability-redis-high-availability",
    ],
  },
  "azure-native:redisenterprise:Database": {
    what: "Azure Managed Redis database",
    arm: "Microsoft.Cache/redisEnterprise/databases",
    taggable: false,
    stateful: true,
    diagnostics: { logs: ["ConnectionEvents"], groups: { audit: ["ConnectionEvents"] }, metrics: false },
    rules: ["security-redis-tls-enforced", "security-redis-key-auth-exception"],
  },
  "azure-native:redisenterprise:AccessPolicyAssignment": {
    what: "Entra ID data access of a workload to the cache",
    arm: "Microsoft.Cache/redisEnterprise/databases/accessPolicyAssignments",
    taggable: false,
    stateful: false,
    rules: [],
  },
  "azure-native:apimanagement:ApiManagementService": {
    what: "API Management service: the AI gateway",
    arm: "Microsoft.ApiManagement/service",
    taggable: true,
    stateful: true,
    // GatewayLlmLogs: token counts per call; message bodies only when logging them is opted in.
    diagnostics: { logs: ["GatewayLogs", "GatewayLlmLogs"], groups: {}, metrics: true },
    rules: [
      "security-apim-tls-hardened",
      "security-apim-gateway-private",
      "security-anomaly-detection",
      "observability-apim-traced",
    ],
  },
  "azure-native:apimanagement:Api": {
    what: "the gateway's model API",
    arm: "Microsoft.ApiManagement/service/apis",
    taggable: false,
    stateful: false,
    rules: ["security-apim-api-hardened"],
  },
  "azure-native:apimanagement:ApiOperation": {
    what: "an operation of the model API",
    arm: "Microsoft.ApiManagement/service/apis/operations",
    taggable: false,
    stateful: false,
    rules: [],
  },
  "azure-native:apimanagement:ApiPolicy": {
    what: "the model API's policy document",
    arm: "Microsoft.ApiManagement/service/apis/policies",
    taggable: false,
    stateful: false,
    rules: [
      "security-apim-caller-authenticated",
      "security-apim-backend-managed-identity",
      "capacity-apim-api-token-limit",
      "observability-apim-token-metrics",
      "reliability-apim-api-retry",
      "reliability-apim-backend-failover",
      "data-apim-semantic-cache-bounded",
      "ethics-apim-every-route-filtered",
    ],
  },
  "azure-native:apimanagement:ApiOperationPolicy": {
    what: "an operation's policy document (the semantic cache on chat completions)",
    arm: "Microsoft.ApiManagement/service/apis/operations/policies",
    taggable: false,
    stateful: false,
    rules: [
      "data-apim-semantic-cache-bounded",
      "security-apim-caller-authenticated",
      "security-apim-backend-managed-identity",
      "capacity-apim-api-token-limit",
      "observability-apim-token-metrics",
      "reliability-apim-backend-failover",
      "ethics-apim-every-route-filtered",
    ],
  },
  "azure-native:apimanagement:ProductApi": {
    what: "a team's product admitted to the keyed model API",
    arm: "Microsoft.ApiManagement/service/products/apis",
    taggable: false,
    stateful: false,
    rules: [],
  },
  "azure-native:apimanagement:Subscription": {
    what: "a team's subscription keys (only where the team opts in)",
    arm: "Microsoft.ApiManagement/service/subscriptions",
    taggable: false,
    stateful: false,
    rules: ["security-apim-subscription-scoped"],
  },
  "azure-native:apimanagement:Backend": {
    what: "a backend (one target) or a pool (one slot)",
    arm: "Microsoft.ApiManagement/service/backends",
    taggable: false,
    stateful: false,
    rules: ["reliability-apim-backend-circuit-breaker", "security-apim-backend-tls"],
  },
  "azure-native:resources:Resource": {
    what: "a generic ARM resource, for a setting no typed resource of @pulumi/azure-native can express: only the ARM types in GENERIC_ARM_TYPES",
    taggable: false,
    stateful: false,
    rules: ["governance-type-classified", "observability-apim-diagnostics-no-bodies"],
  },
  "azure-native:apimanagement:Diagnostic": {
    what: "the gateway's diagnostic (token metrics, logs, traces)",
    arm: "Microsoft.ApiManagement/service/diagnostics",
    taggable: false,
    stateful: false,
    rules: ["observability-apim-diagnostics-no-bodies", "observability-apim-traced"],
  },
  "azure-native:apimanagement:Logger": {
    what: "the gateway's Application Insights logger",
    arm: "Microsoft.ApiManagement/service/loggers",
    taggable: false,
    stateful: false,
    rules: [],
  },
  "azure-native:apimanagement:NamedValue": {
    what: "a named value of the gateway",
    arm: "Microsoft.ApiManagement/service/namedValues",
    taggable: false,
    stateful: false,
    rules: ["security-apim-named-value-secret"],
  },
  "azure-native:apimanagement:Product": {
    what: "a product (one consuming team)",
    arm: "Microsoft.ApiManagement/service/products",
    taggable: false,
    stateful: false,
    rules: [],
  },
  "azure-native:apimanagement:Cache": {
    what: "the gateway's external cache (Azure Managed Redis)",
    arm: "Microsoft.ApiManagement/service/caches",
    taggable: false,
    stateful: false,
    rules: [],
  },
  "azure-native:monitor:ActionGroup": {
    what: "who the alerts reach (e-mail, webhook)",
    arm: "Microsoft.Insights/actionGroups",
    taggable: true,
    stateful: false,
    rules: [],
  },
  "azure-native:monitor:MetricAlert": {
    what: "an Azure Monitor metric alert on a model account or the gateway (static, or a learned dynamic threshold)",
    arm: "Microsoft.Insights/metricAlerts",
    taggable: true,
    stateful: false,
    rules: ["security-anomaly-detection"],
  },
  "azure-native:monitor:ScheduledQueryRule": {
    what: "a log alert on the share of 429 or 5xx answers (accounts, gateway), a team's quota or its tokens' anomaly",
    arm: "Microsoft.Insights/scheduledQueryRules",
    taggable: true,
    stateful: false,
    rules: [],
  },
  "azure-native:consumption:Budget": {
    what: "the stack's monthly cost budget",
    arm: "Microsoft.Consumption/budgets",
    taggable: false,
    stateful: false,
    rules: ["cost-azure-budget"],
  },
  "azure-native:containerservice:ManagedCluster": {
    what: "AKS cluster for self-hosted models",
    arm: "Microsoft.ContainerService/managedClusters",
    taggable: true,
    stateful: true,
    diagnostics: {
      logs: ["kube-apiserver", "kube-audit-admin"],
      groups: { audit: ["kube-audit", "kube-audit-admin"] },
      metrics: true,
    },
    rules: ["security-aks-hardened", "reliability-aks-standard-tier"],
  },
  "azure-native:containerservice:AgentPool": {
    what: "a GPU node pool, or the general pool, of the cluster",
    arm: "Microsoft.ContainerService/managedClusters/agentPools",
    taggable: true,
    stateful: false,
    rules: ["security-aks-node-pool-hardened"],
  },
  "azure-native:containerservice:MaintenanceConfiguration": {
    what: "the cluster's auto-upgrade window",
    arm: "Microsoft.ContainerService/managedClusters/maintenanceConfigurations",
    taggable: false,
    stateful: false,
    rules: [],
  },
  "random:index/randomString:RandomString": {
    what: "the random suffix of a globally unique name",
    taggable: false,
    stateful: false,
    rules: [],
  },
  "random:index/randomPassword:RandomPassword": {
    what: "Grafana's generated admin password (a secret output)",
    taggable: false,
    stateful: false,
    rules: [],
  },
  "kubernetes:core/v1:Namespace": {
    what: "a model slot's namespace, or the monitoring namespace",
    taggable: false,
    stateful: false,
    rules: ["security-k8s-namespace-pod-security", "security-k8s-network-policy"],
  },
  "kubernetes:core/v1:ServiceAccount": {
    what: "a model slot's service account (workload identity)",
    taggable: false,
    stateful: false,
    rules: [],
  },
  "kubernetes:core/v1:Secret": {
    what: "the Hugging Face token of a model slot; Grafana's admin password; Alertmanager's webhook",
    taggable: false,
    stateful: false,
    rules: [],
  },
  "kubernetes:storage.k8s.io/v1:StorageClass": {
    what: "zone-redundant disks (kept on delete) for Prometheus' metric history",
    taggable: false,
    stateful: false,
    rules: [],
  },
  "kubernetes:core/v1:ConfigMap": {
    what: "a Grafana dashboard (loaded by Grafana's sidecar); the trace collector's configuration",
    taggable: false,
    stateful: false,
    rules: ["observability-vllm-traced"],
  },
  "kubernetes:helm.sh/v3:Release": {
    what: "kube-prometheus-stack: Prometheus (its volume holds the metric history), Alertmanager, Grafana",
    taggable: false,
    stateful: true,
    rules: ["security-k8s-helm-chart-pinned", "security-k8s-helm-values-hardened"],
  },
  "kubernetes:monitoring.coreos.com/v1:PodMonitor": {
    what: "what Prometheus scrapes of a model slot, with the slot's labels",
    taggable: false,
    stateful: false,
    rules: ["observability-vllm-slot-monitored"],
  },
  "kubernetes:monitoring.coreos.com/v1:PrometheusRule": {
    what: "the recording rules and SLO alerts of the model slots",
    taggable: false,
    stateful: false,
    rules: ["observability-vllm-slot-monitored", "security-anomaly-detection"],
  },
  "kubernetes:core/v1:Service": {
    what: "a model target's internal load balancer; the trace collector's in-cluster address",
    taggable: false,
    stateful: false,
    rules: ["security-k8s-internal-load-balancer", "observability-vllm-traced"],
  },
  "kubernetes:apps/v1:StatefulSet": {
    what: "a model target's vLLM servers (a model cache per pod)",
    taggable: false,
    stateful: false,
    rules: [
      "lifecycle-endpoint-live-slot",
      "governance-vllm-allowed-models",
      "observability-vllm-slot-monitored",
      "security-k8s-image-pinned",
      "security-k8s-image-digest",
      "security-k8s-pod-security",
      "security-k8s-workload-hardened",
      "reliability-k8s-gpu-workload",
      "reliability-k8s-replicas-and-pdb",
      "security-anomaly-detection",
      "observability-vllm-traced",
    ],
  },
  "kubernetes:apps/v1:DaemonSet": {
    what: "the NVIDIA device plugin",
    taggable: false,
    stateful: false,
    rules: [
      "security-k8s-image-pinned",
      "security-k8s-image-digest",
      "security-k8s-pod-security",
      "security-k8s-workload-hardened",
    ],
  },
  "kubernetes:apps/v1:Deployment": {
    what: "the OpenTelemetry Collector that forwards the model servers' spans to Application Insights",
    taggable: false,
    stateful: false,
    rules: [
      "observability-vllm-traced",
      "security-k8s-image-pinned",
      "security-k8s-image-digest",
      "security-k8s-pod-security",
      "security-k8s-workload-hardened",
    ],
  },
  "kubernetes:networking.k8s.io/v1:NetworkPolicy": {
    what: "each namespace's default deny, and who may reach a model target (the gateway subnet, the metrics scraper) and the monitoring stack",
    taggable: false,
    stateful: false,
    rules: ["security-k8s-network-policy"],
  },
  // Not created by the platform: classified so that a change adding a binding meets its rule, not only this catalogue.
  "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding": {
    what: "a cluster-wide role binding (the platform creates none)",
    taggable: false,
    stateful: false,
    rules: ["security-k8s-no-cluster-admin-binding"],
  },
  "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding": {
    what: "a namespaced role binding (the platform creates none)",
    taggable: false,
    stateful: false,
    rules: ["security-k8s-no-cluster-admin-binding"],
  },
  "kubernetes:policy/v1:PodDisruptionBudget": {
    what: "a model target's disruption budget",
    taggable: false,
    stateful: false,
    rules: ["reliability-k8s-replicas-and-pdb"],
  },
  "kubernetes:keda.sh/v1alpha1:ScaledObject": {
    what: "a model target's queue-depth autoscaler (KEDA)",
    taggable: false,
    stateful: false,
    rules: [],
  },
} as const satisfies Record<string, TypeEntry>;

export const CATALOGUE: Readonly<Record<string, TypeEntry>> = TYPE_CATALOGUE;

/**
 * The ARM types a generic resource (`azure-native:resources:Resource`) may stand for, each with why the
 * typed resource cannot be used: a generic resource of any other type is unclassified.
 */
export const GENERIC_ARM_TYPES: Readonly<Record<string, string>> = {
  "Microsoft.ApiManagement/service/apis/diagnostics":
    "the LLM log (largeLanguageModel) exists from API version 2024-06-01-preview on; the typed ApiDiagnostic is 2024-05-01, which has none",
  "Microsoft.ApiManagement/service/backends":
    "the Content Safety backend's managed-identity credentials (credentials.managedIdentity) are in no published API Management schema, so the typed Backend cannot set them",
};

/**
 * The ARM type a generic resource stands for: its `type` output, or (from its inputs, before it exists)
 * its namespace, its parent's type segments and its own type.
 */
export function genericArmType(props: {
  type?: unknown;
  resourceProviderNamespace?: unknown;
  parentResourcePath?: unknown;
  resourceType?: unknown;
}): string {
  if (typeof props.type === "string" && props.type.includes("/")) return props.type;
  const parentTypes = String(props.parentResourcePath ?? "")
    .split("/")
    .filter((segment) => segment !== "")
    .filter((_, i) => i % 2 === 0);
  return [String(props.resourceProviderNamespace ?? ""), ...parentTypes, String(props.resourceType ?? "")].join("/");
}

/**
 * Types no rule needs to know: Pulumi's own (the stack, providers) and the platform's components, which
 * hold custom resources but are none (a custom resource of such a type, which has a provider, is not
 * exempt). Every other type of every provider must be in the catalogue. Matched case-sensitively, as
 * Pulumi compares type tokens.
 */
export const UNCLASSIFIED_TYPES: readonly RegExp[] = [
  /^pulumi:(?:pulumi:Stack$|providers:)/,
  /^genai:[a-z]+:[A-Za-z]+$/,
];

/**
 * The type without an API-version segment: `azure-native:cognitiveservices/v20241001:Account` (what
 * `pulumi package add azure-native <module> <version>` generates) is `azure-native:cognitiveservices:Account`.
 */
export function baseType(type: string): string {
  if (!type.startsWith("azure-native:")) return type;
  let base = baseTypes.get(type);
  if (base === undefined) baseTypes.set(type, (base = type.replace(/^(azure-native:[^:/]+)\/[^:]+:/, "$1:")));
  return base;
}
/** Every rule asks for every resource's base type: each token is normalised once. */
const baseTypes = new Map<string, string>();

/** The catalogue entry of a type (versioned or not), if it is classified. */
export function entryOf(type: string): TypeEntry | undefined {
  const base = baseType(type);
  return Object.prototype.hasOwnProperty.call(CATALOGUE, base) ? CATALOGUE[base] : undefined;
}

/** A classified type that `type` matches except for letter case (Pulumi's type tokens are case-sensitive). */
export function sameTypeButCase(type: string): string | undefined {
  const wanted = baseType(type.replace(/^azure-native:/i, "azure-native:")).toLowerCase();
  return Object.keys(CATALOGUE).find((t) => t.toLowerCase() === wanted || t.toLowerCase() === type.toLowerCase());
}

/** The package (provider) of a type token: `azure-native` of `azure-native:sql:Server`. */
export function packageOf(type: string): string {
  const colon = type.indexOf(":");
  return colon < 0 ? type : type.slice(0, colon);
}

/** The packages whose types the pack knows: the catalogue's, Pulumi's own and the platform's components'. */
const KNOWN_PACKAGES: readonly string[] = [...new Set([...Object.keys(CATALOGUE).map(packageOf), "pulumi", "genai"])];

/** A known package that `type`'s package matches except for letter case (Pulumi's package names are case-sensitive). */
export function samePackageButCase(type: string): string | undefined {
  const own = packageOf(type);
  return KNOWN_PACKAGES.find((p) => p !== own && p.toLowerCase() === own.toLowerCase());
}

/** The catalogue's types with an entry matching `pick`. */
export function typesWhere(pick: (entry: TypeEntry) => boolean): ReadonlySet<string> {
  return new Set(
    Object.entries(CATALOGUE)
      .filter(([, entry]) => pick(entry))
      .map(([type]) => type),
  );
}

/**
 * Whether a generic resource is a `<namespace>/.../<resourceType>` (any parent): by its ARM type where it is
 * known, else by its namespace and own type (a first preview does not know its parent's path, an output).
 */
export function isGenericOf(
  props: Record<string, any>,
  namespace: string,
  resourceType: string,
  known: <T>(read: () => T) => T | undefined,
): boolean {
  const arm = known(() => genericArmType(props))?.toLowerCase();
  if (arm !== undefined)
    return arm.startsWith(`${namespace.toLowerCase()}/`) && arm.endsWith(`/${resourceType.toLowerCase()}`);
  return (
    String(known(() => props.resourceProviderNamespace)).toLowerCase() === namespace.toLowerCase() &&
    String(known(() => props.resourceType)).toLowerCase() === resourceType.toLowerCase()
  );
}

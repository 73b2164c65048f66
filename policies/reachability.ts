// Who calls whom: every caller -> callee edge the platform creates, derived from the planned resources
// alone. For each edge: where the caller sits (a subnet of a VNet, the cluster, or public egress), the
// path (private endpoint, VNet, public), the DNS that resolves the callee's host on that path, the
// callee's network rules and the credential. An edge with problems deploys cleanly and then does not
// work: the plan prints the table and the pack's reliability-network-reachable rule fails on it.
//
// Facts used (Microsoft Learn, as cited in the rule):
// - API Management in internal VNet mode answers only on its host names; inside the network they resolve
//   only through a private zone (azure-api.net) with A records for the gateway, portal, developer portal,
//   management and scm names (api-management-using-with-internal-vnet, "DNS configuration").
// - An Azure OpenAI account that denies by default admits only its IP rules, virtual network rules and
//   private endpoints; API Management is not among the trusted services (cognitive-services-virtual-networks).
// - A private endpoint's host resolves to its private address only where a privatelink zone with its
//   record is linked to the caller's VNet.
// - AKS bills the nodes, their disks and load balancers in the node resource group (MC_… unless named).
// - With externalTrafficPolicy Cluster a LoadBalancer Service rewrites the caller's source address, so a
//   NetworkPolicy ipBlock of the caller's subnet never matches.
import { LOAD_BALANCER_IP_ANNOTATION, baseType, isUnknownValueError, listOf, selects, withinCidrs } from "./lib";
import { genericArmType } from "./catalogue";
import {
  APP_INSIGHTS_EXPORTERS,
  OTLP_TRACES_FLAG,
  appInsightsExportProblems,
  collectorConfigOf,
  collectorPodProblems,
  otlpReceiverProblem,
  sendingOf,
  targetPortOf,
  isVllmServer,
  optionOf,
  serviceAt,
  workloadsBehind,
} from "./tracing";

/** A planned resource as the pack and the plan see it. */
export interface PlannedResource {
  readonly type: string;
  readonly name: string;
  readonly urn?: string;
  readonly props: Record<string, any>;
  /** The resources each input came from: a stack policy sees outputs, which omit the ARM path's names. */
  readonly propertyDependencies?: Readonly<Record<string, readonly PlannedResource[]>>;
}

export interface Edge {
  readonly caller: string;
  readonly callee: string;
  /** Where the caller sits. */
  readonly from: string;
  /** The network path to the callee. */
  readonly path: string;
  /** What resolves the callee's host name on that path. */
  readonly dns: string;
  /** The callee's network rules on that path. */
  readonly rules: string;
  readonly credential: string;
  /** Why the edge cannot work; empty when it can. */
  readonly problems: readonly string[];
  /** The resource a violation belongs to. */
  readonly urn?: string;
}

const T = {
  apim: "azure-native:apimanagement:ApiManagementService",
  backend: "azure-native:apimanagement:Backend",
  cache: "azure-native:apimanagement:Cache",
  logger: "azure-native:apimanagement:Logger",
  apiPolicy: "azure-native:apimanagement:ApiPolicy",
  account: "azure-native:cognitiveservices:Account",
  generic: "azure-native:resources:Resource",
  subnet: "azure-native:network:Subnet",
  nsg: "azure-native:network:NetworkSecurityGroup",
  privateEndpoint: "azure-native:network:PrivateEndpoint",
  zoneGroup: "azure-native:network:PrivateDnsZoneGroup",
  zone: "azure-native:privatedns:PrivateZone",
  zoneLink: "azure-native:privatedns:VirtualNetworkLink",
  recordSet: "azure-native:privatedns:PrivateRecordSet",
  roleAssignment: "azure-native:authorization:RoleAssignment",
  identity: "azure-native:managedidentity:UserAssignedIdentity",
  federated: "azure-native:managedidentity:FederatedIdentityCredential",
  redis: "azure-native:redisenterprise:RedisEnterprise",
  redisDatabase: "azure-native:redisenterprise:Database",
  component: "azure-native:applicationinsights:Component",
  cluster: "azure-native:containerservice:ManagedCluster",
  budget: "azure-native:consumption:Budget",
  service: "kubernetes:core/v1:Service",
  serviceAccount: "kubernetes:core/v1:ServiceAccount",
  networkPolicy: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
  scaledObject: "kubernetes:keda.sh/v1alpha1:ScaledObject",
  podMonitor: "kubernetes:monitoring.coreos.com/v1:PodMonitor",
  statefulSet: "kubernetes:apps/v1:StatefulSet",
  deployment: "kubernetes:apps/v1:Deployment",
  configMap: "kubernetes:core/v1:ConfigMap",
  helmRelease: "kubernetes:helm.sh/v3:Release",
} as const;

const ROLE = {
  openAiUser: "5e0bd9bd-7b93-4f28-af87-19fc36ad61bd",
  cognitiveServicesUser: "a97b65f3-24c7-4388-baec-2e87135dc908",
  metricsPublisher: "3913510d-42f4-4e42-8a64-420c390055eb",
  monitoringReader: "43d0d8ad-25c7-4714-9337-8ba259a9fe05",
} as const;

/** The private zone an Azure OpenAI private endpoint registers in, and Azure Managed Redis's. */
export const PRIVATE_ZONES = {
  openai: "privatelink.openai.azure.com",
  cognitiveServices: "privatelink.cognitiveservices.azure.com",
  redis: "privatelink.redis.azure.net",
  apim: "azure-api.net",
} as const;
/** The host names of an API Management service that internal mode serves, relative to azure-api.net. */
export const APIM_HOST_LABELS = ["", "portal", "developer", "management", "scm"] as const;
/** Where the AKS add-on of KEDA runs, and the labels the Prometheus operator puts on Prometheus pods. */
const KEDA_NAMESPACE = "kube-system";
const PROMETHEUS_POD_LABELS = { "app.kubernetes.io/name": "prometheus" };

const lower = (s: unknown) => String(s ?? "").toLowerCase();
const last = (id: unknown) =>
  String(id ?? "")
    .split("/")
    .pop() ?? "";
/** The VNet id a subnet id belongs to, lower case. */
const vnetOfSubnet = (subnetId: unknown) => lower(subnetId).split("/subnets/")[0] ?? "";
const shortVnet = (vnetId: string) => last(vnetId) || "(unknown VNet)";
const nameOf = (r: PlannedResource, ...keys: string[]) => {
  for (const k of keys) if (typeof r.props[k] === "string" && r.props[k]) return r.props[k] as string;
  return typeof r.props.name === "string" ? r.props.name : r.name;
};

/**
 * An ARM path name of `r` (`privateZoneName`, `clusterName`): from its props where a preview has them, else
 * the name of the resource the input came from (an update's outputs omit the names of the ARM path).
 */
function via(r: PlannedResource, property: string, type?: string): string | undefined {
  const own = r.props[property];
  if (typeof own === "string" && own) return own;
  const source = r.propertyDependencies?.[property]?.find((d) => type === undefined || baseType(d.type) === type);
  return source && typeof source.props.name === "string" ? source.props.name : undefined;
}

/** Read access to the planned resources by type. */
class Plan {
  private readonly byType = new Map<string, PlannedResource[]>();
  constructor(readonly resources: readonly PlannedResource[]) {
    for (const r of resources) {
      const type = baseType(r.type);
      if (!this.byType.has(type)) this.byType.set(type, []);
      this.byType.get(type)!.push(r);
    }
  }
  of(type: string): PlannedResource[] {
    return this.byType.get(type) ?? [];
  }
}

interface Placement {
  /** lower-case VNet id, when the caller sits in one. */
  readonly vnet?: string;
  readonly subnetName?: string;
  readonly cidr?: string;
  readonly describe: string;
}

function subnetCidr(plan: Plan, subnetId: string): string | undefined {
  const name = last(subnetId).toLowerCase();
  const vnet = last(vnetOfSubnet(subnetId)).toLowerCase();
  const subnet = plan
    .of(T.subnet)
    .find(
      (s) =>
        lower(s.props.id) === lower(subnetId) ||
        (lower(nameOf(s, "subnetName")) === name &&
          [undefined, vnet].includes(via(s, "virtualNetworkName")?.toLowerCase())),
    );
  const prefix = subnet?.props.addressPrefix ?? listOf(subnet?.props.addressPrefixes)[0];
  return typeof prefix === "string" ? prefix : undefined;
}

function gatewayPlacement(plan: Plan, apim: PlannedResource): Placement {
  const mode = String(apim.props.virtualNetworkType ?? "None");
  const subnetId = apim.props.virtualNetworkConfiguration?.subnetResourceId;
  if (mode !== "None" && typeof subnetId === "string") {
    const cidr = subnetCidr(plan, subnetId);
    return {
      vnet: vnetOfSubnet(subnetId),
      subnetName: last(subnetId),
      cidr,
      describe: `subnet ${last(subnetId)}${cidr ? ` (${cidr})` : ""} of ${shortVnet(vnetOfSubnet(subnetId))}, ${mode.toLowerCase()} mode`,
    };
  }
  return {
    describe:
      `public egress of API Management ${apim.props.sku?.name ?? ""} (Azure addresses, not static, not in any VNet)`.replace(
        "  ",
        " ",
      ),
  };
}

/** The private zones a private endpoint registers in (zone names), from its zone groups. */
function zonesOfEndpoint(plan: Plan, endpoint: PlannedResource): string[] {
  const endpointName = lower(nameOf(endpoint, "privateEndpointName"));
  return plan
    .of(T.zoneGroup)
    .filter((g) => lower(via(g, "privateEndpointName", T.privateEndpoint)) === endpointName)
    .flatMap((g) => listOf(g.props.privateDnsZoneConfigs).map((c: any) => String(c?.privateDnsZoneId ?? "")));
}

/** How `zone` resolves inside `vnet`: linked (in the stack), central (outside the stack: its links are not visible), or not at all. */
function zoneResolution(
  plan: Plan,
  zoneName: string,
  zoneIds: readonly string[],
  vnet: string,
): { ok: boolean; text: string } {
  const ids = zoneIds.filter((id) => lower(last(id)) === lower(zoneName));
  if (ids.length === 0) return { ok: false, text: `no ${zoneName} zone registers the endpoint` };
  const inStack = plan.of(T.zone).filter((z) => lower(nameOf(z, "privateZoneName")) === lower(zoneName));
  if (inStack.length === 0)
    return { ok: true, text: `central zone ${ids[0]} (its VNet links are managed outside this stack)` };
  const linked = plan
    .of(T.zoneLink)
    .some(
      (l) => lower(via(l, "privateZoneName", T.zone)) === lower(zoneName) && lower(l.props.virtualNetwork?.id) === vnet,
    );
  return linked
    ? { ok: true, text: `${zoneName}, linked to ${shortVnet(vnet)}` }
    : { ok: false, text: `${zoneName} is not linked to ${shortVnet(vnet)}` };
}

/** The principals (object ids) of a resource's managed identities: system-assigned and user-assigned. */
function principalsOf(
  plan: Plan,
  resource: PlannedResource,
  which: "all" | "system" | "user" = "all",
): { ids: Set<string>; names: string[] } {
  const ids = new Set<string>();
  const names: string[] = [];
  const system = resource.props.identity?.principalId;
  if (which !== "user" && typeof system === "string" && system)
    (ids.add(lower(system)), names.push("its system-assigned identity"));
  if (which === "system") return { ids, names };
  const assigned = resource.props.identity?.userAssignedIdentities;
  const keys = Array.isArray(assigned) ? assigned.map(String) : Object.keys(assigned ?? {});
  for (const id of keys) {
    const uami = plan
      .of(T.identity)
      .find((i) => lower(i.props.id) === lower(id) || lower(nameOf(i, "resourceName")) === lower(last(id)));
    if (uami && typeof uami.props.principalId === "string")
      (ids.add(lower(uami.props.principalId)), names.push(nameOf(uami, "resourceName")));
  }
  return { ids, names };
}

/** Role assignments of `roleId` to one of `principals` whose scope covers the resource `arm` (`Provider/type/name` in resource group `group`). */
function grants(
  plan: Plan,
  roleId: string,
  principals: ReadonlySet<string>,
  resource: PlannedResource,
  arm: string,
): PlannedResource[] {
  const own = typeof resource.props.id === "string" && resource.props.id ? lower(resource.props.id) : undefined;
  const group = lower(via(resource, "resourceGroupName"));
  const suffix = `/providers/${lower(arm)}`;
  return plan.of(T.roleAssignment).filter((a) => {
    const scope = lower(a.props.scope);
    if (
      !lower(a.props.roleDefinitionId).endsWith(roleId) ||
      !principals.has(lower(a.props.principalId)) ||
      scope === ""
    )
      return false;
    if (own) return own === scope || own.startsWith(`${scope}/`);
    return (
      scope.endsWith(suffix) ||
      (group !== "" && scope.endsWith(`/resourcegroups/${group}`)) ||
      /^\/subscriptions\/[^/]+$/.test(scope)
    );
  });
}

/** The two kinds of AI service account the gateway calls: the models, and the content checks. */
const ACCOUNT_KINDS = {
  openai: {
    label: "Azure OpenAI",
    domain: "openai.azure.com",
    zone: PRIVATE_ZONES.openai,
    role: ROLE.openAiUser,
    roleName: "Cognitive Services OpenAI User",
  },
  language: {
    label: "Azure AI Language (PII detection)",
    domain: "cognitiveservices.azure.com",
    zone: PRIVATE_ZONES.cognitiveServices,
    role: ROLE.cognitiveServicesUser,
    roleName: "Cognitive Services User",
  },
  contentSafety: {
    label: "Azure AI Content Safety",
    domain: "cognitiveservices.azure.com",
    zone: PRIVATE_ZONES.cognitiveServices,
    role: ROLE.cognitiveServicesUser,
    roleName: "Cognitive Services User",
  },
} as const;

function accountEdge(
  plan: Plan,
  apim: PlannedResource,
  at: Placement,
  account: PlannedResource,
  backends: readonly string[],
  kind: keyof typeof ACCOUNT_KINDS = "openai",
): Edge {
  const k = ACCOUNT_KINDS[kind];
  const p = account.props.properties ?? {};
  const name = nameOf(account, "accountName");
  const host = `${p.customSubDomainName ?? name}.${k.domain}`;
  const problems: string[] = [];
  const endpoints = plan
    .of(T.privateEndpoint)
    .filter((e) =>
      listOf(e.props.privateLinkServiceConnections).some((c: any) =>
        lower(c?.privateLinkServiceId).endsWith(`/accounts/${lower(name)}`),
      ),
    );
  const local = at.vnet ? endpoints.find((e) => vnetOfSubnet(e.props.subnet?.id) === at.vnet) : undefined;
  const acls = p.networkAcls ?? {};
  const publicAccess = String(p.publicNetworkAccess ?? "Enabled");
  const ipRules = listOf(acls.ipRules).map((r: any) => String(r?.value ?? r));
  const vnetRules = listOf(acls.virtualNetworkRules).map((r: any) => lower(r?.id));
  let path: string;
  let dns: string;
  const rules = `public network access ${publicAccess}; default ${acls.defaultAction ?? "Allow"}${ipRules.length ? `; IP rules ${ipRules.join(", ")}` : ""}${vnetRules.length ? `; VNet rules ${vnetRules.map(last).join(", ")}` : ""}${endpoints.length ? `; private endpoints ${endpoints.map((e) => nameOf(e, "privateEndpointName")).join(", ")}` : ""}`;
  if (local && at.vnet) {
    path = `private endpoint ${nameOf(local, "privateEndpointName")}`;
    const resolution = zoneResolution(plan, k.zone, zonesOfEndpoint(plan, local), at.vnet);
    dns = resolution.text;
    if (!resolution.ok)
      problems.push(
        `${host} does not resolve to the private endpoint inside ${shortVnet(at.vnet)} (${resolution.text}): the gateway reaches the public address${publicAccess === "Disabled" ? ", which the account refuses" : ""}`,
      );
  } else {
    path = "public endpoint";
    dns = "public DNS";
    if (publicAccess === "Disabled")
      problems.push(
        `the account takes private endpoint traffic only, and no private endpoint of it is in the gateway's network (${at.vnet ? shortVnet(at.vnet) : "the gateway is in no VNet"}): every call fails`,
      );
    else if ((acls.defaultAction ?? "Allow") === "Deny") {
      const bySubnet =
        at.vnet &&
        at.subnetName &&
        vnetRules.some((id) => id.endsWith(`/subnets/${lower(at.subnetName)}`) && vnetOfSubnet(id) === at.vnet);
      if (!bySubnet)
        problems.push(
          `the account denies by default and admits only ${ipRules.length ? `the IP ranges ${ipRules.join(", ")}` : "no IP range"}${vnetRules.length ? " and its VNet rules" : ""}; the gateway calls from ${at.vnet ? `${at.describe}, which no rule admits` : "API Management's Azure addresses, outside them"}: every request through it gets 403`,
        );
    }
  }
  // A backend's managed-identity credentials without a client id use the service's system-assigned identity.
  // The policy calls Language with the user-assigned identity (authentication-managed-identity's client-id).
  const principals = principalsOf(
    plan,
    apim,
    kind === "contentSafety" ? "system" : kind === "language" ? "user" : "all",
  );
  const granted = grants(plan, k.role, principals.ids, account, `Microsoft.CognitiveServices/accounts/${name}`);
  const credential = granted.length ? `managed identity (${principals.names.join(", ")}) with ${k.roleName}` : "none";
  if (!granted.length)
    problems.push(
      `no identity of the gateway (${principals.names.join(", ") || "none"}) holds ${k.roleName} on ${name}: every call gets 401`,
    );
  return {
    caller: "gateway",
    callee: `${k.label} ${name} (${host})`,
    from: at.describe,
    path,
    dns,
    rules: backends.length > 0 ? `${rules}; backends ${backends.join(", ")}` : rules,
    credential,
    problems,
    urn: account.urn,
  };
}

function clientsEdge(plan: Plan, apim: PlannedResource, at: Placement): Edge {
  const serviceName = nameOf(apim, "serviceName");
  const host = `${serviceName}.azure-api.net`;
  const mode = String(apim.props.virtualNetworkType ?? "None");
  const problems: string[] = [];
  const policies = plan.of(T.apiPolicy).map((p) => String(p.props.value ?? ""));
  const credential = policies.some((v) => v.includes("<validate-azure-ad-token"))
    ? "Entra ID access token (validate-azure-ad-token)"
    : "none";
  if (mode !== "Internal") {
    const publicAccess = String(apim.props.publicNetworkAccess ?? "Enabled");
    if (publicAccess === "Disabled" && mode === "None")
      problems.push("the gateway has public network access disabled and no VNet: nobody can reach it");
    return {
      caller: "clients",
      callee: `gateway ${host}`,
      from: mode === "External" ? "the internet and the VNet" : "the internet",
      path: "public endpoint",
      dns: "public DNS (azure-api.net)",
      rules: `public network access ${publicAccess}`,
      credential,
      problems,
      urn: apim.urn,
    };
  }
  const vnet = at.vnet ?? "";
  const zones = plan.of(T.zone).filter((z) => lower(nameOf(z, "privateZoneName")) === PRIVATE_ZONES.apim);
  const linked = plan
    .of(T.zoneLink)
    .some(
      (l) =>
        lower(via(l, "privateZoneName", T.zone)) === PRIVATE_ZONES.apim && lower(l.props.virtualNetwork?.id) === vnet,
    );
  const inZone = (r: PlannedResource) =>
    lower(
      via(r, "privateZoneName", T.zone) ??
        String(r.props.fqdn ?? "")
          .replace(/^[^.]*\.(?:[a-z]+\.)?/, "")
          .replace(/\.$/, ""),
    ) === PRIVATE_ZONES.apim || lower(r.props.fqdn).endsWith(`.${PRIVATE_ZONES.apim}.`);
  const records = new Set(
    plan
      .of(T.recordSet)
      .filter((r) => inZone(r) && String(r.props.recordType ?? "A") === "A" && listOf(r.props.aRecords).length > 0)
      .map((r) => lower(r.props.relativeRecordSetName ?? r.props.name)),
  );
  const wanted = APIM_HOST_LABELS.map((label) => (label ? `${serviceName}.${label}` : serviceName));
  const missing = wanted.filter((w) => !records.has(lower(w)));
  let dns: string;
  if (zones.length === 0) {
    dns = "none";
    problems.push(
      `no private DNS zone ${PRIVATE_ZONES.apim} resolves ${host} (and its portal, developer, management and scm names) to the gateway's private address inside ${shortVnet(vnet)}: internal-mode API Management answers only on its host names, so nobody in the network reaches it`,
    );
  } else if (!linked) {
    dns = `${PRIVATE_ZONES.apim}, not linked`;
    problems.push(
      `the private zone ${PRIVATE_ZONES.apim} is not linked to ${shortVnet(vnet)}: ${host} does not resolve there`,
    );
  } else if (missing.length) {
    dns = `${PRIVATE_ZONES.apim}, linked, records missing`;
    problems.push(
      `the private zone ${PRIVATE_ZONES.apim} has no A record for ${missing.map((m) => `${m}.azure-api.net`).join(", ")}`,
    );
  } else
    dns = `${PRIVATE_ZONES.apim}, linked to ${shortVnet(vnet)} (A records for the gateway, portal, developer, management and scm names)`;
  return {
    caller: "clients",
    callee: `gateway ${host}`,
    from: `inside ${shortVnet(vnet)} (and networks peered with it)`,
    path: "the gateway's private address (internal mode)",
    dns,
    rules: "private address only",
    credential,
    problems,
    urn: apim.urn,
  };
}

/** Whether a NetworkPolicy set lets `admits(rule)` reach pods with `labels` in `namespace` on `port`. */
function admittedBy(
  plan: Plan,
  namespace: string,
  labels: Readonly<Record<string, string>>,
  port: number | string | undefined,
  admits: (from: any) => boolean,
): { open: boolean; by?: string } {
  const selecting = plan
    .of(T.networkPolicy)
    .filter(
      (p) =>
        p.props.metadata?.namespace === namespace &&
        selects(p.props.spec?.podSelector ?? {}, labels) &&
        (p.props.spec?.policyTypes === undefined || listOf(p.props.spec?.policyTypes).includes("Ingress")),
    );
  if (selecting.length === 0) return { open: true, by: `no NetworkPolicy of ${namespace} selects the pods (open)` };
  for (const policy of selecting) {
    for (const rule of listOf(policy.props.spec?.ingress)) {
      const ports = listOf(rule?.ports);
      const portOk =
        ports.length === 0 || ports.some((p: any) => p?.port === undefined || String(p.port) === String(port));
      const sources = listOf(rule?.from);
      if (portOk && (sources.length === 0 || sources.some(admits)))
        return { open: true, by: `NetworkPolicy ${namespace}/${policy.props.metadata?.name}` };
    }
  }
  return { open: false };
}

const fromNamespace = (namespace: string) => (from: any) =>
  from?.namespaceSelector?.matchLabels?.["kubernetes.io/metadata.name"] === namespace && !from?.podSelector;

function vllmEdge(plan: Plan, at: Placement, backend: PlannedResource, url: URL): Edge {
  const ip = url.hostname;
  const port = Number(url.port || 80);
  const problems: string[] = [];
  const service = plan
    .of(T.service)
    .find(
      (s) => s.props.metadata?.annotations?.[LOAD_BALANCER_IP_ANNOTATION] === ip || s.props.spec?.loadBalancerIP === ip,
    );
  const callee = service
    ? `vLLM ${service.props.metadata?.namespace}/${service.props.metadata?.name} (${ip}:${port})`
    : `vLLM ${ip}:${port}`;
  if (!at.vnet) problems.push(`the gateway is in no VNet, so it cannot reach the private address ${ip}`);
  if (!service) {
    problems.push(`no Service of the plan holds the address ${ip}`);
    return {
      caller: "gateway",
      callee,
      from: at.describe,
      path: "none",
      dns: "none (an address)",
      rules: "unknown",
      credential: "none (private network only)",
      problems,
      urn: backend.urn,
    };
  }
  const annotations = service.props.metadata?.annotations ?? {};
  if (annotations["service.beta.kubernetes.io/azure-load-balancer-internal"] !== "true")
    problems.push(
      `Service ${service.props.metadata?.name} is not an internal load balancer: ${ip} is not a private front end`,
    );
  const servicePort = listOf(service.props.spec?.ports).find((p: any) => Number(p?.port) === port);
  if (!servicePort) problems.push(`Service ${service.props.metadata?.name} does not listen on ${port}`);
  const namespace = String(service.props.metadata?.namespace ?? "default");
  const podLabels: Record<string, string> = service.props.spec?.selector ?? {};
  const preserves = service.props.spec?.externalTrafficPolicy === "Local";
  const admission = admittedBy(
    plan,
    namespace,
    podLabels,
    servicePort?.targetPort ?? port,
    (from) => !!at.cidr && typeof from?.ipBlock?.cidr === "string" && withinCidrs(at.cidr, [from.ipBlock.cidr]),
  );
  if (!admission.open)
    problems.push(
      `no NetworkPolicy of ${namespace} admits the gateway's subnet ${at.cidr ?? "(unknown)"} to the pods on ${servicePort?.targetPort ?? port}`,
    );
  else if (!preserves && admission.by?.startsWith("NetworkPolicy"))
    problems.push(
      `Service ${service.props.metadata?.name} has externalTrafficPolicy ${service.props.spec?.externalTrafficPolicy ?? "Cluster"}: the gateway's source address is rewritten, so ${admission.by}'s ipBlock never matches`,
    );
  const cluster = plan.of(T.cluster)[0];
  const clusterSubnet = listOf(cluster?.props.agentPoolProfiles)[0]?.vnetSubnetID;
  if (at.vnet && clusterSubnet && vnetOfSubnet(clusterSubnet) !== at.vnet)
    problems.push(
      `the cluster's nodes are in ${shortVnet(vnetOfSubnet(clusterSubnet))}, not in the gateway's ${shortVnet(at.vnet)}`,
    );
  return {
    caller: "gateway",
    callee,
    from: at.describe,
    path: at.vnet ? `VNet ${shortVnet(at.vnet)} to the internal load balancer` : "none",
    dns: "none (a static address)",
    rules: admission.by ?? "no NetworkPolicy admits it",
    credential: "none (reachable only inside the network)",
    problems,
    urn: service.urn ?? backend.urn,
  };
}

function redisEdge(plan: Plan, at: Placement, cache: PlannedResource): Edge | undefined {
  const clusterName = String(cache.props.resourceId ?? "")
    .split("/redisEnterprise/")[1]
    ?.split("/")[0];
  const cluster = plan.of(T.redis).find((r) => lower(nameOf(r, "clusterName")) === lower(clusterName));
  if (!cluster) return undefined;
  const name = nameOf(cluster, "clusterName");
  const host = `${name}.${cluster.props.location ?? "<region>"}.redis.azure.net`;
  const problems: string[] = [];
  const database = plan.of(T.redisDatabase).find((d) => lower(via(d, "clusterName", T.redis)) === lower(name));
  const endpoints = plan
    .of(T.privateEndpoint)
    .filter((e) =>
      listOf(e.props.privateLinkServiceConnections).some((c: any) =>
        lower(c?.privateLinkServiceId).endsWith(`/redisenterprise/${lower(name)}`),
      ),
    );
  const local = at.vnet ? endpoints.find((e) => vnetOfSubnet(e.props.subnet?.id) === at.vnet) : undefined;
  const publicAccess = String(cluster.props.publicNetworkAccess ?? "Enabled");
  let path = "public endpoint";
  let dns = "public DNS";
  if (local && at.vnet) {
    path = `private endpoint ${nameOf(local, "privateEndpointName")}`;
    const resolution = zoneResolution(plan, PRIVATE_ZONES.redis, zonesOfEndpoint(plan, local), at.vnet);
    dns = resolution.text;
    if (!resolution.ok)
      problems.push(
        `${host} does not resolve to the private endpoint inside ${shortVnet(at.vnet)} (${resolution.text})`,
      );
  } else if (publicAccess === "Disabled")
    problems.push(
      `the cache takes private endpoint traffic only, and none is in the gateway's network: the semantic cache never connects`,
    );
  const keys = database?.props.accessKeysAuthentication === "Enabled";
  if (!keys)
    problems.push(
      "the gateway's external cache connects with a connection string (an access key), and the database has access keys disabled",
    );
  return {
    caller: "gateway",
    callee: `Azure Managed Redis ${name} (semantic cache)`,
    from: at.describe,
    path,
    dns,
    rules: `public network access ${publicAccess}`,
    credential: keys ? "access key (in a secret named value)" : "none",
    problems,
    urn: cache.urn,
  };
}

function insightsEdge(plan: Plan, apim: PlannedResource, at: Placement, logger: PlannedResource): Edge | undefined {
  const component = plan
    .of(T.component)
    .find((c) => lower(last(logger.props.resourceId)) === lower(nameOf(c, "resourceName")));
  if (!component) return undefined;
  const name = nameOf(component, "resourceName");
  const problems: string[] = [];
  const ingestion = String(component.props.publicNetworkAccessForIngestion ?? "Enabled");
  if (ingestion === "Disabled")
    problems.push(
      "the component takes ingestion only through a private link scope, which the stack does not create: token metrics and request telemetry are dropped",
    );
  let credential = "instrumentation key";
  if (component.props.disableLocalAuth === true) {
    const principals = principalsOf(plan, apim);
    const granted = grants(
      plan,
      ROLE.metricsPublisher,
      principals.ids,
      component,
      `Microsoft.Insights/components/${name}`,
    );
    credential = granted.length
      ? `managed identity (${principals.names.join(", ")}) with Monitoring Metrics Publisher`
      : "none";
    if (!granted.length)
      problems.push(
        `local authentication is off on ${name} and no identity of the gateway holds Monitoring Metrics Publisher on it: telemetry is refused`,
      );
  }
  return {
    caller: "gateway",
    callee: `Application Insights ${name}`,
    from: at.describe,
    path: "public ingestion endpoint",
    dns: "public DNS",
    rules: `public ingestion ${ingestion}`,
    credential,
    problems,
    urn: component.urn,
  };
}

/** The cluster's OIDC issuer URL, when known. */
function issuerOf(plan: Plan): string | undefined {
  const issuer = plan.of(T.cluster)[0]?.props.oidcIssuerProfile?.issuerURL;
  return typeof issuer === "string" ? issuer : undefined;
}

/** Workload identity: a service account annotated with a client id, exchanged through a federated credential. */
function workloadIdentityEdge(
  plan: Plan,
  caller: string,
  namespace: string,
  account: string,
  clientId: unknown,
  roles: readonly { id: string; name: string }[],
  urn?: string,
): Edge {
  const problems: string[] = [];
  const subject = `system:serviceaccount:${namespace}:${account}`;
  const identity = plan
    .of(T.identity)
    .find((i) => typeof clientId === "string" && lower(i.props.clientId) === lower(clientId));
  if (!identity)
    problems.push(
      `the service account ${namespace}/${account} names client id ${String(clientId ?? "none")}, which is no identity of the plan`,
    );
  const identityName = identity ? nameOf(identity, "resourceName") : "";
  const credential = identity
    ? plan
        .of(T.federated)
        .find((f) => lower(via(f, "resourceName", T.identity)) === lower(identityName) && f.props.subject === subject)
    : undefined;
  if (identity && !credential)
    problems.push(`no federated credential of ${identityName} has the subject ${subject}: the token exchange fails`);
  const issuer = issuerOf(plan);
  if (credential && issuer && credential.props.issuer !== issuer)
    problems.push(`the federated credential's issuer ${credential.props.issuer} is not the cluster's ${issuer}`);
  if (credential && !listOf(credential.props.audiences).includes("api://AzureADTokenExchange"))
    problems.push("the federated credential does not accept the audience api://AzureADTokenExchange");
  const held = identity
    ? roles.filter((r) =>
        plan
          .of(T.roleAssignment)
          .some(
            (a) =>
              lower(a.props.roleDefinitionId).endsWith(r.id) &&
              lower(a.props.principalId) === lower(identity.props.principalId),
          ),
      )
    : [];
  for (const role of roles)
    if (identity && !held.includes(role)) problems.push(`${identityName} holds no ${role.name} assignment`);
  return {
    caller,
    callee: "Microsoft Entra ID, then Azure Resource Manager and Azure Monitor",
    from: `pods of ${namespace} (service account ${account})`,
    path: "cluster egress (public)",
    dns: "public DNS",
    rules: "none (public endpoints)",
    credential: identity
      ? `workload identity ${identityName}${credential ? ` (federated subject ${subject})` : ""}${held.length ? ` with ${held.map((r) => r.name).join(", ")}` : ""}`
      : "none",
    problems,
    urn: credential?.urn ?? identity?.urn ?? urn,
  };
}

/**
 * The model servers' spans: each server to the collector its --otlp-traces-endpoint names (the Service, a
 * workload behind it, a NetworkPolicy admitting the server's namespace), and each collector that exports
 * to Application Insights on to it (an Entra authenticator, and its identity's Monitoring Metrics Publisher
 * where the component refuses keys).
 */
function traceEdges(plan: Plan, edges: EdgeSet): void {
  const workloads = [...plan.of(T.deployment), ...plan.of(T.statefulSet)];
  const collectors = new Set<PlannedResource>();
  for (const server of plan.of(T.statefulSet))
    edges.decide(server.name, () => {
      const namespace = String(server.props.metadata?.namespace ?? "default");
      const containers = listOf(server.props.spec?.template?.spec?.containers).filter(isVllmServer);
      for (const container of containers) {
        const address = optionOf(container.args, OTLP_TRACES_FLAG);
        if (address === undefined) continue;
        const target = serviceAt(address, namespace, plan.of(T.service));
        const problems = target.problem ? [target.problem] : [];
        const behind = target.service ? workloadsBehind(target.service, workloads) : [];
        if (target.service && behind.length === 0)
          problems.push(
            `no workload of the plan runs behind ${target.namespace}/${target.name}: the spans are dropped`,
          );
        behind.forEach((w) => collectors.add(w));
        const targetPort = target.service ? targetPortOf(target.service, target.port, behind) : undefined;
        // The policies that select the collector's pods (by their own labels), and admit the servers' namespace
        // (or, in the same namespace, their pods).
        const podLabels =
          behind[0]?.props.spec?.template?.metadata?.labels ?? target.service?.props.spec?.selector ?? {};
        const admits =
          target.namespace === namespace
            ? (from: any) => !!from?.podSelector && !from?.namespaceSelector
            : fromNamespace(namespace);
        const admission = target.service
          ? admittedBy(plan, target.namespace, podLabels, targetPort, admits)
          : { open: false };
        if (target.service && !admission.open)
          problems.push(
            `no NetworkPolicy of ${target.namespace} admits ${namespace} to the collector on ${targetPort ?? `${target.name}'s target port (unresolved)`}: the spans are dropped`,
          );
        // The collector must listen for the servers' protocol on that port, on an address the pod network reaches.
        const sending = { protocol: sendingOf(container), ...(targetPort ? { port: targetPort } : {}) };
        for (const collector of behind) {
          const { config } = collectorConfigOf(collector, plan.of(T.configMap));
          const problem = config && otlpReceiverProblem(config, sending);
          if (problem) problems.push(`${collector.props.metadata?.name}: ${problem}`);
        }
        edges.push({
          caller: `vLLM servers of ${namespace}`,
          callee: `trace collector ${target.name}.${target.namespace}:${target.port}`,
          from: `namespace ${namespace}`,
          path: "pod network",
          dns: "cluster DNS",
          rules: admission.by ?? "denied",
          credential: "none (in-cluster)",
          problems,
          urn: server.urn,
        });
      }
    });
  for (const collector of collectors)
    edges.decide(collector.name, () => {
      const { config } = collectorConfigOf(collector, plan.of(T.configMap));
      if (
        !config ||
        !Object.keys(config.exporters ?? {}).some((e) => APP_INSIGHTS_EXPORTERS.includes(e.split("/")[0]!))
      )
        return;
      const problems = [...appInsightsExportProblems(config), ...collectorPodProblems(collector, config)];
      const namespace = String(collector.props.metadata?.namespace ?? "default");
      const accountName = String(collector.props.spec?.template?.spec?.serviceAccountName ?? "default");
      const account = plan
        .of(T.serviceAccount)
        .find((a) => a.props.metadata?.name === accountName && a.props.metadata?.namespace === namespace);
      const clientId = account?.props.metadata?.annotations?.["azure.workload.identity/client-id"];
      const identity = plan
        .of(T.identity)
        .find((i) => typeof clientId === "string" && lower(i.props.clientId) === lower(clientId));
      for (const component of plan.of(T.component)) {
        const name = nameOf(component, "resourceName");
        const held = identity
          ? grants(
              plan,
              ROLE.metricsPublisher,
              new Set([lower(identity.props.principalId)]),
              component,
              `Microsoft.Insights/components/${name}`,
            )
          : [];
        const own = [...problems];
        const ingestion = String(component.props.publicNetworkAccessForIngestion ?? "Enabled");
        if (ingestion === "Disabled")
          own.push(
            `${name} takes ingestion only through a private link scope, which the stack does not create: the spans are refused`,
          );
        if (component.props.disableLocalAuth === true && held.length === 0)
          own.push(
            `local authentication is off on ${name} and the collector's identity (${identity ? nameOf(identity, "resourceName") : `none on service account ${namespace}/${accountName}`}) holds no Monitoring Metrics Publisher on it: the spans are refused`,
          );
        edges.push({
          caller: `trace collector ${namespace}/${collector.props.metadata?.name}`,
          callee: `Application Insights ${name}`,
          from: `pods of ${namespace} (service account ${accountName})`,
          path: "cluster egress (public ingestion endpoint)",
          dns: "public DNS",
          rules: `public ingestion ${ingestion}`,
          credential:
            identity && held.length
              ? `workload identity ${nameOf(identity, "resourceName")} with Monitoring Metrics Publisher`
              : "none",
          problems: own,
          urn: collector.urn,
        });
      }
    });
}

function clusterEdges(plan: Plan, edges: EdgeSet): void {
  for (const scaled of plan.of(T.scaledObject))
    edges.decide(scaled.name, () => {
      for (const trigger of listOf(scaled.props.spec?.triggers).filter((t: any) => t?.type === "prometheus")) {
        let url: URL;
        try {
          url = new URL(String(trigger.metadata?.serverAddress ?? ""));
        } catch {
          edges.push({
            caller: "KEDA",
            callee: "Prometheus",
            from: KEDA_NAMESPACE,
            path: "none",
            dns: "none",
            rules: "",
            credential: "none",
            problems: [`the trigger's serverAddress "${trigger.metadata?.serverAddress}" is not a URL`],
            urn: scaled.urn,
          });
          continue;
        }
        const [service, namespace] = url.hostname.split(".");
        const port = url.port || "80";
        const admission = admittedBy(plan, namespace ?? "", PROMETHEUS_POD_LABELS, port, fromNamespace(KEDA_NAMESPACE));
        const problems = admission.open
          ? []
          : [
              `no NetworkPolicy of ${namespace} admits ${KEDA_NAMESPACE} (the KEDA add-on) to Prometheus on ${port}: the autoscaler never reads the queue and the fallback replicas hold`,
            ];
        edges.push({
          caller: `KEDA (${scaled.props.metadata?.namespace}/${scaled.props.metadata?.name})`,
          callee: `Prometheus ${service}.${namespace}:${port}`,
          from: `namespace ${KEDA_NAMESPACE}`,
          path: "pod network",
          dns: "cluster DNS",
          rules: admission.by ?? "denied",
          credential: "none (in-cluster)",
          problems,
          urn: scaled.urn,
        });
      }
    });
  for (const monitor of plan.of(T.podMonitor))
    edges.decide(monitor.name, () => {
      const namespace = String(monitor.props.metadata?.namespace ?? "default");
      const labels: Record<string, string> = monitor.props.spec?.selector?.matchLabels ?? {};
      const workload = [...plan.of(T.statefulSet), ...plan.of(T.deployment)].find(
        (w) =>
          w.props.metadata?.namespace === namespace &&
          selects(monitor.props.spec?.selector ?? {}, w.props.spec?.template?.metadata?.labels ?? {}),
      );
      const podLabels: Record<string, string> = workload?.props.spec?.template?.metadata?.labels ?? labels;
      for (const endpoint of listOf(monitor.props.spec?.podMetricsEndpoints)) {
        const named = listOf(workload?.props.spec?.template?.spec?.containers)
          .flatMap((c: any) => listOf(c?.ports))
          .find((p: any) => p?.name === endpoint?.port);
        const port = named?.containerPort ?? endpoint?.port;
        const admission = admittedBy(plan, namespace, podLabels, port, fromNamespace("monitoring"));
        const problems = admission.open
          ? []
          : [
              `no NetworkPolicy of ${namespace} admits the monitoring namespace to the pods on ${port}: the vLLM metrics, dashboards and alerts stay empty`,
            ];
        if (!named && workload)
          problems.push(`no container of ${workload.props.metadata?.name} names the port "${endpoint?.port}"`);
        edges.push({
          caller: "Prometheus (monitoring)",
          callee: `vLLM pods of ${namespace}:${port}${endpoint?.path ?? ""}`,
          from: "namespace monitoring",
          path: "pod network",
          dns: "none (pod addresses)",
          rules: admission.by ?? "denied",
          credential: "none (in-cluster)",
          problems,
          urn: monitor.urn,
        });
      }
    });
  for (const account of plan.of(T.serviceAccount))
    edges.decide(account.name, () => {
      const clientId = account.props.metadata?.annotations?.["azure.workload.identity/client-id"];
      if (clientId === undefined) return;
      edges.push(
        workloadIdentityEdge(
          plan,
          `pods of ${account.props.metadata?.namespace}`,
          String(account.props.metadata?.namespace),
          String(account.props.metadata?.name),
          clientId,
          [],
          account.urn,
        ),
      );
    });
  for (const release of plan.of(T.helmRelease))
    edges.decide(release.name, () => {
      const grafana = release.props.values?.grafana;
      const clientId = grafana?.serviceAccount?.annotations?.["azure.workload.identity/client-id"];
      if (clientId === undefined) return;
      const namespace = String(release.props.namespace ?? "default");
      const account = String(grafana.serviceAccount?.name ?? "grafana");
      edges.push({
        ...workloadIdentityEdge(
          plan,
          "Grafana",
          namespace,
          account,
          clientId,
          [{ id: ROLE.monitoringReader, name: "Monitoring Reader" }],
          release.urn,
        ),
        callee: "Azure Monitor (metrics and logs of the platform)",
      });
    });
}

/** The node resource group AKS bills the nodes in: the cluster's nodeResourceGroup, or AKS's default name. */
export function nodeResourceGroupOf(cluster: PlannedResource): string {
  const explicit = cluster.props.nodeResourceGroup;
  if (typeof explicit === "string" && explicit) return explicit;
  return `MC_${via(cluster, "resourceGroupName") ?? "<group>"}_${nameOf(cluster, "resourceName")}_${cluster.props.location}`;
}

/**
 * Whether a budget counts what is billed in resource group `group`: a budget on that group, or on the
 * subscription (every group, or a ResourceGroupName filter naming it). A budget whose scope the plan does
 * not show (an update's outputs omit it) counts the group only where its filter names it.
 */
export function budgetCovers(budget: Record<string, any>, group: string): boolean {
  const dimension = budget.filter?.dimensions;
  const named =
    dimension?.name === "ResourceGroupName" &&
    dimension.operator === "In" &&
    listOf(dimension.values).some((v: unknown) => lower(v) === lower(group));
  if (named) return true;
  const scope = lower(budget.scope);
  const rg = /\/resourcegroups\/([^/]+)$/.exec(scope)?.[1];
  if (rg) return rg === lower(group);
  return /^\/subscriptions\/[^/]+$/.test(scope) && !budget.filter;
}

function budgetEdges(plan: Plan, edges: EdgeSet): void {
  const cluster = plan.of(T.cluster)[0];
  for (const budget of plan.of(T.budget))
    edges.decide(budget.name, () => {
      const problems: string[] = [];
      const groups = [
        /\/resourceGroups\/([^/]+)$/i.exec(String(budget.props.scope ?? ""))?.[1],
        ...listOf(budget.props.filter?.dimensions?.values),
      ].filter((g): g is string => typeof g === "string");
      const covered: string[] = [];
      if (cluster) {
        const nodes = nodeResourceGroupOf(cluster);
        if (budgetCovers(budget.props, nodes)) covered.push(nodes);
        else
          problems.push(
            `the budget (${budget.props.scope ? `scope ${budget.props.scope}` : "its scope not shown"}${budget.props.filter ? ", filtered" : ""}) does not count the node resource group ${nodes}, where AKS bills the GPU nodes, their disks and load balancers: the biggest line of the cost table is never counted`,
          );
      }
      const counted = [...new Set([...groups, ...covered])];
      edges.push({
        caller: `budget ${nameOf(budget, "budgetName")}`,
        callee: "the stack's spend",
        from: "Cost Management",
        path: `billing scope${counted.length ? `: resource groups ${counted.join(", ")}` : budget.props.scope ? ` ${budget.props.scope}` : ""}`,
        dns: "-",
        rules: "-",
        credential: "-",
        problems,
        urn: budget.urn,
      });
    });
}

/** Every edge of the plan, with why it cannot work where it cannot. */
export function reachability(resources: readonly PlannedResource[]): Edge[] {
  return reachabilityOf(resources).edges;
}

/**
 * Every edge of the plan, and the callers whose edges a preview's unknown values leave undecided (each
 * caller on its own: an unknown value of one never hides another's edges), with the first such error.
 */
export function reachabilityOf(resources: readonly PlannedResource[]): {
  edges: Edge[];
  undecided: string[];
  firstUnknown?: Error;
} {
  const plan = new Plan(resources);
  const edges = new EdgeSet();
  for (const apim of plan.of(T.apim)) edges.decide(apim.name, () => gatewayEdges(plan, apim, edges));
  edges.decide("the cluster", () => clusterEdges(plan, edges));
  edges.decide("the model servers' spans", () => traceEdges(plan, edges));
  edges.decide("the budget", () => budgetEdges(plan, edges));
  return {
    edges: edges.edges,
    undecided: edges.undecided,
    ...(edges.firstUnknown ? { firstUnknown: edges.firstUnknown } : {}),
  };
}

/** The edges found, and the callers a preview's unknown values left undecided. */
class EdgeSet {
  readonly edges: Edge[] = [];
  readonly undecided: string[] = [];
  firstUnknown?: Error;
  /** Runs `build` for one caller: a value a preview does not know leaves that caller undecided, not the others. */
  decide(caller: string, build: () => void): void {
    try {
      build();
    } catch (error) {
      this.mark(caller, error);
    }
  }
  /** `read()`, or undefined where a preview does not know the value: then `caller` is undecided, never silently complete. */
  read<T>(caller: string, read: () => T): T | undefined {
    try {
      return read();
    } catch (error) {
      this.mark(caller, error);
      return undefined;
    }
  }
  private mark(caller: string, error: unknown): void {
    if (!isUnknownValueError(error)) throw error;
    if (!this.undecided.includes(caller)) this.undecided.push(caller);
    this.firstUnknown ??= error;
  }
  push(...edges: Edge[]): void {
    this.edges.push(...edges);
  }
}

/** The gateway's edges: its callers, and each backend, the cache and Application Insights it calls. */
function gatewayEdges(plan: Plan, apim: PlannedResource, edges: EdgeSet): void {
  const add = (build: () => Edge | undefined) =>
    edges.decide(apim.name, () => {
      const built = build();
      if (built) edges.push(built);
    });
  {
    const at = gatewayPlacement(plan, apim);
    add(() => clientsEdge(plan, apim, at));
    const accounts = new Map<string, { account: PlannedResource; backends: string[] }>();
    for (const backend of plan.of(T.backend)) {
      if (edges.read(`${apim.name}: backend ${backend.name}`, () => backend.props.type) === "Pool") continue;
      let url: URL;
      try {
        url = new URL(String(edges.read(`${apim.name}: backend ${backend.name}`, () => backend.props.url) ?? ""));
      } catch {
        continue;
      }
      const account = plan
        .of(T.account)
        .find(
          (a) =>
            lower(
              `${edges.read(`${apim.name}: account ${a.name}`, () => a.props.properties?.customSubDomainName)}.openai.azure.com`,
            ) === lower(url.hostname),
        );
      if (account) {
        const entry = accounts.get(account.name) ?? { account, backends: [] };
        entry.backends.push(String(backend.props.backendId ?? backend.name));
        accounts.set(account.name, entry);
      } else if (/^\d+\.\d+\.\d+\.\d+$/.test(url.hostname)) add(() => vllmEdge(plan, at, backend, url));
    }
    for (const { account, backends } of accounts.values()) add(() => accountEdge(plan, apim, at, account, backends));
    // The content checks' backend (a generic ARM resource: its managed-identity credentials have no typed field).
    for (const generic of plan.of(T.generic)) {
      const backend = edges.read(`${apim.name}: backend ${generic.name}`, () =>
        genericArmType(generic.props) === "Microsoft.ApiManagement/service/backends" ? generic.props : undefined,
      );
      const url = String(edges.read(`${apim.name}: backend ${generic.name}`, () => backend?.properties?.url) ?? "");
      const host = URL.canParse(url) ? lower(new URL(url).hostname) : undefined;
      const account =
        host &&
        plan
          .of(T.account)
          .find(
            (a) =>
              lower(
                `${edges.read(`${apim.name}: account ${a.name}`, () => a.props.properties?.customSubDomainName)}.cognitiveservices.azure.com`,
              ) === host,
          );
      if (account)
        add(() =>
          accountEdge(plan, apim, at, account, [String(backend?.resourceName ?? generic.name)], "contentSafety"),
        );
    }
    // The PII checks call Azure AI Language from the policy (send-request with the gateway identity's token).
    for (const account of plan
      .of(T.account)
      .filter((a) => edges.read(`${apim.name}: account ${a.name}`, () => a.props.kind) === "TextAnalytics"))
      add(() => accountEdge(plan, apim, at, account, [], "language"));
    for (const cache of plan.of(T.cache)) add(() => redisEdge(plan, at, cache));
    for (const logger of plan.of(T.logger)) add(() => insightsEdge(plan, apim, at, logger));
  }
}

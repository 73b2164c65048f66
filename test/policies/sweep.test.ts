// The mutation sweep: insecure edits to the real prod export, one at a time, each of which must draw a
// mandatory violation on the resource it changed (or, for a removal, on the resource left unprotected).
// The plan is computed once; each case edits a deep copy of its resources and runs the whole pack.
import { beforeAll, describe, expect, it } from "vitest";
import { policies } from "../../policies/rules";
import { baseEnforcement, buildPolicyConfig, policyFacts, type PolicyPackConfig } from "../../cli/engine/policyConfig";
import { evaluatePolicies, type CheckpointResource } from "../../cli/engine/policyRunner";
import { PROJECT_DIR, planStack, validConfig } from "../helpers";
import { parse, stringify } from "yaml";

type Props = Record<string, any>;
type Resources = CheckpointResource[];

interface Mutation {
  /** What a reviewer would call the change. */
  readonly name: string;
  /** The resource (by the last part of its URN) the violation must name. */
  readonly on: string;
  /** Edits the resources in place (a deep copy of the plan's). */
  readonly apply: (resources: Resources) => void;
}

const byName = (resources: Resources, name: string): CheckpointResource => {
  const found = resources.find((r) => r.urn.endsWith(`::${name}`));
  if (!found) throw new Error(`the prod plan has no resource ${name}`);
  return found;
};
/** Applies `edit` to a resource's inputs and outputs alike (resource rules read one, stack rules the other). */
const editProps = (name: string, edit: (p: Props) => void) => (resources: Resources) => {
  const r = byName(resources, name) as { inputs?: Props; outputs?: Props };
  for (const props of [r.inputs, r.outputs]) if (props && Object.keys(props).length > 0) edit(props);
};
const remove = (name: string) => (resources: Resources) => {
  resources.splice(resources.indexOf(byName(resources, name)), 1);
};
/** Adds a resource modelled on `like` (same parent and provider), with `type`, `name` and `props`. */
const add = (like: string, type: string, name: string, props: Props) => (resources: Resources) => {
  const model = byName(resources, like);
  // urn:pulumi:<stack>::<project>::<parent types>$<type>::<name>
  const [prefix, project, qualified] = model.urn.split("::");
  const parents = qualified!.split("$").slice(0, -1);
  resources.push({
    ...model,
    type,
    urn: [prefix, project, [...parents, type].join("$"), name].join("::"),
    inputs: props,
    outputs: props,
    dependencies: [],
    propertyDependencies: {},
  });
};
const xml = (name: string, edit: (value: string) => string) =>
  editProps(name, (p) => (p.value = edit(String(p.value))));

const API_POLICY = "gateway-openai-policy";
const OPERATION_POLICY = "gateway-openai-chat-completions-cache";
const VLLM = "serving-qwen-blue-vllm-a100-0";
const pod = (p: Props) => p.spec.template.spec;
const vllm = (p: Props) => pod(p).containers[0];
const DEVICE_PLUGIN = "cluster-nvidia-device-plugin";
const TRACE_COLLECTOR = "monitoring-trace-collector";
const TRACE_COLLECTOR_INGRESS = "monitoring-trace-collector-ingress";
const RELEASE = "monitoring-release";
const values = (p: Props) => p.values;
const TOKEN_LIMIT = /<llm-token-limit [^>]*\/>/g;

const MUTATIONS: Mutation[] = [
  // API Management: what the gateway will do, from the effective policy.
  {
    name: 'token limits only inside <when condition="@(false)">',
    on: API_POLICY,
    apply: xml(API_POLICY, (v) =>
      v.replace(TOKEN_LIMIT, (m) => `<choose><when condition="@(false)">${m}</when></choose>`),
    ),
  },
  { name: "token limits removed", on: API_POLICY, apply: xml(API_POLICY, (v) => v.replace(TOKEN_LIMIT, "")) },
  {
    name: "token limits in a branch of an undecidable condition",
    on: API_POLICY,
    apply: xml(API_POLICY, (v) =>
      v.replace(
        TOKEN_LIMIT,
        (m) =>
          `<choose><when condition="@(context.Request.Headers.ContainsKey(&quot;x-vip&quot;))"><set-variable name="vip" value="1"/></when><otherwise>${m}</otherwise></choose>`,
      ),
    ),
  },
  {
    name: "caller validation removed",
    on: API_POLICY,
    apply: xml(API_POLICY, (v) => v.replace(/<validate-azure-ad-token[\s\S]*?<\/validate-azure-ad-token>/, "")),
  },
  {
    name: "caller validation only under @(1 == 2)",
    on: API_POLICY,
    apply: xml(API_POLICY, (v) =>
      v.replace(
        /<validate-azure-ad-token[\s\S]*?<\/validate-azure-ad-token>/,
        (m) => `<choose><when condition="@(1 == 2)">${m}</when></choose>`,
      ),
    ),
  },
  {
    name: "managed-identity auth to Azure OpenAI removed",
    on: API_POLICY,
    apply: xml(API_POLICY, (v) => v.replace(/<authentication-managed-identity [^>]*\/>/g, "")),
  },
  {
    name: "the client's api-key header no longer stripped",
    on: API_POLICY,
    apply: xml(API_POLICY, (v) => v.replace(/<set-header name="api-key" exists-action="delete"\/>/, "")),
  },
  {
    name: "token metrics removed",
    on: API_POLICY,
    apply: xml(API_POLICY, (v) => v.replace(/<llm-emit-token-metric[\s\S]*?<\/llm-emit-token-metric>/, "")),
  },
  {
    name: "a retry in inbound",
    on: API_POLICY,
    apply: xml(API_POLICY, (v) =>
      v.replace(
        "<base/>",
        `<base/><retry condition="@(true)" count="3" interval="0"><set-variable name="x" value="1"/></retry>`,
      ),
    ),
  },
  { name: "the API policy is not XML", on: API_POLICY, apply: xml(API_POLICY, (v) => v.replace("</policies>", "")) },
  {
    name: "the chat-completions operation drops <base/> and routes to a backend itself",
    on: OPERATION_POLICY,
    apply: xml(OPERATION_POLICY, (v) =>
      v.replace("<inbound>\n    <base/>", `<inbound><set-backend-service backend-id="pool-chat-blue"/>`),
    ),
  },
  {
    name: "the operation routes to a plain-http base-url",
    on: OPERATION_POLICY,
    apply: xml(OPERATION_POLICY, (v) =>
      v.replace(
        "<inbound>\n    <base/>",
        `<inbound><base/><set-backend-service base-url="http://oai-genai-prod-eus2-dn2v9i.openai.azure.com/openai"/>`,
      ),
    ),
  },
  {
    name: "the operation routes to a base-url computed by an expression",
    on: OPERATION_POLICY,
    apply: xml(OPERATION_POLICY, (v) =>
      v.replace(
        "<inbound>\n    <base/>",
        `<inbound><base/><set-backend-service base-url="@((string)context.Variables[&quot;target&quot;])"/>`,
      ),
    ),
  },
  {
    name: "the operation's backend section drops <base/> and forwards without retry",
    on: OPERATION_POLICY,
    apply: xml(OPERATION_POLICY, (v) =>
      v.replace("<backend>\n    <base/>\n  </backend>", "<backend><forward-request/></backend>"),
    ),
  },
  {
    name: "a second API with no policy",
    on: "gateway-shadow",
    apply: add("gateway-openai", "azure-native:apimanagement:Api", "gateway-shadow", {
      apiId: "shadow",
      displayName: "shadow",
      path: "shadow",
      protocols: ["https"],
      subscriptionRequired: false,
      serviceName: "apim-genai-prod-xp3bec",
      resourceGroupName: "rg-genai-prod",
    }),
  },
  {
    name: "the API switched to subscription keys",
    on: "gateway-openai",
    apply: editProps("gateway-openai", (p) => (p.subscriptionRequired = true)),
  },
  {
    name: "the API on http and https",
    on: "gateway-openai",
    apply: editProps("gateway-openai", (p) => (p.protocols = ["http", "https"])),
  },
  {
    name: "the gateway outside the network",
    on: "gateway-service",
    apply: editProps("gateway-service", (p) => {
      p.virtualNetworkType = "None";
      delete p.virtualNetworkConfiguration;
      p.publicNetworkAccess = "Enabled";
    }),
  },
  {
    name: "the gateway in external VNet mode",
    on: "gateway-service",
    apply: editProps("gateway-service", (p) => (p.virtualNetworkType = "External")),
  },
  {
    name: "TLS 1.0 towards clients",
    on: "gateway-service",
    apply: editProps(
      "gateway-service",
      (p) => (p.customProperties["Microsoft.WindowsAzure.ApiManagement.Gateway.Security.Protocols.Tls10"] = "True"),
    ),
  },
  {
    name: "a subscription scoped to every API",
    on: "gateway-subscription-all",
    apply: add("gateway-openai", "azure-native:apimanagement:Subscription", "gateway-subscription-all", {
      sid: "all",
      displayName: "all",
      scope: "/apis",
      serviceName: "apim-genai-prod-xp3bec",
      resourceGroupName: "rg-genai-prod",
    }),
  },
  {
    name: "the cache connection named value not secret",
    on: "gateway-cache-connection",
    apply: editProps("gateway-cache-connection", (p) => (p.secret = false)),
  },
  {
    name: "a backend over http on the internet",
    on: "gateway-be-chat-blue-gpt-5-gstd-eus2",
    apply: editProps(
      "gateway-be-chat-blue-gpt-5-gstd-eus2",
      (p) => (p.url = "http://oai-genai-prod-eus2-dn2v9i.openai.azure.com/openai/deployments/chat-blue-gpt-5-gstd"),
    ),
  },
  {
    name: "a vLLM backend over http outside the nodes' subnet",
    on: "gateway-be-qwen-blue-vllm-a100-0",
    apply: editProps("gateway-be-qwen-blue-vllm-a100-0", (p) => (p.url = "http://20.50.1.2:8000/v1")),
  },
  {
    name: "a backend without a circuit breaker",
    on: "gateway-be-chat-blue-gpt-5-gptu-swc",
    apply: editProps("gateway-be-chat-blue-gpt-5-gptu-swc", (p) => delete p.circuitBreaker),
  },
  {
    name: "gateway diagnostics logging bodies",
    on: "gateway-diagnostic",
    apply: editProps("gateway-diagnostic", (p) => (p.frontend = { request: { body: { bytes: 8192 } } })),
  },

  // AKS and its pools.
  {
    name: "API server open to 0.0.0.0/0",
    on: "cluster-aks",
    apply: editProps(
      "cluster-aks",
      (p) => (p.apiServerAccessProfile = { enablePrivateCluster: false, authorizedIPRanges: ["0.0.0.0/0"] }),
    ),
  },
  {
    name: "API server public without ranges",
    on: "cluster-aks",
    apply: editProps("cluster-aks", (p) => (p.apiServerAccessProfile = {})),
  },
  { name: "Kubernetes RBAC off", on: "cluster-aks", apply: editProps("cluster-aks", (p) => (p.enableRBAC = false)) },
  {
    name: "Azure RBAC off",
    on: "cluster-aks",
    apply: editProps("cluster-aks", (p) => (p.aadProfile.enableAzureRBAC = false)),
  },
  {
    name: "local accounts on",
    on: "cluster-aks",
    apply: editProps("cluster-aks", (p) => (p.disableLocalAccounts = false)),
  },
  {
    name: "no network policy engine",
    on: "cluster-aks",
    apply: editProps("cluster-aks", (p) => (p.networkProfile.networkPolicy = "none")),
  },
  { name: "Free tier", on: "cluster-aks", apply: editProps("cluster-aks", (p) => (p.sku.tier = "Free")) },
  {
    name: "upgrade channel none",
    on: "cluster-aks",
    apply: editProps("cluster-aks", (p) => (p.autoUpgradeProfile.upgradeChannel = "none")),
  },
  {
    name: "node OS upgrade channel None",
    on: "cluster-aks",
    apply: editProps("cluster-aks", (p) => (p.autoUpgradeProfile.nodeOSUpgradeChannel = "None")),
  },
  {
    name: "workload identity off",
    on: "cluster-aks",
    apply: editProps("cluster-aks", (p) => (p.securityProfile = {})),
  },
  {
    name: "system pool nodes with public IPs",
    on: "cluster-aks",
    apply: editProps("cluster-aks", (p) => (p.agentPoolProfiles[0].enableNodePublicIP = true)),
  },
  {
    name: "GPU pool nodes with public IPs",
    on: "cluster-pool-a100",
    apply: editProps("cluster-pool-a100", (p) => (p.enableNodePublicIP = true)),
  },
  {
    name: "GPU pool without its taint",
    on: "cluster-pool-a100",
    apply: editProps("cluster-pool-a100", (p) => (p.nodeTaints = [])),
  },
  {
    name: "the cluster not protected",
    on: "cluster-aks",
    apply: (rs) => {
      (byName(rs, "cluster-aks") as { protect?: boolean }).protect = false;
    },
  },

  // The vLLM workload against the Pod Security Standards and the platform's hardening.
  {
    name: "vLLM runs as root (runAsUser 0)",
    on: VLLM,
    apply: editProps(VLLM, (p) => (pod(p).securityContext.runAsUser = 0)),
  },
  {
    name: "vLLM allows root (runAsNonRoot false on the container)",
    on: VLLM,
    apply: editProps(VLLM, (p) => (vllm(p).securityContext.runAsNonRoot = false)),
  },
  {
    name: "vLLM without runAsNonRoot",
    on: VLLM,
    apply: editProps(VLLM, (p) => delete pod(p).securityContext.runAsNonRoot),
  },
  {
    name: "vLLM adds SYS_ADMIN",
    on: VLLM,
    apply: editProps(VLLM, (p) => (vllm(p).securityContext.capabilities.add = ["SYS_ADMIN"])),
  },
  {
    name: "vLLM adds CHOWN (baseline, not restricted)",
    on: VLLM,
    apply: editProps(VLLM, (p) => (vllm(p).securityContext.capabilities.add = ["CHOWN"])),
  },
  {
    name: "vLLM drops no capability",
    on: VLLM,
    apply: editProps(VLLM, (p) => delete vllm(p).securityContext.capabilities),
  },
  {
    name: "vLLM mounts hostPath /",
    on: VLLM,
    apply: editProps(VLLM, (p) => pod(p).volumes.push({ name: "host", hostPath: { path: "/" } })),
  },
  {
    name: "vLLM drops its seccomp profile",
    on: VLLM,
    apply: editProps(VLLM, (p) => delete pod(p).securityContext.seccompProfile),
  },
  {
    name: "vLLM seccomp Unconfined on the container",
    on: VLLM,
    apply: editProps(VLLM, (p) => (vllm(p).securityContext.seccompProfile = { type: "Unconfined" })),
  },
  {
    name: "vLLM mounts the service-account token",
    on: VLLM,
    apply: editProps(VLLM, (p) => (pod(p).automountServiceAccountToken = true)),
  },
  { name: "vLLM privileged", on: VLLM, apply: editProps(VLLM, (p) => (vllm(p).securityContext.privileged = true)) },
  {
    name: "vLLM allows privilege escalation",
    on: VLLM,
    apply: editProps(VLLM, (p) => (vllm(p).securityContext.allowPrivilegeEscalation = true)),
  },
  { name: "vLLM on the host network", on: VLLM, apply: editProps(VLLM, (p) => (pod(p).hostNetwork = true)) },
  { name: "vLLM shares the host PID namespace", on: VLLM, apply: editProps(VLLM, (p) => (pod(p).hostPID = true)) },
  { name: "vLLM binds a host port", on: VLLM, apply: editProps(VLLM, (p) => (vllm(p).ports[0].hostPort = 8000)) },
  {
    name: "vLLM unmasks /proc",
    on: VLLM,
    apply: editProps(VLLM, (p) => (vllm(p).securityContext.procMount = "Unmasked")),
  },
  {
    name: "vLLM sets an unsafe sysctl",
    on: VLLM,
    apply: editProps(VLLM, (p) => (pod(p).securityContext.sysctls = [{ name: "kernel.msgmax", value: "65536" }])),
  },
  {
    name: "vLLM runs as SELinux spc_t",
    on: VLLM,
    apply: editProps(VLLM, (p) => (pod(p).securityContext.seLinuxOptions = { type: "spc_t" })),
  },
  {
    name: "vLLM AppArmor unconfined",
    on: VLLM,
    apply: editProps(VLLM, (p) => (vllm(p).securityContext.appArmorProfile = { type: "Unconfined" })),
  },
  {
    name: "vLLM with a writable root filesystem",
    on: VLLM,
    apply: editProps(VLLM, (p) => (vllm(p).securityContext.readOnlyRootFilesystem = false)),
  },
  {
    name: "vLLM without a memory limit",
    on: VLLM,
    apply: editProps(VLLM, (p) => delete vllm(p).resources.limits.memory),
  },
  { name: "vLLM without a readiness probe", on: VLLM, apply: editProps(VLLM, (p) => delete vllm(p).readinessProbe) },
  {
    name: "vLLM tolerations malformed (an object, not a list)",
    on: VLLM,
    apply: editProps(VLLM, (p) => (pod(p).tolerations = { key: "sku", value: "gpu" })),
  },
  {
    name: "vLLM containers malformed (an object, not a list)",
    on: VLLM,
    apply: editProps(VLLM, (p) => (pod(p).containers = { name: "vllm" })),
  },
  {
    name: "vLLM tolerating every taint",
    on: VLLM,
    apply: editProps(VLLM, (p) => (pod(p).tolerations = [{ operator: "Exists" }])),
  },
  {
    name: "vLLM by tag only (its digest dropped)",
    on: VLLM,
    apply: editProps(VLLM, (p) => (vllm(p).image = "vllm/vllm-openai:v0.30.0")),
  },
  {
    name: "the device plugin pinned to another digest",
    on: DEVICE_PLUGIN,
    apply: editProps(
      DEVICE_PLUGIN,
      (p) => (pod(p).containers[0].image = `nvcr.io/nvidia/k8s-device-plugin:v0.18.0@sha256:${"0".repeat(64)}`),
    ),
  },
  { name: "vLLM image latest", on: VLLM, apply: editProps(VLLM, (p) => (vllm(p).image = "vllm/vllm-openai:latest")) },
  {
    name: "vLLM with one replica and no disruption budget",
    on: VLLM,
    apply: (rs) => {
      editProps(VLLM, (p) => (p.spec.replicas = 1))(rs);
      remove("serving-qwen-blue-vllm-a100-0-pdb")(rs);
    },
  },
  {
    name: "the model server's load balancer public",
    on: "serving-qwen-blue-vllm-a100-0-service",
    apply: editProps(
      "serving-qwen-blue-vllm-a100-0-service",
      (p) => delete p.metadata.annotations["service.beta.kubernetes.io/azure-load-balancer-internal"],
    ),
  },
  {
    name: "the device plugin privileged",
    on: DEVICE_PLUGIN,
    apply: editProps(DEVICE_PLUGIN, (p) => (pod(p).containers[0].securityContext.privileged = true)),
  },
  {
    name: "the device plugin mounts hostPath / (its exception names one path)",
    on: DEVICE_PLUGIN,
    apply: editProps(DEVICE_PLUGIN, (p) => (pod(p).volumes[0].hostPath.path = "/")),
  },
  {
    name: "the device plugin adds SYS_ADMIN",
    on: DEVICE_PLUGIN,
    apply: editProps(DEVICE_PLUGIN, (p) => (pod(p).containers[0].securityContext.capabilities.add = ["SYS_ADMIN"])),
  },
  {
    name: "the device plugin mounts its token",
    on: DEVICE_PLUGIN,
    apply: editProps(DEVICE_PLUGIN, (p) => delete pod(p).automountServiceAccountToken),
  },

  // Namespaces and NetworkPolicies.
  {
    name: "the vLLM namespace enforces privileged",
    on: "serving-qwen-blue-namespace",
    apply: editProps(
      "serving-qwen-blue-namespace",
      (p) => (p.metadata.labels["pod-security.kubernetes.io/enforce"] = "privileged"),
    ),
  },
  {
    name: "the vLLM namespace enforces only baseline",
    on: "serving-qwen-blue-namespace",
    apply: editProps(
      "serving-qwen-blue-namespace",
      (p) => (p.metadata.labels["pod-security.kubernetes.io/enforce"] = "baseline"),
    ),
  },
  {
    name: "the vLLM namespace enforces nothing",
    on: "serving-qwen-blue-namespace",
    apply: editProps(
      "serving-qwen-blue-namespace",
      (p) => delete p.metadata.labels["pod-security.kubernetes.io/enforce"],
    ),
  },
  {
    name: "the monitoring namespace enforces privileged",
    on: "monitoring-namespace",
    apply: editProps(
      "monitoring-namespace",
      (p) => (p.metadata.labels["pod-security.kubernetes.io/enforce"] = "privileged"),
    ),
  },
  {
    name: "the vLLM default deny removed",
    on: "serving-qwen-blue-namespace",
    apply: remove("serving-qwen-blue-deny-ingress"),
  },
  { name: "the vLLM NetworkPolicy removed", on: VLLM, apply: remove("serving-qwen-blue-vllm-a100-0-ingress") },
  {
    name: "the vLLM NetworkPolicy opened to every source",
    on: "serving-qwen-blue-vllm-a100-0-ingress",
    apply: editProps("serving-qwen-blue-vllm-a100-0-ingress", (p) => (p.spec.ingress = [{}])),
  },
  {
    name: "the vLLM NetworkPolicy admits 0.0.0.0/0",
    on: "serving-qwen-blue-vllm-a100-0-ingress",
    apply: editProps(
      "serving-qwen-blue-vllm-a100-0-ingress",
      (p) => (p.spec.ingress[0].from = [{ ipBlock: { cidr: "0.0.0.0/0" } }]),
    ),
  },
  {
    name: "the vLLM NetworkPolicy admits every namespace",
    on: "serving-qwen-blue-vllm-a100-0-ingress",
    apply: editProps(
      "serving-qwen-blue-vllm-a100-0-ingress",
      (p) => (p.spec.ingress[1].from = [{ namespaceSelector: {} }]),
    ),
  },
  {
    name: "the vLLM NetworkPolicy admits the gateway subnet on every port",
    on: "serving-qwen-blue-vllm-a100-0-ingress",
    apply: editProps("serving-qwen-blue-vllm-a100-0-ingress", (p) => delete p.spec.ingress[0].ports),
  },
  { name: "the monitoring default deny removed", on: "monitoring-namespace", apply: remove("monitoring-deny-ingress") },
  {
    name: "the monitoring NetworkPolicy opened to every source",
    on: "monitoring-ingress",
    apply: editProps("monitoring-ingress", (p) => (p.spec.ingress = [{}])),
  },
  {
    name: "Prometheus' query port open to a namespace not declared",
    on: "monitoring-keda-ingress",
    apply: editProps(
      "monitoring-keda-ingress",
      (p) => (p.spec.ingress[0].from[0].namespaceSelector.matchLabels["kubernetes.io/metadata.name"] = "default"),
    ),
  },
  { name: "the PodMonitor removed", on: VLLM, apply: remove("serving-qwen-blue-monitor") },

  // kube-prometheus-stack values.
  {
    name: "Grafana anonymous Admin",
    on: RELEASE,
    apply: editProps(
      RELEASE,
      (p) => (values(p).grafana["grafana.ini"]["auth.anonymous"] = { enabled: true, org_role: "Admin" }),
    ),
  },
  {
    name: "Grafana behind an ingress",
    on: RELEASE,
    apply: editProps(RELEASE, (p) => (values(p).grafana.ingress = { enabled: true, hosts: ["grafana.example.com"] })),
  },
  {
    name: "Grafana on a LoadBalancer",
    on: RELEASE,
    apply: editProps(RELEASE, (p) => (values(p).grafana.service.type = "LoadBalancer")),
  },
  {
    name: "Prometheus on a NodePort",
    on: RELEASE,
    apply: editProps(RELEASE, (p) => (values(p).prometheus.service = { type: "NodePort" })),
  },
  {
    name: "Grafana's admin password in the values",
    on: RELEASE,
    apply: editProps(RELEASE, (p) => {
      delete values(p).grafana.admin;
      values(p).grafana.adminPassword = "admin";
    }),
  },
  {
    name: "Prometheus image tag latest",
    on: RELEASE,
    apply: editProps(
      RELEASE,
      (p) =>
        (values(p).prometheus.prometheusSpec.image = {
          registry: "quay.io",
          repository: "prometheus/prometheus",
          tag: "latest",
        }),
    ),
  },
  {
    name: "Grafana image with an empty tag",
    on: RELEASE,
    apply: editProps(RELEASE, (p) => (values(p).grafana.image = { repository: "grafana/grafana", tag: "" })),
  },
  {
    name: "Grafana running as root through values",
    on: RELEASE,
    apply: editProps(RELEASE, (p) => (values(p).grafana.securityContext = { runAsUser: 0, runAsNonRoot: false })),
  },
  {
    name: "a privileged container through values",
    on: RELEASE,
    apply: editProps(RELEASE, (p) => (values(p).prometheusOperator.containerSecurityContext = { privileged: true })),
  },
  {
    name: "Prometheus without retention",
    on: RELEASE,
    apply: editProps(RELEASE, (p) => delete values(p).prometheus.prometheusSpec.retention),
  },
  {
    name: "Prometheus without persistent storage",
    on: RELEASE,
    apply: editProps(RELEASE, (p) => delete values(p).prometheus.prometheusSpec.storageSpec),
  },
  { name: "the chart version a range", on: RELEASE, apply: editProps(RELEASE, (p) => (p.version = "~92.3.0")) },

  // Roles, Azure and Kubernetes.
  {
    name: "a workload granted AKS RBAC Cluster Admin",
    on: "grafana-monitoring-reader-gateway",
    apply: editProps(
      "grafana-monitoring-reader-gateway",
      (p) =>
        (p.roleDefinitionId = String(p.roleDefinitionId).replace(
          /[0-9a-f-]{36}$/,
          "b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b",
        )),
    ),
  },
  {
    name: "a workload granted AKS Cluster Admin Role",
    on: "gateway-openai-user-swc",
    apply: editProps(
      "gateway-openai-user-swc",
      (p) =>
        (p.roleDefinitionId = String(p.roleDefinitionId).replace(
          /[0-9a-f-]{36}$/,
          "0ab0b1a8-8aac-4efd-b8c2-3ee1fb270be8",
        )),
    ),
  },
  {
    name: "a workload granted Contributor",
    on: "gateway-openai-user-swc",
    apply: editProps(
      "gateway-openai-user-swc",
      (p) =>
        (p.roleDefinitionId = String(p.roleDefinitionId).replace(
          /[0-9a-f-]{36}$/,
          "b24988ac-6180-42a0-ab88-20f7382dd24c",
        )),
    ),
  },
  {
    name: "a role assignment scoped to the subscription",
    on: "gateway-openai-user-swc",
    apply: editProps(
      "gateway-openai-user-swc",
      (p) => (p.scope = "/subscriptions/3f9a2b71-6c4d-4e8f-a1b2-c3d4e5f60718"),
    ),
  },
  {
    name: "a ClusterRoleBinding to cluster-admin",
    on: "monitoring-admin-binding",
    apply: add(
      "monitoring-namespace",
      "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding",
      "monitoring-admin-binding",
      {
        metadata: { name: "grafana-admin" },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "cluster-admin" },
        subjects: [{ kind: "ServiceAccount", name: "grafana", namespace: "monitoring" }],
      },
    ),
  },

  // Accounts, cache and deployments (the first rounds' rules, kept honest by the same sweep).
  {
    name: "an account with keys on",
    on: "openai-swc-account",
    apply: editProps("openai-swc-account", (p) => (p.properties.disableLocalAuth = false)),
  },
  {
    name: "an account public",
    on: "openai-swc-account",
    apply: editProps("openai-swc-account", (p) => (p.properties.publicNetworkAccess = "Enabled")),
  },
  {
    name: "a deployment without its content filter",
    on: "openai-swc-chat-blue-gpt-5-gstd",
    apply: editProps("openai-swc-chat-blue-gpt-5-gstd", (p) => delete p.properties.raiPolicyName),
  },
  {
    name: "a deployment on an unpinned version",
    on: "openai-swc-chat-blue-gpt-5-gstd",
    apply: editProps("openai-swc-chat-blue-gpt-5-gstd", (p) => delete p.properties.model.version),
  },
  {
    name: "Redis accepting plain text",
    on: "cache-database",
    apply: editProps("cache-database", (p) => (p.clientProtocol = "Plaintext")),
  },
  // Reachability: deploys that would succeed and then not work.
  { name: "the internal gateway's A record removed", on: "gateway-service", apply: remove("gateway-dns") },
  {
    name: "the azure-api.net zone not linked to the network",
    on: "gateway-service",
    apply: remove("network-zone-apiManagement-link"),
  },
  {
    name: "the budget on the stack's resource group only",
    on: "budget-budget",
    apply: editProps("budget-budget", (p) => {
      p.scope = `${p.scope}/resourceGroups/rg-genai-prod`;
      delete p.filter;
    }),
  },
  {
    name: "the vLLM service rewriting the gateway's address",
    on: "serving-qwen-blue-vllm-a100-0-service",
    apply: editProps("serving-qwen-blue-vllm-a100-0-service", (p) => (p.spec.externalTrafficPolicy = "Cluster")),
  },
  {
    name: "no gateway identity with the OpenAI role on an account",
    on: "openai-eus2-account",
    apply: (r) => ["gateway-openai-user-eus2"].forEach((n) => remove(n)(r)),
  },
  {
    name: "a workload identity's federated subject naming another service account",
    on: "serving-qwen-blue-identity-identity",
    apply: editProps(
      "serving-qwen-blue-identity-kubernetes",
      (p) => (p.subject = "system:serviceaccount:vllm-qwen-blue:default"),
    ),
  },
  {
    name: "a vLLM server exporting no spans",
    on: VLLM,
    apply: editProps(VLLM, (p) => {
      const args: string[] = vllm(p).args;
      args.splice(args.indexOf("--otlp-traces-endpoint"), 2);
    }),
  },
  {
    name: "the model servers' namespace not admitted to the trace collector",
    on: VLLM,
    apply: remove(TRACE_COLLECTOR_INGRESS),
  },
  {
    name: "the trace collector's identity without Monitoring Metrics Publisher",
    on: TRACE_COLLECTOR,
    apply: remove("trace-collector-metrics-publisher"),
  },
  {
    name: "the trace collector sending to Application Insights without an Entra token",
    on: TRACE_COLLECTOR,
    apply: editProps(`${TRACE_COLLECTOR}-config`, (p) => {
      const config = parse(p.data["relay.yaml"]);
      delete config.exporters.azuremonitor.auth;
      p.data["relay.yaml"] = stringify(config);
    }),
  },
  {
    name: "the trace collector listening on localhost only",
    on: VLLM,
    apply: editProps(`${TRACE_COLLECTOR}-config`, (p) => {
      const config = parse(p.data["relay.yaml"]);
      config.receivers.otlp.protocols.grpc.endpoint = "localhost:4317";
      p.data["relay.yaml"] = stringify(config);
    }),
  },
  {
    name: "the trace collector's image by tag only",
    on: TRACE_COLLECTOR,
    apply: editProps(
      TRACE_COLLECTOR,
      (p) => (pod(p).containers[0].image = "otel/opentelemetry-collector-contrib:0.159.0"),
    ),
  },
  {
    name: "the trace collector running as root",
    on: TRACE_COLLECTOR,
    apply: editProps(TRACE_COLLECTOR, (p) => {
      pod(p).securityContext = { runAsUser: 0 };
    }),
  },
  {
    name: "an unclassified resource type",
    on: "gateway-mystery",
    apply: add("gateway-openai", "azure-native:apimanagement:Gateway", "gateway-mystery", { gatewayId: "self-hosted" }),
  },
];

describe("the mutation sweep over the prod export", () => {
  let resources: Resources;
  let config: PolicyPackConfig;
  beforeAll(async () => {
    resources = (await planStack("prod")).stackExport.deployment.resources as Resources;
    const platform = validConfig("prod");
    config = buildPolicyConfig(baseEnforcement(PROJECT_DIR, platform.environment), policyFacts(platform));
  });

  it("starts from a prod plan with no violation at all", async () => {
    expect(await evaluatePolicies(resources, policies, config)).toEqual([]);
  });

  it("names every case once", () => {
    expect(new Set(MUTATIONS.map((m) => m.name)).size).toBe(MUTATIONS.length);
  });

  it.each(MUTATIONS.map((m) => [m.name, m] as const))(
    "%s: a mandatory violation on the resource it changed",
    async (_name, mutation) => {
      const copy = structuredClone(resources);
      mutation.apply(copy);
      const violations = await evaluatePolicies(copy, policies, config);
      const onTarget = violations.filter(
        (v) => v.enforcementLevel === "mandatory" && v.urn?.endsWith(`::${mutation.on}`),
      );
      expect(
        onTarget.map((v) => `${v.policy}: ${v.message}`),
        `violations were: ${violations.map((v) => `${v.policy} on ${v.urn?.split("::").pop()}: ${v.message}`).join("\n")}`,
      ).not.toEqual([]);
    },
  );
});

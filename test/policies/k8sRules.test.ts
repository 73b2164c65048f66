// The Kubernetes and AKS rules: the platform's own objects pass, one failing mutation per requirement.
import { describe, expect, it } from "vitest";
import { policies } from "../../policies/rules";
import { TYPES } from "../../policies/lib";
import { runResourceRule, runStackRule, type FakeResource } from "./harness";

const rule = (name: string) => policies.find((p) => p.name === name)!;

const statefulSet = (change: (p: any) => void = () => {}): FakeResource => {
  const props: any = {
    apiVersion: "apps/v1",
    kind: "StatefulSet",
    metadata: { name: "vllm-a100-0", namespace: "vllm-qwen-blue" },
    spec: {
      replicas: 2,
      selector: { matchLabels: { "genai-platform/target": "vllm-a100-0" } },
      template: {
        metadata: { labels: { "genai-platform/target": "vllm-a100-0", "genai-platform/slot": "blue" } },
        spec: {
          nodeSelector: { "genai-platform/gpu-pool": "a100" },
          tolerations: [{ key: "sku", operator: "Equal", value: "gpu", effect: "NoSchedule" }],
          containers: [{
            name: "vllm",
            image: "vllm/vllm-openai:v0.30.0",
            resources: { requests: { "nvidia.com/gpu": "1" }, limits: { "nvidia.com/gpu": "1" } },
            securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
            startupProbe: { httpGet: { path: "/health", port: 8000 } },
            readinessProbe: { httpGet: { path: "/health", port: 8000 } },
            livenessProbe: { httpGet: { path: "/health", port: 8000 } },
          }],
        },
      },
    },
  };
  change(props);
  return { type: TYPES.statefulSet, name: "serving-qwen-blue-vllm-a100-0", props };
};
const container = (p: any) => p.spec.template.spec.containers[0];
const budget = (): FakeResource => ({ type: TYPES.podDisruptionBudget, name: "pdb", props: { metadata: { name: "vllm-a100-0", namespace: "vllm-qwen-blue" }, spec: { maxUnavailable: 1, selector: { matchLabels: { "genai-platform/target": "vllm-a100-0" } } } } });
const violations = async (name: string, resource: FakeResource) => (await runResourceRule(rule(name), resource)).violations;

describe("security-k8s-image-pinned", () => {
  it("passes a version tag and a digest", async () => {
    expect(await violations("security-k8s-image-pinned", statefulSet())).toEqual([]);
    expect(await violations("security-k8s-image-pinned", statefulSet((p) => (container(p).image = `registry.local:5000/vllm@sha256:${"a".repeat(64)}`)))).toEqual([]);
  });
  it.each(["vllm/vllm-openai:latest", "vllm/vllm-openai", "registry.local:5000/vllm"])("fails %s", async (image) => {
    expect(await violations("security-k8s-image-pinned", statefulSet((p) => (container(p).image = image)))).toEqual([`container vllm: image "${image}" is not pinned to a version tag or digest`]);
  });
});

describe("security-k8s-no-privilege", () => {
  it("passes the model server", async () => expect(await violations("security-k8s-no-privilege", statefulSet())).toEqual([]));
  it("fails privileged containers, escalation and host namespaces", async () => {
    const bad = statefulSet((p) => {
      container(p).securityContext = { privileged: true };
      p.spec.template.spec.hostNetwork = true;
    });
    expect(await violations("security-k8s-no-privilege", bad)).toEqual([
      "hostNetwork is on: the pod shares the node's namespace",
      "container vllm is privileged",
      "container vllm does not set allowPrivilegeEscalation: false",
    ]);
  });
});

describe("reliability-k8s-gpu-workload", () => {
  it("passes the model server", async () => expect(await violations("reliability-k8s-gpu-workload", statefulSet())).toEqual([]));
  it("fails GPU limits above requests, a missing toleration, no pool selection and missing probes", async () => {
    const bad = statefulSet((p) => {
      container(p).resources.limits["nvidia.com/gpu"] = "2";
      delete container(p).startupProbe;
      p.spec.template.spec.tolerations = [];
      delete p.spec.template.spec.nodeSelector;
    });
    expect(await violations("reliability-k8s-gpu-workload", bad)).toEqual([
      "container vllm: nvidia.com/gpu requests 1 but limits 2: set them equal",
      "container vllm has no startupProbe",
      "the pod does not tolerate the GPU pools' taint sku=gpu:NoSchedule: it never schedules on them",
      "the pod selects no GPU pool (nodeSelector or node affinity): it may land on any pool that tolerates it",
    ]);
  });
  it("leaves workloads without GPUs alone", async () => {
    expect(await violations("reliability-k8s-gpu-workload", statefulSet((p) => (container(p).resources = {})))).toEqual([]);
  });
});

describe("security-k8s-internal-load-balancer", () => {
  const service = (annotations: Record<string, string>): FakeResource => ({ type: TYPES.k8sService, name: "svc", props: { metadata: { annotations }, spec: { type: "LoadBalancer" } } });
  it("passes an internal load balancer", async () => {
    expect(await violations("security-k8s-internal-load-balancer", service({ "service.beta.kubernetes.io/azure-load-balancer-internal": "true" }))).toEqual([]);
  });
  it("fails a public one", async () => {
    expect(await violations("security-k8s-internal-load-balancer", service({}))).toEqual(['a LoadBalancer Service without service.beta.kubernetes.io/azure-load-balancer-internal: "true" gets a public IP']);
  });
});

describe("security-aks-hardened", () => {
  const cluster = (change: (p: any) => void = () => {}): FakeResource => {
    const props: any = {
      disableLocalAccounts: true,
      aadProfile: { managed: true, enableAzureRBAC: true },
      oidcIssuerProfile: { enabled: true },
      securityProfile: { workloadIdentity: { enabled: true } },
      networkProfile: { networkPlugin: "azure", networkPolicy: "cilium" },
      apiServerAccessProfile: { enablePrivateCluster: true },
    };
    change(props);
    return { type: TYPES.managedCluster, name: "cluster-aks", props };
  };
  it("passes the platform's cluster, private or with authorized ranges", async () => {
    expect(await violations("security-aks-hardened", cluster())).toEqual([]);
    expect(await violations("security-aks-hardened", cluster((p) => (p.apiServerAccessProfile = { authorizedIPRanges: ["203.0.113.0/24"] })))).toEqual([]);
  });
  it("fails each weakening", async () => {
    const bad = cluster((p) => {
      p.disableLocalAccounts = false;
      p.aadProfile.enableAzureRBAC = false;
      p.securityProfile = {};
      p.networkProfile.networkPolicy = "none";
      p.apiServerAccessProfile = {};
    });
    expect(await violations("security-aks-hardened", bad)).toEqual([
      "local accounts are on: a static admin kubeconfig bypasses Entra ID",
      "Azure RBAC for Kubernetes authorization is off",
      "workload identity (OIDC issuer and workload identity) is off: pods would need secrets to reach Azure",
      "no network policy engine: NetworkPolicies are ignored",
      "the API server is public to every address: make the cluster private or set authorizedIPRanges",
    ]);
  });
});

describe("reliability-k8s-replicas-and-pdb", () => {
  const policy = rule("reliability-k8s-replicas-and-pdb");
  it("passes two replicas under a budget", async () => expect((await runStackRule(policy, [statefulSet(), budget()])).violations).toEqual([]));
  it("fails one replica, and a server no budget covers", async () => {
    expect((await runStackRule(policy, [statefulSet((p) => (p.spec.replicas = 1))])).violations).toEqual([
      "serving-qwen-blue-vllm-a100-0: 1 replica: one disruption takes the model offline",
      "serving-qwen-blue-vllm-a100-0: no PodDisruptionBudget selects its pods",
    ]);
  });
});

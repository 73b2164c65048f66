// The Kubernetes and AKS rules: the platform's own objects pass, one failing mutation per requirement.
import { describe, expect, it } from "vitest";
import { policies } from "../../policies/rules";
import { TYPES } from "../../policies/lib";
import { runResourceRule, runStackRule, type FakeResource } from "./harness";
import { apiPolicy } from "../../components/gateway/apiPolicy";
import { renderPolicy } from "../../components/gateway/policyXml";
import { endpointRoutes } from "../../components/gateway/routes";

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
          containers: [
            {
              name: "vllm",
              image: "vllm/vllm-openai:v0.30.0",
              resources: { requests: { "nvidia.com/gpu": "1" }, limits: { "nvidia.com/gpu": "1" } },
              securityContext: {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                capabilities: { drop: ["ALL"] },
              },
              startupProbe: { httpGet: { path: "/health", port: 8000 } },
              readinessProbe: { httpGet: { path: "/health", port: 8000 } },
              livenessProbe: { httpGet: { path: "/health", port: 8000 } },
            },
          ],
        },
      },
    },
  };
  change(props);
  return { type: TYPES.statefulSet, name: "serving-qwen-blue-vllm-a100-0", props };
};
const container = (p: any) => p.spec.template.spec.containers[0];
const budget = (): FakeResource => ({
  type: TYPES.podDisruptionBudget,
  name: "pdb",
  props: {
    metadata: { name: "vllm-a100-0", namespace: "vllm-qwen-blue" },
    spec: { maxUnavailable: 1, selector: { matchLabels: { "genai-platform/target": "vllm-a100-0" } } },
  },
});
const violations = async (name: string, resource: FakeResource) =>
  (await runResourceRule(rule(name), resource)).violations;

describe("security-k8s-image-pinned", () => {
  it("passes a version tag and a digest", async () => {
    expect(await violations("security-k8s-image-pinned", statefulSet())).toEqual([]);
    expect(
      await violations(
        "security-k8s-image-pinned",
        statefulSet((p) => (container(p).image = `registry.local:5000/vllm@sha256:${"a".repeat(64)}`)),
      ),
    ).toEqual([]);
  });
  it.each(["vllm/vllm-openai:latest", "vllm/vllm-openai", "registry.local:5000/vllm"])("fails %s", async (image) => {
    expect(
      await violations(
        "security-k8s-image-pinned",
        statefulSet((p) => (container(p).image = image)),
      ),
    ).toEqual([`container vllm: image "${image}" is not pinned to a version tag or digest`]);
  });
});

describe("security-k8s-image-digest", () => {
  const policy = "security-k8s-image-digest";
  const DIGEST = `sha256:${"a".repeat(64)}`;
  const config = { digests: { "vllm/vllm-openai:v0.30.0": DIGEST } };
  const run = async (image: string) =>
    (
      await runResourceRule(
        rule(policy),
        statefulSet((p) => (container(p).image = image)),
        config,
      )
    ).violations;
  it("passes an image pinned to its sourced digest, and an image the tables have no digest for", async () => {
    expect(await run(`vllm/vllm-openai:v0.30.0@${DIGEST}`)).toEqual([]);
    expect(await run("vllm/vllm-openai:v0.29.1")).toEqual([]);
  });
  it("fails the tag alone, and another digest", async () => {
    expect(await run("vllm/vllm-openai:v0.30.0")).toEqual([
      `vllm-qwen-blue/vllm-a100-0: container vllm runs vllm/vllm-openai:v0.30.0 by tag only; its dated table records the digest ${DIGEST}`,
    ]);
    expect(await run(`vllm/vllm-openai:v0.30.0@sha256:${"b".repeat(64)}`)).toEqual([
      `vllm-qwen-blue/vllm-a100-0: container vllm pins sha256:${"b".repeat(64)} for vllm/vllm-openai:v0.30.0, but the dated table records ${DIGEST}`,
    ]);
  });
});

describe("security-k8s-pod-security", () => {
  const policy = "security-k8s-pod-security";
  const restricted = (change: (p: any) => void = () => {}) =>
    statefulSet((p) => {
      p.spec.template.spec.securityContext = {
        runAsNonRoot: true,
        runAsUser: 1000,
        seccompProfile: { type: "RuntimeDefault" },
      };
      change(p);
    });
  it("passes the model server at restricted", async () => expect(await violations(policy, restricted())).toEqual([]));
  it.each<[string, (p: any) => void, string]>([
    ["privileged", (p) => (container(p).securityContext.privileged = true), "Privileged Containers"],
    [
      "escalation allowed",
      (p) => (container(p).securityContext.allowPrivilegeEscalation = true),
      "Privilege Escalation",
    ],
    ["the host network", (p) => (p.spec.template.spec.hostNetwork = true), "Host Namespaces"],
    ["SYS_ADMIN added", (p) => (container(p).securityContext.capabilities.add = ["SYS_ADMIN"]), "Capabilities"],
    [
      "a hostPath",
      (p) => (p.spec.template.spec.volumes = [{ name: "root", hostPath: { path: "/" } }]),
      "HostPath Volumes",
    ],
    ["root", (p) => (p.spec.template.spec.securityContext.runAsUser = 0), "Running as Non-root user"],
    ["no seccomp", (p) => delete p.spec.template.spec.securityContext.seccompProfile, "Seccomp"],
  ])("fails %s, naming the control", async (_case, change, control) => {
    const found = await violations(policy, restricted(change));
    expect(found.length).toBeGreaterThan(0);
    expect(found.every((v) => v.startsWith("vllm-qwen-blue/vllm-a100-0: "))).toBe(true);
    expect(found.some((v) => v.endsWith(`: ${control})`))).toBe(true);
  });
  it("excuses a named exception's controls, and only its host paths", async () => {
    const plugin = (path: string): FakeResource => ({
      type: TYPES.daemonSet,
      name: "cluster-nvidia-device-plugin",
      props: {
        metadata: { name: "nvidia-device-plugin", namespace: "kube-system" },
        spec: {
          template: {
            spec: {
              securityContext: { seccompProfile: { type: "RuntimeDefault" } },
              containers: [
                {
                  name: "plugin",
                  image: "nvcr.io/nvidia/k8s-device-plugin:v0.18.0",
                  securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
                },
              ],
              volumes: [{ name: "device-plugin", hostPath: { path } }],
            },
          },
        },
      },
    });
    expect(await violations(policy, plugin("/var/lib/kubelet/device-plugins"))).toEqual([]);
    expect(await violations(policy, plugin("/"))).toEqual([
      "kube-system/nvidia-device-plugin: mounts host path /, beyond its exception's paths (Pod Security Standards baseline: HostPath Volumes)",
    ]);
  });
});

describe("security-k8s-workload-hardened", () => {
  const policy = "security-k8s-workload-hardened";
  const hardened = (change: (p: any) => void = () => {}) =>
    statefulSet((p) => {
      p.spec.template.spec.automountServiceAccountToken = false;
      container(p).resources.requests.memory = "32Gi";
      container(p).resources.limits.memory = "48Gi";
      container(p).ports = [{ containerPort: 8000 }];
      change(p);
    });
  it("passes the model server", async () => expect(await violations(policy, hardened())).toEqual([]));
  it.each<[string, (p: any) => void, string]>([
    [
      "no memory request",
      (p) => delete container(p).resources.requests.memory,
      "vllm-qwen-blue/vllm-a100-0: container vllm requests no memory: the scheduler cannot place it safely",
    ],
    [
      "no memory limit",
      (p) => delete container(p).resources.limits.memory,
      "vllm-qwen-blue/vllm-a100-0: container vllm has no memory limit: it can starve its node",
    ],
    [
      "a writable root",
      (p) => (container(p).securityContext.readOnlyRootFilesystem = false),
      "vllm-qwen-blue/vllm-a100-0: container vllm has a writable root filesystem (readOnlyRootFilesystem is not true)",
    ],
    [
      "no liveness probe",
      (p) => delete container(p).livenessProbe,
      "vllm-qwen-blue/vllm-a100-0: container vllm serves a port without a livenessProbe",
    ],
    [
      "a mounted token",
      (p) => delete p.spec.template.spec.automountServiceAccountToken,
      "vllm-qwen-blue/vllm-a100-0: mounts a service-account token (automountServiceAccountToken is not false) but does not call the API server",
    ],
  ])("fails %s", async (_case, change, message) =>
    expect(await violations(policy, hardened(change))).toEqual([message]),
  );
});

describe("reliability-k8s-gpu-workload", () => {
  it("passes the model server", async () =>
    expect(await violations("reliability-k8s-gpu-workload", statefulSet())).toEqual([]));
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
      "the pod does not tolerate the GPU pools' taint sku=gpu:NoSchedule exactly (key, operator Equal, value, effect): it never schedules on them, or tolerates more than it should",
      "the pod selects no GPU pool (nodeSelector or node affinity): it may land on any pool that tolerates it",
    ]);
  });
  it("fails a toleration of every taint, even beside the exact one", async () => {
    expect(
      await violations(
        "reliability-k8s-gpu-workload",
        statefulSet((p) => p.spec.template.spec.tolerations.push({ operator: "Exists" })),
      ),
    ).toEqual([
      "the pod tolerates every taint (operator Exists without a key): it may land on the system pool or any other pool",
    ]);
  });
  it("leaves workloads without GPUs alone", async () => {
    expect(
      await violations(
        "reliability-k8s-gpu-workload",
        statefulSet((p) => (container(p).resources = {})),
      ),
    ).toEqual([]);
  });
});

describe("security-k8s-internal-load-balancer", () => {
  const service = (annotations: Record<string, string>): FakeResource => ({
    type: TYPES.k8sService,
    name: "svc",
    props: { metadata: { annotations }, spec: { type: "LoadBalancer" } },
  });
  it("passes an internal load balancer", async () => {
    expect(
      await violations(
        "security-k8s-internal-load-balancer",
        service({ "service.beta.kubernetes.io/azure-load-balancer-internal": "true" }),
      ),
    ).toEqual([]);
  });
  it("fails a public one", async () => {
    expect(await violations("security-k8s-internal-load-balancer", service({}))).toEqual([
      'a LoadBalancer Service without service.beta.kubernetes.io/azure-load-balancer-internal: "true" gets a public IP',
    ]);
  });
});

describe("security-aks-hardened", () => {
  const cluster = (change: (p: any) => void = () => {}): FakeResource => {
    const props: any = {
      enableRBAC: true,
      disableLocalAccounts: true,
      aadProfile: { managed: true, enableAzureRBAC: true },
      oidcIssuerProfile: { enabled: true },
      securityProfile: { workloadIdentity: { enabled: true } },
      networkProfile: { networkPlugin: "azure", networkPolicy: "cilium" },
      apiServerAccessProfile: { enablePrivateCluster: true },
      autoUpgradeProfile: { upgradeChannel: "patch", nodeOSUpgradeChannel: "NodeImage" },
      agentPoolProfiles: [{ name: "system", mode: "System" }],
    };
    change(props);
    return { type: TYPES.managedCluster, name: "cluster-aks", props };
  };
  it("passes the platform's cluster, private or with authorized ranges", async () => {
    expect(await violations("security-aks-hardened", cluster())).toEqual([]);
    expect(
      await violations(
        "security-aks-hardened",
        cluster((p) => (p.apiServerAccessProfile = { authorizedIPRanges: ["203.0.113.0/24"] })),
      ),
    ).toEqual([]);
  });
  it.each<[string, (p: any) => void, string]>([
    [
      "Kubernetes RBAC off",
      (p) => (p.enableRBAC = false),
      "Kubernetes RBAC is off (enableRBAC): every signed-in user could do anything",
    ],
    [
      "Kubernetes RBAC left to the default",
      (p) => delete p.enableRBAC,
      "Kubernetes RBAC is not set explicitly (enableRBAC): every signed-in user could do anything",
    ],
    [
      "local accounts",
      (p) => (p.disableLocalAccounts = false),
      "local accounts are on: a static admin kubeconfig bypasses Entra ID",
    ],
    ["Azure RBAC off", (p) => (p.aadProfile.enableAzureRBAC = false), "Azure RBAC for Kubernetes authorization is off"],
    [
      "workload identity off",
      (p) => (p.securityProfile = {}),
      "workload identity (OIDC issuer and workload identity) is off: pods would need secrets to reach Azure",
    ],
    [
      "no network policy",
      (p) => (p.networkProfile.networkPolicy = "none"),
      "no network policy engine: NetworkPolicies are ignored",
    ],
    [
      "a public API server",
      (p) => (p.apiServerAccessProfile = {}),
      "the API server is public to every address: make the cluster private or set authorizedIPRanges",
    ],
    [
      "0.0.0.0/0 authorized",
      (p) => (p.apiServerAccessProfile = { authorizedIPRanges: ["0.0.0.0/0"] }),
      'apiServerAccessProfile.authorizedIPRanges: "0.0.0.0/0" opens the API server to a /0 of the internet',
    ],
    [
      "a /4 authorized",
      (p) => (p.apiServerAccessProfile = { authorizedIPRanges: ["203.0.113.0/24", "64.0.0.0/4"] }),
      'apiServerAccessProfile.authorizedIPRanges: "64.0.0.0/4" opens the API server to a /4 of the internet',
    ],
    [
      "a malformed range",
      (p) => (p.apiServerAccessProfile = { authorizedIPRanges: ["everyone"] }),
      'apiServerAccessProfile.authorizedIPRanges: "everyone" is not an IP range',
    ],
    [
      "upgrade channel none",
      (p) => (p.autoUpgradeProfile.upgradeChannel = "none"),
      "autoUpgradeProfile.upgradeChannel is none: security patches wait for someone to apply them",
    ],
    [
      "no node OS channel",
      (p) => delete p.autoUpgradeProfile.nodeOSUpgradeChannel,
      "autoUpgradeProfile.nodeOSUpgradeChannel is unset: security patches wait for someone to apply them",
    ],
    [
      "nodes with public IPs",
      (p) => (p.agentPoolProfiles[0].enableNodePublicIP = true),
      "node pool system: every node gets a public IP (enableNodePublicIP)",
    ],
  ])("fails %s", async (_case, change, message) =>
    expect(await violations("security-aks-hardened", cluster(change))).toEqual([message]),
  );
});

describe("reliability-aks-standard-tier", () => {
  const cluster = (tier?: string): FakeResource => ({
    type: TYPES.managedCluster,
    name: "cluster-aks",
    props: tier ? { sku: { name: "Base", tier } } : {},
  });
  it("passes Standard and Premium", async () => {
    expect(await violations("reliability-aks-standard-tier", cluster("Standard"))).toEqual([]);
    expect(await violations("reliability-aks-standard-tier", cluster("Premium"))).toEqual([]);
  });
  it("fails Free, stated or by default", async () => {
    expect(await violations("reliability-aks-standard-tier", cluster("Free"))).toEqual([
      "the control plane is on the Free tier: no uptime SLA",
    ]);
    expect(await violations("reliability-aks-standard-tier", cluster())).toEqual([
      "the control plane is on the Free tier: no uptime SLA",
    ]);
  });
});

describe("security-aks-node-pool-hardened", () => {
  const pool = (change: (p: any) => void = () => {}): FakeResource => {
    const props: any = {
      agentPoolName: "a100",
      vmSize: "Standard_NC24ads_A100_v4",
      gpuProfile: { driver: "Install" },
      nodeTaints: ["sku=gpu:NoSchedule"],
    };
    change(props);
    return { type: TYPES.agentPool, name: "cluster-pool-a100", props };
  };
  it("passes a tainted GPU pool and an untainted general pool", async () => {
    expect(await violations("security-aks-node-pool-hardened", pool())).toEqual([]);
    expect(
      await violations(
        "security-aks-node-pool-hardened",
        pool((p) => {
          p.vmSize = "Standard_D4ds_v5";
          delete p.gpuProfile;
          p.nodeTaints = [];
        }),
      ),
    ).toEqual([]);
  });
  it.each<[string, (p: any) => void, string]>([
    [
      "an untainted GPU pool",
      (p) => (p.nodeTaints = []),
      "GPU pool a100 (Standard_NC24ads_A100_v4) is not tainted sku=gpu:NoSchedule: any pod may take its GPUs' nodes",
    ],
    [
      "an N-series pool without a GPU profile or taint",
      (p) => {
        delete p.gpuProfile;
        p.vmSize = "Standard_ND96isr_H100_v5";
        p.nodeTaints = ["other=x:NoSchedule"];
      },
      "GPU pool a100 (Standard_ND96isr_H100_v5) is not tainted sku=gpu:NoSchedule: any pod may take its GPUs' nodes",
    ],
    [
      "public node IPs",
      (p) => (p.enableNodePublicIP = true),
      "pool a100: every node gets a public IP (enableNodePublicIP)",
    ],
  ])("fails %s", async (_case, change, message) =>
    expect(await violations("security-aks-node-pool-hardened", pool(change))).toEqual([message]),
  );
});

describe("security-k8s-no-cluster-admin-binding", () => {
  const binding = (name: string, kind = "ClusterRole"): FakeResource => ({
    type: "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding",
    name: "binding",
    props: {
      roleRef: { kind, name },
      subjects: [{ kind: "ServiceAccount", namespace: "monitoring", name: "grafana" }],
    },
  });
  it("passes a binding of a narrower role", async () =>
    expect(await violations("security-k8s-no-cluster-admin-binding", binding("view"))).toEqual([]));
  it("fails cluster-admin", async () => {
    expect(await violations("security-k8s-no-cluster-admin-binding", binding("cluster-admin"))).toEqual([
      "binds cluster-admin to ServiceAccount monitoring/grafana: full control of the cluster",
    ]);
  });
});

describe("reliability-k8s-replicas-and-pdb", () => {
  const policy = rule("reliability-k8s-replicas-and-pdb");
  it("passes two replicas under a budget", async () =>
    expect((await runStackRule(policy, [statefulSet(), budget()])).violations).toEqual([]));
  it("fails one replica, and a server no budget covers", async () => {
    expect((await runStackRule(policy, [statefulSet((p) => (p.spec.replicas = 1))])).violations).toEqual([
      "serving-qwen-blue-vllm-a100-0: 1 replica: one disruption takes the model offline",
      "serving-qwen-blue-vllm-a100-0: no PodDisruptionBudget selects its pods",
    ]);
  });

  // qwen: blue takes every request, green is idle at weight 0 (the gateway's draw never names it).
  const gatewayTo = (weights: { blue: number; green: number }): FakeResource[] => [
    { type: "azure-native:apimanagement:Api", name: "api", props: { name: "openai", path: "openai" } },
    {
      type: TYPES.apimApiPolicy,
      name: "api-policy",
      props: {
        format: "rawxml",
        value: renderPolicy(
          apiPolicy({
            auth: "entra-id",
            tenantId: "t",
            audiences: ["a"],
            teams: [{ name: "assistant", applicationIds: ["app"], endpoints: ["qwen"], tokensPerMinute: 1000 }],
            identityClientId: "{{x}}",
            endpoints: endpointRoutes({
              qwen: {
                slots: {
                  blue: { weight: weights.blue, targets: [{ kind: "vllm" }] },
                  green: { weight: weights.green, targets: [{ kind: "vllm" }] },
                },
              },
            }),
            retryAfterSeconds: 60,
          }),
        ),
      },
      dependsOn: { apiId: ["api"] },
    },
    ...(["blue", "green"] as const).flatMap((colour, i): FakeResource[] => [
      {
        type: TYPES.apimBackend,
        name: `pool-qwen-${colour}`,
        props: {
          name: `pool-qwen-${colour}`,
          type: "Pool",
          pool: { services: [{ id: `/backends/be-qwen-${colour}-vllm-a100-0`, priority: 1 }] },
        },
      },
      {
        type: TYPES.apimBackend,
        name: `be-qwen-${colour}-vllm-a100-0`,
        props: { name: `be-qwen-${colour}-vllm-a100-0`, url: `http://10.40.31.20${i}:8000/v1` },
      },
      {
        type: TYPES.k8sService,
        name: `serving-qwen-${colour}-vllm-a100-0-service`,
        props: {
          metadata: {
            name: "vllm-a100-0",
            namespace: `vllm-qwen-${colour}`,
            annotations: { "service.beta.kubernetes.io/azure-load-balancer-ipv4": `10.40.31.20${i}` },
          },
          spec: {
            type: "LoadBalancer",
            selector: { "genai-platform/target": "vllm-a100-0", "genai-platform/slot": colour },
          },
        },
      },
      {
        ...statefulSet((p) => {
          p.metadata.namespace = `vllm-qwen-${colour}`;
          p.spec.template.metadata.labels["genai-platform/slot"] = colour;
          p.spec.replicas = colour === "green" ? 0 : 2;
        }),
        name: `serving-qwen-${colour}-vllm-a100-0`,
      },
      {
        ...budget(),
        name: `serving-qwen-${colour}-vllm-a100-0-pdb`,
        props: { ...budget().props, metadata: { name: "vllm-a100-0", namespace: `vllm-qwen-${colour}` } },
      },
    ]),
  ];
  it("passes an idle colour at zero replicas that no gateway path reaches", async () =>
    expect((await runStackRule(policy, gatewayTo({ blue: 100, green: 0 }))).violations).toEqual([]));
  it("fails a colour at zero replicas that the gateway routes to", async () =>
    expect((await runStackRule(policy, gatewayTo({ blue: 50, green: 50 }))).violations).toEqual([
      "serving-qwen-green-vllm-a100-0: 0 replicas, but the gateway routes requests to 10.40.31.201: every one of them fails",
    ]));
  it("fails zero replicas when the gateway's policy cannot be followed", async () => {
    const resources = gatewayTo({ blue: 100, green: 0 });
    resources[1]!.props.value = "<policies><inbound><choose></inbound></policies>";
    const [violation] = (await runStackRule(policy, resources)).violations;
    expect(violation).toMatch(
      /^serving-qwen-green-vllm-a100-0: 0 replicas, and whether the gateway routes to it cannot be decided \(API openai: /,
    );
  });
});

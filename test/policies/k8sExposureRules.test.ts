// What reaches the cluster's workloads and what admits them: NetworkPolicies, namespaces' Pod Security
// levels, and the Helm values that decide exposure and durability. A compliant set first, then one
// failing mutation per requirement.
import { describe, expect, it } from "vitest";
import { policies } from "../../policies/rules";
import { runResourceRule, runStackRule, type FakeResource } from "./harness";

const rule = (name: string) => policies.find((p) => p.name === name)!;
const NS = "vllm-qwen-blue";

const namespace = (
  labels: Record<string, string> = { "pod-security.kubernetes.io/enforce": "restricted" },
  name = NS,
): FakeResource => ({
  type: "kubernetes:core/v1:Namespace",
  name: `ns-${name}`,
  props: { metadata: { name, labels } },
});
const server = (change: (spec: any) => void = () => {}): FakeResource => {
  const spec: any = {
    securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: "RuntimeDefault" } },
    containers: [
      {
        name: "vllm",
        image: "vllm/vllm-openai:v0.30.0",
        ports: [{ containerPort: 8000 }],
        securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
      },
    ],
  };
  change(spec);
  return {
    type: "kubernetes:apps/v1:StatefulSet",
    name: "vllm",
    props: {
      metadata: { name: "vllm-a100-0", namespace: NS },
      spec: { template: { metadata: { labels: { "genai-platform/target": "vllm-a100-0" } }, spec } },
    },
  };
};
const networkPolicy = (name: string, spec: any, ns = NS): FakeResource => ({
  type: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
  name,
  props: { metadata: { name, namespace: ns }, spec },
});
const denyAll = (ns = NS) => networkPolicy(`deny-${ns}`, { podSelector: {}, policyTypes: ["Ingress"] }, ns);
const allowGateway = (ingress?: any[]) =>
  networkPolicy("allow", {
    podSelector: { matchLabels: { "genai-platform/target": "vllm-a100-0" } },
    policyTypes: ["Ingress"],
    ingress: ingress ?? [
      { from: [{ ipBlock: { cidr: "10.40.0.0/27" } }], ports: [{ protocol: "TCP", port: 8000 }] },
      {
        from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } } }],
        ports: [{ protocol: "TCP", port: 8000 }],
      },
    ],
  });
const CONFIG = { allowedCidrs: ["10.40.0.0/27"] };

const fromNamespace = (name: string) => ({
  namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": name } },
});

describe("security-k8s-network-policy", () => {
  const policy = rule("security-k8s-network-policy");
  const run = async (resources: FakeResource[]) => (await runStackRule(policy, resources, CONFIG)).violations;
  it("passes a namespace that denies by default and admits the gateway and the scraper to the model port", async () => {
    expect(await run([namespace(), server(), denyAll(), allowGateway()])).toEqual([]);
  });
  it("passes a namespace that runs nothing, with no policy", async () => expect(await run([namespace()])).toEqual([]));
  it("passes a model server's namespace admitted to the trace collector's OTLP port", async () => {
    const spans = networkPolicy("spans", {
      podSelector: { matchLabels: { "genai-platform/target": "vllm-a100-0" } },
      policyTypes: ["Ingress"],
      ingress: [{ from: [fromNamespace("vllm-qwen-green")], ports: [{ port: 4317 }] }],
    });
    const models = namespace({ "app.kubernetes.io/name": "vllm" }, "vllm-qwen-green");
    expect(await run([namespace(), models, server(), denyAll(), allowGateway(), spans])).toEqual([]);
    // A namespace that is no model server's (no serving label) is no span source.
    expect(await run([namespace(), namespace(undefined, "vllm-qwen-green"), server(), denyAll(), spans])).toEqual([
      `${NS}/spans: ingress[0] admits namespace vllm-qwen-green, which is not a declared source (monitoring, kube-system, or a model server's namespace to the OTLP port)`,
    ]);
  });
  it.each<[string, FakeResource[], string]>([
    [
      "no default deny",
      [namespace(), server(), allowGateway()],
      `namespace ${NS} runs workloads but denies no ingress by default: a pod no policy selects is open to the whole cluster`,
    ],
    [
      "no policy admits the server",
      [namespace(), server(), denyAll()],
      `${NS}/vllm-a100-0 serves a port but no NetworkPolicy of ${NS} admits anything to it: with the default deny nothing reaches it`,
    ],
    [
      "an ingress rule of every source",
      [namespace(), server(), denyAll(), allowGateway([{}])],
      `${NS}/allow: ingress[0] admits every source (an ingress rule without from)`,
    ],
    [
      "0.0.0.0/0",
      [
        namespace(),
        server(),
        denyAll(),
        allowGateway([{ from: [{ ipBlock: { cidr: "0.0.0.0/0" } }], ports: [{ port: 8000 }] }]),
      ],
      `${NS}/allow: ingress[0] admits 0.0.0.0/0, outside the platform's declared sources (10.40.0.0/27)`,
    ],
    [
      "every namespace",
      [
        namespace(),
        server(),
        denyAll(),
        allowGateway([{ from: [{ namespaceSelector: {} }], ports: [{ port: 8000 }] }]),
      ],
      `${NS}/allow: ingress[0] admits namespaces by a selector that does not name one namespace (kubernetes.io/metadata.name)`,
    ],
    [
      "a namespace not declared",
      [
        namespace(),
        server(),
        denyAll(),
        allowGateway([
          {
            from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "default" } } }],
            ports: [{ port: 8000 }],
          },
        ]),
      ],
      `${NS}/allow: ingress[0] admits namespace default, which is not a declared source (monitoring, kube-system, or a model server's namespace to the OTLP port)`,
    ],
    [
      "a model server's namespace to a port other than the trace collector's",
      [
        namespace(),
        namespace({ "app.kubernetes.io/name": "vllm" }, "vllm-qwen-green"),
        server(),
        denyAll(),
        allowGateway([{ from: [fromNamespace("vllm-qwen-green")], ports: [{ port: 8000 }] }]),
      ],
      `${NS}/allow: ingress[0] admits the model servers' namespace vllm-qwen-green to port 8000: it may reach only the trace collector's OTLP port (4317)`,
    ],
    [
      "a model server's namespace to a range of ports from the trace collector's",
      [
        namespace(),
        namespace({ "app.kubernetes.io/name": "vllm" }, "vllm-qwen-green"),
        server(),
        denyAll(),
        allowGateway([{ from: [fromNamespace("vllm-qwen-green")], ports: [{ port: 4317, endPort: 65535 }] }]),
      ],
      `${NS}/allow: ingress[0] admits the model servers' namespace vllm-qwen-green to port 4317 and a range beyond: it may reach only the trace collector's OTLP port (4317)`,
    ],
    [
      "a model server's namespace on every port",
      [
        namespace(),
        namespace({ "app.kubernetes.io/name": "vllm" }, "vllm-qwen-green"),
        server(),
        denyAll(),
        allowGateway([{ from: [fromNamespace("vllm-qwen-green")] }]),
      ],
      `${NS}/allow: ingress[0] admits the model servers' namespace vllm-qwen-green to every port: it may reach only the trace collector's OTLP port (4317)`,
    ],
    [
      "the gateway on every port",
      [namespace(), server(), denyAll(), allowGateway([{ from: [{ ipBlock: { cidr: "10.40.0.0/27" } }] }])],
      `${NS}/allow: ingress[0] admits 10.40.0.0/27 on every port`,
    ],
  ])("fails %s", async (_case, resources, message) => expect(await run(resources)).toEqual([message]));
});

describe("security-k8s-namespace-pod-security", () => {
  const policy = rule("security-k8s-namespace-pod-security");
  const run = async (resources: FakeResource[]) => (await runStackRule(policy, resources)).violations;
  it("passes restricted over restricted workloads, and monitoring at its named baseline", async () => {
    expect(await run([namespace(), server()])).toEqual([]);
    expect(await run([namespace({ "pod-security.kubernetes.io/enforce": "baseline" }, "monitoring")])).toEqual([]);
  });
  it.each<[string, FakeResource[], string]>([
    [
      "no level",
      [namespace({}), server()],
      `namespace ${NS} enforces no Pod Security Standards level (pod-security.kubernetes.io/enforce: unset): any pod is admitted`,
    ],
    [
      "privileged",
      [namespace({ "pod-security.kubernetes.io/enforce": "privileged" }), server()],
      `namespace ${NS} enforces privileged: any pod, host access included, is admitted`,
    ],
    [
      "baseline over restricted workloads",
      [namespace({ "pod-security.kubernetes.io/enforce": "baseline" }), server()],
      `namespace ${NS} enforces baseline, below the restricted its workloads meet: a weaker pod would be admitted`,
    ],
    [
      "monitoring below its exception",
      [namespace({ "pod-security.kubernetes.io/enforce": "privileged" }, "monitoring")],
      "namespace monitoring enforces privileged: any pod, host access included, is admitted",
    ],
  ])("fails %s", async (_case, resources, message) => expect(await run(resources)).toEqual([message]));
});

describe("security-k8s-helm-values-hardened", () => {
  const policy = rule("security-k8s-helm-values-hardened");
  const release = (change: (values: any) => void = () => {}): FakeResource => {
    const values: any = {
      grafana: {
        admin: { existingSecret: "grafana-admin" },
        "grafana.ini": { "auth.anonymous": { enabled: false } },
        ingress: { enabled: false },
        service: { type: "ClusterIP" },
      },
      prometheus: { prometheusSpec: { retention: "15d", storageSpec: { volumeClaimTemplate: { spec: {} } } } },
    };
    change(values);
    return {
      type: "kubernetes:helm.sh/v3:Release",
      name: "monitoring-release",
      props: { chart: "kube-prometheus-stack", version: "92.3.0", values },
    };
  };
  const run = async (resource: FakeResource, config = {}) =>
    (await runResourceRule(policy, resource, config)).violations;
  it("passes the platform's values", async () => expect(await run(release())).toEqual([]));
  it("passes a declared TLS ingress", async () => {
    expect(
      await run(
        release((v) => (v.grafana.ingress = { enabled: true, tls: [{ secretName: "grafana-tls" }] })),
        { allowedIngresses: ["grafana"] },
      ),
    ).toEqual([]);
  });
  it.each<[string, (v: any) => void, string]>([
    [
      "anonymous Grafana",
      (v) => (v.grafana["grafana.ini"]["auth.anonymous"] = { enabled: true, org_role: "Admin" }),
      "Grafana's anonymous access is not turned off (grafana.grafana.ini auth.anonymous.enabled: false)",
    ],
    [
      "no admin Secret",
      (v) => delete v.grafana.admin,
      "Grafana's admin credentials do not come from a Secret (grafana.admin.existingSecret)",
    ],
    [
      "an ingress",
      (v) => (v.grafana.ingress = { enabled: true }),
      "grafana.ingress is enabled without TLS, and the stack declares no ingress for grafana",
    ],
    [
      "a LoadBalancer",
      (v) => (v.grafana.service.type = "LoadBalancer"),
      "grafana.service.type LoadBalancer opens it outside the cluster",
    ],
    [
      "an Alertmanager NodePort",
      (v) => (v.alertmanager = { service: { type: "NodePort" } }),
      "alertmanager.service.type NodePort opens it outside the cluster",
    ],
    [
      "no retention",
      (v) => delete v.prometheus.prometheusSpec.retention,
      "Prometheus has no retention (prometheus.prometheusSpec.retention): the chart's default, not the stack's",
    ],
    [
      "no volume",
      (v) => delete v.prometheus.prometheusSpec.storageSpec,
      "Prometheus keeps its history in the pod (no prometheus.prometheusSpec.storageSpec.volumeClaimTemplate): a restart loses it",
    ],
    [
      "an image tag latest",
      (v) => (v.grafana.image = { repository: "grafana/grafana", tag: "latest" }),
      'grafana.image: tag "latest" is not a version',
    ],
    [
      "an image string without a tag",
      (v) => (v.grafana.sidecar = { image: "quay.io/kiwigrid/k8s-sidecar" }),
      'grafana.sidecar.image: "quay.io/kiwigrid/k8s-sidecar" has no version tag',
    ],
    [
      "root through values",
      (v) => (v.grafana.securityContext = { runAsUser: 0 }),
      "grafana.securityContext: runAsUser: 0",
    ],
    [
      "privileged through values",
      (v) => (v.prometheusOperator = { containerSecurityContext: { privileged: true } }),
      "prometheusOperator.containerSecurityContext: privileged: true",
    ],
  ])("fails %s", async (_case, change, message) =>
    expect(await run(release(change))).toEqual([`chart kube-prometheus-stack: ${message}`]),
  );
});

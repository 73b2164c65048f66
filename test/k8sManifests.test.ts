// Every Kubernetes object the plans deploy, validated against its JSON schema: kubernetes-models for
// the built-in kinds, @kubernetes-models/keda for KEDA's, @kubernetes-models/prometheus-operator for the
// monitoring CRDs. A kind without a schema here fails the test. A Helm release's file holds the chart and
// its values (no manifest): its test checks the values the platform relies on.
import { describe, expect, it } from "vitest";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { plan } from "../cli/commands/plan";
import { VLLM_IMAGE_DIGESTS } from "../components/serving/vllmReleases";
import { PROJECT_DIR, rawConfig, namespaced, plannedOutput } from "./helpers";
import { stringify } from "yaml";
import { writeFileSync } from "node:fs";

const load = createRequire(__filename);

/** The model class of a manifest's apiVersion and kind, from the package that owns its group. */
function schemaOf(apiVersion: string, kind: string): new (data: unknown) => { validate(): void } {
  const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["", apiVersion];
  const crds: Record<string, string> = {
    "keda.sh": "@kubernetes-models/keda",
    "monitoring.coreos.com": "@kubernetes-models/prometheus-operator",
  };
  const module = crds[group!]
    ? load(`${crds[group!]}/${group}/${version}`)
    : load(group ? `kubernetes-models/${group}/${version}` : `kubernetes-models/${version}`);
  const model = module[kind!];
  if (!model) throw new Error(`no schema for ${apiVersion} ${kind}`);
  return model;
}

/** The manifests the plan of `stack` writes: the shared plan's, or one of `configFile` planned now. */
async function manifestsOf(
  stack: "dev" | "prod",
  configFile?: string,
): Promise<{ file: string; manifest: Record<string, any> }[]> {
  let dir = configFile ? "" : join((await plannedOutput(stack)).dir, "k8s");
  if (configFile) {
    const out = mkdtempSync(join(tmpdir(), "genai-k8s-"));
    const code = await plan(["--stack", stack, "--out", out, "--config-file", configFile], PROJECT_DIR, {
      out: () => true,
      err: () => true,
    });
    expect(code).toBe(0);
    dir = join(out, stack, "k8s");
  }
  return readdirSync(dir).map((file) => ({ file, manifest: parse(readFileSync(join(dir, file), "utf8")) }));
}

const isRelease = (m: { file: string }) => m.file.includes(".helmrelease.");

describe("the prod plan's Kubernetes manifests", () => {
  it("each validate against the schema of their kind", async () => {
    const manifests = (await manifestsOf("prod")).filter((m) => !isRelease(m));
    expect([...new Set(manifests.map((m) => m.manifest.kind))].sort()).toEqual([
      "ConfigMap",
      "DaemonSet",
      "Deployment",
      "Namespace",
      "NetworkPolicy",
      "PodDisruptionBudget",
      "PodMonitor",
      "PrometheusRule",
      "ScaledObject",
      "Secret",
      "Service",
      "ServiceAccount",
      "StatefulSet",
      "StorageClass",
    ]);
    for (const { file, manifest } of manifests) {
      const Model = schemaOf(manifest.apiVersion, manifest.kind);
      expect(() => new Model(manifest).validate(), file).not.toThrow();
    }
  });

  it("a broken manifest fails its schema (the validation can fail)", () => {
    const Model = schemaOf("apps/v1", "StatefulSet");
    expect(() =>
      new Model({
        apiVersion: "apps/v1",
        kind: "StatefulSet",
        metadata: { name: "x" },
        spec: { replicas: "two", selector: {}, serviceName: "x", template: {} },
      }).validate(),
    ).toThrow();
    const PodMonitor = schemaOf("monitoring.coreos.com/v1", "PodMonitor");
    expect(() =>
      new PodMonitor({
        apiVersion: "monitoring.coreos.com/v1",
        kind: "PodMonitor",
        metadata: { name: "x" },
        spec: { selector: {}, podMetricsEndpoints: [{ interval: 15 }] },
      }).validate(),
    ).toThrow();
    const ScaledObject = schemaOf("keda.sh/v1alpha1", "ScaledObject");
    expect(() =>
      new ScaledObject({
        apiVersion: "keda.sh/v1alpha1",
        kind: "ScaledObject",
        metadata: { name: "x" },
        spec: { triggers: [] },
      }).validate(),
    ).toThrow();
  });

  it("runs vLLM as the issue of a model server demands: pinned image, GPUs = tensor parallel size, probes, no privilege, a cache per pod", async () => {
    const { manifest } = (await manifestsOf("prod")).find((m) => m.manifest.kind === "StatefulSet")!;
    const pod = manifest.spec.template.spec;
    const container = pod.containers[0];
    // The stack's tag, pinned to the digest the dated release table sourced for it.
    expect(container.image).toBe(`vllm/vllm-openai:v0.30.0@${VLLM_IMAGE_DIGESTS["v0.30.0"]}`);
    expect(container.args).toEqual(
      expect.arrayContaining(["--served-model-name", "qwen", "--tensor-parallel-size", "1"]),
    );
    expect(container.resources.limits["nvidia.com/gpu"]).toBe(container.resources.requests["nvidia.com/gpu"]);
    expect(pod.tolerations).toEqual([{ key: "sku", operator: "Equal", value: "gpu", effect: "NoSchedule" }]);
    expect(pod.nodeSelector).toEqual({ "genai-platform/gpu-pool": "a100" });
    expect(container.startupProbe.httpGet.path).toBe("/health");
    expect(container.startupProbe.periodSeconds * container.startupProbe.failureThreshold).toBeGreaterThanOrEqual(
      30 * 60,
    );
    expect(container.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true });
    expect(pod.volumes.find((v: any) => v.name === "dshm").emptyDir.medium).toBe("Memory");
    expect(manifest.spec.volumeClaimTemplates[0].spec.accessModes).toEqual(["ReadWriteOnce"]);
  });

  it("keeps the Hugging Face token secret: the manifest holds only a marker, in the shape its schema wants", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "genai-k8s-")), "Pulumi.prod.yaml");
    const raw = rawConfig("prod");
    const config = namespaced(raw);
    writeFileSync(
      file,
      stringify(
        { config: { ...config, "genai-platform:huggingFaceToken": { secure: "v1:AAAAbm90LXJlYWwtY2lwaGVydGV4dA==" } } },
        { aliasDuplicateObjects: false },
      ),
    );
    const secret = (await manifestsOf("prod", file)).find(
      (m) => m.manifest.kind === "Secret" && m.manifest.metadata.name === "hf-token",
    )!;
    expect(secret.manifest.stringData).toEqual({ token: "[secret]" });
    const Model = schemaOf("v1", "Secret");
    expect(() => new Model(secret.manifest).validate()).not.toThrow();
  });

  it("runs NVIDIA's DCGM exporter on every GPU node, scraped with the GPU's consumer and the node's pool", async () => {
    const manifests = await manifestsOf("prod");
    const exporter = manifests.find(
      (m) => m.manifest.kind === "DaemonSet" && m.manifest.metadata.name === "dcgm-exporter",
    )!.manifest;
    const pod = exporter.spec.template.spec;
    expect(exporter.metadata.namespace).toBe("kube-system");
    expect(pod.tolerations).toEqual(
      expect.arrayContaining([{ key: "sku", operator: "Equal", value: "gpu", effect: "NoSchedule" }]),
    );
    expect(
      pod.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions,
    ).toEqual([{ key: "genai-platform/gpu-pool", operator: "Exists" }]);
    const [container] = pod.containers;
    expect(container.image).toBe("nvcr.io/nvidia/k8s/dcgm-exporter:4.5.3-4.8.2-distroless");
    // No capability beyond none: the profiling metrics, which need SYS_ADMIN, are not collected.
    expect(container.securityContext).toMatchObject({
      capabilities: { drop: ["ALL"] },
      allowPrivilegeEscalation: false,
    });
    expect(container.securityContext.capabilities.add).toBeUndefined();
    expect(
      pod.volumes
        .filter((v: any) => v.hostPath)
        .map((v: any) => [v.hostPath.path, container.volumeMounts.find((m: any) => m.name === v.name).readOnly]),
    ).toEqual([["/var/lib/kubelet/pod-resources", true]]);
    const monitor = manifests.find(
      (m) => m.manifest.kind === "PodMonitor" && m.manifest.metadata.name === "dcgm-exporter",
    )!.manifest;
    expect(monitor.spec.podMetricsEndpoints[0]).toMatchObject({
      port: "metrics",
      honorLabels: true,
      relabelings: [
        { sourceLabels: ["__meta_kubernetes_pod_node_name"], targetLabel: "gpu_pool", replacement: "$1" },
        // The operator's own namespace/pod/container target labels go: a GPU nobody holds must not get the exporter's.
        { action: "labeldrop", regex: "namespace|pod|container" },
      ],
      // A vLLM pod's GPU gets the pod's endpoint and slot from the namespace the exporter names.
      metricRelabelings: [
        { sourceLabels: ["namespace"], targetLabel: "model_endpoint", replacement: "$1" },
        { sourceLabels: ["namespace"], targetLabel: "slot", replacement: "$2" },
      ],
    });
    const slotOf = new RegExp(`^${monitor.spec.podMetricsEndpoints[0].metricRelabelings[0].regex}$`).exec(
      "vllm-my-model-green",
    );
    expect([slotOf?.[1], slotOf?.[2]]).toEqual(["my-model", "green"]);
    // The pool comes from AKS's node names.
    expect(
      new RegExp(`^${monitor.spec.podMetricsEndpoints[0].relabelings[0].regex}$`).exec(
        "aks-a100-12345678-vmss000000",
      )?.[1],
    ).toBe("a100");
  });

  it("scrapes every vLLM slot with its endpoint and slot labels, and installs a pinned kube-prometheus-stack that reads every monitor", async () => {
    const manifests = await manifestsOf("prod");
    const monitor = manifests.find(
      (m) => m.manifest.kind === "PodMonitor" && m.manifest.metadata.namespace === "vllm-qwen-blue",
    )!.manifest;
    expect(monitor.spec.selector.matchLabels).toEqual({
      "app.kubernetes.io/name": "vllm",
      "genai-platform/slot": "blue",
    });
    expect(monitor.spec.podMetricsEndpoints[0].relabelings.map((r: any) => [r.sourceLabels[0], r.targetLabel])).toEqual(
      [
        ["__meta_kubernetes_pod_label_genai_platform_endpoint", "model_endpoint"],
        ["__meta_kubernetes_pod_label_genai_platform_slot", "slot"],
        ["__meta_kubernetes_pod_label_genai_platform_target", "target"],
      ],
    );
    const release = manifests.find(isRelease)!.manifest;
    expect(release).toMatchObject({
      chart: "kube-prometheus-stack",
      version: expect.stringMatching(/^\d+\.\d+\.\d+$/),
      repositoryOpts: { repo: expect.stringMatching(/^https:/) },
    });
    const spec = release.values.prometheus.prometheusSpec;
    expect([
      spec.serviceMonitorSelectorNilUsesHelmValues,
      spec.podMonitorSelectorNilUsesHelmValues,
      spec.ruleSelectorNilUsesHelmValues,
    ]).toEqual([false, false, false]);
    expect(release.values.grafana).toMatchObject({
      service: { type: "ClusterIP" },
      ingress: { enabled: false },
      admin: { existingSecret: "grafana-admin" },
    });
    const admin = manifests.find(
      (m) => m.manifest.kind === "Secret" && m.manifest.metadata.name === "grafana-admin",
    )!.manifest;
    expect(admin.stringData["admin-password"]).toBe("[secret]");
  });
});

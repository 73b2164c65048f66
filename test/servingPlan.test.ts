// Prod with qwen's next version staged: blue serves the base model with two LoRA adapters from Hugging Face
// at pinned revisions, green the next revision of the first adapter at
// weight 0 with no rollout recorded. Green is idle and costs no GPU: its servers plan at zero replicas (KEDA
// paused at zero), no "not serving" alert watches it, the gateway never draws it. Blue downloads its adapter
// before its server starts and serves both by name; the gateway calls them by name; the pack passes.
import { beforeAll, describe, expect, it } from "vitest";
import { createRequire } from "node:module";
import { evaluatePolicies } from "../cli/engine/policyRunner";
import { policies } from "../policies/rules";
import { baseEnforcement, buildPolicyConfig, policyFacts } from "../cli/engine/policyConfig";
import { parsePlatformConfig } from "../stacks/config";
import { KEDA_PAUSED_REPLICAS } from "../components/serving";
import { ALERTS } from "../components/observability/rules";
import { TRACE_COLLECTOR_IMAGE, collectorConfig } from "../components/observability/traceCollector";
import { parse } from "yaml";
import { PROJECT_DIR, planStack, pulumiConfigOf, rawConfig, resourcesOfType, type PlannedStack } from "./helpers";

const REV = "0123456789abcdef0123456789abcdef01234567";
const NEXT = "89abcdef0123456789abcdef0123456789abcdef";
const SUPPORT = { name: "support", model: "acme/qwen-support-lora", revision: REV, rank: 16 };
const LEGAL = { name: "legal", model: "acme/qwen-legal-lora", revision: NEXT, rank: 8 };
const STATEFUL_SET = "kubernetes:apps/v1:StatefulSet";
const SCALED_OBJECT = "kubernetes:keda.sh/v1alpha1:ScaledObject";

function withGreen(rollout: boolean) {
  const raw = rawConfig("prod");
  const blue = raw.models.qwen.slots.blue.targets[0];
  blue.adapters = [SUPPORT, LEGAL];
  raw.models.qwen.slots.green = {
    weight: 0,
    targets: [{ ...blue, adapters: [{ ...SUPPORT, revision: NEXT }, LEGAL], serviceIp: "10.40.31.202" }],
  };
  if (rollout) raw.models.qwen.rollout = { to: "green" };
  const parsed = parsePlatformConfig(raw);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  return { raw, config: parsed.config };
}

const byNamespace = (planned: PlannedStack, type: string, namespace: string) =>
  resourcesOfType(planned.stackExport, type).filter(
    (r) => (r.inputs.metadata as { namespace?: string }).namespace === namespace,
  );

let idle: PlannedStack;
let config: ReturnType<typeof withGreen>["config"];
beforeAll(async () => {
  const green = withGreen(false);
  config = green.config;
  idle = await planStack("prod", { config: pulumiConfigOf(green.raw) });
  expect(idle.run.errors).toEqual([]);
});

describe("an idle colour", () => {
  it("plans its servers at zero, with KEDA paused at zero; the live colour keeps its size", () => {
    const [green] = byNamespace(idle, STATEFUL_SET, "vllm-qwen-green");
    const [blue] = byNamespace(idle, STATEFUL_SET, "vllm-qwen-blue");
    expect((green!.inputs.spec as { replicas: number }).replicas).toBe(0);
    expect((blue!.inputs.spec as { replicas: number }).replicas).toBe(2);
    const [greenScaler] = byNamespace(idle, SCALED_OBJECT, "vllm-qwen-green");
    const [blueScaler] = byNamespace(idle, SCALED_OBJECT, "vllm-qwen-blue");
    expect((greenScaler!.inputs.metadata as { annotations?: object }).annotations).toEqual({
      [KEDA_PAUSED_REPLICAS]: "0",
    });
    expect((blueScaler!.inputs.metadata as { annotations?: object }).annotations).toBeUndefined();
  });

  it("has no not-serving alert (it serves nothing on purpose); the live colour has one", () => {
    const rules = resourcesOfType(idle.stackExport, "kubernetes:monitoring.coreos.com/v1:PrometheusRule");
    const alerts = rules.flatMap((r) =>
      (
        r.inputs.spec as { groups: { rules: { alert?: string; labels?: { slot?: string; endpoint?: string } }[] }[] }
      ).groups.flatMap((g) => g.rules),
    );
    const down = alerts.filter((a) => a.alert === ALERTS.down && a.labels?.endpoint === "qwen");
    expect(down.map((a) => a.labels?.slot)).toEqual(["blue"]);
  });

  it("passes every rule of the pack, the adapters' sources allowed: no gateway path reaches the servers at zero", async () => {
    const allowed = ["Qwen/Qwen2.5-7B-Instruct", "acme/qwen-support-lora", "acme/qwen-legal-lora"];
    const violations = await evaluatePolicies(
      idle.stackExport.deployment.resources,
      policies,
      buildPolicyConfig(
        { ...baseEnforcement(PROJECT_DIR, "prod"), "governance-vllm-allowed-models": { models: allowed } },
        policyFacts(config),
      ),
    );
    expect(violations.filter((v) => v.enforcementLevel === "mandatory")).toEqual([]);
    // prod's own list names no adapter: each server is reported for the adapters it serves.
    const committed = await evaluatePolicies(
      idle.stackExport.deployment.resources,
      policies,
      buildPolicyConfig(baseEnforcement(PROJECT_DIR, "prod"), policyFacts(config)),
    );
    expect(
      committed.filter((v) => v.policy === "governance-vllm-allowed-models").map((v) => v.message.split(";")[0]),
    ).toEqual([
      'serving-qwen-blue-vllm-a100-0: adapter support comes from "acme/qwen-support-lora"',
      'serving-qwen-blue-vllm-a100-0: adapter legal comes from "acme/qwen-legal-lora"',
      'serving-qwen-green-vllm-a100-0: adapter support comes from "acme/qwen-support-lora"',
      'serving-qwen-green-vllm-a100-0: adapter legal comes from "acme/qwen-legal-lora"',
    ]);
  });
});

describe("LoRA adapters in the plan", () => {
  it("downloads the Hugging Face adapter at its revision before the server starts, and serves both by name", () => {
    const [blue] = byNamespace(idle, STATEFUL_SET, "vllm-qwen-blue");
    const pod = (blue!.inputs.spec as any).template.spec;
    expect(pod.initContainers).toHaveLength(1);
    expect(pod.initContainers[0]).toMatchObject({
      name: "adapters",
      args: [
        "acme/qwen-support-lora",
        REV,
        `/cache/adapters/support/${REV}`,
        "acme/qwen-legal-lora",
        NEXT,
        `/cache/adapters/legal/${NEXT}`,
      ],
      securityContext: {
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
        capabilities: { drop: ["ALL"] },
      },
      volumeMounts: [
        { name: "cache", mountPath: "/cache" },
        { name: "tmp", mountPath: "/tmp" },
      ],
    });
    // The same image as the server (huggingface_hub ships with it), pinned alike.
    expect(pod.initContainers[0].image).toBe(pod.containers[0].image);
    const args: string[] = pod.containers[0].args;
    expect(args.slice(args.indexOf("--enable-lora"))).toEqual([
      "--enable-lora",
      "--lora-modules",
      `support=/cache/adapters/support/${REV}`,
      `legal=/cache/adapters/legal/${NEXT}`,
      "--max-loras",
      "1",
      "--max-cpu-loras",
      "2",
      "--max-lora-rank",
      "16",
      // Its request spans, to the cluster's trace collector (v0.30.0's image has the OpenTelemetry packages).
      "--otlp-traces-endpoint",
      "http://otel-collector.monitoring.svc:4317",
    ]);
    // The staged colour loads the next revision from a folder of its own.
    const [green] = byNamespace(idle, STATEFUL_SET, "vllm-qwen-green");
    expect((green!.inputs.spec as any).template.spec.containers[0].args).toContain(
      `support=/cache/adapters/support/${NEXT}`,
    );
  });

  it("validates against the StatefulSet schema (kubernetes-models)", () => {
    const { StatefulSet } = createRequire(__filename)("kubernetes-models/apps/v1");
    for (const s of resourcesOfType(idle.stackExport, STATEFUL_SET).filter((r) =>
      String((r.inputs.metadata as { namespace: string }).namespace).startsWith("vllm-qwen-"),
    ))
      expect(() => new StatefulSet(s.inputs).validate()).not.toThrow();
  });

  it("routes the adapters' names to qwen in the gateway's policy", () => {
    const policy = String(resourcesOfType(idle.stackExport, "azure-native:apimanagement:ApiPolicy")[0]!.inputs.value);
    for (const name of ["support", "legal"])
      expect(policy.replace(/\s+/g, " ")).toContain(
        `<when condition="@(context.Variables.GetValueOrDefault&lt;string&gt;(&quot;endpoint&quot;, &quot;&quot;) == &quot;${name}&quot;)"> <set-variable name="adapter" value="${name}"/> <set-variable name="endpoint" value="qwen"/>`,
      );
  });
});

describe("the model servers' spans in the plan", () => {
  const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
  it("runs the collector pinned, restricted, with its configuration, and points each colour's servers at it", () => {
    const [collector] = resourcesOfType(idle.stackExport, DEPLOYMENT);
    const pod = (collector!.inputs.spec as any).template.spec;
    expect(pod.containers[0].image).toBe(TRACE_COLLECTOR_IMAGE);
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } });
    expect((collector!.inputs.spec as any).template.metadata.labels["azure.workload.identity/use"]).toBe("true");
    const [config] = resourcesOfType(idle.stackExport, "kubernetes:core/v1:ConfigMap").filter(
      (c) => (c.inputs.metadata as { name: string }).name === "otel-collector",
    );
    expect(parse((config!.inputs.data as Record<string, string>)["relay.yaml"]!)).toEqual(collectorConfig());
    // Both colours export, each under its own service name (the idle one has no pod, but its template is ready).
    for (const slot of ["blue", "green"]) {
      const [server] = byNamespace(idle, STATEFUL_SET, `vllm-qwen-${slot}`);
      const container = (server!.inputs.spec as any).template.spec.containers[0];
      expect(container.args).toContain("--otlp-traces-endpoint");
      expect(container.env).toContainEqual({ name: "OTEL_SERVICE_NAME", value: `vllm-qwen-${slot}` });
    }
    // The spans go where the gateway's do: its identity publishes to the component the gateway's logger writes to.
    const byName = (type: string, name: string) =>
      resourcesOfType(idle.stackExport, type).find((r) => r.urn.endsWith(`::${name}`))!;
    const publisher = byName("azure-native:authorization:RoleAssignment", "trace-collector-metrics-publisher");
    const logger = byName("azure-native:apimanagement:Logger", "gateway-logger");
    expect(publisher.inputs.scope).toBe(logger.inputs.resourceId);
    expect(String(publisher.inputs.scope)).toContain("/providers/Microsoft.Insights/components/");
    // Both colours' namespaces, each by name, reach the collector's OTLP port.
    const [ingress] = resourcesOfType(idle.stackExport, "kubernetes:networking.k8s.io/v1:NetworkPolicy").filter(
      (p) => (p.inputs.metadata as { name: string }).name === "otel-collector-from-vllm",
    );
    expect((ingress!.inputs.spec as any).ingress[0].from.map((f: any) => f.namespaceSelector.matchLabels)).toEqual([
      { "kubernetes.io/metadata.name": "vllm-qwen-blue" },
      { "kubernetes.io/metadata.name": "vllm-qwen-green" },
    ]);
  });

  it("with cluster.monitoring.tracing off: no collector, servers exporting nothing, and the pack refuses it in prod", async () => {
    const raw = rawConfig("prod");
    raw.cluster.monitoring = { ...raw.cluster.monitoring, tracing: false };
    const off = await planStack("prod", { config: pulumiConfigOf(raw) });
    expect(off.run.errors).toEqual([]);
    expect(resourcesOfType(off.stackExport, DEPLOYMENT)).toEqual([]);
    // No server exports, so no alert waits for their spans.
    expect(
      resourcesOfType(off.stackExport, "azure-native:monitor:ScheduledQueryRule").map((r) => r.inputs.ruleName),
    ).not.toContain("alert-genai-prod-server-spans-missing");
    const [server] = byNamespace(off, STATEFUL_SET, "vllm-qwen-blue");
    expect((server!.inputs.spec as any).template.spec.containers[0].args).not.toContain("--otlp-traces-endpoint");
    const parsed = parsePlatformConfig(raw);
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
    const violations = await evaluatePolicies(
      off.stackExport.deployment.resources,
      policies,
      buildPolicyConfig(baseEnforcement(PROJECT_DIR, "prod"), policyFacts(parsed.config)),
    );
    expect(violations.map((v) => `${v.policy} (${v.enforcementLevel}): ${v.message}`)).toEqual([
      "observability-vllm-traced (mandatory): serving-qwen-blue-vllm-a100-0: exports no spans (no --otlp-traces-endpoint), so a request cannot be followed past the gateway",
    ]);
  });
});

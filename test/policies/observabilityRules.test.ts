// The monitoring rules, each both ways: the platform's own objects pass, one failing mutation per requirement.
import { describe, expect, it } from "vitest";
import { policies } from "../../policies/rules";
import { TYPES } from "../../policies/lib";
import { runResourceRule, runStackRule, type FakeResource } from "./harness";

const rule = (name: string) => policies.find((p) => p.name === name)!;

const slotLabels = {
  "app.kubernetes.io/name": "vllm",
  "genai-platform/endpoint": "qwen",
  "genai-platform/slot": "blue",
};
const statefulSet = (): FakeResource => ({
  type: TYPES.statefulSet,
  name: "serving-qwen-blue-vllm-a100-0",
  props: {
    metadata: { name: "vllm-a100-0", namespace: "vllm-qwen-blue", labels: slotLabels },
    spec: { template: { metadata: { labels: { ...slotLabels, "genai-platform/target": "vllm-a100-0" } } } },
  },
});
const podMonitor = (change: (p: any) => void = () => {}): FakeResource => {
  const props: any = {
    metadata: { name: "vllm", namespace: "vllm-qwen-blue" },
    spec: {
      selector: { matchLabels: { "app.kubernetes.io/name": "vllm", "genai-platform/slot": "blue" } },
      podMetricsEndpoints: [
        {
          port: "http",
          relabelings: [{ targetLabel: "model_endpoint" }, { targetLabel: "slot" }, { targetLabel: "target" }],
        },
      ],
    },
  };
  change(props);
  return { type: TYPES.podMonitor, name: "serving-qwen-blue-monitor", props };
};
const prometheusRule = (change: (p: any) => void = () => {}): FakeResource => {
  const props: any = {
    spec: {
      groups: [
        {
          name: "genai-platform.qwen.alerts",
          rules: [{ alert: "ModelSlotNotServing", labels: { endpoint: "qwen", slot: "blue", severity: "critical" } }],
        },
      ],
    },
  };
  change(props);
  return { type: TYPES.prometheusRule, name: "monitoring-rules", props };
};

describe("observability-vllm-slot-monitored", () => {
  const policy = rule("observability-vllm-slot-monitored");
  const violations = async (resources: FakeResource[]) => (await runStackRule(policy, resources)).violations;

  it("passes a slot with its PodMonitor and its alerts", async () =>
    expect(await violations([statefulSet(), podMonitor(), prometheusRule()])).toEqual([]));
  it("reports a slot nobody scrapes", async () =>
    expect(await violations([statefulSet(), prometheusRule()])).toEqual([
      "qwen/blue (serving-qwen-blue-vllm-a100-0): no PodMonitor in vllm-qwen-blue selects its servers",
    ]));
  it("reports a PodMonitor that selects the other colour", async () =>
    expect(
      await violations([
        statefulSet(),
        podMonitor((p) => (p.spec.selector.matchLabels["genai-platform/slot"] = "green")),
        prometheusRule(),
      ]),
    ).toEqual(["qwen/blue (serving-qwen-blue-vllm-a100-0): no PodMonitor in vllm-qwen-blue selects its servers"]));
  it("reports a PodMonitor that does not label the slot", async () =>
    expect(
      await violations([
        statefulSet(),
        podMonitor((p) => (p.spec.podMetricsEndpoints[0].relabelings = [{ targetLabel: "model_endpoint" }])),
        prometheusRule(),
      ]),
    ).toEqual([
      "qwen/blue (serving-qwen-blue-vllm-a100-0): its PodMonitor does not label samples with model_endpoint and slot, so the slot cannot be told from the other colour",
    ]));
  it("reports a slot no alert watches", async () =>
    expect(
      await violations([
        statefulSet(),
        podMonitor(),
        prometheusRule((p) => (p.spec.groups[0].rules[0].labels.slot = "green")),
      ]),
    ).toEqual(["qwen/blue (serving-qwen-blue-vllm-a100-0): no ModelSlotNotServing alert watches it"]));
  it("needs no serving alert on a slot at zero replicas (an idle colour), still its PodMonitor", async () => {
    const idle = statefulSet();
    idle.props.spec.replicas = 0;
    expect(await violations([idle, podMonitor(), prometheusRule((p) => (p.spec.groups[0].rules = []))])).toEqual([]);
    expect(await violations([idle, prometheusRule((p) => (p.spec.groups[0].rules = []))])).toEqual([
      "qwen/blue (serving-qwen-blue-vllm-a100-0): no PodMonitor in vllm-qwen-blue selects its servers",
    ]);
  });
});

describe("security-k8s-helm-chart-pinned", () => {
  const policy = rule("security-k8s-helm-chart-pinned");
  const release = (change: (p: any) => void = () => {}): FakeResource => {
    const props: any = {
      chart: "kube-prometheus-stack",
      version: "92.3.0",
      repositoryOpts: { repo: "https://prometheus-community.github.io/helm-charts" },
    };
    change(props);
    return { type: TYPES.helmRelease, name: "monitoring-release", props };
  };
  const violations = async (r: FakeResource) => (await runResourceRule(policy, r)).violations;

  it("passes an exact version from an https repository", async () => expect(await violations(release())).toEqual([]));
  it("passes an OCI chart", async () =>
    expect(
      await violations(
        release((p) => {
          p.chart = "oci://ghcr.io/org/chart";
          delete p.repositoryOpts;
        }),
      ),
    ).toEqual([]));
  it.each([
    ["a range", "^92.0.0"],
    ["a missing version", undefined],
    ["a partial version", "92"],
  ])("reports %s", async (_what, version) =>
    expect(await violations(release((p) => (p.version = version)))).toEqual([
      `chart kube-prometheus-stack: version "${version ?? ""}" is not an exact version`,
    ]),
  );
  it("reports a plain-http repository", async () =>
    expect(await violations(release((p) => (p.repositoryOpts.repo = "http://charts.example")))).toEqual([
      'chart kube-prometheus-stack: repository "http://charts.example" is neither https:// nor oci://',
    ]));
});

// security-anomaly-detection: every model account and the gateway under a learned (dynamic-threshold)
// alert, every serving vLLM slot under an in-cluster anomaly alert; what is missing is reported.
import { describe, expect, it } from "vitest";
import { policies } from "../../policies/rules";
import { TYPES } from "../../policies/lib";
import { ANOMALY_ALERTS } from "../../components/observability/anomalyRules";
import { runStackRule, type FakeResource } from "./harness";

const rule = policies.find((p) => p.name === "security-anomaly-detection")!;
const ID = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.CognitiveServices/accounts/oai-swc";
const account: FakeResource = {
  type: TYPES.openAiAccount,
  name: "openai-swc",
  props: { name: "oai-swc", kind: "OpenAI", id: ID },
};
const contentSafety: FakeResource = {
  type: TYPES.openAiAccount,
  name: "content-safety",
  props: { name: "cs-x", kind: "ContentSafety" },
};
const alert = (criterionType: string, scope = ID): FakeResource => ({
  type: "azure-native:monitor:MetricAlert",
  name: `alert-${criterionType}`,
  props: { scopes: [scope], criteria: { allOf: [{ criterionType }] } },
});
const server = (replicas: number): FakeResource => ({
  type: TYPES.statefulSet,
  name: "serving-qwen-blue-vllm-a100-0",
  props: {
    metadata: { labels: { "genai-platform/endpoint": "qwen", "genai-platform/slot": "blue" } },
    spec: { replicas },
  },
});
const rules = (alertName: string, baseline = true): FakeResource => ({
  type: TYPES.prometheusRule,
  name: "monitoring-rules",
  props: {
    spec: {
      groups: [
        {
          rules: [
            ...(baseline ? [{ record: "slot:vllm_ttft_p95:zscore_1d", expr: "..." }] : []),
            {
              alert: alertName,
              expr: 'max(slot:vllm_ttft_p95:zscore_1d{model_endpoint="qwen",slot="blue"}) > 3',
              labels: { endpoint: "qwen", slot: "blue" },
            },
          ],
        },
      ],
    },
  },
});
const violations = async (resources: FakeResource[]) => (await runStackRule(rule, resources)).violations;

describe("security-anomaly-detection", () => {
  it("passes a model account under a dynamic-threshold alert and a slot under an anomaly alert", async () => {
    expect(
      await violations([
        account,
        contentSafety,
        alert("DynamicThresholdCriterion"),
        server(2),
        rules(ANOMALY_ALERTS.ttft),
      ]),
    ).toEqual([]);
  });
  it("reports an account only a static threshold watches, and a slot without an anomaly alert", async () => {
    expect(
      await violations([account, alert("StaticThresholdCriterion"), server(2), rules("ModelSlotNotServing")]),
    ).toEqual([
      "openai-swc: no alert with a dynamic threshold watches it",
      "qwen/blue (serving-qwen-blue-vllm-a100-0): no anomaly alert compares it with its baseline",
    ]);
  });
  it("reports a disabled alert, and a slot's anomaly alert without the baseline it reads", async () => {
    const disabled = alert("DynamicThresholdCriterion");
    disabled.props.enabled = false;
    expect(await violations([account, disabled, server(2), rules(ANOMALY_ALERTS.ttft, false)])).toEqual([
      "openai-swc: no alert with a dynamic threshold watches it",
      "qwen/blue (serving-qwen-blue-vllm-a100-0): no anomaly alert compares it with its baseline",
    ]);
  });
  it("reports an alert on another resource; leaves an idle slot (zero replicas) alone", async () => {
    expect(await violations([account, alert("DynamicThresholdCriterion", `${ID}-other`), server(0)])).toEqual([
      "openai-swc: no alert with a dynamic threshold watches it",
    ]);
  });
});

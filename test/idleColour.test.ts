// An idle colour (weight 0, no rollout recorded) costs no GPU: prod with qwen's green staged at 0 plans its
// servers at zero replicas (KEDA paused at zero where it scales them), no "not serving" alert for it, the
// gateway never draws it, and the pack passes; the same colour in a rollout runs at its serving size.
import { beforeAll, describe, expect, it } from "vitest";
import { evaluatePolicies } from "../cli/engine/policyRunner";
import { policies } from "../policies/rules";
import { baseEnforcement, buildPolicyConfig, policyFacts } from "../cli/engine/policyConfig";
import { parsePlatformConfig } from "../stacks/config";
import { KEDA_PAUSED_REPLICAS } from "../components/serving";
import { ALERTS } from "../components/observability/rules";
import { PROJECT_DIR, planStack, pulumiConfigOf, rawConfig, resourcesOfType, type PlannedStack } from "./helpers";

const STATEFUL_SET = "kubernetes:apps/v1:StatefulSet";
const SCALED_OBJECT = "kubernetes:keda.sh/v1alpha1:ScaledObject";

function withGreen(rollout: boolean) {
  const raw = rawConfig("prod");
  const blue = raw.models.qwen.slots.blue.targets[0];
  raw.models.qwen.slots.green = {
    weight: 0,
    targets: [{ ...blue, revision: "aa8e72537993ba99e69dfaafa59ed015b17504d1", serviceIp: "10.40.31.202" }],
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

  it("passes every rule of the pack: no gateway path reaches the servers at zero", async () => {
    const violations = await evaluatePolicies(
      idle.stackExport.deployment.resources,
      policies,
      buildPolicyConfig(baseEnforcement(PROJECT_DIR, "prod"), policyFacts(config)),
    );
    expect(violations.filter((v) => v.enforcementLevel === "mandatory")).toEqual([]);
  });
});

// What an endpoint can serve under its weights, and the capacity cut a rollout step makes (cli/rollout/capacity.ts).
import { describe, expect, it } from "vitest";
import { capacityDrop, declaredPeakTpm, endpointCapacity, slotCapacity } from "../cli/rollout/capacity";
import type { RawEndpoint, RawTarget } from "../cli/rollout/machine";

const locations = { swc: "swedencentral", eus2: "eastus2" };
const ptu = (capacity: number): RawTarget => ({
  kind: "azure-openai",
  account: "swc",
  model: "gpt-5",
  deploymentType: "GlobalProvisionedManaged",
  capacity,
});
const paygo = (capacity: number, account = "swc"): RawTarget => ({
  kind: "azure-openai",
  account,
  model: "gpt-5.1",
  deploymentType: "GlobalStandard",
  capacity,
});
const vllm = (replicas: number, gpusPerReplica = 1): RawTarget => ({ kind: "vllm", replicas, gpusPerReplica });
const endpoint = (blue: [number, RawTarget[]], green?: [number, RawTarget[]]): RawEndpoint => ({
  slots: {
    blue: {
      weight: blue[0],
      targets: blue[1],
      workload: { peakInputTpm: 90_000, peakOutputTpm: 6_000, cacheHitRate: 0.2 },
    },
    ...(green ? { green: { weight: green[0], targets: green[1] } } : {}),
  },
});

describe("an endpoint's serving capacity", () => {
  it("adds a colour's targets: PTUs through the dated table's input TPM per PTU, pay-as-you-go TPM, regions, GPUs", () => {
    const c = slotCapacity({ weight: 100, targets: [ptu(50), paygo(300_000), paygo(200_000, "eus2")] }, locations);
    expect(c).toEqual({ tpm: 50 * 4_750 + 500_000, ptu: 50, paygoTpm: 500_000, regions: 2, replicas: 0, gpus: 0 });
    expect(slotCapacity({ weight: 100, targets: [vllm(2, 4)] }, locations)).toMatchObject({
      replicas: 2,
      gpus: 8,
      tpm: 0,
    });
  });

  it("is limited by the colour whose share of traffic it saturates first", () => {
    const e = endpoint([75, [paygo(600_000)]], [25, [paygo(100_000)]]);
    // blue carries 600K at 75% of the traffic (800K in all), green 100K at 25% (400K in all).
    expect(endpointCapacity(e, locations).tpm).toBe(400_000);
    expect(endpointCapacity(endpoint([100, [paygo(600_000)]], [0, [paygo(1)]]), locations).tpm).toBe(600_000);
  });

  it("a step onto a smaller colour is a cut, in numbers and against the declared peak; onto a larger one it is not", () => {
    const before = endpoint([100, [ptu(50), paygo(500_000)]], [0, [paygo(100_000)]]);
    const after = endpoint([75, [ptu(50), paygo(500_000)]], [25, [paygo(100_000)]]);
    const drop = capacityDrop(before, after, locations)!;
    expect(drop.falls).toEqual([
      "TPM (input-token equivalent) 737,500 -> 400,000",
      "PTU 50 -> 0",
      "pay-as-you-go TPM 500,000 -> 400,000",
    ]);
    expect(declaredPeakTpm(before)).toBe(90_000 * 0.8 + 8 * 6_000);
    expect(drop.text).toContain("the declared peak workload is 120,000 TPM");
    expect(capacityDrop(after, before, locations)).toBeUndefined();
    const bigger = endpoint([100, [paygo(100_000)]], [0, [paygo(900_000), paygo(900_000, "eus2")]]);
    expect(capacityDrop(bigger, endpoint([100, [paygo(100_000)]], [0, []]), locations)).toBeUndefined();
  });

  it("says LESS when the endpoint would serve under its declared peak, and counts lost GPUs and regions", () => {
    const before = endpoint([100, [paygo(200_000), paygo(200_000, "eus2")]], [0, [paygo(60_000)]]);
    const after = endpoint([0, [paygo(200_000), paygo(200_000, "eus2")]], [100, [paygo(60_000)]]);
    expect(capacityDrop(before, after, locations)!.text).toMatch(
      /regions 2 -> 1; .* serves 50% of it, LESS than the peak/,
    );
    const gpus = capacityDrop(
      endpoint([100, [vllm(4, 2)]], [0, [vllm(1)]]),
      endpoint([0, [vllm(4, 2)]], [100, [vllm(1)]]),
      locations,
    );
    expect(gpus!.falls).toEqual(["vLLM replicas 4 -> 1", "GPUs 8 -> 1"]);
  });
});

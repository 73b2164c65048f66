// The cold start `rollout start` announces for a vLLM colour starting from zero: the dated phases, and
// the GPU nodes a pool must add beyond what its serving (not idle) slots already run.
import { describe, expect, it } from "vitest";
import { COLD_START, coldStartMinutes } from "../components/serving/coldStart";
import { coldStartNote, newGpuNodes } from "../cli/rollout/coldStart";
import { rawConfig, validConfig } from "./configHelpers";
import { parsePlatformConfig } from "../stacks/config";

const vllm = (replicas: number, pool = "a100") => ({
  kind: "vllm",
  pool,
  model: "Qwen/Qwen2.5-7B-Instruct",
  revision: "a09a35458c702b33eeacc393d103063234e8bc28",
  image: "vllm/vllm-openai:v0.30.0",
  replicas,
  gpusPerReplica: 1,
  serviceIp: "10.40.31.210",
});

describe("cold start of a vLLM colour", () => {
  it("adds the phases of the dated table; a node only when the pool must grow", () => {
    expect(coldStartMinutes(0).phases.map((p) => p.phase)).toEqual(["image pull", "model download and load"]);
    expect(coldStartMinutes(0).total).toEqual({
      low: COLD_START.imagePull.low + COLD_START.modelLoad.low,
      high: COLD_START.imagePull.high + COLD_START.modelLoad.high,
    });
    expect(coldStartMinutes(2).phases[0]).toEqual({ phase: "2 new GPU nodes", minutes: COLD_START.gpuNode });
    expect(coldStartMinutes(1).total.high).toBe(
      COLD_START.gpuNode.high + COLD_START.imagePull.high + COLD_START.modelLoad.high,
    );
  });

  it("counts the nodes a pool adds beyond its minimum and what its serving slots take", () => {
    // prod: a100 holds 2 one-GPU nodes at least, and qwen/blue's 2 replicas fill them.
    const prod = validConfig("prod");
    expect(newGpuNodes(prod, "embeddings", "green", [vllm(2)])).toEqual([{ pool: "a100", nodes: 2 }]);
    // qwen's own next colour: its blue keeps serving during the rollout and fills the pool: 3 new nodes.
    expect(newGpuNodes(prod, "qwen", "green", [vllm(3)])).toEqual([{ pool: "a100", nodes: 3 }]);
    // Replacing qwen/blue's own targets (as if blue were the colour starting): the pool's 2 nodes have room.
    expect(newGpuNodes(prod, "qwen", "blue", [vllm(2)])).toEqual([{ pool: "a100", nodes: 0 }]);
    // An idle colour takes no node: with 4 nodes at least, qwen/blue takes 2 and idle qwen/green none.
    const raw = rawConfig("prod");
    raw.cluster.gpuPools.a100.minCount = 4;
    raw.models.qwen.slots.green = { weight: 0, targets: [vllm(2)] };
    const parsed = parsePlatformConfig(raw);
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
    expect(newGpuNodes(parsed.config, "embeddings", "green", [vllm(2)])).toEqual([{ pool: "a100", nodes: 0 }]);
    expect(newGpuNodes(parsed.config, "embeddings", "green", [vllm(3)])).toEqual([{ pool: "a100", nodes: 1 }]);
    // A rollout recorded on qwen makes green no longer idle: its 2 servers run and the pool is full.
    raw.models.qwen.rollout = { to: "green" };
    const rolling = parsePlatformConfig(raw);
    if (!rolling.ok) throw new Error(JSON.stringify(rolling.issues));
    expect(newGpuNodes(rolling.config, "embeddings", "green", [vllm(2)])).toEqual([{ pool: "a100", nodes: 2 }]);
  });

  it("says how long before shift can follow, and nothing for Azure OpenAI colours", () => {
    const prod = validConfig("prod");
    expect(coldStartNote(prod, "embeddings", "green", [vllm(2)])).toBe(
      `cold start: embeddings/green starts 2 vLLM servers from zero once applied: expect ${COLD_START.gpuNode.low + COLD_START.imagePull.low + COLD_START.modelLoad.low}-${COLD_START.gpuNode.high + COLD_START.imagePull.high + COLD_START.modelLoad.high} min before they are ready (2 new GPU nodes 8-15 min, image pull 2-8 min, model download and load 1-25 min; GPU nodes to add: a100 +2; dated table of 2026-12-05, components/serving/coldStart.ts). shift waits for a state export that shows them ready.`,
    );
    expect(coldStartNote(prod, "chat", "green", [{ kind: "azure-openai" }])).toBeUndefined();
  });
});

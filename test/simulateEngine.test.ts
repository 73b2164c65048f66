// The capacity simulator's replay (cli/simulate/engine.ts) against cases with known answers, on platforms
// built by hand, and the platform the committed prod stack plans (cli/simulate/platform.ts).
import { describe, expect, it } from "vitest";
import { PTU_MODELS } from "../components/openai/models";
import { circuitBreaker } from "../components/gateway/backends";
import { slotThresholds } from "../components/gateway/apiPolicy";
import { simulate, type RoutedRequest } from "../cli/simulate/engine";
import {
  platformModel,
  withPtu,
  withoutTeamLimits,
  type BackendModel,
  type PlatformModel,
} from "../cli/simulate/platform";
import { AZURE_LATENCY, modelBillions, replicaSpeed } from "../cli/simulate/figures";
import { validConfig } from "./configHelpers";
import type { ReplicaSpeed } from "../cli/simulate/vllm";

const GPT5 = PTU_MODELS["gpt-5"]!;
const LATENCY = AZURE_LATENCY["gpt-5"]!;
const breaker = circuitBreaker("azure-openai", "PT1M");

const ptu = (name: string, units: number, spilloverTo?: string): BackendModel => ({
  kind: "ptu",
  name,
  model: "gpt-5",
  latency: LATENCY,
  deploymentType: "GlobalProvisionedManaged",
  ptu: units,
  figures: GPT5,
  ...(spilloverTo ? { spilloverTo } : {}),
});
const paygo = (name: string, tpm: number, rpm = (tpm / 1_000) * 10): BackendModel => ({
  kind: "paygo",
  name,
  model: "gpt-5",
  latency: LATENCY,
  deploymentType: "GlobalStandard",
  tpm,
  rpm,
  rpmWindowMs: 1_000,
});

/** One endpoint `chat` whose slots hold `members` (backend names by priority), one team with `tokensPerMinute`. */
function platform(
  backends: readonly BackendModel[],
  slots: { blue?: [string, number][]; green?: [string, number][]; weights?: { blue: number; green: number } },
  team: { tokensPerMinute?: number; monthlyTokenQuota?: number; endpoints?: string[] } = {},
): PlatformModel {
  const weights = slots.weights ?? { blue: 100, green: 0 };
  const slot = (name: "blue" | "green") =>
    slots[name] && {
      slot: name,
      weight: weights[name],
      members: slots[name]!.map(([backend, priority]) => ({ backend, priority, breaker })),
    };
  const routes = (["blue", "green"] as const).filter((s) => slots[s]).map((s) => ({ slot: s, weight: weights[s] }));
  return {
    stack: "test",
    endpoints: [
      {
        name: "chat",
        thresholds: slotThresholds(routes),
        slots: { ...(slots.blue ? { blue: slot("blue") } : {}), ...(slots.green ? { green: slot("green") } : {}) },
      },
    ],
    teams: [
      {
        name: "team",
        endpoints: team.endpoints ?? ["chat"],
        tokensPerMinute: team.tokensPerMinute ?? Infinity,
        counters: ["team-team"],
        ...(team.monthlyTokenQuota ? { monthlyTokenQuota: team.monthlyTokenQuota } : {}),
      },
    ],
    backends: new Map(backends.map((b) => [b.name, b])),
    retries: Math.max(
      0,
      ...Object.values(slots)
        .filter(Array.isArray)
        .map((m) => m.length - 1),
    ),
    busyRetryAfterMs: 60_000,
    assumptions: [],
  };
}

/** A vLLM target of one replica on one A100 that serves at `speed`. */
const vllmTarget = (name: string, speed: ReplicaSpeed): BackendModel => ({
  kind: "vllm",
  name,
  model: "m-8B",
  pool: "a100",
  vmSize: "Standard_NC24ads_A100_v4",
  gpu: "A100",
  replicas: 1,
  gpusPerReplica: 1,
  nodes: 1,
  speed,
});

/** `count` requests of `prompt` tokens (no output) every `gapMs`, from the team to chat. */
const steady = (count: number, gapMs: number, prompt: number, endpoint = "chat"): RoutedRequest[] =>
  Array.from({ length: count }, (_, i) => ({
    atMs: i * gapMs,
    promptTokens: prompt,
    outputTokens: 0,
    team: "team",
    endpoint,
  }));

const used = (result: Awaited<ReturnType<typeof simulate>>, name: string) =>
  result.deployments.find((d) => d.name === name)!;

describe("Azure OpenAI behind the gateway, on cases with known answers", () => {
  it("serves constant traffic below a PTU deployment's rate entirely on PTU, never above 100%", async () => {
    // 50 PTU of gpt-5 drain 237,500 a minute; 1,000 tokens a second is 60,000 a minute.
    const result = await simulate(platform([ptu("p", 50)], { blue: [["p", 1]] }), steady(600, 1_000, 1_000));
    expect(result.outcomes.ptu).toBe(600);
    expect(Math.max(...used(result, "p").utilizationByMinute)).toBeLessThan(1);
  });

  it("at twice the rate serves about half on PTU and answers the rest 429, spilling nothing without a twin", async () => {
    // 15 PTU drain 71,250 a minute (1,187.5 a second); 2,375 tokens a second is twice that.
    const result = await simulate(platform([ptu("p", 15)], { blue: [["p", 1]] }), steady(3_600, 1_000, 2_375));
    // The first minute's burst allowance (one minute of throughput) is the only excess over one half.
    expect(result.outcomes.ptu / 3_600).toBeGreaterThan(0.5);
    expect(result.outcomes.ptu / 3_600).toBeLessThan(0.52);
    expect(result.outcomes.spillover).toBe(0);
    expect(result.outcomes.busy + result.outcomes.throttled).toBe(3_600 - result.outcomes.ptu);
    expect(Math.max(...used(result, "p").utilizationByMinute)).toBeGreaterThanOrEqual(1);
  });

  it("takes a single burst up to 100% utilization, then spills the rest to the pay-as-you-go twin", async () => {
    // Each request costs a tenth of the bucket (23,750 of 237,500): ten fill it, the eleventh spills.
    const burst = Array.from({ length: 30 }, () => ({
      atMs: 0,
      promptTokens: 23_750,
      outputTokens: 0,
      team: "team",
      endpoint: "chat",
    }));
    const result = await simulate(platform([ptu("p", 50, "s"), paygo("s", 1_000_000)], { blue: [["p", 1]] }), burst);
    expect(result.outcomes).toMatchObject({ ptu: 10, spillover: 20, busy: 0, throttled: 0 });
    expect(used(result, "s").requests).toBe(20);
  });

  it("trips a throttled member's breaker for its Retry-After, sends the pool's next priority, and recovers", async () => {
    // A takes 10,000 tokens a minute: requests of 1,000 every second fill it in 10 s; then B serves the rest of
    // the minute; the next minute A takes requests again.
    const result = await simulate(
      platform([paygo("a", 10_000), paygo("b", 1_000_000)], {
        blue: [
          ["a", 1],
          ["b", 2],
        ],
      }),
      steady(120, 1_000, 1_000),
    );
    expect(used(result, "a").requests).toBe(20);
    expect(used(result, "b").requests).toBe(100);
    expect(result.outcomes.paygo).toBe(120);
  });

  it("answers 429 when every member is tripped, with nothing served until a breaker closes", async () => {
    const result = await simulate(
      platform([paygo("a", 5_000), paygo("b", 5_000)], {
        blue: [
          ["a", 1],
          ["b", 1],
        ],
      }),
      steady(60, 1_000, 1_000),
    );
    // Five requests fill each member's minute; the eleventh trips the second; the rest find both tripped.
    expect(result.outcomes.paygo).toBe(10);
    expect(result.outcomes.busy + result.outcomes.throttled).toBe(50);
  });

  it("sends each slot its weight's share of requests, converging over many", async () => {
    const result = await simulate(
      platform([paygo("b", 1e9, 1e9), paygo("g", 1e9, 1e9)], {
        blue: [["b", 1]],
        green: [["g", 1]],
        weights: { blue: 90, green: 10 },
      }),
      steady(20_000, 10, 10),
    );
    expect(used(result, "g").requests / 20_000).toBeGreaterThan(0.09);
    expect(used(result, "g").requests / 20_000).toBeLessThan(0.11);
    expect(used(result, "b").requests + used(result, "g").requests).toBe(20_000);
  });

  it("applies the team's budget, quota and endpoints before any backend", async () => {
    const backends = [paygo("b", 1e9, 1e9)];
    const limited = await simulate(
      platform(backends, { blue: [["b", 1]] }, { tokensPerMinute: 5_000 }),
      steady(60, 1_000, 1_000),
    );
    expect(limited.outcomes).toMatchObject({ paygo: 5, teamLimit: 55 });
    const quota = await simulate(
      platform(backends, { blue: [["b", 1]] }, { monthlyTokenQuota: 3_000 }),
      steady(10, 1_000, 1_000),
    );
    expect(quota.outcomes).toMatchObject({ paygo: 3, teamQuota: 7 });
    const elsewhere = await simulate(
      platform(backends, { blue: [["b", 1]] }, { endpoints: ["other"] }),
      steady(3, 1, 1),
    );
    expect(elsewhere.outcomes.notAllowed).toBe(3);
    expect(
      withoutTeamLimits(platform(backends, { blue: [["b", 1]] }, { tokensPerMinute: 1 })).teams[0]!.tokensPerMinute,
    ).toBe(Infinity);
  });

  it("adds the measured TTFT and output speed, and the retries' cost, to a served request's latency", async () => {
    const result = await simulate(
      platform([paygo("a", 1_000), paygo("b", 1e9, 1e9)], {
        blue: [
          ["a", 1],
          ["b", 2],
        ],
      }),
      [
        { atMs: 0, promptTokens: 2_000, outputTokens: 155, team: "team", endpoint: "chat" },
        { atMs: 1, promptTokens: 10, outputTokens: 155, team: "team", endpoint: "chat" },
      ],
    );
    const chat = result.latency[0]!;
    // The first is served by a at once; the second is refused by a (50 ms) and served by b.
    // Percentiles are exact to 1% (the histogram's buckets).
    expect(chat.e2e.percentile(50)).toBeGreaterThanOrEqual(LATENCY.ttftMs + 1_000);
    expect(chat.e2e.percentile(50)).toBeLessThanOrEqual((LATENCY.ttftMs + 1_000) * 1.01);
    expect(chat.ttft.percentile(100)).toBe(LATENCY.ttftMs + 50);
  });
});

describe("vLLM queues rather than refusing", () => {
  it("makes the request beyond the replicas' concurrency wait for the first seat to free", async () => {
    const vllm = vllmTarget("v", { concurrency: 2, ttftMs: 100, msPerOutputToken: 10 });
    const three = Array.from({ length: 3 }, () => ({
      atMs: 0,
      promptTokens: 10,
      outputTokens: 100,
      team: "team",
      endpoint: "chat",
    }));
    const result = await simulate(platform([vllm], { blue: [["v", 1]] }), three);
    expect(result.outcomes.vllm).toBe(3);
    // Two take the seats at once (TTFT 100 ms, done at 1,100 ms); the third waits 1,100 ms.
    expect(result.latency[0]!.ttft.percentile(60)).toBeCloseTo(100, -1);
    expect(result.latency[0]!.ttft.percentile(100)).toBeCloseTo(1_200, -1);
  });
});

describe("the platform the committed prod stack plans, as the simulator models it", () => {
  const prod = platformModel("prod", validConfig("prod"));

  it("has each deployment once per account, the PTU one spilling to its twin, and the gateway's retry count", () => {
    expect([...prod.backends.keys()].sort()).toEqual([
      "eus2/chat-blue-gpt-5-gstd",
      "qwen/blue/a100-0",
      "swc/chat-blue-gpt-5-gptu",
      "swc/chat-blue-gpt-5-gstd",
      "swc/chat-green-gpt-5.1-gstd",
      "swc/embeddings-blue-text-embedding-3-large-std",
    ]);
    expect(prod.backends.get("swc/chat-blue-gpt-5-gptu")).toMatchObject({
      ptu: 50,
      spilloverTo: "swc/chat-blue-gpt-5-gstd",
    });
    // gpt-5 GlobalStandard: 10 RPM per 1,000 TPM (quota tier 1).
    expect(prod.backends.get("swc/chat-blue-gpt-5-gstd")).toMatchObject({ tpm: 300_000, rpm: 3_000 });
    expect(prod.retries).toBe(2);
    const chat = prod.endpoints.find((e) => e.name === "chat")!;
    expect(chat.slots.blue!.members.map((m) => [m.backend, m.priority])).toEqual([
      ["swc/chat-blue-gpt-5-gptu", 1],
      ["eus2/chat-blue-gpt-5-gstd", 2],
      ["swc/chat-blue-gpt-5-gstd", 2],
    ]);
    expect(chat.thresholds).toEqual([{ slot: "blue", below: 100 }]);
    expect(prod.teams.map((t) => [t.name, t.tokensPerMinute])).toEqual([
      ["assistant", 60_000],
      ["search", 100_000],
    ]);
  });

  it("says what it assumed, and changes one deployment's PTUs for the sweep", () => {
    expect(prod.assumptions.join("\n")).toContain(
      "Qwen/Qwen2.5-7B-Instruct (7B) on A100 is modelled with the 8B measurement",
    );
    expect(withPtu(prod, "swc/chat-blue-gpt-5-gptu", 100).backends.get("swc/chat-blue-gpt-5-gptu")).toMatchObject({
      ptu: 100,
    });
    expect(() => withPtu(prod, "swc/chat-blue-gpt-5-gstd", 100)).toThrow("is not a provisioned deployment");
  });
});

describe("the dated throughput table's rows for a vLLM target", () => {
  it("reads the size from the model's name and picks the nearest measurement for the GPU", () => {
    expect(
      ["Qwen/Qwen2.5-7B-Instruct", "meta-llama/Llama-3.1-70B-Instruct", "BAAI/bge-m3", "x/Mixtral-8x7B"].map(
        modelBillions,
      ),
    ).toEqual([7, 70, undefined, undefined]);
    const a100 = replicaSpeed("A100", "meta-llama/Llama-3.1-70B-Instruct");
    expect(a100).toMatchObject({ row: { modelBillions: 70, gpu: "A100", gpusPerReplica: 4 }, notes: [] });
    // The measured total (1,335.7 tokens/s) at the measured TPOT (96.46 ms) is about 129 requests at once.
    expect("speed" in a100 && a100.speed).toEqual({ concurrency: 129, ttftMs: 8_026.06, msPerOutputToken: 96.46 });
    expect(replicaSpeed("H100 NVL", "Qwen/Qwen2.5-7B-Instruct")).toMatchObject({
      row: { gpu: "H100", modelBillions: 8 },
      notes: [
        "Qwen/Qwen2.5-7B-Instruct (7B) on H100 NVL is modelled with the 8B measurement",
        "H100 NVL is modelled with the H100 SXM measurement",
      ],
    });
    expect(replicaSpeed("A100", "BAAI/bge-m3")).toMatchObject({ row: { modelBillions: 8 } });
    expect(replicaSpeed("T4", "Qwen/Qwen2.5-7B-Instruct")).toEqual({
      problem: expect.stringContaining("no measured vLLM throughput for T4 GPUs"),
    });
  });
});

describe("what the gateway does with a vLLM timeout and an endpoint it does not serve", () => {
  it("does not retry a timeout: the client gets the error, the breaker counts it once", async () => {
    // One seat, each request holding it 400 s: the second waits past the 300 s forward timeout.
    const slow = vllmTarget("v", { concurrency: 1, ttftMs: 100, msPerOutputToken: 4_000 });
    const two = [0, 1].map((atMs) => ({ atMs, promptTokens: 10, outputTokens: 100, team: "team", endpoint: "chat" }));
    const result = await simulate(
      platform([slow, { ...slow, name: "w" }], {
        blue: [
          ["v", 1],
          ["w", 2],
        ],
      }),
      two,
    );
    // The second waits past the 300 s forward timeout at v: no retry reaches w.
    expect(result.outcomes).toMatchObject({ vllm: 1, timeout: 1, busy: 0 });
    expect(used(result, "w").requests).toBe(0);
  });

  it("answers 404 for an endpoint the stack does not serve, before it looks at the team", async () => {
    const result = await simulate(platform([paygo("b", 1e9, 1e9)], { blue: [["b", 1]] }), [
      { atMs: 0, promptTokens: 1, outputTokens: 1, team: "nobody", endpoint: "elsewhere" },
    ]);
    expect(result.outcomes.unknownEndpoint).toBe(1);
    expect(result.byTeam.get("nobody")!.unknownEndpoint).toBe(1);
  });
});

// A team's monthly spend ceiling as the token quota the gateway enforces (components/cost/teamBudget.ts).
import { describe, expect, it } from "vitest";
import { budgetQuota } from "../components/cost/teamBudget";
import { PRICES } from "../components/cost/prices";
import { parsePlatformConfig } from "../stacks/config";
import { rawConfig } from "./configHelpers";
import { gatewayTeams } from "../stacks/platformArgs";

const slot = (model: string, workload?: { peakInputTpm: number; peakOutputTpm: number }) => ({
  targets: [{ kind: "azure-openai", model }],
  ...(workload ? { workload } : {}),
});

describe("a monthly budget as a token quota", () => {
  it.each([
    // gpt-5: $1.25 in, $10 out per million. 90% input, 10% output: $2.125 per million.
    ["gpt-5", { peakInputTpm: 90_000, peakOutputTpm: 10_000 }, 2.125, 470_588_235],
    // No workload declared: every token at the dearer price ($10 per million).
    ["gpt-5", undefined, 10, 100_000_000],
    // gpt-5-mini: $0.25 in, $2 out; half and half: $1.125.
    ["gpt-5-mini", { peakInputTpm: 50, peakOutputTpm: 50 }, 1.125, 888_888_888],
    // Embeddings have no output price: $0.13 per million.
    ["text-embedding-3-large", undefined, 0.13, 7_692_307_692],
  ] as const)("$1,000 on %s (%j) at $%s per million", (model, workload, perMillion, tokens) => {
    const quota = budgetQuota(1_000, ["e"], { e: { slots: { blue: slot(model, workload) } } }, PRICES);
    expect(quota).toMatchObject({ model, tokens });
    expect("perMillion" in quota && quota.perMillion).toBeCloseTo(perMillion);
  });

  it("prices by the dearest target any of the team's endpoints reach, and skips vLLM", () => {
    const models = {
      chat: { slots: { blue: slot("gpt-5-mini"), green: slot("gpt-5") } },
      qwen: { slots: { blue: { targets: [{ kind: "vllm" }] } } },
    };
    expect(budgetQuota(100, ["chat", "qwen"], models, PRICES)).toMatchObject({ model: "gpt-5", perMillion: 10 });
    expect(budgetQuota(100, ["qwen"], models, PRICES)).toEqual({
      problem: expect.stringContaining("have no priced Azure OpenAI target: vLLM is paid by the GPU hour"),
    });
    expect(budgetQuota(100, ["chat"], { chat: { slots: { blue: slot("gpt-9") } } }, PRICES)).toEqual({
      problem: "gpt-9 has no price per token in the dated price table: price it under prices.tokensPerMillion",
    });
  });

  it("is refused with a token quota beside it, or on endpoints without a price per token", () => {
    const raw = rawConfig("prod");
    raw.gateway.teams.assistant.monthlyTokenQuota = 1_000;
    raw.gateway.teams.search.monthlyBudget = 100;
    raw.gateway.teams.search.endpoints = ["qwen"];
    const parsed = parsePlatformConfig(raw);
    const messages = parsed.ok ? [] : parsed.issues.map((i) => `${i.path}: ${i.message}`);
    expect(messages).toContain(
      "gateway.teams.assistant.monthlyBudget: give monthlyBudget (a spend ceiling the gateway turns into a token quota) or monthlyTokenQuota, not both",
    );
    expect(messages.join("\n")).toContain(
      "gateway.teams.search.monthlyBudget: the team's endpoints (qwen) have no priced",
    );
  });
});

describe("a spend ceiling in the gateway", () => {
  it("is split between a team's applications when each has its own counter, so together they stay under it", () => {
    const raw = rawConfig("prod");
    raw.gateway.teams.assistant.applications = [
      "0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9",
      "2a2b3c4d-5e6f-4a0b-9c1d-2e3f4a5b6c7d",
    ];
    const parsed = parsePlatformConfig(raw);
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
    const assistant = gatewayTeams(parsed.config).find((t) => t.name === "assistant")!;
    // $15,000 at $10 per million (gpt-5.1, no declared workload): 1,500,000,000 tokens, half each.
    expect(assistant.monthlyTokenQuota).toBe(750_000_000);
    raw.gateway.teams.assistant.budgetPer = "team";
    const shared = parsePlatformConfig(raw);
    expect(shared.ok && gatewayTeams(shared.config).find((t) => t.name === "assistant")!.monthlyTokenQuota).toBe(
      1_500_000_000,
    );
  });
});

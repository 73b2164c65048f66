// Which routes the gateway checks and how strictly, from a stack's config (pure).
import { describe, expect, it } from "vitest";
import { piiRoutes, safetyCheck, safetyIssues, safetyRoutes, stackFilterThreshold } from "../components/safety/config";
import { parsePlatformConfig } from "../stacks/config";
import { rawConfig, validConfig } from "./configHelpers";

const VLLM = { kind: "vllm" };
const AOAI = { kind: "azure-openai" };
const stack = (models: Record<string, any>, gateway: any = { contentSafety: { azureOpenAi: false } }) => ({
  accounts: { swc: { contentFilterThreshold: "Medium" as const } },
  models,
  ...(gateway ? { gateway } : {}),
});

describe("content checks from the config", () => {
  it("checks every slot with a vLLM target; Azure OpenAI slots only with gateway.contentSafety.azureOpenAi", () => {
    const models = {
      chat: { slots: { blue: { targets: [AOAI] } } },
      qwen: { slots: { blue: { targets: [AOAI] }, green: { targets: [VLLM] } } },
    };
    expect(safetyRoutes(stack(models)).map((r) => [r.endpoint, r.slots])).toEqual([["qwen", ["green"]]]);
    expect(
      safetyRoutes(stack(models, { contentSafety: { azureOpenAi: true } })).map((r) => [r.endpoint, r.slots]),
    ).toEqual([
      ["chat", ["blue"]],
      ["qwen", ["blue", "green"]],
    ]);
    expect(safetyRoutes(stack(models, null))).toEqual([]);
  });

  it("blocks from the strictest Azure OpenAI filter of the stack unless the endpoint sets its own", () => {
    expect(
      stackFilterThreshold({
        accounts: { a: { contentFilterThreshold: "Medium" }, b: { contentFilterThreshold: "Low" } },
      }),
    ).toBe("Low");
    expect(safetyCheck(undefined, "Medium")).toEqual({
      thresholds: { Hate: 4, Sexual: 4, SelfHarm: 4, Violence: 4 },
      shieldPrompt: true,
    });
    expect(safetyCheck({ thresholds: { selfHarm: "Low" }, shieldPrompt: false, pii: "off" }, "Medium")).toEqual({
      thresholds: { Hate: 4, Sexual: 4, SelfHarm: 2, Violence: 4 },
      shieldPrompt: false,
    });
  });

  it("checks PII on any endpoint that asks, and refuses settings that would do nothing", () => {
    const models = {
      chat: {
        slots: { blue: { targets: [AOAI] } },
        contentSafety: { thresholds: {}, shieldPrompt: true, pii: "refuse" },
      },
      embeddings: {
        slots: { blue: { targets: [AOAI] } },
        contentSafety: { thresholds: { hate: "Low" }, shieldPrompt: true, pii: "off" },
      },
    };
    expect(piiRoutes(stack(models))).toEqual([{ endpoint: "chat", mode: "refuse" }]);
    expect(safetyIssues(stack(models))).toEqual([
      {
        path: "models.embeddings.contentSafety",
        message:
          "the gateway checks only routes to self-hosted models (Azure OpenAI deployments are filtered by their RAI policy): set gateway.contentSafety.azureOpenAi: true to check this endpoint too, or remove the key",
      },
    ]);
    expect(safetyIssues(stack(models, null)).map((i) => i.message)).toEqual([
      "content checks run in the gateway: configure gateway, or remove the key",
      "content checks run in the gateway: configure gateway, or remove the key",
    ]);
  });

  it("refuses a threshold weaker than Medium and an unknown PII mode, naming the key", () => {
    const raw = rawConfig("prod");
    raw.models.qwen.contentSafety = { thresholds: { hate: "High" }, pii: "mask" };
    const parsed = parsePlatformConfig(raw);
    expect(parsed.ok).toBe(false);
    const messages = (parsed as { issues: { path: string; message: string }[] }).issues.map(
      (i) => `${i.path}: ${i.message}`,
    );
    expect(messages.some((m) => m.startsWith("models.qwen.contentSafety.thresholds.hate: Low or Medium"))).toBe(true);
    expect(messages.some((m) => m.startsWith("models.qwen.contentSafety.pii:"))).toBe(true);
  });

  it("the committed prod stack checks its vLLM endpoint at the Azure OpenAI filter's strictness", () => {
    expect(safetyRoutes(validConfig("prod"))).toEqual([
      {
        endpoint: "qwen",
        slots: ["blue"],
        check: { thresholds: { Hate: 4, Sexual: 4, SelfHarm: 4, Violence: 4 }, shieldPrompt: true },
      },
    ]);
  });
});

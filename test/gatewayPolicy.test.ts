// The gateway's API policy: rendered through the typed builder, parsed by an independent XML parser,
// and compared with golden files reviewed by hand (UPDATE_GOLDEN=1 rewrites them after a reviewed change).
import { describe, expect, it } from "vitest";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { apiPolicy, chatCachePolicy, retryCount, slotDraw, type ApiPolicySpec } from "../components/gateway/apiPolicy";
import { llmEmitTokenMetric, renderPolicy, validateAzureAdToken } from "../components/gateway/policyXml";
import { endpointRoutes } from "../components/gateway/routes";
import { tierProblem } from "../components/gateway/tiers";
import { backendId, circuitBreaker, poolSpecs, type TargetRef } from "../components/gateway/backends";
import { matchesGoldenFile, plannedOutput, PROJECT_DIR, validConfig } from "./helpers";

/** An Azure OpenAI target, as routing sees it. */
const AOAI = { kind: "azure-openai" as const };

const GOLDEN = join(PROJECT_DIR, "test", "golden", "gateway");

const matchesGolden = (name: string, xml: string) => matchesGoldenFile(join(GOLDEN, name), xml);

const spec = (auth: ApiPolicySpec["auth"]): ApiPolicySpec => ({
  auth,
  tenantId: "11111111-2222-4333-8444-555555555555",
  audiences: ["api://genai-gateway"],
  teams: [
    {
      name: "assistant",
      applicationIds: ["aaaaaaaa-0000-4000-8000-000000000001", "aaaaaaaa-0000-4000-8000-000000000002"],
      endpoints: ["chat", "embeddings"],
      tokensPerMinute: 50_000,
      monthlyTokenQuota: 200_000_000,
      budgetPer: "team",
    },
    {
      name: "search",
      applicationIds: ["bbbbbbbb-0000-4000-8000-000000000001"],
      endpoints: ["embeddings"],
      tokensPerMinute: 100_000,
    },
  ],
  identityClientId: "{{gateway-identity-client-id}}",
  retryAfterSeconds: 60,
  endpoints: endpointRoutes({
    ...validConfig("prod").models,
    chat: { slots: { blue: { weight: 90, targets: [AOAI, AOAI, AOAI] }, green: { weight: 10, targets: [AOAI] } } },
  }),
});

const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "", preserveOrder: false });

describe("the gateway's API policy", () => {
  it.each(["entra-id", "subscription-key"] as const)(
    "renders the %s API's policy as well-formed XML that matches its golden file",
    (auth) => {
      const xml = renderPolicy(apiPolicy(spec(auth)));
      expect(XMLValidator.validate(xml)).toBe(true);
      matchesGolden(`builder-api-${auth}.xml`, xml);
      const parsed = parser.parse(xml).policies;
      expect(Object.keys(parsed)).toEqual(["inbound", "backend", "outbound", "on-error"]);
      if (auth === "entra-id")
        expect(parsed.inbound["validate-azure-ad-token"]["tenant-id"]).toBe("11111111-2222-4333-8444-555555555555");
      else expect(parsed.inbound["validate-azure-ad-token"]).toBeUndefined();
      // Per team: its own token budget, counted under the team's key.
      const limits = parsed.inbound.choose.find(
        (c: any) => c.when?.[0]?.["llm-token-limit"] ?? c.when?.["llm-token-limit"],
      );
      const first = Array.isArray(limits.when) ? limits.when[0] : limits.when;
      expect(first["llm-token-limit"]).toMatchObject({
        "counter-key": "team-assistant",
        "tokens-per-minute": "50000",
        "token-quota": "200000000",
        "token-quota-period": "Monthly",
        "estimate-prompt-tokens": "true",
      });
      // The backend forwards itself (no <base />, which would forward twice), retrying on 429 and 503.
      expect(parsed.backend.base).toBeUndefined();
      expect(parsed.backend.retry).toMatchObject({ count: "2", interval: "0", "first-fast-retry": "true" });
      expect(parsed.backend.retry["forward-request"]).toMatchObject({
        "buffer-request-body": "true",
        "buffer-response": "false",
      });
    },
  );

  it("escapes what it renders: the parser reads back exactly the values given", () => {
    const tricky = 'api://a&b<c>"d"';
    const xml = renderPolicy({
      inbound: [
        validateAzureAdToken({ tenantId: "t&1", audiences: [tricky], clientApplicationIds: [], tokenVariable: "jwt" }),
      ],
      backend: [],
      outbound: [],
      onError: [],
    });
    expect(XMLValidator.validate(xml)).toBe(true);
    const token = parser.parse(xml).policies.inbound["validate-azure-ad-token"];
    expect(token["tenant-id"]).toBe("t&1");
    expect(token.audiences.audience).toBe(tricky);
  });

  it("draws slots by cumulative weight, and only live slots", () => {
    const slots = [
      { slot: "blue" as const, weight: 90, poolId: "b", members: 2, kind: "azure-openai" as const },
      { slot: "green" as const, weight: 10, poolId: "g", members: 1, kind: "azure-openai" as const },
    ];
    expect(slotDraw(slots)).toBe('@((int)context.Variables["draw"] < 90 ? "blue" : "green")');
    expect(
      slotDraw([
        { ...slots[0]!, weight: 0 },
        { ...slots[1]!, weight: 100 },
      ]),
    ).toBe('@("green")');
    expect(() => slotDraw([{ ...slots[0]!, weight: 0 }])).toThrow(/weight above 0/);
    expect(retryCount([{ endpoint: "chat", slots }])).toBe(1);
    expect(retryCount([{ endpoint: "chat", slots: [{ ...slots[0]!, members: 1 }] }])).toBe(0);
  });

  it("forwards without a retry when every pool has one member", () => {
    const single = {
      ...spec("entra-id"),
      endpoints: [
        {
          endpoint: "chat",
          slots: [{ slot: "blue" as const, weight: 100, poolId: "p", members: 1, kind: "azure-openai" as const }],
        },
      ],
    };
    const backend = parser.parse(renderPolicy(apiPolicy(single))).policies.backend;
    expect(backend.retry).toBeUndefined();
    expect(backend["forward-request"]).toMatchObject({ "buffer-request-body": "true" });
  });

  it("renders the chat-completions cache policy: bounded lookup varied by endpoint, adapter and team, a call limit after it, a store with a TTL", () => {
    const xml = renderPolicy(
      chatCachePolicy({
        scoreThreshold: 0.05,
        ttlSeconds: 3600,
        embeddingsBackendId: "be-semantic-cache-embeddings",
        callsPerMinute: 600,
      }),
    );
    matchesGolden("builder-operation-chat-completions-cache.xml", xml);
    const parsed = parser.parse(xml).policies;
    expect(parsed.inbound["llm-semantic-cache-lookup"]).toMatchObject({
      "score-threshold": "0.05",
      "embeddings-backend-auth": "system-assigned",
    });
    expect(parsed.inbound["rate-limit-by-key"]).toMatchObject({ calls: "600", "renewal-period": "60" });
    expect(parsed.outbound["llm-semantic-cache-store"]).toMatchObject({ duration: "3600" });
    expect(() =>
      chatCachePolicy({ scoreThreshold: 0.3, ttlSeconds: 1, embeddingsBackendId: "b", callsPerMinute: 1 }),
    ).toThrow(/outside \(0, 0.2\]/);
  });

  it("refuses more than five custom token-metric dimensions", () => {
    expect(() =>
      llmEmitTokenMetric(
        "n",
        Array.from({ length: 6 }, (_, i) => ({ name: `d${i}` })),
      ),
    ).toThrow(/at most 5 custom dimensions/);
  });
});

describe.each(["dev", "prod"] as const)("the %s plan's gateway policies in out/", (stack) => {
  it("are written, one file per policy document, each well-formed and equal to its reviewed golden file", async () => {
    const dir = join((await plannedOutput(stack)).dir, "gateway");
    const files = readdirSync(dir).sort();
    expect(files).toContain("api-openai.xml");
    for (const file of files) {
      const xml = readFileSync(join(dir, file), "utf8");
      expect(XMLValidator.validate(xml), file).toBe(true);
      matchesGolden(join(stack, file), xml);
    }
    expect(files).toEqual(readdirSync(join(GOLDEN, stack)).sort());
  });
});

describe("gateway backends and pools", () => {
  const target = (
    slot: "blue" | "green",
    key: string,
    priority: number,
    kind: TargetRef["kind"] = "azure-openai",
  ): TargetRef => ({ endpoint: "chat", slot, key, priority, kind });
  it("gives Azure OpenAI backends a 429 breaker that honours Retry-After, capped; vLLM trips on 5xx and timeouts", () => {
    expect(circuitBreaker("azure-openai", "PT30S").rules).toEqual([
      {
        name: "throttled",
        failureCondition: { count: 1, interval: "PT10S", statusCodeRanges: [{ min: 429, max: 429 }] },
        tripDuration: "PT30S",
        acceptRetryAfter: true,
      },
    ]);
    expect(circuitBreaker("vllm").rules[0]).toMatchObject({
      failureCondition: { statusCodeRanges: [{ min: 500, max: 599 }], errorReasons: ["Timeout"] },
      acceptRetryAfter: false,
    });
  });
  it("makes one pool per endpoint slot with members by priority", () => {
    const pools = poolSpecs([
      target("blue", "gstd-swc", 2),
      target("blue", "gptu-swc", 1),
      target("green", "gstd-swc", 1),
    ]);
    expect(pools.map((p) => [p.id, p.members.map((m) => `${m.backendId}@${m.priority}`)])).toEqual([
      ["pool-chat-blue", ["be-chat-blue-gptu-swc@1", "be-chat-blue-gstd-swc@2"]],
      ["pool-chat-green", ["be-chat-green-gstd-swc@1"]],
    ]);
  });
  it("refuses a pool that mixes kinds, one over 30 members, and ids API Management cannot take", () => {
    expect(() => poolSpecs([target("blue", "a", 1), target("blue", "b", 2, "vllm")])).toThrow(
      /would mix Azure OpenAI and vLLM/,
    );
    expect(() => poolSpecs(Array.from({ length: 31 }, (_, i) => target("blue", `m${i}`, 1)))).toThrow(
      /31 members; API Management allows 30/,
    );
    expect(backendId({ endpoint: "chat", slot: "blue", key: "gpt-5.1_gstd" })).toBe("be-chat-blue-gpt-5-1-gstd");
    expect(() => backendId({ endpoint: "x".repeat(80), slot: "blue", key: "k" })).toThrow(/longer than 80/);
  });
});

describe("gateway tiers", () => {
  it.each([
    ["Consumption", "dev", false, /no backend circuit breakers or token limits/],
    ["Developer", "prod", true, /no SLA and is not for production/],
    ["Standard", "prod", true, /cannot reach private backends/],
    [
      "StandardV2",
      "prod",
      true,
      /StandardV2 answers on the internet \(no VNet injection\): prod's gateway must be inside the network; use Premium, or set gateway.allowPublicAccess: true/,
    ],
  ] as const)("refuses %s in %s (network: %s)", (sku, env, network, message) => {
    expect(tierProblem(sku, env, network)).toMatch(message);
  });
  it("accepts a public prod gateway only when the stack says so (gateway.allowPublicAccess)", () => {
    expect(tierProblem("StandardV2", "prod", true, true)).toBeUndefined();
  });
  it.each([
    ["Developer", "dev", true],
    ["Premium", "prod", true],
    ["BasicV2", "dev", false],
  ] as const)("accepts %s in %s (network: %s)", (sku, env, network) => {
    expect(tierProblem(sku, env, network)).toBeUndefined();
  });
});

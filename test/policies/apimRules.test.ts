// The API Management rules: a compliant resource (the gateway policy the platform renders), then one
// failing mutation per requirement.
import { describe, expect, it } from "vitest";
import { policies } from "../../policies/rules";
import { TYPES } from "../../policies/lib";
import { WEAK_TLS_SETTINGS } from "../../policies/rules/security/security-apim-tls-hardened";
import { apiPolicy, chatCachePolicy, type ApiPolicySpec } from "../../components/gateway/apiPolicy";
import { renderPolicy, type PolicyDocument, type PolicyNode } from "../../components/gateway/policyXml";
import { circuitBreaker } from "../../components/gateway/backends";
import { llmLogDiagnostic } from "../../components/gateway/logs";
import { runResourceRule, runStackRule, type FakeResource } from "./harness";

const rule = (name: string) => policies.find((p) => p.name === name)!;

const spec = (auth: ApiPolicySpec["auth"] = "entra-id"): ApiPolicySpec => ({
  auth,
  tenantId: "t",
  audiences: ["api://genai-gateway"],
  teams: [{ name: "assistant", applicationIds: ["app"], endpoints: ["chat"], tokensPerMinute: 1000 }],
  identityClientId: "{{gateway-identity-client-id}}",
  retryAfterSeconds: 60,
  endpoints: [
    {
      endpoint: "chat",
      slots: [{ slot: "blue", weight: 100, poolId: "pool-chat-blue", members: 2, kind: "azure-openai" }],
    },
  ],
});
const document = (): PolicyDocument => apiPolicy(spec());
const policyResource = (xml: string): FakeResource => ({
  type: TYPES.apimApiPolicy,
  name: "gateway-openai-policy",
  props: { format: "rawxml", value: xml },
});
const compliant = () => policyResource(renderPolicy(document()));
/** The document less every `tag` element, however deep (limits sit inside the per-team choose). */
const strip = (nodes: readonly PolicyNode[], tag: string): PolicyNode[] =>
  nodes.filter((n) => n.tag !== tag).map((n) => ({ ...n, children: strip(n.children ?? [], tag) }));
const without = (tag: string) =>
  policyResource(renderPolicy({ ...document(), inbound: strip(document().inbound, tag) }));

describe("security-apim-tls-hardened", () => {
  const policy = rule("security-apim-tls-hardened");
  const service = (customProperties: Record<string, string>): FakeResource => ({
    type: TYPES.apiManagementService,
    name: "gateway",
    props: { customProperties },
  });
  it("passes with every weak protocol and cipher off", async () => {
    expect(
      (await runResourceRule(policy, service(Object.fromEntries(WEAK_TLS_SETTINGS.map((k) => [k, "False"])))))
        .violations,
    ).toEqual([]);
  });
  it("fails when one is left to the default", async () => {
    const settings = Object.fromEntries(
      WEAK_TLS_SETTINGS.filter((k) => !k.endsWith("Backend.Protocols.Tls11")).map((k) => [k, "false"]),
    );
    expect((await runResourceRule(policy, service(settings))).violations).toEqual([
      "not turned off explicitly: Backend.Protocols.Tls11",
    ]);
  });
  it("fails when TLS 1.0 is on", async () => {
    const settings = {
      ...Object.fromEntries(WEAK_TLS_SETTINGS.map((k) => [k, "False"])),
      [WEAK_TLS_SETTINGS[0]!]: "True",
    };
    expect((await runResourceRule(policy, service(settings))).violations[0]).toContain("Protocols.Tls10");
  });
});

describe("observability-apim-diagnostics-no-bodies", () => {
  const policy = rule("observability-apim-diagnostics-no-bodies");
  const diagnostic = (props: Record<string, unknown>): FakeResource => ({
    type: TYPES.apimDiagnostic,
    name: "gateway-diagnostic",
    props: { metrics: true, ...props },
  });
  it("passes with metrics on and no bodies", async () =>
    expect((await runResourceRule(policy, diagnostic({}))).violations).toEqual([]));
  it("fails with metrics off", async () =>
    expect((await runResourceRule(policy, diagnostic({ metrics: false }))).violations[0]).toContain(
      "metrics is not on",
    ));
  it("fails when response bodies are logged without the opt-in, and still reports them with it", async () => {
    const bodies = diagnostic({ backend: { response: { body: { bytes: 4096 } } } });
    expect((await runResourceRule(policy, bodies)).violations).toEqual([
      "backend.response logs 4096 body bytes: prompts or completions would be logged without the stack's opt-in",
    ]);
    expect((await runResourceRule(policy, bodies, { logBodies: true })).violations[0]).toContain(
      "by the stack's opt-in (gateway.logBodies)",
    );
  });

  // The APIs' Azure Monitor diagnostic (the LLM log) is a generic ARM resource: the pinned SDK cannot express it.
  const apiDiagnostic = (logMessages: boolean): FakeResource => ({
    type: "azure-native:resources:Resource",
    name: "gateway-openai-llm-logs",
    props: {
      resourceProviderNamespace: "Microsoft.ApiManagement",
      parentResourcePath: "service/apim-genai-dev-abcdef/apis/openai",
      resourceType: "diagnostics",
      resourceName: "azuremonitor",
      properties: llmLogDiagnostic({ loggerId: "/loggers/azuremonitor", logMessages, maxMessageBytes: 16_384 }),
    },
  });
  it("passes the LLM log with token counts only, and reports its prompts and completions (advisory with the opt-in)", async () => {
    expect((await runResourceRule(policy, apiDiagnostic(false))).violations).toEqual([]);
    expect((await runResourceRule(policy, apiDiagnostic(true))).violations).toEqual([
      "the LLM log keeps prompts (largeLanguageModel.requests, up to 16384 bytes each): prompts or completions would be logged without the stack's opt-in",
      "the LLM log keeps completions (largeLanguageModel.responses, up to 16384 bytes each): prompts or completions would be logged without the stack's opt-in",
    ]);
    expect((await runResourceRule(policy, apiDiagnostic(true), { logBodies: true })).violations[0]).toContain(
      "by the stack's opt-in (gateway.logBodies)",
    );
  });
  it("does not apply to other generic resources", async () => {
    const backend = {
      ...apiDiagnostic(true),
      props: { ...apiDiagnostic(true).props, parentResourcePath: "service/x", resourceType: "backends" },
    };
    expect((await runResourceRule(policy, backend)).notApplicable).toBeDefined();
  });
});

describe("reliability-apim-backend-circuit-breaker", () => {
  const policy = rule("reliability-apim-backend-circuit-breaker");
  const backend = (props: Record<string, unknown>): FakeResource => ({ type: TYPES.apimBackend, name: "be", props });
  it("passes for a backend with the platform's breaker and for a pool", async () => {
    expect(
      (
        await runResourceRule(
          policy,
          backend({
            type: "Single",
            url: "https://x/openai",
            protocol: "http",
            circuitBreaker: circuitBreaker("azure-openai"),
          }),
        )
      ).violations,
    ).toEqual([]);
    expect(
      (
        await runResourceRule(
          policy,
          backend({ type: "Pool", pool: { services: [{ id: "/backends/a", priority: 1 }] } }),
        )
      ).violations,
    ).toEqual([]);
  });
  it("fails for a backend without a breaker, or with two rules", async () => {
    expect((await runResourceRule(policy, backend({ type: "Single", url: "https://x" }))).violations).toEqual([
      "0 circuit-breaker rules: a backend takes exactly one",
    ]);
    const two = circuitBreaker("azure-openai").rules;
    expect(
      (await runResourceRule(policy, backend({ type: "Single", circuitBreaker: { rules: [...two, ...two] } })))
        .violations[0],
    ).toContain("2 circuit-breaker rules");
  });
  it("fails for a breaker with no failure codes or trip duration", async () => {
    const rules = [{ name: "r", failureCondition: { count: 1, interval: "PT10S" } }];
    expect((await runResourceRule(policy, backend({ circuitBreaker: { rules } }))).violations).toEqual([
      "the breaker's failure condition names no status codes or error reasons",
      "the breaker has no tripDuration",
    ]);
  });
  it("fails for a pool with a url or no members", async () => {
    expect(
      (await runResourceRule(policy, backend({ type: "Pool", url: "https://x", pool: { services: [{ id: "a" }] } })))
        .violations,
    ).toEqual(["a pool has a url or protocol: API Management refuses them on pools"]);
    expect((await runResourceRule(policy, backend({ type: "Pool", pool: { services: [] } }))).violations).toEqual([
      "the pool has no members",
    ]);
  });
});

/**
 * A gateway as the stack holds it: the API, its policy, the chat-completions operation (with an
 * operation policy when given), the slot's pool and its two Azure OpenAI members.
 */
const gateway = (apiXml: string, operationXml?: string, api: Record<string, unknown> = {}): FakeResource[] => [
  {
    type: "azure-native:apimanagement:Api",
    name: "api",
    props: { name: "openai", path: "openai", protocols: ["https"], subscriptionRequired: false, ...api },
  },
  {
    type: TYPES.apimApiPolicy,
    name: "api-policy",
    props: { format: "rawxml", value: apiXml },
    dependsOn: { apiId: ["api"] },
  },
  {
    type: "azure-native:apimanagement:ApiOperation",
    name: "op",
    props: { name: "chat-completions" },
    dependsOn: { apiId: ["api"] },
  },
  ...(operationXml
    ? [
        {
          type: TYPES.apimOperationPolicy,
          name: "op-policy",
          props: { format: "rawxml", value: operationXml },
          dependsOn: { apiId: ["api"], operationId: ["op"] },
        },
      ]
    : []),
  {
    type: TYPES.apimBackend,
    name: "pool",
    props: {
      name: "pool-chat-blue",
      type: "Pool",
      pool: {
        services: [
          { id: "/backends/be-ptu", priority: 1 },
          { id: "/backends/be-std", priority: 2 },
        ],
      },
    },
  },
  {
    type: TYPES.apimBackend,
    name: "be-ptu",
    props: { name: "be-ptu", type: "Single", url: "https://oai-swc.openai.azure.com/openai/deployments/chat-ptu" },
  },
  {
    type: TYPES.apimBackend,
    name: "be-std",
    props: { name: "be-std", type: "Single", url: "https://oai-swc.openai.azure.com/openai/deployments/chat-std" },
  },
];
const PATH_RULES = [
  "security-apim-caller-authenticated",
  "capacity-apim-api-token-limit",
  "security-apim-backend-managed-identity",
  "observability-apim-token-metrics",
  "reliability-apim-backend-failover",
  "security-apim-api-hardened",
];
const stackViolations = async (name: string, resources: FakeResource[], config = {}) =>
  (await runStackRule(rule(name), resources, config)).violations;
const rendered = () => renderPolicy(document());
const cacheXml = () =>
  renderPolicy(
    chatCachePolicy({ scoreThreshold: 0.05, ttlSeconds: 3600, embeddingsBackendId: "be", callsPerMinute: 600 }),
  );

describe("the gateway's effective policy, path by path", () => {
  it("passes the platform's API policy and its chat cache operation policy", async () => {
    for (const name of PATH_RULES)
      expect(await stackViolations(name, gateway(rendered(), cacheXml())), name).toEqual([]);
  });
  it.each<[string, string, () => FakeResource[], string]>([
    [
      "a token limit only under @(false)",
      "capacity-apim-api-token-limit",
      () =>
        gateway(
          rendered().replace(
            /<llm-token-limit [^>]*\/>/,
            (m) => `<choose><when condition="@(false)">${m}</when></choose>`,
          ),
        ),
      "API openai: a path to pool-chat-blue (via ",
    ],
    [
      "no token limit",
      "capacity-apim-api-token-limit",
      () => gateway(renderPolicy({ ...document(), inbound: strip(document().inbound, "llm-token-limit") })),
      "counts no tokens (no llm-token-limit): one caller can spend the whole quota",
    ],
    [
      "no caller validation",
      "security-apim-caller-authenticated",
      () => gateway(renderPolicy({ ...document(), inbound: strip(document().inbound, "validate-azure-ad-token") })),
      "validates no caller token (validate-azure-ad-token)",
    ],
    [
      "caller validation only under @(1 == 2)",
      "security-apim-caller-authenticated",
      () =>
        gateway(
          rendered().replace(
            /<validate-azure-ad-token[\s\S]*?<\/validate-azure-ad-token>/,
            (m) => `<choose><when condition="@(1 == 2)">${m}</when></choose>`,
          ),
        ),
      "validates no caller token",
    ],
    [
      "an operation that drops <base/> and routes itself",
      "security-apim-caller-authenticated",
      () =>
        gateway(
          rendered(),
          cacheXml().replace("<inbound>\n    <base/>", '<inbound><set-backend-service backend-id="pool-chat-blue"/>'),
        ),
      "API openai, operation chat-completions: a path to pool-chat-blue validates no caller token",
    ],
    [
      "no managed identity to Azure OpenAI",
      "security-apim-backend-managed-identity",
      () =>
        gateway(renderPolicy({ ...document(), inbound: strip(document().inbound, "authentication-managed-identity") })),
      "reaches Azure OpenAI without authentication-managed-identity: the backend would need keys",
    ],
    [
      "the api-key header passed through",
      "security-apim-backend-managed-identity",
      () => gateway(rendered().replace('<set-header name="api-key" exists-action="delete"/>', "")),
      "passes the client's api-key header through",
    ],
    [
      "no token metrics",
      "observability-apim-token-metrics",
      () => gateway(renderPolicy({ ...document(), inbound: strip(document().inbound, "llm-emit-token-metric") })),
      "emits no token metrics (llm-emit-token-metric)",
    ],
    [
      "an operation forwarding without the retry",
      "reliability-apim-backend-failover",
      () =>
        gateway(
          rendered(),
          cacheXml().replace("<backend>\n    <base/>\n  </backend>", "<backend><forward-request/></backend>"),
        ),
      "API openai, operation chat-completions: a path to pool-chat-blue (via ",
    ],
    [
      "a retry that skips 429",
      "reliability-apim-backend-failover",
      () => gateway(rendered().replace("context.Response.StatusCode == 429 || ", "")),
      "not on 429",
    ],
    [
      "a document that cannot be followed",
      "capacity-apim-api-token-limit",
      () => gateway(rendered().replace("<base/>", '<include-fragment fragment-id="auth"/>')),
      'API openai: its effective policy cannot be followed: <include-fragment fragment-id="auth"> cannot be resolved offline',
    ],
    [
      "an API without a policy",
      "security-apim-api-hardened",
      () => gateway(rendered()).filter((r) => r.name !== "api-policy"),
      "API openai has no policy: its calls reach the backend with no caller validation, no token limit and no metrics",
    ],
    [
      "an API on http",
      "security-apim-api-hardened",
      () => gateway(rendered(), undefined, { protocols: ["http", "https"] }),
      "API openai is served over http: tokens and prompts would cross the network in clear",
    ],
    [
      "subscription keys not declared",
      "security-apim-api-hardened",
      () => gateway(rendered(), undefined, { subscriptionRequired: true }),
      "API openai requires subscription keys, which the stack does not declare for it (keys only for teams that opt in)",
    ],
  ])("fails %s", async (_case, name, resources, message) => {
    const found = await stackViolations(name, resources());
    expect(found).toHaveLength(1);
    expect(found[0]).toContain(message);
  });
  it("lets a declared keyed API rely on its subscription keys, and only it", async () => {
    const keyedXml = renderPolicy(apiPolicy(spec("subscription-key")));
    expect(keyedXml).not.toContain("validate-azure-ad-token");
    const keyed = gateway(keyedXml, undefined, { name: "openai-keys", subscriptionRequired: true });
    expect(await stackViolations("security-apim-caller-authenticated", keyed, { keyedApis: ["openai-keys"] })).toEqual(
      [],
    );
    expect(await stackViolations("security-apim-api-hardened", keyed, { keyedApis: ["openai-keys"] })).toEqual([]);
    expect((await stackViolations("security-apim-caller-authenticated", keyed))[0]).toContain(
      "validates no caller token",
    );
    expect((await stackViolations("security-apim-api-hardened", keyed))[0]).toContain(
      "requires subscription keys, which the stack does not declare",
    );
  });
});

describe("the API policy rules on the rendered gateway policy", () => {
  it("pass on the platform's own policy", async () => {
    for (const name of ["reliability-apim-api-retry", "data-apim-semantic-cache-bounded"]) {
      expect((await runResourceRule(rule(name), compliant())).violations, name).toEqual([]);
    }
  });
  it("reliability-apim-api-retry fails for a retry that skips 429 or does not buffer, and for a retry in inbound", async () => {
    const policy = rule("reliability-apim-api-retry");
    const xml = renderPolicy(document());
    expect(
      (await runResourceRule(policy, policyResource(xml.replace("context.Response.StatusCode == 429 || ", ""))))
        .violations[0],
    ).toContain("does not cover 429");
    expect(
      (
        await runResourceRule(
          policy,
          policyResource(xml.replace('buffer-request-body="true"', 'buffer-request-body="false"')),
        )
      ).violations,
    ).toEqual(["the retried forward-request does not buffer the request body: a retry would send an empty body"]);
    const inboundRetry = xml.replace(
      "<base/>\n    <validate-azure-ad-token",
      '<base/>\n    <retry condition="@(true)" count="1" interval="0"><forward-request buffer-request-body="true"/></retry>\n    <validate-azure-ad-token',
    );
    expect((await runResourceRule(policy, policyResource(inboundRetry))).violations).toContain(
      "a retry in inbound would retry the gateway's own 429s",
    );
  });
  it("data-apim-semantic-cache-bounded fails above 0.2, without vary-by, or without an expiring store", async () => {
    const policy = rule("data-apim-semantic-cache-bounded");
    const withCache = (threshold: string, varyBy: boolean, store: boolean) =>
      policyResource(
        renderPolicy({
          ...document(),
          inbound: [
            {
              tag: "llm-semantic-cache-lookup",
              attributes: {
                "score-threshold": threshold,
                "embeddings-backend-id": "embeddings",
                "embeddings-backend-auth": "system-assigned",
              },
              children: varyBy ? [{ tag: "vary-by", text: "@(context.Subscription.Id)" }] : [],
            },
            ...document().inbound,
          ],
          outbound: store ? [{ tag: "llm-semantic-cache-store", attributes: { duration: 3600 } }] : [],
        }),
      );
    expect((await runResourceRule(policy, withCache("0.05", true, true))).violations).toEqual([]);
    expect((await runResourceRule(policy, withCache("0.3", true, true))).violations).toEqual([
      "score-threshold is 0.3: use a value above 0 and at most 0.2",
    ]);
    expect((await runResourceRule(policy, withCache("0.05", false, true))).violations).toEqual([
      "the cache lookup has no vary-by: one caller's answers would reach another",
    ]);
    expect((await runResourceRule(policy, withCache("0.05", true, false))).violations).toEqual([
      "no semantic cache store with a duration: entries never expire",
    ]);
  });
  it("data-apim-semantic-cache-bounded reads operation policies too: the platform's chat cache passes, a loose one fails", async () => {
    const policy = rule("data-apim-semantic-cache-bounded");
    const operation = (xml: string): FakeResource => ({
      type: TYPES.apimOperationPolicy,
      name: "gateway-openai-chat-completions-cache",
      props: { format: "rawxml", value: xml },
    });
    const xml = renderPolicy(
      chatCachePolicy({ scoreThreshold: 0.05, ttlSeconds: 3600, embeddingsBackendId: "be", callsPerMinute: 600 }),
    );
    expect((await runResourceRule(policy, operation(xml))).violations).toEqual([]);
    expect(
      (await runResourceRule(policy, operation(xml.replace('score-threshold="0.05"', 'score-threshold="0.5"'))))
        .violations,
    ).toEqual(["score-threshold is 0.5: use a value above 0 and at most 0.2"]);
  });
  it("report a policy that is not XML", async () => {
    expect(
      (await runResourceRule(rule("reliability-apim-api-retry"), policyResource("<policies><inbound>"))).violations[0],
    ).toContain("not well-formed XML");
    expect((await stackViolations("capacity-apim-api-token-limit", gateway("<policies><inbound>")))[0]).toContain(
      "its effective policy cannot be followed: api scope: the policy is not well-formed XML",
    );
  });
});

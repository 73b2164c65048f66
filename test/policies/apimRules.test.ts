// The API Management rules: a compliant resource (the gateway policy the platform renders), then one
// failing mutation per requirement.
import { describe, expect, it } from "vitest";
import { policies } from "../../policies/rules";
import { TYPES } from "../../policies/lib";
import { WEAK_TLS_SETTINGS } from "../../policies/rules/security/security-apim-tls-hardened";
import { apiPolicy, chatCachePolicy } from "../../components/gateway/apiPolicy";
import { renderPolicy, type PolicyDocument, type PolicyNode } from "../../components/gateway/policyXml";
import { circuitBreaker } from "../../components/gateway/backends";
import { runResourceRule, type FakeResource } from "./harness";

const rule = (name: string) => policies.find((p) => p.name === name)!;

const document = (): PolicyDocument =>
  apiPolicy({
    auth: "entra-id",
    tenantId: "t",
    audiences: ["api://genai-gateway"],
    teams: [{ name: "assistant", applicationIds: ["app"], endpoints: ["chat"], tokensPerMinute: 1000 }],
    identityClientId: "{{gateway-identity-client-id}}",
    retryAfterSeconds: 60,
    endpoints: [{ endpoint: "chat", slots: [{ slot: "blue", weight: 100, poolId: "pool-chat-blue", members: 2, kind: "azure-openai" }] }],
  });
const policyResource = (xml: string): FakeResource => ({ type: TYPES.apimApiPolicy, name: "gateway-openai-policy", props: { format: "rawxml", value: xml } });
const compliant = () => policyResource(renderPolicy(document()));
/** The document less every `tag` element, however deep (limits sit inside the per-team choose). */
const strip = (nodes: readonly PolicyNode[], tag: string): PolicyNode[] => nodes.filter((n) => n.tag !== tag).map((n) => ({ ...n, children: strip(n.children ?? [], tag) }));
const without = (tag: string) => policyResource(renderPolicy({ ...document(), inbound: strip(document().inbound, tag) }));

describe("security-apim-tls-hardened", () => {
  const policy = rule("security-apim-tls-hardened");
  const service = (customProperties: Record<string, string>): FakeResource => ({ type: TYPES.apiManagementService, name: "gateway", props: { customProperties } });
  it("passes with every weak protocol and cipher off", async () => {
    expect((await runResourceRule(policy, service(Object.fromEntries(WEAK_TLS_SETTINGS.map((k) => [k, "False"]))))).violations).toEqual([]);
  });
  it("fails when one is left to the default", async () => {
    const settings = Object.fromEntries(WEAK_TLS_SETTINGS.filter((k) => !k.endsWith("Backend.Protocols.Tls11")).map((k) => [k, "false"]));
    expect((await runResourceRule(policy, service(settings))).violations).toEqual(["not turned off explicitly: Backend.Protocols.Tls11"]);
  });
  it("fails when TLS 1.0 is on", async () => {
    const settings = { ...Object.fromEntries(WEAK_TLS_SETTINGS.map((k) => [k, "False"])), [WEAK_TLS_SETTINGS[0]!]: "True" };
    expect((await runResourceRule(policy, service(settings))).violations[0]).toContain("Protocols.Tls10");
  });
});

describe("observability-apim-diagnostics-no-bodies", () => {
  const policy = rule("observability-apim-diagnostics-no-bodies");
  const diagnostic = (props: Record<string, unknown>): FakeResource => ({ type: TYPES.apimDiagnostic, name: "gateway-diagnostic", props: { metrics: true, ...props } });
  it("passes with metrics on and no bodies", async () => expect((await runResourceRule(policy, diagnostic({}))).violations).toEqual([]));
  it("fails with metrics off", async () => expect((await runResourceRule(policy, diagnostic({ metrics: false }))).violations[0]).toContain("metrics is not on"));
  it("fails when response bodies are logged without the opt-in, and still reports them with it", async () => {
    const bodies = diagnostic({ backend: { response: { body: { bytes: 4096 } } } });
    expect((await runResourceRule(policy, bodies)).violations).toEqual(["backend.response logs 4096 body bytes: prompts or completions would be logged without the stack's opt-in"]);
    expect((await runResourceRule(policy, bodies, { logBodies: true })).violations[0]).toContain("by the stack's opt-in (gateway.logBodies)");
  });
});

describe("reliability-apim-backend-circuit-breaker", () => {
  const policy = rule("reliability-apim-backend-circuit-breaker");
  const backend = (props: Record<string, unknown>): FakeResource => ({ type: TYPES.apimBackend, name: "be", props });
  it("passes for a backend with the platform's breaker and for a pool", async () => {
    expect((await runResourceRule(policy, backend({ type: "Single", url: "https://x/openai", protocol: "http", circuitBreaker: circuitBreaker("azure-openai") }))).violations).toEqual([]);
    expect((await runResourceRule(policy, backend({ type: "Pool", pool: { services: [{ id: "/backends/a", priority: 1 }] } }))).violations).toEqual([]);
  });
  it("fails for a backend without a breaker, or with two rules", async () => {
    expect((await runResourceRule(policy, backend({ type: "Single", url: "https://x" }))).violations).toEqual(["0 circuit-breaker rules: a backend takes exactly one"]);
    const two = circuitBreaker("azure-openai").rules;
    expect((await runResourceRule(policy, backend({ type: "Single", circuitBreaker: { rules: [...two, ...two] } }))).violations[0]).toContain("2 circuit-breaker rules");
  });
  it("fails for a breaker with no failure codes or trip duration", async () => {
    const rules = [{ name: "r", failureCondition: { count: 1, interval: "PT10S" } }];
    expect((await runResourceRule(policy, backend({ circuitBreaker: { rules } }))).violations).toEqual([
      "the breaker's failure condition names no status codes or error reasons",
      "the breaker has no tripDuration",
    ]);
  });
  it("fails for a pool with a url or no members", async () => {
    expect((await runResourceRule(policy, backend({ type: "Pool", url: "https://x", pool: { services: [{ id: "a" }] } }))).violations).toEqual(["a pool has a url or protocol: API Management refuses them on pools"]);
    expect((await runResourceRule(policy, backend({ type: "Pool", pool: { services: [] } }))).violations).toEqual(["the pool has no members"]);
  });
});

describe("the API policy rules on the rendered gateway policy", () => {
  it("pass on the platform's own policy", async () => {
    for (const name of ["security-apim-backend-managed-identity", "capacity-apim-api-token-limit", "reliability-apim-api-retry", "data-apim-semantic-cache-bounded"]) {
      expect((await runResourceRule(rule(name), compliant())).violations, name).toEqual([]);
    }
  });
  it("security-apim-backend-managed-identity fails without the identity or without removing api-key", async () => {
    const policy = rule("security-apim-backend-managed-identity");
    expect((await runResourceRule(policy, without("authentication-managed-identity"))).violations).toEqual(["inbound has no authentication-managed-identity: backends would need keys"]);
    expect((await runResourceRule(policy, without("set-header"))).violations).toEqual(["inbound does not delete the api-key header: a client's key would reach the backend"]);
  });
  it("capacity-apim-api-token-limit fails without a limit", async () => {
    expect((await runResourceRule(rule("capacity-apim-api-token-limit"), without("llm-token-limit"))).violations).toEqual(["inbound has no token limit or rate limit: one caller can spend the whole quota"]);
  });
  it("reliability-apim-api-retry fails for a retry that skips 429 or does not buffer, and for a retry in inbound", async () => {
    const policy = rule("reliability-apim-api-retry");
    const xml = renderPolicy(document());
    expect((await runResourceRule(policy, policyResource(xml.replace("context.Response.StatusCode == 429 || ", "")))).violations[0]).toContain("does not cover 429");
    expect((await runResourceRule(policy, policyResource(xml.replace('buffer-request-body="true"', 'buffer-request-body="false"')))).violations).toEqual([
      "the retried forward-request does not buffer the request body: a retry would send an empty body",
    ]);
    const inboundRetry = xml.replace("<base/>\n    <validate-azure-ad-token", '<base/>\n    <retry condition="@(true)" count="1" interval="0"><forward-request buffer-request-body="true"/></retry>\n    <validate-azure-ad-token');
    expect((await runResourceRule(policy, policyResource(inboundRetry))).violations).toContain("a retry in inbound would retry the gateway's own 429s");
  });
  it("data-apim-semantic-cache-bounded fails above 0.2, without vary-by, or without an expiring store", async () => {
    const policy = rule("data-apim-semantic-cache-bounded");
    const withCache = (threshold: string, varyBy: boolean, store: boolean) =>
      policyResource(
        renderPolicy({
          ...document(),
          inbound: [{ tag: "llm-semantic-cache-lookup", attributes: { "score-threshold": threshold, "embeddings-backend-id": "embeddings", "embeddings-backend-auth": "system-assigned" }, children: varyBy ? [{ tag: "vary-by", text: "@(context.Subscription.Id)" }] : [] }, ...document().inbound],
          outbound: store ? [{ tag: "llm-semantic-cache-store", attributes: { duration: 3600 } }] : [],
        }),
      );
    expect((await runResourceRule(policy, withCache("0.05", true, true))).violations).toEqual([]);
    expect((await runResourceRule(policy, withCache("0.3", true, true))).violations).toEqual(["score-threshold is 0.3: use a value above 0 and at most 0.2"]);
    expect((await runResourceRule(policy, withCache("0.05", false, true))).violations).toEqual(["the cache lookup has no vary-by: one caller's answers would reach another"]);
    expect((await runResourceRule(policy, withCache("0.05", true, false))).violations).toEqual(["no semantic cache store with a duration: entries never expire"]);
  });
  it("data-apim-semantic-cache-bounded reads operation policies too: the platform's chat cache passes, a loose one fails", async () => {
    const policy = rule("data-apim-semantic-cache-bounded");
    const operation = (xml: string): FakeResource => ({ type: TYPES.apimOperationPolicy, name: "gateway-openai-chat-completions-cache", props: { format: "rawxml", value: xml } });
    const xml = renderPolicy(chatCachePolicy({ scoreThreshold: 0.05, ttlSeconds: 3600, embeddingsBackendId: "be", callsPerMinute: 600 }));
    expect((await runResourceRule(policy, operation(xml))).violations).toEqual([]);
    expect((await runResourceRule(policy, operation(xml.replace('score-threshold="0.05"', 'score-threshold="0.5"')))).violations).toEqual(["score-threshold is 0.5: use a value above 0 and at most 0.2"]);
  });
  it("report a policy that is not XML", async () => {
    expect((await runResourceRule(rule("capacity-apim-api-token-limit"), policyResource("<policies><inbound>"))).violations[0]).toContain("not well-formed XML");
  });
});

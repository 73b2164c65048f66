// The gateway component under the mock runtime, with the pack's rules on what it registers.
import { beforeAll, describe, expect, it } from "vitest";
import { XMLValidator } from "fast-xml-parser";
import { evaluatePolicies } from "../cli/engine/policyRunner";
import { buildStackExport } from "../cli/engine/stackExport";
import { policies } from "../policies/rules";
import { CATALOGUE } from "../policies/catalogue";
import type { OfflineRun } from "../cli/engine/offlineRun";
import { PROJECT_DIR, runFixtureProgram } from "./helpers";

let run: OfflineRun;
const ofType = (type: string) => run.resources.filter((r) => r.type === `azure-native:apimanagement:${type}`);

beforeAll(async () => {
  run = await runFixtureProgram("gateway");
});

describe("the gateway component", () => {
  it("registers the service, logger, diagnostic, named values, backends, pools, both APIs with their operations and policies, the keyed team's product, and the cache", () => {
    expect(run.errors).toEqual([]);
    const types = [
      "ApiManagementService",
      "Logger",
      "Diagnostic",
      "NamedValue",
      "Backend",
      "Api",
      "ApiOperation",
      "ApiPolicy",
      "ApiOperationPolicy",
      "Product",
      "ProductApi",
      "Subscription",
      "Cache",
    ];
    expect(Object.fromEntries(types.map((t) => [t, ofType(t).length]))).toEqual({
      // 5 targets + 3 pools + the cache's embeddings backend; 6 operations (3 per URL shape) per API; the
      // logger to Application Insights (resource logs use the service's built-in azuremonitor logger).
      ApiManagementService: 1,
      Logger: 1,
      Diagnostic: 1,
      NamedValue: 2,
      Backend: 9,
      Api: 2,
      ApiOperation: 12,
      ApiPolicy: 2,
      ApiOperationPolicy: 4,
      Product: 1,
      ProductApi: 1,
      Subscription: 1,
      Cache: 1,
    });
    for (const r of run.resources.filter((x) => x.type.startsWith("azure-native:")))
      expect(CATALOGUE[r.type], r.type).toBeDefined();
  });

  it("gives each API the audit trail: an Azure Monitor diagnostic with the LLM log's token counts and no messages", () => {
    const service = ofType("ApiManagementService")[0]!;
    expect(ofType("Logger").map((l) => l.inputs.loggerType)).toEqual(["applicationInsights"]);
    const diagnostics = run.resources.filter((r) => r.type === "azure-native:resources:Resource");
    expect(diagnostics.map((d) => String(d.inputs.parentResourcePath).split("/").pop()).sort()).toEqual([
      "openai",
      "openai-keys",
    ]);
    for (const d of diagnostics)
      expect(d.inputs).toMatchObject({
        resourceProviderNamespace: "Microsoft.ApiManagement",
        resourceType: "diagnostics",
        resourceName: "azuremonitor",
        apiVersion: "2024-06-01-preview",
        properties: {
          loggerId: `${service.id}/loggers/azuremonitor`,
          verbosity: "information",
          largeLanguageModel: { logs: "enabled" },
          frontend: { request: { body: { bytes: 0 } }, response: { body: { bytes: 0 } } },
        },
      });
    expect((diagnostics[0]!.inputs.properties as any).largeLanguageModel.requests).toBeUndefined();
  });

  it("hardens TLS, joins the network, carries both identities, gets a unique name, and is protected", () => {
    const service = ofType("ApiManagementService")[0]!;
    expect(service.protect).toBe(true);
    expect(service.inputs.serviceName).toMatch(/^apim-genai-prod-[a-z0-9]{6}$/);
    expect(service.inputs).toMatchObject({ virtualNetworkType: "External", sku: { name: "StandardV2", capacity: 1 } });
    expect((service.inputs.identity as any).type).toBe("SystemAssigned, UserAssigned");
    expect(Object.values(service.inputs.customProperties as Record<string, string>).every((v) => v === "False")).toBe(
      true,
    );
    // The service waits for nothing but its inputs: no account, cache or backend.
    expect(service.dependencies.filter((d) => !d.includes("RandomString"))).toEqual([]);
  });

  it("logs to App Insights with the gateway identity, which gets Monitoring Metrics Publisher there", () => {
    const logger = ofType("Logger").find((l) => l.inputs.loggerType === "applicationInsights")!;
    expect(logger.inputs).toMatchObject({
      loggerType: "applicationInsights",
      credentials: { identityClientId: "c1c1c1c1-0000-4000-8000-000000000001" },
    });
    const grant = run.resources.find((r) => r.type === "azure-native:authorization:RoleAssignment")!;
    expect(grant.inputs.roleDefinitionId).toMatch(/3913510d-42f4-4e42-8a64-420c390055eb$/);
    expect(logger.dependencies).toContain(grant.urn);
    expect(ofType("Diagnostic")[0]!.inputs).toMatchObject({
      metrics: true,
      frontend: { request: { body: { bytes: 0 } } },
    });
  });

  it("puts each slot in its own pool, members by priority, and gives each target a breaker", () => {
    const pools = ofType("Backend").filter((b) => b.inputs.type === "Pool");
    expect(
      pools.map((p) => [p.inputs.backendId, (p.inputs.pool as any).services.map((s: any) => s.priority)]).sort(),
    ).toEqual([
      ["pool-chat-blue", [1, 2, 2]],
      ["pool-chat-green", [1]],
      ["pool-embeddings-blue", [1]],
    ]);
    for (const single of ofType("Backend").filter((b) => b.inputs.type === "Single"))
      expect((single.inputs.circuitBreaker as any).rules).toHaveLength(1);
  });

  it("deploys the rendered API policy, well-formed, after the pools and the named value it references", () => {
    const policy = ofType("ApiPolicy")[0]!;
    expect(XMLValidator.validate(String(policy.inputs.value))).toBe(true);
    expect(String(policy.inputs.value)).toContain("{{gateway-identity-client-id}}");
    const pools = ofType("Backend")
      .filter((b) => b.inputs.type === "Pool")
      .map((p) => p.urn);
    for (const pool of pools) expect(policy.dependencies).toContain(pool);
  });

  it("passes every rule of the pack that applies to what it registers", async () => {
    const exported = buildStackExport(run.resources, { projectDir: PROJECT_DIR, project: "fixture", stack: "dev" });
    // The facts the plan would give the pack: a team opted in to keys (so the keyed API may rely on them),
    // and the fixture's StandardV2 gateway answers publicly, as a stack must accept explicitly.
    const config = {
      all: "mandatory" as const,
      "security-apim-caller-authenticated": { keyedApis: ["openai-keys"] },
      "security-apim-api-hardened": { keyedApis: ["openai-keys"] },
      "security-apim-backend-tls": { httpCidrs: ["10.40.30.0/24"] },
      "security-apim-gateway-private": { enforcementLevel: "advisory" as const, publicAccessAccepted: true },
      // The anomaly alerts that watch the gateway are the alerts component's, not in this fixture.
      "security-anomaly-detection": "disabled" as const,
    };
    const violations = await evaluatePolicies(exported.deployment.resources, policies, config);
    const gatewayRules = new Set(
      Object.values(CATALOGUE)
        .filter((e) => e.arm?.startsWith("Microsoft.ApiManagement"))
        .flatMap((e) => e.rules),
    );
    expect(violations.filter((v) => gatewayRules.has(v.policy) && v.enforcementLevel === "mandatory")).toEqual([]);
  });
});

describe("the gateway's surface for clients", () => {
  it("serves both URL shapes on the Entra ID API at /openai, and keys only on /keys/openai with the SDKs' api-key header", () => {
    const apis = Object.fromEntries(ofType("Api").map((a) => [a.inputs.apiId as string, a.inputs]));
    expect(apis.openai).toMatchObject({ path: "openai", subscriptionRequired: false });
    expect(apis["openai-keys"]).toMatchObject({
      path: "keys/openai",
      subscriptionRequired: true,
      subscriptionKeyParameterNames: { header: "api-key" },
    });
    const templates = ofType("ApiOperation")
      .filter((o) => o.inputs.apiId === "openai")
      .map((o) => o.inputs.urlTemplate)
      .sort();
    expect(templates).toEqual([
      "/deployments/{deployment-id}/chat/completions",
      "/deployments/{deployment-id}/completions",
      "/deployments/{deployment-id}/embeddings",
      "/v1/chat/completions",
      "/v1/completions",
      "/v1/embeddings",
    ]);
  });

  it("gives the keyed team a product on the keyed API only, and its keys as secrets", () => {
    expect(ofType("Product")[0]!.inputs).toMatchObject({
      productId: "partner",
      subscriptionRequired: true,
      state: "published",
    });
    expect(ofType("ProductApi")[0]!.inputs).toMatchObject({ productId: "partner", apiId: "openai-keys" });
    const subscription = ofType("Subscription")[0]!;
    expect(subscription.inputs.scope).toBe("/products/partner");
    expect(JSON.stringify(subscription.inputs.primaryKey)).toContain("1b47061264138c4ac30d75fd1eb44270");
  });

  it("connects the external cache through a secret named value and caches chat completions only, after the pools", () => {
    const connection = ofType("NamedValue").find((v) => v.inputs.namedValueId === "semantic-cache-connection")!;
    expect(connection.inputs.secret).toBe(true);
    expect(JSON.stringify(connection.inputs.value)).toContain("1b47061264138c4ac30d75fd1eb44270");
    expect(ofType("Cache")[0]!.inputs).toMatchObject({
      cacheId: "default",
      connectionString: "{{semantic-cache-connection}}",
    });
    const cached = ofType("ApiOperationPolicy")
      .map((p) => p.inputs.operationId)
      .sort();
    expect(cached).toEqual(["chat-completions", "chat-completions", "v1-chat-completions", "v1-chat-completions"]);
    // The service's own identity computes embeddings: OpenAI User on that account.
    const grants = run.resources
      .filter((r) => r.type === "azure-native:authorization:RoleAssignment")
      .map((r) => r.inputs.roleDefinitionId);
    expect(grants.some((g) => String(g).endsWith("5e0bd9bd-7b93-4f28-af87-19fc36ad61bd"))).toBe(true);
  });
});

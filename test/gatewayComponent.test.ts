// The gateway component under the mock runtime, with the pack's rules on what it registers.
import { beforeAll, describe, expect, it } from "vitest";
import { XMLValidator } from "fast-xml-parser";
import { evaluatePolicies } from "../cli/policyRunner";
import { buildStackExport } from "../cli/stackExport";
import { policies } from "../policies/rules";
import { CATALOGUE } from "../policies/catalogue";
import type { OfflineRun } from "../cli/offlineRun";
import { PROJECT_DIR, runFixtureProgram } from "./helpers";

let run: OfflineRun;
const ofType = (type: string) => run.resources.filter((r) => r.type === `azure-native:apimanagement:${type}`);

beforeAll(async () => {
  run = await runFixtureProgram("gateway");
});

describe("the gateway component", () => {
  it("registers the service, logger, diagnostic, named value, backends, pools, API, operations and policy without errors", () => {
    expect(run.errors).toEqual([]);
    expect(Object.fromEntries(["ApiManagementService", "Logger", "Diagnostic", "NamedValue", "Backend", "Api", "ApiOperation", "ApiPolicy"].map((t) => [t, ofType(t).length]))).toEqual({
      ApiManagementService: 1, Logger: 1, Diagnostic: 1, NamedValue: 1, Backend: 8, Api: 1, ApiOperation: 3, ApiPolicy: 1,
    });
    for (const r of run.resources.filter((x) => x.type.startsWith("azure-native:"))) expect(CATALOGUE[r.type], r.type).toBeDefined();
  });

  it("hardens TLS, joins the network, carries both identities, gets a unique name, and is protected", () => {
    const service = ofType("ApiManagementService")[0]!;
    expect(service.protect).toBe(true);
    expect(service.inputs.serviceName).toMatch(/^apim-genai-prod-[a-z0-9]{6}$/);
    expect(service.inputs).toMatchObject({ virtualNetworkType: "External", sku: { name: "StandardV2", capacity: 1 } });
    expect((service.inputs.identity as any).type).toBe("SystemAssigned, UserAssigned");
    expect(Object.values(service.inputs.customProperties as Record<string, string>).every((v) => v === "False")).toBe(true);
    // The service waits for nothing but its inputs: no account, cache or backend.
    expect(service.dependencies.filter((d) => !d.includes("RandomString"))).toEqual([]);
  });

  it("logs to App Insights with the gateway identity, which gets Monitoring Metrics Publisher there", () => {
    const logger = ofType("Logger")[0]!;
    expect(logger.inputs).toMatchObject({ loggerType: "applicationInsights", credentials: { identityClientId: "c1c1c1c1-0000-4000-8000-000000000001" } });
    const grant = run.resources.find((r) => r.type === "azure-native:authorization:RoleAssignment")!;
    expect(grant.inputs.roleDefinitionId).toMatch(/3913510d-42f4-4e42-8a64-420c390055eb$/);
    expect(logger.dependencies).toContain(grant.urn);
    expect(ofType("Diagnostic")[0]!.inputs).toMatchObject({ metrics: true, frontend: { request: { body: { bytes: 0 } } } });
  });

  it("puts each slot in its own pool, members by priority, and gives each target a breaker", () => {
    const pools = ofType("Backend").filter((b) => b.inputs.type === "Pool");
    expect(pools.map((p) => [p.inputs.backendId, (p.inputs.pool as any).services.map((s: any) => s.priority)]).sort()).toEqual([
      ["pool-chat-blue", [1, 2, 2]],
      ["pool-chat-green", [1]],
      ["pool-embeddings-blue", [1]],
    ]);
    for (const single of ofType("Backend").filter((b) => b.inputs.type === "Single")) expect((single.inputs.circuitBreaker as any).rules).toHaveLength(1);
  });

  it("deploys the rendered API policy, well-formed, after the pools and the named value it references", () => {
    const policy = ofType("ApiPolicy")[0]!;
    expect(XMLValidator.validate(String(policy.inputs.value))).toBe(true);
    expect(String(policy.inputs.value)).toContain("{{gateway-identity-client-id}}");
    const pools = ofType("Backend").filter((b) => b.inputs.type === "Pool").map((p) => p.urn);
    for (const pool of pools) expect(policy.dependencies).toContain(pool);
  });

  it("passes every rule of the pack that applies to what it registers", async () => {
    const exported = buildStackExport(run.resources, { projectDir: PROJECT_DIR, project: "fixture", stack: "dev" });
    const violations = await evaluatePolicies(exported.deployment.resources, policies, { all: "mandatory" });
    const gatewayRules = new Set(Object.values(CATALOGUE).filter((e) => e.arm?.startsWith("Microsoft.ApiManagement")).flatMap((e) => e.rules));
    expect(violations.filter((v) => gatewayRules.has(v.policy))).toEqual([]);
  });
});

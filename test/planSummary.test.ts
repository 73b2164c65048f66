// The plan summary's gateway routes and first-deploy estimate.
import { describe, expect, it } from "vitest";
import { gatewayRoutes } from "../cli/reports/report";
import { firstDeployEstimate } from "../cli/reports/deployTime";
import type { ExportedResource } from "../cli/engine/stackExport";
import { GATEWAY_TIERS } from "../components/gateway/tiers";
import { planStack, validConfig } from "./helpers";

const resource = (
  name: string,
  type: string,
  dependencies: string[] = [],
  extra: Partial<ExportedResource> = {},
): ExportedResource => ({
  urn: `urn:pulumi:s::p::${type}::${name}`,
  custom: !type.startsWith("genai:"),
  type,
  inputs: {},
  outputs: {},
  protect: false,
  dependencies,
  ...extra,
});

describe("gateway routes", () => {
  it("lists each slot's pool members in the order the pool tries them, with PTU spillover", () => {
    const routes = gatewayRoutes(validConfig("prod"));
    expect(routes.map((r) => [r.endpoint, r.slot, r.weight, r.pool])).toEqual([
      ["chat", "blue", 100, "pool-chat-blue"],
      ["chat", "green", 0, "pool-chat-green"],
      ["embeddings", "blue", 100, "pool-embeddings-blue"],
      ["qwen", "blue", 100, "pool-qwen-blue"],
    ]);
    expect(routes[3]!.members.map((m) => `${m.priority} ${m.deployment}@${m.account}`)).toEqual([
      "1 vLLM a100-0@10.40.31.200",
    ]);
    expect(
      routes[0]!.members.map(
        (m) => `${m.priority} ${m.deployment}@${m.account}${m.spillover ? ` -> ${m.spillover}` : ""}`,
      ),
    ).toEqual([
      "1 chat-blue-gpt-5-gptu@swc -> chat-blue-gpt-5-gstd",
      "2 chat-blue-gpt-5-gstd@eus2",
      "2 chat-blue-gpt-5-gstd@swc",
    ]);
  });
  it("is empty without a gateway", () => {
    const config = validConfig("dev");
    expect(gatewayRoutes({ ...config, gateway: undefined })).toEqual([]);
  });
});

describe("first-deploy estimate", () => {
  it("takes the slowest chain, not the sum, and follows dependencies on components to their resources", () => {
    const rg = resource("rg", "azure-native:resources:ResourceGroup");
    const component = resource("cache", "genai:cache:ManagedRedis");
    const cluster = resource("cluster", "azure-native:redisenterprise:RedisEnterprise", [rg.urn], {
      parent: component.urn,
    });
    const account = resource("account", "azure-native:cognitiveservices:Account", [rg.urn]);
    const endpoint = resource("pe", "azure-native:network:PrivateEndpoint", [component.urn]);
    const estimate = firstDeployEstimate([rg, component, cluster, account, endpoint]);
    expect(estimate.path.map((p) => p.name)).toEqual(["rg", "cluster", "pe"]);
    expect(estimate.minutes).toBe(Math.round(0.1 + 20 + 1.5));
  });

  it("puts the API Management service on prod's slowest chain, at its tier's creation time", async () => {
    const prod = await planStack("prod");
    const estimate = firstDeployEstimate(prod.stackExport.deployment.resources);
    expect(estimate.path.map((p) => p.name)).toContain("gateway-service");
    expect(estimate.minutes).toBeGreaterThanOrEqual(GATEWAY_TIERS.Premium.createMinutes);
    expect(estimate.minutes).toBeLessThan(GATEWAY_TIERS.Premium.createMinutes + 10);
  });
});

describe("the prod plan's text report", () => {
  it("shows the gateway's routes, its teams and the first deploy's estimate", async () => {
    const { plan } = await import("../cli/commands/plan");
    const { mkdtempSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const { PROJECT_DIR } = await import("./helpers");
    let stdout = "";
    const code = await plan(["--stack", "prod", "--out", mkdtempSync(join(tmpdir(), "genai-summary-"))], PROJECT_DIR, {
      out: (s) => ((stdout += s), true),
      err: () => true,
    });
    expect(code).toBe(0);
    expect(stdout).toContain("Gateway routes");
    expect(stdout).toMatch(
      /│ chat\s+│ blue\s+│ 100%\s+│ pool-chat-blue\s+│ 1\. chat-blue-gpt-5-gptu on swc \(spills over to chat-blue-gpt-5-gstd\)/,
    );
    expect(stdout).toMatch(
      /│ assistant\s+│ Entra ID \(1 application\)\s+│ chat, embeddings\s+│ 60,000\s+│ 1,500,000,000/,
    );
    expect(stdout).toMatch(/First deploy: about \d+ minutes/);
    expect(stdout).toContain("gateway-service (75 min)");
  });
});

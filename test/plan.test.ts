import { describe, expect, it, beforeAll } from "vitest";
import { redact } from "../cli/engine/stackExport";
import { SECRET_PLACEHOLDER as REDACTED } from "../components/core/secrets";
import { SECRET_PLACEHOLDER } from "../cli/shared/stackFile";
import { roleAssignmentName } from "../components/identity/guid";
import { TAGGABLE_TYPES } from "../policies/lib";
import {
  planFresh,
  planStack,
  pulumiConfigOf,
  rawConfig,
  resourcesOfType,
  runFixtureProgram,
  stackFile,
  type PlannedStack,
} from "./helpers";

const DEPLOYMENT = "azure-native:cognitiveservices:Deployment";
const ACCOUNT = "azure-native:cognitiveservices:Account";
const RAI = "azure-native:cognitiveservices:RaiPolicy";

function countByType(planned: PlannedStack): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of planned.stackExport.deployment.resources) counts[r.type] = (counts[r.type] ?? 0) + 1;
  return counts;
}

/** The URNs of one account's RAI policy and deployments in the order their dependsOn chain runs. */
function chainOf(planned: PlannedStack, component: string): string[] {
  const members = planned.stackExport.deployment.resources.filter(
    (r) => (r.type === DEPLOYMENT || r.type === RAI) && r.parent?.endsWith(`::${component}`),
  );
  const memberUrns = new Set(members.map((m) => m.urn));
  const first = members.filter((m) => !m.dependencies.some((d) => memberUrns.has(d)));
  expect(first).toHaveLength(1);
  const chain = [first[0]!.urn];
  for (;;) {
    const next = members.filter((m) => m.dependencies.includes(chain[chain.length - 1]!) && !chain.includes(m.urn));
    // A chain, not a fan-out: exactly one member waits on the previous one.
    const direct = next.filter(
      (m) => m.dependencies.filter((d) => memberUrns.has(d) && !chain.includes(d)).length === 0,
    );
    if (direct.length === 0) break;
    expect(direct).toHaveLength(1);
    chain.push(direct[0]!.urn);
  }
  expect(chain).toHaveLength(members.length);
  return chain.map((u) => u.split("::").pop()!);
}

describe("dev plan", () => {
  let dev: PlannedStack;
  beforeAll(async () => {
    dev = await planStack("dev");
  });

  it("registers the expected resources without errors", () => {
    expect(dev.run.errors).toEqual([]);
    expect(countByType(dev)).toMatchObject({
      "azure-native:resources:ResourceGroup": 1,
      "azure-native:operationalinsights:Workspace": 1,
      "azure-native:applicationinsights:Component": 1,
      [ACCOUNT]: 1,
      [RAI]: 1,
      [DEPLOYMENT]: 2,
      "azure-native:monitor:DiagnosticSetting": 4,
      "random:index/randomString:RandomString": 3,
      "azure-native:managedidentity:UserAssignedIdentity": 1,
      // OpenAI User on the account; Monitoring Metrics Publisher on App Insights (the gateway's logger).
      "azure-native:authorization:RoleAssignment": 2,
      "azure-native:apimanagement:ApiManagementService": 1,
      "azure-native:redisenterprise:RedisEnterprise": 1,
      "azure-native:redisenterprise:Database": 1,
      "genai:core:Core": 1,
      "genai:openai:OpenAiService": 1,
    });
  });

  it("joins the gateway to a small network for its outbound calls, and keeps the account and the cache private", () => {
    const service = resourcesOfType(dev.stackExport, "azure-native:apimanagement:ApiManagementService")[0]!;
    expect(service.inputs).toMatchObject({ sku: { name: "StandardV2" }, virtualNetworkType: "External" });
    expect((service.inputs.virtualNetworkConfiguration as any).subnetResourceId).toMatch(
      /\/subnets\/snet-genai-dev-gateway$/,
    );
    expect((resourcesOfType(dev.stackExport, ACCOUNT)[0]!.inputs.properties as any).publicNetworkAccess).toBe(
      "Disabled",
    );
    expect(
      resourcesOfType(dev.stackExport, "azure-native:redisenterprise:RedisEnterprise")[0]!.inputs.publicNetworkAccess,
    ).toBe("Disabled");
    expect(resourcesOfType(dev.stackExport, "azure-native:network:PrivateEndpoint")).toHaveLength(2);
  });

  it("protects nothing in dev", () => {
    expect(dev.stackExport.deployment.resources.filter((r) => r.protect)).toEqual([]);
  });

  it("opens an account without a network only to the configured range, with keys still off", async () => {
    const raw = rawConfig("dev");
    delete raw.network;
    Object.assign(raw, { publicNetworkAccess: "Enabled", allowedIpRanges: ["203.0.113.0/24"] });
    raw.gateway.sku = "BasicV2";
    const open = await planStack("dev", { config: pulumiConfigOf(raw) });
    const types = open.stackExport.deployment.resources.map((r) => r.type);
    expect(
      types.filter((t) => t.startsWith("azure-native:network:") || t.startsWith("azure-native:privatedns:")),
    ).toEqual([]);
    const account = resourcesOfType(open.stackExport, ACCOUNT)[0]!;
    expect(account.inputs).toMatchObject({
      kind: "OpenAI",
      sku: { name: "S0" },
      identity: { type: "SystemAssigned" },
      properties: {
        disableLocalAuth: true,
        publicNetworkAccess: "Enabled",
        networkAcls: { defaultAction: "Deny", ipRules: [{ value: "203.0.113.0/24" }] },
      },
    });
    expect((account.inputs.properties as any).customSubDomainName).toMatch(/^oai-genai-dev-swc-[a-z0-9]{6}$/);
  });

  it("registers the same URNs in a preview", async () => {
    const preview = await planStack("dev", { preview: true });
    expect(preview.run.errors).toEqual([]);
    expect(preview.run.resources.map((r) => r.urn).sort()).toEqual(dev.run.resources.map((r) => r.urn).sort());
  });
});

describe("prod plan", () => {
  let prod: PlannedStack;
  beforeAll(async () => {
    prod = await planStack("prod");
  });

  it("registers two accounts, five deployments, Content Safety, the network, the cache, the gateway and the cluster", () => {
    expect(prod.run.errors).toEqual([]);
    expect(countByType(prod)).toMatchObject({
      // Two Azure OpenAI accounts and the gateway's Azure AI Content Safety account.
      [ACCOUNT]: 3,
      [RAI]: 2,
      [DEPLOYMENT]: 5,
      // Accounts, Redis cluster and database, API Management, AKS.
      "azure-native:monitor:DiagnosticSetting": 7,
      "azure-native:network:VirtualNetwork": 1,
      "azure-native:network:Subnet": 3,
      "azure-native:network:NetworkSecurityGroup": 3,
      "azure-native:network:PrivateEndpoint": 4,
      "azure-native:network:PrivateDnsZoneGroup": 4,
      // privatelink.openai.azure.com, privatelink.cognitiveservices.azure.com (Content Safety),
      // privatelink.redis.azure.net and azure-api.net (the internal gateway's names).
      "azure-native:privatedns:PrivateZone": 4,
      "azure-native:privatedns:VirtualNetworkLink": 4,
      "azure-native:privatedns:PrivateRecordSet": 5,
      "azure-native:redisenterprise:RedisEnterprise": 1,
      "azure-native:redisenterprise:Database": 1,
      // The gateway's, AKS's control plane, the qwen/blue model slot's, Grafana's and the trace collector's.
      "azure-native:managedidentity:UserAssignedIdentity": 5,
      // OpenAI User per account for the gateway identity, Monitoring Metrics Publisher for its logger,
      // OpenAI User on the embeddings account for the service's own identity (semantic cache), Network
      // Contributor on the nodes' subnet for AKS, Monitoring Reader for Grafana on each account and the gateway,
      // Cognitive Services User on Content Safety for the service's own identity (the content checks),
      // Monitoring Reader on the workspace for Grafana (the spend dashboard's log queries), Monitoring
      // Metrics Publisher on Application Insights for the trace collector, Monitoring Reader on it for
      // Grafana (the vLLM panels' links to the servers' spans).
      "azure-native:authorization:RoleAssignment": 12,
      // The content checks' backend (its managed-identity credentials have no typed field) and the model
      // API's Azure Monitor diagnostic (the LLM log has no typed field either).
      "azure-native:resources:Resource": 2,
      "azure-native:containerservice:ManagedCluster": 1,
      // The GPU pool and the general pool (monitoring).
      "azure-native:containerservice:AgentPool": 2,
      "kubernetes:helm.sh/v3:Release": 1,
      // The qwen/blue slot's, and NVIDIA's DCGM exporter's on the GPU nodes.
      "kubernetes:monitoring.coreos.com/v1:PodMonitor": 2,
      "kubernetes:monitoring.coreos.com/v1:PrometheusRule": 1,
      // A dashboard per model endpoint, the GPU pools' and the spend per team; the trace collector's configuration.
      "kubernetes:core/v1:ConfigMap": 6,
      "kubernetes:apps/v1:StatefulSet": 1,
      // The OpenTelemetry Collector of the model servers' spans.
      "kubernetes:apps/v1:Deployment": 1,
      // NVIDIA's device plugin and DCGM exporter on the GPU nodes.
      "kubernetes:apps/v1:DaemonSet": 2,
      "azure-native:apimanagement:ApiManagementService": 1,
      "azure-native:apimanagement:ApiOperationPolicy": 2,
      "azure-native:apimanagement:Cache": 1,
    });
  });

  it("reaches every account and the cache through a private endpoint registered in its DNS zone", () => {
    const endpoints = resourcesOfType(prod.stackExport, "azure-native:network:PrivateEndpoint");
    const targets = endpoints
      .map((pe) => (pe.inputs.privateLinkServiceConnections as any[])[0].privateLinkServiceId)
      .sort();
    const expected = [
      ...resourcesOfType(prod.stackExport, ACCOUNT),
      ...resourcesOfType(prod.stackExport, "azure-native:redisenterprise:RedisEnterprise"),
    ]
      .map((r) => r.id)
      .sort();
    expect(targets).toEqual(expected);
    const subnet = resourcesOfType(prod.stackExport, "azure-native:network:Subnet").find(
      (s) => s.inputs.subnetName === "snet-genai-prod-privateendpoints",
    )!;
    expect(endpoints.every((pe) => (pe.inputs.subnet as any).id === subnet.id)).toBe(true);
    const zones = resourcesOfType(prod.stackExport, "azure-native:privatedns:PrivateZone")
      .map((z) => z.inputs.privateZoneName)
      .sort();
    expect(zones).toEqual([
      "azure-api.net",
      "privatelink.cognitiveservices.azure.com",
      "privatelink.openai.azure.com",
      "privatelink.redis.azure.net",
    ]);
    const groups = resourcesOfType(prod.stackExport, "azure-native:network:PrivateDnsZoneGroup");
    const zoneIdsByName = new Map(
      resourcesOfType(prod.stackExport, "azure-native:privatedns:PrivateZone").map((z) => [
        z.inputs.privateZoneName,
        z.id,
      ]),
    );
    const redisGroup = groups.find((g) => String(g.inputs.privateEndpointName).endsWith("-redis"))!;
    expect((redisGroup.inputs.privateDnsZoneConfigs as any[]).map((c) => c.privateDnsZoneId)).toEqual([
      zoneIdsByName.get("privatelink.redis.azure.net"),
    ]);
  });

  it("turns public access off on the accounts and the cache", () => {
    for (const account of resourcesOfType(prod.stackExport, ACCOUNT))
      expect((account.inputs.properties as any).publicNetworkAccess).toBe("Disabled");
    expect(
      resourcesOfType(prod.stackExport, "azure-native:redisenterprise:RedisEnterprise")[0]!.inputs.publicNetworkAccess,
    ).toBe("Disabled");
  });

  it("builds the semantic cache as Azure Managed Redis needs it", () => {
    const cluster = resourcesOfType(prod.stackExport, "azure-native:redisenterprise:RedisEnterprise")[0]!;
    expect(cluster.inputs.clusterName).toMatch(/^amr-genai-prod-[a-z0-9]{6}$/);
    expect(cluster.inputs).toMatchObject({
      sku: { name: "Balanced_B5" },
      minimumTlsVersion: "1.2",
      highAvailability: "Enabled",
    });
    expect(cluster.protect).toBe(true);
    const database = resourcesOfType(prod.stackExport, "azure-native:redisenterprise:Database")[0]!;
    expect(database.inputs).toMatchObject({
      databaseName: "default",
      clientProtocol: "Encrypted",
      port: 10000,
      clusteringPolicy: "EnterpriseCluster",
      evictionPolicy: "NoEviction",
      modules: [{ name: "RediSearch" }],
      accessKeysAuthentication: "Enabled",
    });
  });

  it("grants the gateway identity Cognitive Services OpenAI User on each account, with ARM guid() names", () => {
    const identity = resourcesOfType(prod.stackExport, "azure-native:managedidentity:UserAssignedIdentity").find(
      (i) => i.inputs.resourceName === "id-genai-prod-gateway",
    )!;
    const grants = resourcesOfType(prod.stackExport, "azure-native:authorization:RoleAssignment").filter(
      (g) =>
        g.inputs.principalId === identity.outputs.principalId &&
        String(g.inputs.roleDefinitionId).endsWith("5e0bd9bd-7b93-4f28-af87-19fc36ad61bd"),
    );
    expect(grants.map((g) => g.inputs.scope).sort()).toEqual(
      resourcesOfType(prod.stackExport, ACCOUNT)
        .filter((a) => a.inputs.kind === "OpenAI")
        .map((a) => a.id)
        .sort(),
    );
    for (const g of grants) {
      expect(g.inputs).toMatchObject({
        principalId: identity.outputs.principalId,
        principalType: "ServicePrincipal",
        roleDefinitionId:
          "/subscriptions/3f9a2b71-6c4d-4e8f-a1b2-c3d4e5f60718/providers/Microsoft.Authorization/roleDefinitions/5e0bd9bd-7b93-4f28-af87-19fc36ad61bd",
      });
      expect(g.inputs.roleAssignmentName).toBe(
        roleAssignmentName(
          g.inputs.scope as string,
          g.inputs.principalId as string,
          g.inputs.roleDefinitionId as string,
        ),
      );
    }
  });

  it("checks content with Azure AI Content Safety: keys off, private, the service's own identity with Cognitive Services User, a backend with managed-identity credentials", () => {
    const safety = resourcesOfType(prod.stackExport, ACCOUNT).find((a) => a.inputs.kind === "ContentSafety")!;
    expect(safety.inputs).toMatchObject({
      accountName: "cs-genai-prod",
      sku: { name: "S0" },
      properties: {
        disableLocalAuth: true,
        publicNetworkAccess: "Disabled",
        networkAcls: { defaultAction: "Deny" },
        restrictOutboundNetworkAccess: true,
      },
    });
    const service = resourcesOfType(prod.stackExport, "azure-native:apimanagement:ApiManagementService")[0]!;
    const grants = resourcesOfType(prod.stackExport, "azure-native:authorization:RoleAssignment").filter(
      (g) => g.inputs.scope === safety.id,
    );
    expect(grants.map((g) => [g.inputs.principalId, String(g.inputs.roleDefinitionId).split("/").pop()])).toEqual([
      [(service.outputs.identity as { principalId: string }).principalId, "a97b65f3-24c7-4388-baec-2e87135dc908"],
    ]);
    const backend = resourcesOfType(prod.stackExport, "azure-native:resources:Resource").find(
      (r) => r.inputs.resourceType === "backends",
    );
    expect(backend!.inputs).toMatchObject({
      resourceProviderNamespace: "Microsoft.ApiManagement",
      parentResourcePath: `service/${service.inputs.serviceName}`,
      resourceType: "backends",
      resourceName: "be-content-safety",
      properties: {
        url: String((safety.outputs.properties as { endpoint: string }).endpoint).replace(/\/$/, ""),
        credentials: { managedIdentity: { resource: "https://cognitiveservices.azure.com" } },
      },
    });
    const endpoint = resourcesOfType(prod.stackExport, "azure-native:network:PrivateEndpoint").find(
      (pe) => (pe.inputs.privateLinkServiceConnections as any[])[0].privateLinkServiceId === safety.id,
    )!;
    expect((endpoint.inputs.privateLinkServiceConnections as any[])[0].groupIds).toEqual(["account"]);
  });

  it("prices the gateway's logs per team in a workbook on the workspace", () => {
    const [workbook] = resourcesOfType(prod.stackExport, "azure-native:applicationinsights:Workbook");
    const workspace = resourcesOfType(prod.stackExport, "azure-native:operationalinsights:Workspace")[0]!;
    expect(workbook!.inputs).toMatchObject({ kind: "shared", category: "workbook", sourceId: workspace.id });
    expect(workbook!.inputs.resourceName).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    const content = JSON.parse(String(workbook!.inputs.serializedData));
    expect(content.items[1].content.query).toContain('"chat-blue-gpt-5-gptu", "ptu", 0.0, 0.0, 50.0');
  });

  it("protects stateful resources, not deployments or filters", () => {
    const protectedTypes = new Set(prod.stackExport.deployment.resources.filter((r) => r.protect).map((r) => r.type));
    expect([...protectedTypes].sort()).toEqual([
      "azure-native:apimanagement:ApiManagementService",
      "azure-native:applicationinsights:Component",
      ACCOUNT,
      "azure-native:containerservice:ManagedCluster",
      "azure-native:operationalinsights:Workspace",
      "azure-native:redisenterprise:Database",
      "azure-native:redisenterprise:RedisEnterprise",
      "azure-native:resources:ResourceGroup",
      "kubernetes:helm.sh/v3:Release",
    ]);
    expect(resourcesOfType(prod.stackExport, ACCOUNT).every((a) => a.protect)).toBe(true);
  });

  it("creates the gateway service waiting only for the group, its name, its identity and its subnet: never the accounts or the cache", () => {
    const service = resourcesOfType(prod.stackExport, "azure-native:apimanagement:ApiManagementService")[0]!;
    expect(service.dependencies.map((d) => d.split("::").pop()).sort()).toEqual([
      "core-rg",
      "gateway-name-suffix",
      "identity-gateway-identity",
      "network-snet-gateway",
    ]);
    expect(service.inputs).toMatchObject({ sku: { name: "Premium" }, virtualNetworkType: "Internal" });
    // Injection needs the management endpoint reachable from API Management's service tag.
    const nsg = resourcesOfType(prod.stackExport, "azure-native:network:NetworkSecurityGroup").find((n) =>
      String(n.inputs.networkSecurityGroupName).endsWith("-gateway"),
    )!;
    expect(nsg.inputs.securityRules).toEqual([
      expect.objectContaining({ sourceAddressPrefix: "ApiManagement", destinationPortRange: "3443", access: "Allow" }),
    ]);
  });

  it("keeps accounts private", () => {
    for (const account of resourcesOfType(prod.stackExport, ACCOUNT)) {
      expect(account.inputs.properties).toMatchObject({
        disableLocalAuth: true,
        publicNetworkAccess: "Disabled",
        networkAcls: { defaultAction: "Deny", ipRules: [] },
      });
    }
  });

  it("chains the filter and deployments of each account, PAYGO before the PTU that spills over", () => {
    expect(chainOf(prod, "openai-swc")).toEqual([
      "openai-swc-content-filter",
      "openai-swc-chat-blue-gpt-5-gstd",
      "openai-swc-chat-green-gpt-5.1-gstd",
      "openai-swc-embeddings-blue-text-embedding-3-large-std",
      "openai-swc-chat-blue-gpt-5-gptu",
    ]);
    expect(chainOf(prod, "openai-eus2")).toEqual(["openai-eus2-content-filter", "openai-eus2-chat-blue-gpt-5-gstd"]);
  });

  it("wires spillover from the PTU deployment to the same account's GlobalStandard deployment", () => {
    const ptu = resourcesOfType(prod.stackExport, DEPLOYMENT).find(
      (d) => d.inputs.deploymentName === "chat-blue-gpt-5-gptu",
    )!;
    expect(ptu.inputs).toMatchObject({
      accountName: "oai-genai-prod-swc",
      sku: { name: "GlobalProvisionedManaged", capacity: 50 },
      properties: {
        spilloverDeploymentName: "chat-blue-gpt-5-gstd",
        model: { format: "OpenAI", name: "gpt-5", version: "2025-08-07" },
      },
    });
    expect((ptu.inputs.properties as any).versionUpgradeOption).toBeUndefined();
  });

  it("pins, filters and freezes every deployment", () => {
    for (const d of resourcesOfType(prod.stackExport, DEPLOYMENT)) {
      const properties = d.inputs.properties as any;
      expect(properties.model.version).toMatch(/^\d/);
      expect(properties.raiPolicyName).toBe("rai-genai-prod");
      if (!String((d.inputs.sku as any).name).includes("Provisioned")) {
        expect(properties.versionUpgradeOption).toBe("NoAutoUpgrade");
        expect((d.inputs.sku as any).capacity).toBe(
          {
            "chat-blue-gpt-5-gstd": d.inputs.accountName === "oai-genai-prod-swc" ? 300 : 200,
            "chat-green-gpt-5.1-gstd": 100,
            "embeddings-blue-text-embedding-3-large-std": 350,
          }[d.inputs.deploymentName as string],
        );
      }
    }
  });

  it("gives every content filter the four harms at Medium on both sources, jailbreak and protected material", () => {
    for (const rai of resourcesOfType(prod.stackExport, RAI)) {
      const filters = (rai.inputs.properties as any).contentFilters as {
        name: string;
        source: string;
        severityThreshold?: string;
        enabled: boolean;
        blocking: boolean;
      }[];
      expect((rai.inputs.properties as any).basePolicyName).toBe("Microsoft.DefaultV2");
      for (const harm of ["Hate", "Sexual", "Selfharm", "Violence"]) {
        for (const source of ["Prompt", "Completion"]) {
          expect(filters).toContainEqual({
            name: harm,
            source,
            severityThreshold: "Medium",
            enabled: true,
            blocking: true,
          });
        }
      }
      expect(filters).toContainEqual({ name: "Jailbreak", source: "Prompt", enabled: true, blocking: true });
      expect(filters.filter((f) => f.name.startsWith("Protected Material")).length).toBe(2);
    }
  });

  it("sends each account's diagnostics to the workspace", () => {
    const workspace = resourcesOfType(prod.stackExport, "azure-native:operationalinsights:Workspace")[0]!;
    const accountIds = resourcesOfType(prod.stackExport, ACCOUNT).map((a) => a.id);
    const settings = resourcesOfType(prod.stackExport, "azure-native:monitor:DiagnosticSetting");
    expect(
      settings
        .map((s) => s.inputs.resourceUri)
        .filter((uri) => String(uri).includes("CognitiveServices"))
        .sort(),
    ).toEqual(accountIds.sort());
    expect(settings.every((s) => s.inputs.workspaceId === workspace.id)).toBe(true);
  });

  it("tags every taggable resource with environment, owner and cost center", () => {
    const tagged = prod.stackExport.deployment.resources.filter((r) => r.custom && TAGGABLE_TYPES.has(r.type));
    expect(tagged.length).toBeGreaterThan(10);
    for (const r of tagged)
      expect(r.inputs.tags).toMatchObject({
        environment: "prod",
        owner: "platform-team@contoso.com",
        costCenter: "CC-4711",
      });
  });

  it("pins the subscription with an explicit provider", () => {
    const provider = resourcesOfType(prod.stackExport, "pulumi:providers:azure-native")[0]!;
    expect(provider.inputs.subscriptionId).toBe("3f9a2b71-6c4d-4e8f-a1b2-c3d4e5f60718");
    const account = resourcesOfType(prod.stackExport, ACCOUNT)[0]!;
    expect(account.provider?.startsWith(`${provider.urn}::`)).toBe(true);
  });

  it("exports the shape of `pulumi stack export`", () => {
    expect(prod.stackExport.version).toBe(3);
    const stack = prod.stackExport.deployment.resources.find((r) => r.type === "pulumi:pulumi:Stack")!;
    expect(stack.urn).toBe("urn:pulumi:prod::genai-platform::pulumi:pulumi:Stack::genai-platform-prod");
    expect(Object.keys(stack.outputs).sort()).toEqual([
      "cacheHostName",
      "deployments",
      "gatewayKeys",
      "gatewayUrl",
      "identities",
      "openAiEndpoints",
      "resourceGroupName",
      "workspaceId",
    ]);
    const urns = new Set<string>();
    for (const r of prod.stackExport.deployment.resources) {
      if (r.parent) expect(urns.has(r.parent)).toBe(true); // parents come first
      for (const d of r.dependencies) expect(urns.has(d)).toBe(true);
      urns.add(r.urn);
    }
  });

  it("is deterministic: a second plan is byte-identical", async () => {
    const again = await planFresh("prod", { uncached: true });
    expect(JSON.stringify(again.stackExport)).toBe(JSON.stringify(prod.stackExport));
  });

  it("registers the same URNs in a preview", async () => {
    const preview = await planStack("prod", { preview: true });
    expect(preview.run.errors).toEqual([]);
    expect(preview.run.resources.map((r) => r.urn).sort()).toEqual(prod.run.resources.map((r) => r.urn).sort());
  });
});

describe("what the engine would refuse", () => {
  it("fails on duplicate URNs", async () => {
    const run = await runFixtureProgram("duplicate-urn");
    expect(run.errors).toContain(
      "duplicate resource URN urn:pulumi:dev::fixture::azure-native:resources:ResourceGroup::same: the engine refuses two resources of one type and name under one parent",
    );
  });

  it("fails on a resource type the offline provider does not know", async () => {
    const run = await runFixtureProgram("unmocked-type");
    expect(run.errors.join("\n")).toContain(
      "resource type azure-native:storage:StorageAccount (unknown) has no entry in the offline provider table",
    );
  });

  it("registers nothing when the config is invalid", async () => {
    const raw = rawConfig("prod");
    raw.models.chat.slots.blue.targets[0].capacity = 42;
    const planned = await planStack("prod", { config: pulumiConfigOf(raw) });
    expect(planned.run.errors.join("\n")).toContain("models.chat.slots.blue.targets[0].capacity: 42 PTU is not valid");
    expect(planned.run.resources.filter((r) => r.custom)).toEqual([]);
  });
});

describe("secrets", () => {
  it("refuses a secure: value where the schema expects none: the program registers nothing and never reads it", async () => {
    const file = stackFile("dev");
    const tags = JSON.parse(file.config["genai-platform:tags"]!);
    const withSecret = pulumiConfigOf({
      ...rawConfig("dev"),
      tags: { ...tags, costCenter: { secure: "v1:AAAAcipherTEXTzzzz" } },
    });
    expect(withSecret.secretKeys).toEqual(["genai-platform:tags"]);
    const planned = await planStack("dev", { config: withSecret });
    expect(planned.run.errors.join("\n")).toContain("tags: holds a secure: (secret) value, but tags is not secret");
    expect(planned.run.resources.filter((r) => r.custom)).toEqual([]);
    const text = JSON.stringify(planned);
    expect(text).not.toContain("cipherTEXT");
    expect(text).not.toContain(SECRET_PLACEHOLDER);
  });

  it("writes the secrets resources produce (App Insights' connection string and key) only redacted", async () => {
    const planned = await planStack("dev");
    const appInsights = resourcesOfType(planned.stackExport, "azure-native:applicationinsights:Component")[0]!;
    const envelope = { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", ciphertext: REDACTED };
    expect(appInsights.outputs.connectionString).toEqual(envelope);
    expect(appInsights.outputs.instrumentationKey).toEqual(envelope);
    expect(JSON.stringify(planned.stackExport)).not.toContain("InstrumentationKey=");
  });

  it("writes a secret value only as a marked, redacted envelope", () => {
    const sig = "4dabf18193072939515e22adb298388d";
    const secret = "1b47061264138c4ac30d75fd1eb44270";
    expect(redact({ b: 1, a: { [sig]: secret, value: "hunter2" } })).toEqual({
      a: { [sig]: secret, ciphertext: REDACTED },
      b: 1,
    });
    expect(JSON.stringify(redact([{ [sig]: secret, value: "hunter2" }]))).not.toContain("hunter2");
  });
});

describe("cache data access with Entra ID", () => {
  it("assigns the Redis access policy to each workload named in cache.dataAccess", async () => {
    const raw = rawConfig("prod");
    raw.cache.dataAccess = ["gateway"];
    const planned = await planStack("prod", { config: pulumiConfigOf(raw) });
    expect(planned.run.errors).toEqual([]);
    const identity = resourcesOfType(planned.stackExport, "azure-native:managedidentity:UserAssignedIdentity").find(
      (i) => i.inputs.resourceName === "id-genai-prod-gateway",
    )!;
    const assignments = resourcesOfType(planned.stackExport, "azure-native:redisenterprise:AccessPolicyAssignment");
    expect(assignments.map((a) => a.inputs)).toEqual([
      expect.objectContaining({
        accessPolicyAssignmentName: "gateway",
        accessPolicyName: "default",
        databaseName: "default",
        user: { objectId: identity.outputs.principalId },
      }),
    ]);
  });
});

describe("preview fidelity", () => {
  it("leaves computed outputs unknown in a preview, so resources created inside an apply are missing from it", async () => {
    const update = await runFixtureProgram("apply-created");
    const preview = await runFixtureProgram("apply-created", true);
    expect(
      update.resources
        .filter((r) => r.custom)
        .map((r) => r.name)
        .sort(),
    ).toEqual(["inner", "outer"]);
    expect(preview.resources.filter((r) => r.custom).map((r) => r.name)).toEqual(["outer"]);
  });
});

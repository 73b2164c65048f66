import { describe, expect, it } from "vitest";
import { CONFIG_KEYS, parsePlatformConfig, plannedDeployments, ConfigValidationError } from "../stacks/config";
import { projectConfig, requirePlatformConfig } from "../stacks/load";
import { AS_OF, rawConfig, stackFile, validConfig } from "./configHelpers";

function issuesOf(raw: unknown): string[] {
  const result = parsePlatformConfig(raw);
  if (result.ok) throw new Error("expected the config to be refused");
  return result.issues.map((i) => `${i.path}: ${i.message}`);
}

describe("the stack files", () => {
  it.each(["dev", "prod"])("%s is valid", (stack) => {
    expect(validConfig(stack).environment).toBe(stack);
  });

  it("fills secure defaults", () => {
    const raw = rawConfig("prod");
    delete raw.publicNetworkAccess;
    delete raw.logRetentionDays;
    const result = parsePlatformConfig(raw);
    expect(result.ok && result.config.publicNetworkAccess).toBe("Disabled");
    expect(result.ok && result.config.logRetentionDays).toBe(30);
    expect(result.ok && result.config.accounts.swc?.contentFilterThreshold).toBe("Medium");
  });

  it("differs between dev and prod where it should", () => {
    const dev = validConfig("dev");
    const prod = validConfig("prod");
    expect(dev.ptuCap).toBe(0);
    expect(prod.ptuCap).toBeGreaterThan(0);
    expect(prod.publicNetworkAccess).toBe("Disabled");
    expect(Object.keys(prod.accounts).length).toBeGreaterThan(Object.keys(dev.accounts).length);
  });
});

describe("invalid config: each case names the key, the value and what is allowed", () => {
  const cases: [string, (raw: Record<string, any>) => void, string][] = [
    [
      "PTU size off the step",
      (r) => (r.models.chat.slots.blue.targets[0].capacity = 42),
      "models.chat.slots.blue.targets[0].capacity: 42 PTU is not valid for gpt-5 GlobalProvisionedManaged (minimum 15, step 5): use 40 or 45",
    ],
    [
      "PAYGO TPM not a multiple of 1,000",
      (r) => (r.models.chat.slots.blue.targets[1].capacity = 300_500),
      "models.chat.slots.blue.targets[1].capacity: 300,500 TPM is not valid for a pay-as-you-go deployment (a positive multiple of 1,000 TPM): use 300,000 or 301,000",
    ],
    [
      "unknown deployment type",
      (r) => (r.models.chat.slots.blue.targets[1].deploymentType = "GlobalStandrd"),
      'models.chat.slots.blue.targets[1].deploymentType: Invalid option: expected one of "ProvisionedManaged"|"GlobalProvisionedManaged"|"DataZoneProvisionedManaged"|"Standard"|"GlobalStandard"|"DataZoneStandard" (got "GlobalStandrd")',
    ],
    [
      "unpinned model version",
      (r) => (r.models.chat.slots.blue.targets[0].version = "latest"),
      `models.chat.slots.blue.targets[0].version: a pinned model version such as 2024-11-20 (never empty or 'latest') (got "latest")`,
    ],
    [
      "unknown account",
      (r) => (r.models.chat.slots.blue.targets[1].account = "westeu"),
      'models.chat.slots.blue.targets[1].account: "westeu" is not a configured account; allowed: swc, eus2',
    ],
    [
      "weights not summing to 100",
      (r) => (r.models.chat.slots.green.weight = 10),
      "models.chat.slots: slot weights sum to 110 (blue 100, green 10); they must sum to 100",
    ],
    [
      "weight over 100",
      (r) => (r.models.chat.slots.blue.weight = 150),
      "models.chat.slots.blue.weight: Too big: expected number to be <=100 (got 150)",
    ],
    [
      "misspelt top-level key",
      (r) => (r.ptuCapp = 5),
      '(stack config): unknown key "ptuCapp" (did you mean "ptuCap"?); allowed: environment, subscriptionId, location, namePrefix, tags, logRetentionDays, publicNetworkAccess, allowedIpRanges, additionalRegions, lifecycleWarningDays, allowEnvironmentMismatch, rolloutMaxStep, rolloutGate, ptuCap, network, cache, gateway, cluster, alerts, budget, capacity, prices, accounts, quota, models',
    ],
    [
      "misspelt slot key",
      (r) => (r.models.chat.slots.blu = r.models.chat.slots.blue),
      'models.chat.slots: unknown key "blu" (did you mean "blue"?); allowed: blue, green',
    ],
    ["missing owner tag", (r) => delete r.tags.owner, "tags.owner: an owner (team or e-mail) is required (missing)"],
    [
      'null cost center (never the text "null")',
      (r) => (r.tags.costCenter = null),
      "tags.costCenter: a cost center is required (got null)",
    ],
    [
      "weaker content filter",
      (r) => (r.accounts.swc.contentFilterThreshold = "High"),
      'accounts.swc.contentFilterThreshold: Low or Medium (weaker than Medium is not allowed) (got "High")',
    ],
    [
      "PTU over the environment cap",
      (r) => (r.ptuCap = 40),
      "ptuCap: the plan reserves 50 PTU but ptuCap is 40: chat-blue-gpt-5-gptu on swc (models.chat.slots.blue.targets[0]) 50 PTU; raise ptuCap or reduce capacity",
    ],
    [
      "PAYGO over quota names every contributor",
      (r) => (r.quota[1].usedElsewhere = 800_000),
      "quota[1]: gpt-5 GlobalStandard in swedencentral is over quota by 100,000 TPM: limit 1,000,000, used elsewhere 800,000, planned 300,000 by chat-blue-gpt-5-gstd on swc (models.chat.slots.blue.targets[1]) 300,000 TPM",
    ],
    [
      "no quota declared",
      (r) => r.quota.splice(4, 1),
      "quota: no quota declared for gpt-5 GlobalStandard in eastus2, needed by chat-blue-gpt-5-gstd on eus2 (models.chat.slots.blue.targets[2]) 200,000 TPM: add {region: eastus2, model: gpt-5, deploymentType: GlobalStandard, limit, usedElsewhere}",
    ],
    [
      "PTU quota declared per model",
      (r) => (r.quota[0].model = "gpt-5"),
      'quota[0].model: PTU quota (GlobalProvisionedManaged) is shared by all models in a region: remove "model: gpt-5"',
    ],
    [
      "two targets that would share a deployment name",
      (r) => r.models.chat.slots.blue.targets.push({ ...r.models.chat.slots.blue.targets[1] }),
      'models.chat.slots.blue.targets[3]: deployment "chat-blue-gpt-5-gstd" on account swc is also planned by models.chat.slots.blue.targets[1]: one target per model and deployment type per slot and account',
    ],
    [
      "vLLM target without a cluster",
      (r) => delete r.cluster,
      "cluster: vLLM targets (models.qwen.slots.blue.targets[0]) run on AKS: configure cluster with a GPU pool",
    ],
    [
      "vLLM replica wider than its pool's VM",
      (r) => (r.models.qwen.slots.blue.targets[0].gpusPerReplica = 2),
      "models.qwen.slots.blue.targets[0].gpusPerReplica: 2 GPUs do not fit on Standard_NC24ads_A100_v4 (1 x A100 80 GiB); use a larger VM size or fewer GPUs per replica",
    ],
    [
      "vLLM slots beyond the pool's nodes",
      (r) => (r.models.qwen.slots.blue.targets[0].maxReplicas = 8),
      "cluster.gpuPools.a100.maxCount: the live slots on this pool need 8 nodes at their maxReplicas; maxCount is 6",
    ],
    [
      "vLLM release not in the table",
      (r) => (r.models.qwen.slots.blue.targets[0].image = "vllm/vllm-openai:v0.5.0"),
      "models.qwen.slots.blue.targets[0].image: v0.5.0 is not in the vLLM release table of 2026-11-27 (components/serving/vllmReleases.ts): use one of v0.8.5, v0.9.2, v0.10.2, v0.11.0, v0.12.0, v0.13.0, v0.29.0, v0.30.0, or add the release with its metric names",
    ],
    [
      "vLLM address outside the nodes' subnet",
      (r) => (r.models.qwen.slots.blue.targets[0].serviceIp = "10.40.1.10"),
      'models.qwen.slots.blue.targets[0].serviceIp: "10.40.1.10" is not a usable address of the aksNodes subnet 10.40.16.0/20 (take one near its end, away from the nodes\' addresses)',
    ],
    [
      "vLLM on a pool that does not exist",
      (r) => (r.models.qwen.slots.blue.targets[0].pool = "h100"),
      'models.qwen.slots.blue.targets[0].pool: "h100" is not a GPU pool; allowed: a100',
    ],
    [
      "GPU VM size not in the table",
      (r) => (r.cluster.gpuPools.a100.vmSize = "Standard_NC6"),
      'cluster.gpuPools.a100.vmSize: "Standard_NC6" is not in the GPU VM table of 2026-11-27 (components/cluster/gpuSkus.ts): use one of Standard_NC24ads_A100_v4, Standard_NC48ads_A100_v4, Standard_NC96ads_A100_v4, Standard_NC40ads_H100_v5, Standard_NC80adis_H100_v5, Standard_ND96isr_H100_v5, Standard_NC4as_T4_v3, Standard_NC8as_T4_v3, Standard_NC16as_T4_v3, Standard_NC64as_T4_v3',
    ],
    [
      "prod API server open to the internet",
      (r) => (r.cluster.privateCluster = false),
      "cluster: prod's API server must not be open to the internet: set privateCluster: true or apiServerAuthorizedIpRanges",
    ],
    [
      "SLO threshold out of range",
      (r) => (r.cluster.monitoring = { slo: { kvCacheUsage: 1.5 } }),
      "cluster.monitoring.slo.kvCacheUsage: Too big: expected number to be <=1 (got 1.5)",
    ],
    [
      "SLO overrides for an endpoint without vLLM",
      (r) => (r.cluster.monitoring = { sloByEndpoint: { chat: { ttftP95Seconds: 1 } } }),
      'cluster.monitoring.sloByEndpoint.chat: "chat" is not an endpoint with a vLLM slot; endpoints with one: qwen',
    ],
    [
      "general pool smaller at max than at min",
      (r) => (r.cluster.generalPool = { minCount: 3, maxCount: 2 }),
      "cluster.generalPool.maxCount: maxCount must be at least minCount",
    ],
    [
      "alert ratio above 1",
      (r) => (r.alerts.throttledRatio = 5),
      "alerts.throttledRatio: Too big: expected number to be <=1 (got 5)",
    ],
    [
      "spot GPUs in prod",
      (r) => (r.cluster.gpuPools.a100.spot = true),
      "cluster.gpuPools.a100.spot: spot nodes are evicted at any time: not for prod",
    ],
    [
      "one replica in prod",
      (r) => (r.models.qwen.slots.blue.targets[0].replicas = 1),
      "models.qwen.slots.blue.targets[0].replicas: prod runs at least 2 replicas (one can be disrupted)",
    ],
    [
      "vLLM image on latest",
      (r) =>
        (r.models.llama = {
          slots: {
            blue: {
              weight: 100,
              targets: [
                {
                  kind: "vllm",
                  pool: "a100",
                  model: "org/m",
                  revision: "0e9e39f",
                  image: "vllm/vllm-openai:latest",
                  replicas: 2,
                  gpusPerReplica: 1,
                  serviceIp: "10.40.31.250",
                },
              ],
            },
          },
        }),
      'models.llama.slots.blue.targets[0].image: an image with a pinned tag or digest (not latest) (got "vllm/vllm-openai:latest")',
    ],
    [
      "IP ranges without public access",
      (r) => (r.allowedIpRanges = ["203.0.113.0/24"]),
      "allowedIpRanges: IP ranges (203.0.113.0/24) only apply with publicNetworkAccess: Enabled; remove them or opt in explicitly",
    ],
    [
      "name prefix too long for the account name rules",
      (r) => (r.namePrefix = "UPPER"),
      'namePrefix: 2-10 lower-case letters or digits, starting with a letter (got "UPPER")',
    ],
    [
      "gateway without an SLA in prod",
      (r) => (r.gateway.sku = "Developer"),
      "gateway.sku: Developer has no SLA and is not for production; use Basic, Standard, Premium, BasicV2, StandardV2",
    ],
    [
      "gateway tier that cannot reach the private network",
      (r) => (r.gateway.sku = "Standard"),
      "gateway.sku: Standard cannot reach private backends from the stack's network (no VNet injection or integration); use Premium, StandardV2",
    ],
    [
      "gateway tier without breakers or token limits",
      (r) => (r.gateway.sku = "Consumption"),
      "gateway.sku: Consumption has no backend circuit breakers or token limits, which the gateway needs; use Basic, Standard, Premium, BasicV2, StandardV2",
    ],
    [
      "a public gateway tier in prod",
      (r) => (r.gateway.sku = "StandardV2"),
      "gateway.sku: StandardV2 answers on the internet (no VNet injection): prod's gateway must be inside the network; use Premium, or set gateway.allowPublicAccess: true to accept a public gateway (the policy pack then reports it)",
    ],
    [
      "prod without the gateway",
      (r) => delete r.gateway,
      "gateway: prod serves its models through the gateway: configure gateway (sku, publisher, tenantId, audiences, teams)",
    ],
    [
      "semantic cache threshold that answers other questions",
      (r) => (r.gateway.semanticCache.scoreThreshold = 0.3),
      "gateway.semanticCache.scoreThreshold: at most 0.2 (above it a semantic cache returns answers to other questions) (got 0.3)",
    ],
    [
      "semantic cache without the cache's access key",
      (r) => (r.cache.accessKeysForGateway = false),
      "gateway.semanticCache: API Management's external cache connects with an access key only: set cache.accessKeysForGateway: true (with private networking), or remove gateway.semanticCache",
    ],
    [
      "team calling an endpoint that does not exist",
      (r) => (r.gateway.teams.search.endpoints = ["embedings"]),
      'gateway.teams.search.endpoints[0]: "embedings" is not a model endpoint; allowed: chat, embeddings, qwen',
    ],
    [
      "team nobody can call as",
      (r) => (r.gateway.teams.search.applications = []),
      "gateway.teams.search: the team cannot call: list its Entra ID applications (or opt in to subscriptionKeys)",
    ],
    [
      "one application in two teams",
      (r) => (r.gateway.teams.search.applications = [...r.gateway.teams.assistant.applications]),
      "gateway.teams.search.applications[0]: 0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9 already belongs to team assistant: an application has one team and one budget",
    ],
    [
      "trip duration of a day",
      (r) => (r.gateway.maxTripDuration = "P1D"),
      'gateway.maxTripDuration: an ISO 8601 duration from PT1S to PT1H, such as PT30S or PT1M (got "P1D")',
    ],
    [
      "environment outside dev and prod",
      (r) => (r.environment = "staging"),
      'environment: Invalid option: expected one of "dev"|"prod" (got "staging")',
    ],
  ];

  it.each(cases)("%s", (_name, mutate, expected) => {
    const raw = rawConfig("prod");
    mutate(raw);
    expect(issuesOf(raw)).toContain(expected);
  });

  it("refuses PTU targets of two models in one slot (one workload shape cannot size both)", () => {
    const raw = rawConfig("prod");
    raw.models.chat.slots.blue.targets.push({
      kind: "azure-openai",
      account: "eus2",
      model: "gpt-5.1",
      version: "2025-11-13",
      deploymentType: "GlobalProvisionedManaged",
      capacity: 15,
      priority: 1,
    });
    expect(issuesOf(raw)).toContain(
      "models.chat.slots.blue.targets: PTU targets of one slot must serve one model (found gpt-5, gpt-5.1): split them into endpoints",
    );
  });

  it("reports quota problems together with other cross-field problems", () => {
    const raw = rawConfig("prod");
    raw.quota[1].usedElsewhere = 800_000;
    raw.models.chat.slots.blue.targets.push({ ...raw.models.chat.slots.blue.targets[1] });
    const found = issuesOf(raw);
    expect(found.some((i) => i.startsWith("quota[1]: gpt-5 GlobalStandard in swedencentral is over quota"))).toBe(true);
    expect(found.some((i) => i.includes('deployment "chat-blue-gpt-5-gstd" on account swc is also planned'))).toBe(
      true,
    );
  });

  it("refuses a quota declared twice", () => {
    const raw = rawConfig("prod");
    raw.quota.push({ ...raw.quota[1] });
    expect(issuesOf(raw)).toContain(
      "quota[5]: repeats quota[1] (swedencentral gpt-5 GlobalStandard): declare each quota once",
    );
  });

  it("reports every problem at once", () => {
    const raw = rawConfig("prod");
    raw.models.chat.slots.blue.targets[0].capacity = 42;
    raw.models.chat.slots.blue.targets[1].capacity = 300_500;
    raw.models.embeddings.slots.blue.weight = 90;
    raw.tags.costCenter = "";
    raw.quota[2].model = undefined;
    expect(issuesOf(raw)).toEqual([
      'tags.costCenter: a cost center is required (got "")',
      "quota[2].model: pay-as-you-go quota (GlobalStandard) is per model: name the model",
      "models.chat.slots.blue.targets[0].capacity: 42 PTU is not valid for gpt-5 GlobalProvisionedManaged (minimum 15, step 5): use 40 or 45",
      "models.chat.slots.blue.targets[1].capacity: 300,500 TPM is not valid for a pay-as-you-go deployment (a positive multiple of 1,000 TPM): use 300,000 or 301,000",
      "models.embeddings.slots: slot weights sum to 90 (blue 90); they must sum to 100",
    ]);
  });

  it("registers nothing: requirePlatformConfig throws one error listing every problem", () => {
    const input = {
      config: { ...stackFile("prod").config, "genai-platform:ptuCap": "10", "genai-platform:logRetentionDays": "7" },
      secretKeys: [],
    };
    const load = () => requirePlatformConfig(input, { stack: "prod", asOf: AS_OF });
    expect(load).toThrow(ConfigValidationError);
    try {
      load();
    } catch (error) {
      expect((error as Error).message).toContain("invalid stack configuration (1 problem)");
      expect((error as Error).message).toContain("logRetentionDays: Too small: expected number to be >=30 (got 7)");
    }
  });
});

describe("reading Pulumi config", () => {
  it("takes only this project's namespace and decodes structured values", () => {
    const raw = projectConfig({
      "azure-native:location": "westeurope",
      "genai-platform:ptuCap": "10",
      "genai-platform:tags": '{"owner":"a"}',
      "genai-platform:environment": "dev",
    });
    expect(raw).toEqual({ ptuCap: 10, tags: { owner: "a" }, environment: "dev" });
  });
  it("documents every key it accepts", () => {
    expect(CONFIG_KEYS).toContain("models");
    expect(CONFIG_KEYS).toContain("quota");
  });
});

describe("planned deployments", () => {
  it("orders each account's PAYGO deployments before the PTU deployment that spills over to them", () => {
    const swc = plannedDeployments(validConfig("prod")).filter((d) => d.account === "swc");
    const ptu = swc.findIndex((d) => d.name === "chat-blue-gpt-5-gptu");
    const spill = swc.findIndex((d) => d.name === "chat-blue-gpt-5-gstd");
    expect(spill).toBeGreaterThanOrEqual(0);
    expect(spill).toBeLessThan(ptu);
    expect(swc[ptu]?.spilloverTo).toBe("chat-blue-gpt-5-gstd");
  });
});

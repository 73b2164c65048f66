// Every rule: one compliant case, then one failing case per requirement (mutate one field).
import { describe, expect, it } from "vitest";
import { policies } from "../../policies/rules";
import { TYPES, baseType } from "../../policies/lib";
import { CATALOGUE } from "../../policies/catalogue";
import { UNKNOWN, runResourceRule, runStackRule, withUnknown, type FakeResource } from "./harness";

const rule = (name: string) => {
  const found = policies.find((p) => p.name === name);
  if (!found) throw new Error(`no rule ${name}`);
  return found;
};

const TAGS = { environment: "prod", owner: "team@contoso.com", costCenter: "CC-1", project: "genai-platform" };

const account = (): FakeResource => ({
  type: TYPES.openAiAccount,
  name: "openai-swc-account",
  protect: true,
  props: {
    name: "oai-genai-prod-swc",
    location: "swedencentral",
    kind: "OpenAI",
    identity: { type: "SystemAssigned" },
    tags: TAGS,
    properties: {
      customSubDomainName: "oai-genai-prod-swc-a1b2c3",
      disableLocalAuth: true,
      publicNetworkAccess: "Disabled",
      networkAcls: { defaultAction: "Deny", ipRules: [] },
      restrictOutboundNetworkAccess: true,
      allowedFqdnList: [],
    },
  },
});

// Props are shaped like azure-native outputs (what stack rules see): names as `name`, no URL path parameters.
const raiPolicy = (): FakeResource => ({
  type: TYPES.raiPolicy,
  name: "openai-swc-content-filter",
  dependsOn: { accountName: ["openai-swc-account"] },
  props: {
    name: "rai-genai-prod",
    tags: TAGS,
    properties: {
      basePolicyName: "Microsoft.DefaultV2",
      contentFilters: [
        ...["Hate", "Sexual", "Selfharm", "Violence"].flatMap((name) =>
          ["Prompt", "Completion"].map((source) => ({
            name,
            source,
            severityThreshold: "Medium",
            enabled: true,
            blocking: true,
          })),
        ),
        { name: "Jailbreak", source: "Prompt", enabled: true, blocking: true },
      ],
    },
  },
});

const deployment = (
  name: string,
  sku: string,
  capacity: number,
  extra: Record<string, unknown> = {},
): FakeResource => ({
  type: TYPES.openAiDeployment,
  name: `openai-swc-${name}`,
  dependsOn: { accountName: ["openai-swc-account"], properties: ["openai-swc-content-filter"] },
  props: {
    name,
    sku: { name: sku, capacity },
    tags: { ...TAGS, endpoint: "chat", slot: "blue" },
    properties: {
      model: { format: "OpenAI", name: "gpt-4o", version: "2024-11-20" },
      raiPolicyName: "rai-genai-prod",
      ...(sku.includes("Provisioned") ? {} : { versionUpgradeOption: "NoAutoUpgrade" }),
      ...extra,
    },
  },
});

const paygo = () => deployment("chat-blue-gpt-4o-gstd", "GlobalStandard", 300);
const ptu = (extra: Record<string, unknown> = { spilloverDeploymentName: "chat-blue-gpt-4o-gstd" }) =>
  deployment("chat-blue-gpt-4o-gptu", "GlobalProvisionedManaged", 50, extra);
const workspace = (): FakeResource => ({
  type: TYPES.workspace,
  name: "core-log",
  protect: true,
  props: { workspaceName: "log-genai-prod", tags: TAGS, features: { disableLocalAuth: true } },
});
const diagnostics = (): FakeResource => ({
  type: TYPES.diagnosticSetting,
  name: "openai-swc-diagnostics",
  dependsOn: { resourceUri: ["openai-swc-account"], workspaceId: ["core-log"] },
  props: {
    name: "diag-log-analytics",
    logs: [{ categoryGroup: "allLogs", enabled: true }],
    metrics: [{ category: "AllMetrics", enabled: true }],
  },
});

/** A compliant stack: account, filter, PAYGO + PTU with spillover, workspace and diagnostics. */
const stack = () => [account(), raiPolicy(), paygo(), ptu(), workspace(), diagnostics()];

function mutate(
  resource: FakeResource,
  change: (props: Record<string, any>) => void,
  overrides: Partial<FakeResource> = {},
): FakeResource {
  const props = structuredClone(resource.props);
  change(props);
  return { ...resource, ...overrides, props };
}

describe("security-openai-local-auth-disabled", () => {
  const policy = rule("security-openai-local-auth-disabled");
  it("passes with keys disabled", async () =>
    expect((await runResourceRule(policy, account())).violations).toEqual([]));
  it("fails with keys enabled", async () => {
    expect(
      (
        await runResourceRule(
          policy,
          mutate(account(), (p) => (p.properties.disableLocalAuth = false)),
        )
      ).violations,
    ).toEqual(["disableLocalAuth is false: API keys stay usable"]);
  });
  it("fails when unset (Azure's default keeps keys)", async () => {
    expect(
      (
        await runResourceRule(
          policy,
          mutate(account(), (p) => delete p.properties.disableLocalAuth),
        )
      ).violations,
    ).toEqual(["disableLocalAuth is null: API keys stay usable"]);
  });
  it("does not apply to other types", async () =>
    expect((await runResourceRule(policy, workspace())).notApplicable).toContain("applies only to"));
  it("cannot judge an unknown value in a preview", async () => {
    const outcome = await runResourceRule(policy, {
      ...account(),
      props: withUnknown(account().props, ["properties", "disableLocalAuth"]),
    });
    expect(outcome.unknown).toContain("can't be known during preview");
  });
});

describe("security-openai-public-network-disabled", () => {
  const policy = rule("security-openai-public-network-disabled");
  it("passes when private", async () => expect((await runResourceRule(policy, account())).violations).toEqual([]));
  it("fails with public access enabled", async () => {
    expect(
      (
        await runResourceRule(
          policy,
          mutate(account(), (p) => (p.properties.publicNetworkAccess = "Enabled")),
        )
      ).violations,
    ).toEqual(['publicNetworkAccess is "Enabled"']);
  });
  it("fails when the ACL allows by default", async () => {
    expect(
      (
        await runResourceRule(
          policy,
          mutate(account(), (p) => (p.properties.networkAcls.defaultAction = "Allow")),
        )
      ).violations,
    ).toEqual(['networkAcls.defaultAction is "Allow": any address may connect']);
  });
});

describe("security-monitoring-local-auth-disabled", () => {
  const policy = rule("security-monitoring-local-auth-disabled");
  const appInsights = (): FakeResource => ({
    type: TYPES.appInsights,
    name: "core-appi",
    props: { disableLocalAuth: true, tags: TAGS },
  });
  it("passes for the workspace and App Insights without local auth", async () => {
    expect((await runResourceRule(policy, workspace())).violations).toEqual([]);
    expect((await runResourceRule(policy, appInsights())).violations).toEqual([]);
  });
  it("fails for a workspace with shared keys", async () => {
    expect(
      (
        await runResourceRule(
          policy,
          mutate(workspace(), (p) => delete p.features),
        )
      ).violations,
    ).toEqual(["features.disableLocalAuth is not true: shared keys stay usable"]);
  });
  it("fails for App Insights with instrumentation-key ingestion", async () => {
    expect(
      (
        await runResourceRule(
          policy,
          mutate(appInsights(), (p) => (p.disableLocalAuth = false)),
        )
      ).violations,
    ).toHaveLength(1);
  });
  it("does not apply elsewhere", async () =>
    expect((await runResourceRule(policy, account())).notApplicable).toBeDefined());
});

describe("security-rbac-no-broad-roles", () => {
  const policy = rule("security-rbac-no-broad-roles");
  const assignment = (roleGuid: string): FakeResource => ({
    type: TYPES.roleAssignment,
    name: "gateway-openai-user",
    props: {
      principalId: "p-1",
      principalType: "ServicePrincipal",
      roleDefinitionId: `/subscriptions/s/providers/Microsoft.Authorization/roleDefinitions/${roleGuid}`,
      scope: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.CognitiveServices/accounts/a",
    },
  });
  it("passes for Cognitive Services OpenAI User", async () =>
    expect((await runResourceRule(policy, assignment("5e0bd9bd-7b93-4f28-af87-19fc36ad61bd"))).violations).toEqual([]));
  it.each([
    ["8e3af657-a8ff-443c-a75c-2fe8c4bcb635", "Owner"],
    ["b24988ac-6180-42a0-ab88-20f7382dd24c", "Contributor"],
    ["18d7d88d-d35e-4fb5-a5c3-7773c20a72d9", "User Access Administrator"],
    ["F58310D9-A9F6-439A-9E8D-F62E7B41A168", "Role Based Access Control Administrator"],
  ])("fails for %s (%s)", async (guid, role) => {
    expect((await runResourceRule(policy, assignment(guid))).violations).toEqual([
      `grants ${role} (${guid.toLowerCase()}) to principal p-1`,
    ]);
  });
});

describe("ethics-openai-content-filter-strength", () => {
  const policy = rule("ethics-openai-content-filter-strength");
  const filters = (p: Record<string, any>) => p.properties.contentFilters as Record<string, any>[];
  it("passes with the four harms at Medium and jailbreak on", async () =>
    expect((await runResourceRule(policy, raiPolicy())).violations).toEqual([]));
  it("passes at the stricter Low", async () => {
    expect(
      (
        await runResourceRule(
          policy,
          mutate(raiPolicy(), (p) => filters(p).forEach((f) => f.severityThreshold && (f.severityThreshold = "Low"))),
        )
      ).violations,
    ).toEqual([]);
  });
  it("fails when a harm is only blocked at High", async () => {
    expect(
      (
        await runResourceRule(
          policy,
          mutate(raiPolicy(), (p) => (filters(p)[0]!.severityThreshold = "High")),
        )
      ).violations,
    ).toEqual(["Hate on Prompt blocks only at High: use Medium or Low"]);
  });
  it("fails when a harm filter is missing on one source", async () => {
    expect(
      (
        await runResourceRule(
          policy,
          mutate(
            raiPolicy(),
            (p) =>
              (p.properties.contentFilters = filters(p).filter(
                (f) => !(f.name === "Violence" && f.source === "Completion"),
              )),
          ),
        )
      ).violations,
    ).toEqual(["no Violence filter on Completion"]);
  });
  it("fails when a filter is not blocking", async () => {
    expect(
      (
        await runResourceRule(
          policy,
          mutate(raiPolicy(), (p) => (filters(p)[2]!.blocking = false)),
        )
      ).violations,
    ).toEqual(["Sexual on Prompt is not enabled and blocking"]);
  });
  it("fails when jailbreak detection is off", async () => {
    expect(
      (
        await runResourceRule(
          policy,
          mutate(raiPolicy(), (p) => (filters(p).find((f) => f.name === "Jailbreak")!.enabled = false)),
        )
      ).violations,
    ).toEqual(["Jailbreak detection on prompts is not enabled and blocking"]);
  });
  it("fails when a harm filter is disabled", async () => {
    expect(
      (
        await runResourceRule(
          policy,
          mutate(raiPolicy(), (p) => (filters(p)[7]!.enabled = false)),
        )
      ).violations,
    ).toEqual(["Violence on Completion is not enabled and blocking"]);
  });
  it("fails when filtering is asynchronous", async () => {
    expect(
      (
        await runResourceRule(
          policy,
          mutate(raiPolicy(), (p) => (p.properties.mode = "Asynchronous_filter")),
        )
      ).violations,
    ).toEqual(['mode is "Asynchronous_filter": content can reach the client before it is filtered']);
  });
});

describe("ethics-openai-deployment-filtered", () => {
  const policy = rule("ethics-openai-deployment-filtered");
  it("passes when every deployment names the stack's filter", async () =>
    expect((await runStackRule(policy, stack())).violations).toEqual([]));
  it("fails for a deployment without a filter", async () => {
    const unfiltered = mutate(paygo(), (p) => delete p.properties.raiPolicyName, {
      dependsOn: { accountName: ["openai-swc-account"] },
    });
    expect((await runStackRule(policy, [account(), raiPolicy(), unfiltered])).violations).toEqual([
      "openai-swc-chat-blue-gpt-4o-gstd (azure-native:cognitiveservices:Deployment) has no raiPolicyName: it runs with the account's default filter only",
    ]);
  });
  it("fails for a filter the stack does not define", async () => {
    const elsewhere = mutate(paygo(), (p) => (p.properties.raiPolicyName = "Microsoft.DefaultV2"), {
      dependsOn: { accountName: ["openai-swc-account"] },
    });
    expect((await runStackRule(policy, [account(), raiPolicy(), elsewhere])).violations[0]).toContain(
      'names RAI policy "Microsoft.DefaultV2", which this stack does not define',
    );
  });
  it("fails for Microsoft.Nil (filtering off), whatever its dependencies say", async () => {
    const nil = mutate(paygo(), (p) => (p.properties.raiPolicyName = "Microsoft.Nil"));
    expect(nil.dependsOn?.properties).toEqual(["openai-swc-content-filter"]);
    expect((await runStackRule(policy, [account(), raiPolicy(), nil])).violations).toEqual([
      "openai-swc-chat-blue-gpt-4o-gstd (azure-native:cognitiveservices:Deployment) names Microsoft.Nil: content filtering is off",
    ]);
  });
  it("fails for a policy name the stack does not define, though it depends on the stack's policy", async () => {
    const other = mutate(paygo(), (p) => (p.properties.raiPolicyName = "someone-elses-policy"));
    expect((await runStackRule(policy, [account(), raiPolicy(), other])).violations[0]).toContain(
      'names RAI policy "someone-elses-policy", which this stack does not define',
    );
  });
  it("decides by the dependency only while the name is unknown (a preview)", async () => {
    const previewed = { ...paygo(), props: withUnknown(paygo().props, ["properties", "raiPolicyName"]) };
    expect(await runStackRule(policy, [account(), raiPolicy(), previewed])).toEqual({ violations: [] });
    const orphan = { ...previewed, dependsOn: { accountName: ["openai-swc-account"] } };
    expect((await runStackRule(policy, [account(), raiPolicy(), orphan])).unknown).toContain(
      "undecided for openai-swc-chat-blue-gpt-4o-gstd",
    );
  });
  it("passes by name when the filter is the account's own (no dependency recorded)", async () => {
    const byName = { ...paygo(), dependsOn: { accountName: ["openai-swc-account"] } };
    expect((await runStackRule(policy, [account(), raiPolicy(), byName])).violations).toEqual([]);
  });
  it("fails by name when the filter of that name belongs to another account", async () => {
    const other: FakeResource = { ...account(), name: "openai-eus2-account" };
    const onOther = { ...paygo(), dependsOn: { accountName: ["openai-eus2-account"] } };
    expect((await runStackRule(policy, [account(), other, raiPolicy(), onOther])).violations[0]).toContain(
      'names RAI policy "rai-genai-prod", which this stack does not define on its account',
    );
  });
});

describe("data-openai-deployment-version-pinned", () => {
  const policy = rule("data-openai-deployment-version-pinned");
  it("passes with a pinned version", async () =>
    expect((await runResourceRule(policy, paygo())).violations).toEqual([]));
  it("fails without a version", async () => {
    expect(
      (
        await runResourceRule(
          policy,
          mutate(paygo(), (p) => delete p.properties.model.version),
        )
      ).violations,
    ).toEqual(["properties.model.version is null: pin a version"]);
  });
  it("fails on 'latest'", async () => {
    expect(
      (
        await runResourceRule(
          policy,
          mutate(paygo(), (p) => (p.properties.model.version = "latest")),
        )
      ).violations,
    ).toEqual(['properties.model.version is "latest": pin a version']);
  });
  it("fails without a model name", async () => {
    expect(
      (
        await runResourceRule(
          policy,
          mutate(paygo(), (p) => delete p.properties.model.name),
        )
      ).violations,
    ).toEqual(["properties.model.name is not set"]);
  });
});

describe("data-openai-deployment-no-auto-upgrade", () => {
  const policy = rule("data-openai-deployment-no-auto-upgrade");
  it("passes for PAYGO with NoAutoUpgrade", async () =>
    expect((await runResourceRule(policy, paygo())).violations).toEqual([]));
  it("fails for PAYGO that follows new defaults", async () => {
    expect(
      (
        await runResourceRule(
          policy,
          mutate(paygo(), (p) => (p.properties.versionUpgradeOption = "OnceNewDefaultVersionAvailable")),
        )
      ).violations,
    ).toEqual(['versionUpgradeOption is "OnceNewDefaultVersionAvailable"']);
  });
  it("fails for PAYGO with the option unset", async () => {
    expect(
      (
        await runResourceRule(
          policy,
          mutate(paygo(), (p) => delete p.properties.versionUpgradeOption),
        )
      ).violations,
    ).toHaveLength(1);
  });
  it("passes for a PTU deployment that sets no upgrade option", async () =>
    expect((await runResourceRule(policy, ptu())).violations).toEqual([]));
  it("fails for any deployment type that asks for auto-upgrade", async () => {
    const upgrading = ptu({
      spilloverDeploymentName: "chat-blue-gpt-4o-gstd",
      versionUpgradeOption: "OnceCurrentVersionExpired",
    });
    expect((await runResourceRule(policy, upgrading)).violations).toEqual([
      'GlobalProvisionedManaged deployment sets versionUpgradeOption "OnceCurrentVersionExpired": its model version would change without a reviewed change',
    ]);
  });
});

describe("cost-azure-required-tags", () => {
  const policy = rule("cost-azure-required-tags");
  it("passes with environment, owner and costCenter", async () =>
    expect((await runResourceRule(policy, account())).violations).toEqual([]));
  it.each(["environment", "owner", "costCenter"])("fails without %s", async (tag) => {
    expect(
      (
        await runResourceRule(
          policy,
          mutate(account(), (p) => delete p.tags[tag]),
        )
      ).violations,
    ).toEqual([`missing tag ${tag}`]);
  });
  it("fails without any tags, naming all three", async () => {
    expect(
      (
        await runResourceRule(
          policy,
          mutate(account(), (p) => delete p.tags),
        )
      ).violations,
    ).toEqual(["missing tags environment, owner, costCenter"]);
  });
  it("does not apply to untaggable types or providers", async () => {
    expect((await runResourceRule(policy, diagnostics())).notApplicable).toBeDefined();
    expect(
      (await runResourceRule(policy, { type: "pulumi:providers:azure-native", name: "azure", props: {} }))
        .notApplicable,
    ).toBeDefined();
  });
});

describe("reliability-azure-stateful-protected", () => {
  const policy = rule("reliability-azure-stateful-protected");
  it("passes for a protected account", async () =>
    expect((await runResourceRule(policy, account())).violations).toEqual([]));
  it("fails for an unprotected account", async () => {
    expect((await runResourceRule(policy, { ...account(), protect: false })).violations).toEqual([
      "not protected: a config change or `pulumi destroy` would delete it and what it holds",
    ]);
  });
  it("does not apply to deployments (a finished rollout removes them)", async () =>
    expect((await runResourceRule(policy, paygo())).notApplicable).toBeDefined());
});

describe("observability-azure-diagnostics-to-workspace", () => {
  const policy = rule("observability-azure-diagnostics-to-workspace");
  it("passes with a setting to the workspace", async () =>
    expect((await runStackRule(policy, stack())).violations).toEqual([]));
  it("fails without a diagnostic setting", async () => {
    expect((await runStackRule(policy, [account(), workspace()])).violations).toEqual([
      "openai-swc-account (azure-native:cognitiveservices:Account) has no diagnostic setting",
    ]);
  });
  it("fails when the setting goes elsewhere", async () => {
    const toStorage: FakeResource = {
      ...diagnostics(),
      dependsOn: { resourceUri: ["openai-swc-account"] },
      props: { storageAccountId: "/subscriptions/s/x" },
    };
    expect((await runStackRule(policy, [account(), workspace(), toStorage])).violations[0]).toContain(
      "none sends enabled logs or metrics to a Log Analytics workspace",
    );
  });
  it("fails for the Redis cluster without a setting", async () => {
    const cluster: FakeResource = { type: TYPES.redisCluster, name: "cache-cluster", props: { name: "amr" } };
    expect((await runStackRule(policy, [account(), workspace(), diagnostics(), cluster])).violations).toEqual([
      "cache-cluster (azure-native:redisenterprise:RedisEnterprise) has no diagnostic setting",
    ]);
  });
});

describe("cost-openai-paygo-within-quota", () => {
  const policy = rule("cost-openai-paygo-within-quota");
  const quota = (limit: number) => ({
    quota: [
      { region: "swedencentral", model: "gpt-4o", deploymentType: "GlobalStandard", limit, usedElsewhere: 100_000 },
    ],
  });
  it("passes at exactly the quota", async () =>
    expect((await runStackRule(policy, stack(), quota(400_000))).violations).toEqual([]));
  it("fails one step over", async () => {
    expect((await runStackRule(policy, stack(), quota(399_000))).violations).toEqual([
      "gpt-4o GlobalStandard in swedencentral: 300000 TPM planned + 100000 used elsewhere exceeds the 399000 TPM quota (chat-blue-gpt-4o-gstd (300000 TPM))",
    ]);
  });
  it("fails when no quota is declared for a deployment's region, model and type", async () => {
    expect((await runStackRule(policy, stack(), { quota: [] })).violations[0]).toContain("no quota declared");
  });
  it("fails without the facts", async () =>
    expect((await runStackRule(policy, stack())).violations[0]).toContain("no quota table in the policy config"));
});

describe("cost-openai-ptu-within-cap", () => {
  const policy = rule("cost-openai-ptu-within-cap");
  const facts = (ptuCap: number, limit = 300) => ({
    ptuCap,
    ptuQuota: [{ region: "swedencentral", deploymentType: "GlobalProvisionedManaged", limit, usedElsewhere: 100 }],
  });
  it("passes within cap and quota", async () =>
    expect((await runStackRule(policy, stack(), facts(50))).violations).toEqual([]));
  it("fails over the environment cap", async () => {
    expect((await runStackRule(policy, stack(), facts(45))).violations).toEqual([
      "50 PTU reserved by chat-blue-gpt-4o-gptu (50) exceeds the environment's cap of 45",
    ]);
  });
  it("fails over the region's PTU quota", async () => {
    expect((await runStackRule(policy, stack(), facts(100, 140))).violations).toEqual([
      "GlobalProvisionedManaged in swedencentral: 50 PTU planned + 100 used elsewhere exceeds the 140 PTU quota",
    ]);
  });
  it("fails when no PTU quota is declared for the region and type", async () => {
    expect((await runStackRule(policy, stack(), { ptuCap: 100, ptuQuota: [] })).violations).toEqual([
      "GlobalProvisionedManaged in swedencentral: 50 PTU planned but no PTU quota declared",
    ]);
  });
  it("fails without the facts", async () =>
    expect((await runStackRule(policy, stack())).violations[0]).toContain("no ptuCap in the policy config"));
});

describe("capacity-openai-ptu-sized", () => {
  const policy = rule("capacity-openai-ptu-sized");
  const facts = (requiredPtu: number) => ({
    ptuIncrements: [{ model: "gpt-4o", deploymentType: "GlobalProvisionedManaged", minimum: 15, step: 5 }],
    ptuRequirements: [{ endpoint: "chat", slot: "blue", requiredPtu }],
  });
  it("passes with a valid size that covers the workload", async () =>
    expect((await runStackRule(policy, stack(), facts(40))).violations).toEqual([]));
  it("fails for a size off the increment", async () => {
    const odd = mutate(ptu(), (p) => (p.sku.capacity = 42));
    expect((await runStackRule(policy, [account(), paygo(), odd], facts(40))).violations).toEqual([
      "chat-blue-gpt-4o-gptu: 42 PTU is not valid for gpt-4o GlobalProvisionedManaged (minimum 15, step 5)",
    ]);
  });
  it("fails when the slot's PTUs are under what the workload needs", async () => {
    expect((await runStackRule(policy, stack(), facts(55))).violations).toEqual([
      "chat/blue: 50 PTU configured, its peak workload needs 55",
    ]);
  });
  it("fails below the minimum", async () => {
    const small = mutate(ptu(), (p) => (p.sku.capacity = 10));
    expect((await runStackRule(policy, [account(), paygo(), small], facts(10))).violations).toEqual([
      "chat-blue-gpt-4o-gptu: 10 PTU is not valid for gpt-4o GlobalProvisionedManaged (minimum 15, step 5)",
    ]);
  });
  it("fails for a model without PTU figures in the config", async () => {
    expect((await runStackRule(policy, stack(), { ptuIncrements: [], ptuRequirements: [] })).violations).toEqual([
      "chat-blue-gpt-4o-gptu: no PTU figures for gpt-4o GlobalProvisionedManaged in the policy config",
    ]);
  });
});

describe("reliability-openai-ptu-fallback", () => {
  const policy = rule("reliability-openai-ptu-fallback");
  it("passes with native spillover", async () => expect((await runStackRule(policy, stack())).violations).toEqual([]));
  it("passes with a second target in another region instead", async () => {
    const other: FakeResource = { ...account(), name: "openai-eus2-account" };
    const elsewhere = {
      ...paygo(),
      name: "openai-eus2-chat-blue-gpt-4o-gstd",
      dependsOn: { accountName: ["openai-eus2-account"] },
    };
    expect((await runStackRule(policy, [account(), other, ptu({}), elsewhere])).violations).toEqual([]);
  });
  it("fails when a same-account, same-level pay-as-you-go twin exists but the PTU deployment does not spill over to it", async () => {
    expect((await runStackRule(policy, [account(), ptu({}), paygo()])).violations).toEqual([
      "chat-blue-gpt-4o-gptu does not spill over, though chat-blue-gpt-4o-gstd (GlobalStandard, gpt-4o 2024-11-20) on the same account could take its overflow natively: set spilloverDeploymentName",
    ]);
  });
  it("fails when spillover names a deployment that does not exist", async () => {
    expect((await runStackRule(policy, [account(), ptu({ spilloverDeploymentName: "nope" })])).violations[0]).toContain(
      'spills over to "nope"',
    );
  });
  it("fails when the spillover target is a deployment of another account", async () => {
    const other: FakeResource = { ...account(), name: "openai-eus2-account" };
    const elsewhere = {
      ...paygo(),
      name: "openai-eus2-chat-blue-gpt-4o-gstd",
      dependsOn: { accountName: ["openai-eus2-account"] },
    };
    expect((await runStackRule(policy, [account(), other, ptu(), elsewhere])).violations[0]).toContain(
      'spills over to "chat-blue-gpt-4o-gstd", which is not a deployment of the same account',
    );
  });
  it("fails with no spillover and no other target", async () => {
    expect((await runStackRule(policy, [account(), ptu({})])).violations).toEqual([
      "chat-blue-gpt-4o-gptu has no spillover and no other target in chat/blue: when its PTUs are saturated, clients get 429",
    ]);
  });
});

describe("lifecycle-endpoint-live-slot", () => {
  const policy = rule("lifecycle-endpoint-live-slot");
  it("passes when the live slot is served", async () =>
    expect((await runStackRule(policy, stack(), { endpoints: { chat: { blue: 100, green: 0 } } })).violations).toEqual(
      [],
    ));
  it("fails when weights do not sum to 100", async () => {
    expect((await runStackRule(policy, stack(), { endpoints: { chat: { blue: 100, green: 10 } } })).violations).toEqual(
      ["chat: slot weights sum to 110, not 100", "chat/green takes traffic but no deployment in this stack serves it"],
    );
  });
  it("fails when a weight is outside 0..100", async () => {
    expect(
      (await runStackRule(policy, stack(), { endpoints: { chat: { blue: 150, green: -50 } } })).violations[0],
    ).toBe("chat: weights blue=150, green=-50 are outside 0..100");
  });
  it("fails when no slot takes traffic", async () => {
    expect((await runStackRule(policy, stack(), { endpoints: { chat: { blue: 0 } } })).violations).toContain(
      "chat: no slot takes traffic",
    );
  });
  it("fails when a live slot has no deployment", async () => {
    expect((await runStackRule(policy, stack(), { endpoints: { chat: { green: 100 } } })).violations).toEqual([
      "chat/green takes traffic but no deployment in this stack serves it",
    ]);
  });
  it("fails without the facts", async () =>
    expect((await runStackRule(policy, stack())).violations[0]).toContain("no endpoints in the policy config"));
});

describe("the pack", () => {
  it("names every rule <area>-<resource>-<requirement> and gives it severity, remediation and a checklist item", () => {
    for (const p of policies) {
      expect(p.name).toMatch(
        /^(security|ethics|data|cost|reliability|observability|lifecycle|capacity|governance)-[a-z][a-z0-9]*-[a-z0-9-]+$/,
      );
      expect(p.severity).toBeDefined();
      expect(p.remediationSteps?.length).toBeGreaterThan(20);
      expect(p.framework?.reference).toMatch(/^#\d+/);
    }
    expect(new Set(policies.map((p) => p.name)).size).toBe(policies.length);
  });
});

const redisCluster = (): FakeResource => ({
  type: TYPES.redisCluster,
  name: "cache-cluster",
  protect: true,
  props: {
    name: "amr-genai-prod",
    minimumTlsVersion: "1.2",
    publicNetworkAccess: "Disabled",
    highAvailability: "Enabled",
    sku: { name: "Balanced_B5" },
    tags: TAGS,
  },
});
const redisDatabase = (accessKeys = "Enabled"): FakeResource => ({
  type: TYPES.redisDatabase,
  name: "cache-database",
  dependsOn: { clusterName: ["cache-cluster"] },
  props: { name: "default", clientProtocol: "Encrypted", accessKeysAuthentication: accessKeys },
});
const privateEndpoint = (target: string): FakeResource => ({
  type: TYPES.privateEndpoint,
  name: `private-link-${target}-pe`,
  dependsOn: { privateLinkServiceConnections: [target] },
  props: {
    name: `pe-${target}`,
    tags: TAGS,
    privateLinkServiceConnections: [
      { groupIds: [target.startsWith("cache") ? "redisEnterprise" : "account"], privateLinkServiceId: UNKNOWN },
    ],
  },
});

describe("security-redis-tls-enforced", () => {
  const policy = rule("security-redis-tls-enforced");
  it("passes with TLS 1.2 and encrypted connections", async () => {
    expect((await runResourceRule(policy, redisCluster())).violations).toEqual([]);
    expect((await runResourceRule(policy, redisDatabase())).violations).toEqual([]);
  });
  it("fails when the cluster accepts TLS 1.0", async () => {
    expect(
      (
        await runResourceRule(
          policy,
          mutate(redisCluster(), (p) => (p.minimumTlsVersion = "1.0")),
        )
      ).violations,
    ).toEqual(['minimumTlsVersion is "1.0": use "1.2"']);
  });
  it("fails when the database accepts plaintext", async () => {
    expect(
      (
        await runResourceRule(
          policy,
          mutate(redisDatabase(), (p) => (p.clientProtocol = "Plaintext")),
        )
      ).violations,
    ).toEqual(['clientProtocol is "Plaintext": plaintext connections are accepted']);
  });
  it("does not apply elsewhere", async () =>
    expect((await runResourceRule(policy, account())).notApplicable).toBeDefined());
});

describe("security-redis-public-network-disabled", () => {
  const policy = rule("security-redis-public-network-disabled");
  it("passes when private", async () => expect((await runResourceRule(policy, redisCluster())).violations).toEqual([]));
  it("fails when public", async () => {
    expect(
      (
        await runResourceRule(
          policy,
          mutate(redisCluster(), (p) => (p.publicNetworkAccess = "Enabled")),
        )
      ).violations,
    ).toEqual(['publicNetworkAccess is "Enabled"']);
  });
});

describe("security-rbac-scope-narrow", () => {
  const policy = rule("security-rbac-scope-narrow");
  const group: FakeResource = {
    type: TYPES.resourceGroup,
    name: "core-rg",
    props: { name: "rg-genai-prod", tags: TAGS },
  };
  const assignment = (scope: string, from?: string): FakeResource => ({
    type: TYPES.roleAssignment,
    name: "grant",
    ...(from ? { dependsOn: { scope: [from] } } : {}),
    props: { scope, principalId: "p", roleDefinitionId: "/r/5e0bd9bd-7b93-4f28-af87-19fc36ad61bd" },
  });
  it("passes for one resource of the stack, even when its id is not known yet (preview)", async () => {
    expect((await runStackRule(policy, [account(), assignment(UNKNOWN, "openai-swc-account")])).violations).toEqual([]);
  });
  it("passes for a literal resource id", async () => {
    expect(
      (
        await runStackRule(policy, [
          assignment("/subscriptions/s/resourceGroups/rg/providers/Microsoft.CognitiveServices/accounts/a"),
        ])
      ).violations,
    ).toEqual([]);
  });
  it("fails for the stack's resource group", async () => {
    expect((await runStackRule(policy, [group, assignment(UNKNOWN, "core-rg")])).violations).toEqual([
      "grant (azure-native:authorization:RoleAssignment) is scoped to core-rg (azure-native:resources:ResourceGroup): wider than one resource",
    ]);
  });
  it.each([
    ["a resource group", "/subscriptions/s/resourceGroups/rg"],
    ["a subscription", "/subscriptions/s"],
    ["a management group", "/providers/Microsoft.Management/managementGroups/root"],
  ])("fails for %s given as a literal", async (what, scope) => {
    expect((await runStackRule(policy, [assignment(scope)])).violations).toEqual([
      `grant (azure-native:authorization:RoleAssignment): scope "${scope}" is ${what}, wider than one resource`,
    ]);
  });
  it("fails for a subscription scope even when the assignment depends on the account (the id decides, not the dependency)", async () => {
    expect(
      (await runStackRule(policy, [account(), assignment("/subscriptions/s", "openai-swc-account")])).violations,
    ).toEqual([
      'grant (azure-native:authorization:RoleAssignment): scope "/subscriptions/s" is a subscription, wider than one resource',
    ]);
  });
  it("reports undecided, not passed, an unknown scope with no dependency", async () => {
    expect((await runStackRule(policy, [account(), assignment(UNKNOWN)])).unknown).toContain("undecided for grant");
  });
});

describe("security-redis-key-auth-exception", () => {
  const policy = rule("security-redis-key-auth-exception");
  const exception = { exceptions: [{ cluster: "amr-genai-prod", database: "default", reason: "APIM external cache" }] };
  it("passes for the documented exception", async () =>
    expect((await runStackRule(policy, [redisCluster(), redisDatabase()], exception)).violations).toEqual([]));
  it("passes with keys off and no exception", async () =>
    expect(
      (await runStackRule(policy, [redisCluster(), redisDatabase("Disabled")], { exceptions: [] })).violations,
    ).toEqual([]));
  it("fails with keys on and no exception", async () => {
    expect((await runStackRule(policy, [redisCluster(), redisDatabase()], { exceptions: [] })).violations).toEqual([
      "cache-database (azure-native:redisenterprise:Database) (amr-genai-prod/default) accepts access keys without a documented exception",
    ]);
  });
  it("fails when the exception names another cluster", async () => {
    const other = { exceptions: [{ cluster: "amr-other", database: "default", reason: "x" }] };
    expect((await runStackRule(policy, [redisCluster(), redisDatabase()], other)).violations).toHaveLength(1);
  });
  it("fails when the exception names another database of the cluster", async () => {
    const other = { exceptions: [{ cluster: "amr-genai-prod", database: "sessions", reason: "x" }] };
    expect((await runStackRule(policy, [redisCluster(), redisDatabase()], other)).violations).toHaveLength(1);
  });
});

describe("security-network-private-endpoint", () => {
  const policy = rule("security-network-private-endpoint");
  it("passes when the account and the cache each have a private endpoint", async () => {
    expect(
      (
        await runStackRule(policy, [
          account(),
          redisCluster(),
          privateEndpoint("openai-swc-account"),
          privateEndpoint("cache-cluster"),
        ])
      ).violations,
    ).toEqual([]);
  });
  it("fails for the account without one", async () => {
    expect(
      (await runStackRule(policy, [account(), redisCluster(), privateEndpoint("cache-cluster")])).violations,
    ).toEqual(["openai-swc-account (azure-native:cognitiveservices:Account) has no private endpoint"]);
  });
  it("fails for the cache without one", async () => {
    expect(
      (await runStackRule(policy, [account(), redisCluster(), privateEndpoint("openai-swc-account")])).violations,
    ).toEqual(["cache-cluster (azure-native:redisenterprise:RedisEnterprise) has no private endpoint"]);
  });
});

describe("fail closed on every type: the type catalogue", () => {
  const classified = rule("governance-type-classified");
  const unknownType: FakeResource = {
    type: "azure-native:sql:Server",
    name: "reports",
    props: { name: "sql-genai-prod", location: "swedencentral", publicNetworkAccess: "Enabled", tags: TAGS },
  };
  it("reports a made-up type the catalogue does not know, and the pack's other rules do not pass it silently", async () => {
    expect((await runResourceRule(classified, unknownType)).violations).toEqual([
      "type azure-native:sql:Server is not in the type catalogue: no rule knows whether it must be tagged, protected, diagnosed or private",
    ]);
    // An untagged unknown type is the catalogue rule's to report, not a tags violation that hides the real gap.
    expect(
      (
        await runResourceRule(
          rule("cost-azure-required-tags"),
          mutate(unknownType, (p) => delete p.tags),
        )
      ).notApplicable,
    ).toBeDefined();
  });
  it("reports kubernetes types too, and knows the versioned form of a catalogued type", async () => {
    expect(
      (await runResourceRule(classified, { type: "kubernetes:batch/v1:Job", name: "vllm", props: {} })).violations,
    ).toHaveLength(1);
    expect(
      (await runResourceRule(classified, { ...account(), type: "azure-native:cognitiveservices/v20241001:Account" }))
        .violations,
    ).toEqual([]);
    expect(
      (await runResourceRule(classified, { type: "pulumi:providers:azure-native", name: "azure", props: {} }))
        .notApplicable,
    ).toBeDefined();
    expect(
      (await runResourceRule(classified, { type: "random:index/randomString:RandomString", name: "suffix", props: {} }))
        .violations,
    ).toEqual([]);
    expect(
      (await runResourceRule(classified, { type: "random:index/randomUuid:RandomUuid", name: "id", props: {} }))
        .violations,
    ).toHaveLength(1);
    expect(
      (await runResourceRule(classified, { type: "genai:gateway:Gateway", name: "gateway", props: {} })).notApplicable,
    ).toBeDefined();
  });
  it("classifies every type the dev and prod plans create (Pulumi's own and the platform's components aside)", async () => {
    const { planStack } = await import("../helpers");
    for (const stack of ["dev", "prod"]) {
      const types = new Set(
        (await planStack(stack)).stackExport.deployment.resources
          .map((r) => r.type)
          .filter((t) => !/^(pulumi|genai):/.test(t)),
      );
      for (const type of types) expect(CATALOGUE[type], type).toBeDefined();
    }
  });
  it("names only rules that exist, and every rule that checks one type is named by that type", () => {
    const names = new Set(policies.map((p) => p.name));
    for (const [type, entry] of Object.entries(CATALOGUE))
      for (const r of entry.rules) expect(names.has(r), `${type}: ${r}`).toBe(true);
  });
});

describe("versioned type tokens escape no rule", () => {
  const versioned = (r: FakeResource): FakeResource => ({
    ...r,
    type: r.type.replace(/^azure-native:([a-z]+):/, "azure-native:$1/v20241001:"),
  });
  it("resource rules check a versioned account", async () => {
    expect(baseType("azure-native:cognitiveservices/v20241001:Account")).toBe(TYPES.openAiAccount);
    const open = versioned(mutate(account(), (p) => (p.properties.disableLocalAuth = false)));
    expect((await runResourceRule(rule("security-openai-local-auth-disabled"), open)).violations).toHaveLength(1);
    expect(
      (await runResourceRule(rule("reliability-azure-stateful-protected"), { ...open, protect: false })).violations,
    ).toHaveLength(1);
    expect(
      (
        await runResourceRule(
          rule("cost-azure-required-tags"),
          mutate(open, (p) => delete p.tags.owner),
        )
      ).violations,
    ).toEqual(["missing tag owner"]);
  });
  it("stack rules find versioned resources and relations", async () => {
    expect(
      (await runStackRule(rule("security-network-private-endpoint"), [versioned(account())])).violations,
    ).toHaveLength(1);
    expect(
      (await runStackRule(rule("observability-azure-diagnostics-to-workspace"), [versioned(account()), workspace()]))
        .violations[0],
    ).toContain("has no diagnostic setting");
  });
});

describe("relations by id first, dependencies only where the id is unknown", () => {
  const accountId =
    "/subscriptions/s/resourceGroups/rg-genai-prod/providers/Microsoft.CognitiveServices/accounts/oai-genai-prod-swc";
  const literalEndpoint = (id: string, groupIds = ["account"]): FakeResource => ({
    type: TYPES.privateEndpoint,
    name: "pe-literal",
    props: { name: "pe-literal", tags: TAGS, privateLinkServiceConnections: [{ groupIds, privateLinkServiceId: id }] },
  });
  it("a private endpoint with the right literal id and no dependency reaches the account", async () => {
    expect(
      (await runStackRule(rule("security-network-private-endpoint"), [account(), literalEndpoint(accountId)]))
        .violations,
    ).toEqual([]);
  });
  it("a private endpoint whose id names another account does not, whatever it depends on", async () => {
    const wrong = {
      ...literalEndpoint(accountId.replace("oai-genai-prod-swc", "oai-other")),
      dependsOn: { privateLinkServiceConnections: ["openai-swc-account"] },
    };
    expect((await runStackRule(rule("security-network-private-endpoint"), [account(), wrong])).violations).toEqual([
      "openai-swc-account (azure-native:cognitiveservices:Account) has no private endpoint",
    ]);
  });
  it("a private endpoint of the wrong private-link group does not count", async () => {
    expect(
      (await runStackRule(rule("security-network-private-endpoint"), [account(), literalEndpoint(accountId, ["blob"])]))
        .violations[0],
    ).toContain('connects group ["blob"], not "account"');
  });
  it("a diagnostic setting with the account's literal id and no dependency counts", async () => {
    const literal: FakeResource = {
      ...diagnostics(),
      dependsOn: { workspaceId: ["core-log"] },
      props: { ...diagnostics().props, resourceUri: accountId },
    };
    expect(
      (await runStackRule(rule("observability-azure-diagnostics-to-workspace"), [account(), workspace(), literal]))
        .violations,
    ).toEqual([]);
  });
});

describe("unknowns per resource, not per stack", () => {
  it("a real 2M TPM overrun stands while another deployment's sku is unknown", async () => {
    const unknownSku = { ...paygo(), name: "openai-swc-other", props: withUnknown(paygo().props, ["sku"]) };
    const huge = mutate(paygo(), (p) => (p.sku.capacity = 2_000));
    const quota = {
      quota: [
        {
          region: "swedencentral",
          model: "gpt-4o",
          deploymentType: "GlobalStandard",
          limit: 1_000_000,
          usedElsewhere: 0,
        },
      ],
    };
    const outcome = await runStackRule(rule("cost-openai-paygo-within-quota"), [account(), huge, unknownSku], quota);
    expect(outcome.violations).toEqual([
      "gpt-4o GlobalStandard in swedencentral: 2000000 TPM planned + 0 used elsewhere exceeds the 1000000 TPM quota (chat-blue-gpt-4o-gstd (2000000 TPM))",
    ]);
    expect(outcome.unknown).toContain("undecided for openai-swc-other");
  });
  it("a PTU cap overrun stands while another deployment's sku is unknown", async () => {
    const unknownSku = { ...ptu(), name: "openai-swc-other", props: withUnknown(ptu().props, ["sku"]) };
    const outcome = await runStackRule(rule("cost-openai-ptu-within-cap"), [account(), ptu(), unknownSku], {
      ptuCap: 10,
      ptuQuota: [
        { region: "swedencentral", deploymentType: "GlobalProvisionedManaged", limit: 1000, usedElsewhere: 0 },
      ],
    });
    expect(outcome.violations).toEqual([
      "50 PTU reserved by chat-blue-gpt-4o-gptu (50) exceeds the environment's cap of 10",
    ]);
    expect(outcome.unknown).toBeDefined();
  });
});

describe("observability-azure-diagnostics-to-workspace: what counts", () => {
  const policy = rule("observability-azure-diagnostics-to-workspace");
  const withLogs = (logs: unknown[], metrics: unknown[] = [{ category: "AllMetrics", enabled: true }]) =>
    mutate(diagnostics(), (p) => Object.assign(p, { logs, metrics }));
  it("a setting with no logs and no metrics does not count", async () => {
    expect((await runStackRule(policy, [account(), workspace(), withLogs([], [])])).violations[0]).toContain(
      "none sends enabled logs or metrics",
    );
  });
  it("all logs disabled: the expected categories are missing", async () => {
    expect(
      (await runStackRule(policy, [account(), workspace(), withLogs([{ categoryGroup: "allLogs", enabled: false }])]))
        .violations,
    ).toEqual([
      "openai-swc-account (azure-native:cognitiveservices:Account): no diagnostic setting sends the Audit, RequestResponse logs to the workspace",
    ]);
  });
  it("the audit group covers Audit only; RequestResponse is still expected", async () => {
    expect(
      (await runStackRule(policy, [account(), workspace(), withLogs([{ categoryGroup: "audit", enabled: true }])]))
        .violations[0],
    ).toContain("sends the RequestResponse log to the workspace");
  });
  it("named categories count, and metrics are expected where the catalogue says so", async () => {
    const named = withLogs(
      [
        { category: "Audit", enabled: true },
        { category: "RequestResponse", enabled: true },
      ],
      [],
    );
    expect((await runStackRule(policy, [account(), workspace(), named])).violations).toEqual([
      "openai-swc-account (azure-native:cognitiveservices:Account): no diagnostic setting sends AllMetrics to the workspace",
    ]);
  });
  it("the Redis database must send its connection events", async () => {
    const database = redisDatabase();
    const metricsOnly: FakeResource = {
      type: TYPES.diagnosticSetting,
      name: "db-diag",
      dependsOn: { resourceUri: ["cache-database"], workspaceId: ["core-log"] },
      props: { metrics: [{ category: "AllMetrics", enabled: true }] },
    };
    expect((await runStackRule(policy, [redisCluster(), database, workspace(), metricsOnly])).violations).toContain(
      "cache-database (azure-native:redisenterprise:Database): no diagnostic setting sends the ConnectionEvents log to the workspace",
    );
    const connections = { ...metricsOnly, props: { logs: [{ categoryGroup: "audit", enabled: true }] } };
    expect((await runStackRule(policy, [database, workspace(), connections])).violations).toEqual([]);
  });
});

describe("security-openai-identity-and-subdomain", () => {
  const policy = rule("security-openai-identity-and-subdomain");
  it("passes with a system identity and a subdomain, even one a preview does not know yet", async () => {
    expect((await runResourceRule(policy, account())).violations).toEqual([]);
    expect(
      (
        await runResourceRule(policy, {
          ...account(),
          props: withUnknown(account().props, ["properties", "customSubDomainName"]),
        })
      ).violations,
    ).toEqual([]);
  });
  it("fails without a managed identity", async () => {
    expect(
      (
        await runResourceRule(
          policy,
          mutate(account(), (p) => delete p.identity),
        )
      ).violations,
    ).toEqual(['identity.type is "None": the account has no managed identity']);
  });
  it("fails without a custom subdomain", async () => {
    expect(
      (
        await runResourceRule(
          policy,
          mutate(account(), (p) => delete p.properties.customSubDomainName),
        )
      ).violations[0],
    ).toContain("customSubDomainName is not set");
  });
});

describe("security-openai-outbound-restricted", () => {
  const policy = rule("security-openai-outbound-restricted");
  it("passes with outbound access restricted to an allowlist", async () =>
    expect((await runResourceRule(policy, account())).violations).toEqual([]));
  it("fails when outbound access is open", async () => {
    expect(
      (
        await runResourceRule(
          policy,
          mutate(account(), (p) => delete p.properties.restrictOutboundNetworkAccess),
        )
      ).violations,
    ).toEqual(["restrictOutboundNetworkAccess is false: the account may call any address"]);
  });
  it("fails when restricted without a list", async () => {
    expect(
      (
        await runResourceRule(
          policy,
          mutate(account(), (p) => delete p.properties.allowedFqdnList),
        )
      ).violations,
    ).toEqual(["restrictOutboundNetworkAccess is on but allowedFqdnList is not a list"]);
  });
});

describe("reliability-redis-high-availability", () => {
  const policy = rule("reliability-redis-high-availability");
  it("passes replicated (and when unset: Azure's default is on)", async () => {
    expect((await runResourceRule(policy, redisCluster())).violations).toEqual([]);
    expect(
      (
        await runResourceRule(
          policy,
          mutate(redisCluster(), (p) => delete p.highAvailability),
        )
      ).violations,
    ).toEqual([]);
  });
  it("fails without replication", async () => {
    expect(
      (
        await runResourceRule(
          policy,
          mutate(redisCluster(), (p) => (p.highAvailability = "Disabled")),
        )
      ).violations,
    ).toEqual(["highAvailability is Disabled: the data set is not replicated"]);
  });
});

describe("governance-azure-allowed-regions", () => {
  const policy = rule("governance-azure-allowed-regions");
  const zone: FakeResource = {
    type: "azure-native:privatedns:PrivateZone",
    name: "zone",
    props: { name: "privatelink.openai.azure.com", location: "global", tags: TAGS },
  };
  it("passes in an allowed region; global resources have no region", async () => {
    expect((await runStackRule(policy, [account(), zone], { regions: ["swedencentral"] })).violations).toEqual([]);
  });
  it("fails for a resource elsewhere", async () => {
    expect((await runStackRule(policy, [account()], { regions: ["eastus2"] })).violations).toEqual([
      "openai-swc-account (azure-native:cognitiveservices:Account) is in swedencentral; allowed: eastus2",
    ]);
  });
  it("fails without the list", async () =>
    expect((await runStackRule(policy, [account()])).violations[0]).toContain(
      "no allowed regions in the policy config",
    ));
});

describe("governance-openai-allowed-models", () => {
  const policy = rule("governance-openai-allowed-models");
  it("passes for an allowed model", async () =>
    expect((await runStackRule(policy, stack(), { models: ["gpt-4o"] })).violations).toEqual([]));
  it("fails for a model not on the list", async () => {
    expect((await runStackRule(policy, [account(), paygo()], { models: ["gpt-5.1"] })).violations).toEqual([
      'openai-swc-chat-blue-gpt-4o-gstd (azure-native:cognitiveservices:Deployment) serves "gpt-4o"; allowed: gpt-5.1',
    ]);
  });
  it("fails without the list", async () =>
    expect((await runStackRule(policy, stack())).violations[0]).toContain("no allowed models in the policy config"));
});

describe("review cases: ids, accounts, locations and unknowns", () => {
  const accountId = (sub = "s", rg = "rg-genai-prod", name = "oai-genai-prod-swc") =>
    `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.CognitiveServices/accounts/${name}`;
  const literalEndpoint = (id: string): FakeResource => ({
    type: TYPES.privateEndpoint,
    name: "pe-literal",
    props: {
      name: "pe-literal",
      tags: TAGS,
      privateLinkServiceConnections: [{ groupIds: ["account"], privateLinkServiceId: id }],
    },
  });
  const scope = { stackScope: { subscriptionId: "s", resourceGroup: "rg-genai-prod" } };
  it("an id in another subscription or resource group names another resource, however it is named", async () => {
    const policy = rule("security-network-private-endpoint");
    expect((await runStackRule(policy, [account(), literalEndpoint(accountId("s"))], scope)).violations).toEqual([]);
    expect(
      (await runStackRule(policy, [account(), literalEndpoint(accountId("OTHER"))], scope)).violations,
    ).toHaveLength(1);
    expect(
      (await runStackRule(policy, [account(), literalEndpoint(accountId("s", "rg-elsewhere"))], scope)).violations,
    ).toHaveLength(1);
  });
  it("a child resource's id must name its parent too (every Redis database is called default)", async () => {
    const policy = rule("observability-azure-diagnostics-to-workspace");
    const database = { ...redisDatabase(), dependsOn: { clusterName: ["cache-cluster"] } };
    const setting = (cluster: string): FakeResource => ({
      type: TYPES.diagnosticSetting,
      name: "db-diag",
      dependsOn: { workspaceId: ["core-log"] },
      props: {
        resourceUri: `/subscriptions/s/resourceGroups/rg-genai-prod/providers/Microsoft.Cache/redisEnterprise/${cluster}/databases/default`,
        logs: [{ categoryGroup: "allLogs", enabled: true }],
      },
    });
    const clusterDiag: FakeResource = {
      type: TYPES.diagnosticSetting,
      name: "cluster-diag",
      dependsOn: { resourceUri: ["cache-cluster"], workspaceId: ["core-log"] },
      props: { metrics: [{ category: "AllMetrics", enabled: true }] },
    };
    expect(
      (
        await runStackRule(
          policy,
          [redisCluster(), database, workspace(), clusterDiag, setting("amr-genai-prod")],
          scope,
        )
      ).violations,
    ).toEqual([]);
    expect(
      (
        await runStackRule(
          policy,
          [redisCluster(), database, workspace(), clusterDiag, setting("amr-someone-else")],
          scope,
        )
      ).violations,
    ).toEqual(["cache-database (azure-native:redisenterprise:Database) has no diagnostic setting"]);
  });
  it("a content filter whose account the stack cannot tell does not cover a deployment", async () => {
    const unlinked = { ...raiPolicy(), dependsOn: {} };
    expect(
      (
        await runStackRule(rule("ethics-openai-deployment-filtered"), [
          account(),
          unlinked,
          { ...paygo(), dependsOn: { accountName: ["openai-swc-account"] } },
        ])
      ).violations[0],
    ).toContain("which this stack does not define on its account");
  });
  it("a location in display form is the same region", async () => {
    const display = mutate(redisCluster(), (p) => (p.location = "Sweden Central"));
    expect(
      (await runStackRule(rule("governance-azure-allowed-regions"), [display], { regions: ["swedencentral"] }))
        .violations,
    ).toEqual([]);
  });
  it("one unknown sku does not hide a PTU deployment with nowhere to overflow", async () => {
    const lone = { ...ptu({}), props: { ...ptu({}).props, tags: { ...TAGS, endpoint: "solo", slot: "blue" } } };
    const unknownSku = { ...paygo(), name: "openai-swc-other", props: withUnknown(paygo().props, ["sku"]) };
    const other: FakeResource = { ...account(), name: "openai-eus2-account" };
    const outcome = await runStackRule(rule("reliability-openai-ptu-fallback"), [
      account(),
      other,
      lone,
      { ...unknownSku, dependsOn: { accountName: ["openai-eus2-account"] } },
    ]);
    expect(outcome.violations).toEqual([
      "chat-blue-gpt-4o-gptu has no spillover and no other target in solo/blue: when its PTUs are saturated, clients get 429",
    ]);
    expect(outcome.unknown).toContain("undecided for openai-swc-other");
  });
  it("an unknown scope built from a resource group and an account is reported", async () => {
    const group: FakeResource = {
      type: TYPES.resourceGroup,
      name: "core-rg",
      props: { name: "rg-genai-prod", tags: TAGS },
    };
    const assignment: FakeResource = {
      type: TYPES.roleAssignment,
      name: "grant",
      dependsOn: { scope: ["openai-swc-account", "core-rg"] },
      props: { scope: UNKNOWN, principalId: "p", roleDefinitionId: "/r/x" },
    };
    expect((await runStackRule(rule("security-rbac-scope-narrow"), [account(), group, assignment])).violations).toEqual(
      [
        "grant (azure-native:authorization:RoleAssignment) is scoped to core-rg (azure-native:resources:ResourceGroup): wider than one resource",
      ],
    );
  });
});

describe("security-apim-fronts-every-deployment", () => {
  const policy = rule("security-apim-fronts-every-deployment");
  const service = (): FakeResource => ({
    type: TYPES.apiManagementService,
    name: "gateway-service",
    props: { name: "apim-genai-prod-abcdef" },
  });
  const backend = (deployment: string, host = "oai-genai-prod-swc-a1b2c3"): FakeResource => ({
    type: TYPES.apimBackend,
    name: `gateway-be-${deployment}`,
    props: { type: "Single", url: `https://${host}.openai.azure.com/openai/deployments/${deployment}` },
  });
  const fronted = () => [...stack(), service(), backend("chat-blue-gpt-4o-gstd"), backend("chat-blue-gpt-4o-gptu")];
  it("passes when every deployment is a backend's target on its own account", async () =>
    expect((await runStackRule(policy, fronted())).violations).toEqual([]));
  it("fails without a gateway", async () => {
    expect((await runStackRule(policy, stack())).violations).toEqual([
      "2 model deployments and no API Management gateway: clients would call the accounts directly",
    ]);
  });
  it("fails for a deployment no backend targets, and for a backend pointed at another account", async () => {
    expect((await runStackRule(policy, [...stack(), service(), backend("chat-blue-gpt-4o-gstd")])).violations).toEqual([
      "chat-blue-gpt-4o-gptu is not the target of any gateway backend: it is reachable only around the gateway (no limits, no failover, no token metrics)",
    ]);
    expect(
      (
        await runStackRule(policy, [
          ...stack(),
          service(),
          backend("chat-blue-gpt-4o-gstd"),
          backend("chat-blue-gpt-4o-gptu", "oai-elsewhere"),
        ])
      ).violations,
    ).toHaveLength(1);
  });
  it("leaves a deployment undecided while backend URLs are unknown (a first preview)", async () => {
    const unknownUrl: FakeResource = { ...backend("x"), props: { type: "Single", url: UNKNOWN } };
    const outcome = await runStackRule(policy, [...stack(), service(), backend("chat-blue-gpt-4o-gstd"), unknownUrl]);
    expect(outcome.violations).toEqual([]);
    expect(outcome.unknown).toContain("undecided");
  });
});

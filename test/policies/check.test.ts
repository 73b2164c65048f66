import { beforeAll, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { isAbsolute, join } from "node:path";
import { stringify } from "yaml";
import { policies } from "../../policies/rules";
import { baseEnforcement, buildPolicyConfig, policyFacts } from "../../cli/engine/policyConfig";
import { evaluatePolicies } from "../../cli/engine/policyRunner";
import { check } from "../../cli/commands/check";
import { plan } from "../../cli/commands/plan";
import { PROJECT_DIR, planStack, plannedOutput, pulumiConfigOf, rawConfig, validConfig, namespaced } from "../helpers";
import { parsePlatformConfig } from "../../stacks/config";

const INSECURE = "test/fixtures/insecure/stack.json";

/** The check command as a person runs it (`npm run check`), spawned: only where the command line itself is tested. */
function spawnCheck(...args: string[]) {
  const result = spawnSync("node", ["--import", "tsx", "cli/commands/check.ts", ...args], {
    cwd: PROJECT_DIR,
    encoding: "utf8",
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The check command in this process (paths relative to the project, as from its folder). */
async function checkInProcess(...args: string[]) {
  let stdout = "";
  let stderr = "";
  const code = await check(
    args.map((a) => (a.startsWith("-") || isAbsolute(a) ? a : join(PROJECT_DIR, a))),
    { out: (s) => ((stdout += s), true), err: (s) => ((stderr += s), true) },
  );
  return { code, stdout, stderr };
}

/** The plan command in this process. */
async function planInProcess(...args: string[]) {
  let stdout = "";
  let stderr = "";
  const code = await plan(args, PROJECT_DIR, { out: (s) => ((stdout += s), true), err: (s) => ((stderr += s), true) });
  return { code, stdout, stderr };
}

async function violationsOfPlan(stack: string) {
  const planned = await planStack(stack);
  const config = validConfig(stack);
  return evaluatePolicies(
    planned.stackExport.deployment.resources,
    policies,
    buildPolicyConfig(baseEnforcement(PROJECT_DIR, config.environment), policyFacts(config)),
  );
}

describe("the planned stacks", () => {
  it("prod passes every rule", async () => {
    expect(await violationsOfPlan("prod")).toEqual([]);
  });

  const DEV_RELAXED = [
    "observability-vllm-traced",
    "reliability-aks-standard-tier",
    "reliability-azure-stateful-protected",
    "reliability-k8s-replicas-and-pdb",
    "reliability-redis-high-availability",
    "security-anomaly-detection",
    "security-apim-gateway-private",
    "security-network-private-endpoint",
    "security-openai-outbound-restricted",
    "security-openai-public-network-disabled",
    "security-redis-public-network-disabled",
  ];
  const levelOf = (value: unknown) =>
    typeof value === "string" ? value : ((value as { enforcementLevel?: string }).enforcementLevel ?? "mandatory");

  it("dev passes every mandatory rule; its relaxations are reported as advisory", async () => {
    const violations = await violationsOfPlan("dev");
    expect(violations.filter((v) => v.enforcementLevel === "mandatory")).toEqual([]);
    // Dev's accounts restrict outbound access by default, dev runs no cluster (so no server to trace), its
    // accounts and cache sit behind private endpoints in its network, and it has alerts (so anomaly
    // alerts), so those relaxations report nothing.
    const silent = [
      "observability-vllm-traced",
      "security-anomaly-detection",
      "security-openai-outbound-restricted",
      "reliability-k8s-replicas-and-pdb",
      "reliability-aks-standard-tier",
      "security-network-private-endpoint",
      "security-openai-public-network-disabled",
      "security-redis-public-network-disabled",
    ];
    expect([...new Set(violations.map((v) => v.policy))].sort()).toEqual(
      DEV_RELAXED.filter((p) => !silent.includes(p)),
    );
  });

  it("relaxes in dev only network isolation (accounts, cache, gateway), outbound restriction, protect, cache replication, model-server replicas, the AKS tier, anomaly alerts and model-server traces; prod relaxes nothing", () => {
    const dev = baseEnforcement(PROJECT_DIR, "dev");
    const relaxed = Object.entries(dev)
      .filter(([name, value]) => name !== "all" && levelOf(value) !== "mandatory")
      .map(([name]) => name);
    expect(relaxed.sort()).toEqual(DEV_RELAXED);
    const prod = baseEnforcement(PROJECT_DIR, "prod");
    expect(prod.all).toBe("mandatory");
    expect(Object.entries(prod).filter(([, value]) => levelOf(value) !== "mandatory")).toEqual([]);
  });
});

describe("a public prod gateway, accepted explicitly", () => {
  it("plans with gateway.allowPublicAccess and is reported, advisory, on the gateway (dev refuses the key)", async () => {
    const raw = rawConfig("prod");
    raw.gateway.sku = "StandardV2";
    raw.gateway.allowPublicAccess = true;
    const config = parsePlatformConfig(raw);
    if (!config.ok) throw new Error(config.issues.map((i) => i.message).join("; "));
    const planned = await planStack("prod", { config: pulumiConfigOf(raw) });
    const violations = await evaluatePolicies(
      planned.stackExport.deployment.resources,
      policies,
      buildPolicyConfig(baseEnforcement(PROJECT_DIR, "prod"), policyFacts(config.config)),
    );
    expect(violations.filter((v) => v.enforcementLevel === "mandatory")).toEqual([]);
    expect(
      violations.map((v) => `${v.policy} ${v.enforcementLevel} ${v.urn?.split("::").pop()}: ${v.message}`),
    ).toEqual([
      "security-apim-gateway-private advisory gateway-service: the gateway answers on the internet (virtualNetworkType External, publicNetworkAccess Enabled): accepted by the stack (gateway.allowPublicAccess)",
    ]);
    const dev = rawConfig("dev");
    dev.gateway.allowPublicAccess = true;
    const refused = parsePlatformConfig(dev);
    expect(refused.ok ? [] : refused.issues.map((i) => `${i.path}: ${i.message}`)).toContain(
      "gateway.allowPublicAccess: only prod's gateway is kept off the internet; remove the key in dev",
    );
  });
});

describe("npm run check", () => {
  it("fails the insecure fixture (exit 1), naming exactly the broken rules (the command line, spawned)", () => {
    const result = spawnCheck(INSECURE, "--json");
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout);
    expect([...new Set(report.violations.map((v: { policy: string }) => v.policy))].sort()).toEqual(
      policies.map((p) => p.name).sort(),
    );
    expect(report.policyConfig).toContain("test/fixtures/insecure/policy-config.json");
  });

  it("prints a table grouped by severity with remediation", async () => {
    const result = await checkInProcess(INSECURE);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/CRITICAL \(\d+\)[\s\S]*HIGH \(\d+\)[\s\S]*MEDIUM \(\d+\)/);
    expect(result.stdout).toContain(
      "security-rbac-no-broad-roles (checklist #4, #14 | MCSB PA-7): Grant the narrowest data-plane role",
    );
    expect(result.stdout).toContain("grants Contributor (b24988ac-6180-42a0-ab88-20f7382dd24c)");
  });

  it("passes the prod plan (exit 0)", async () => {
    const result = await checkInProcess(join((await plannedOutput("prod")).dir, "stack.json"));
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("Every rule passes.");
  });

  it.each([
    ["a missing file", ["nosuch.json"], /stack export .*nosuch\.json: no such file \(ENOENT\)/],
    ["a file that is not JSON", ["README.md"], /is not valid JSON/],
    ["JSON that is not a stack export", ["package.json"], /not a `pulumi stack export` file of version 3 or 4/],
    ["no file", [], /expected one stack export file, got 0/],
    [
      "a policy config naming an unknown rule",
      [INSECURE, "--policy-config", "policies/package.json"],
      /names unknown policies name, version/,
    ],
    [
      "a policy config with a misspelt level",
      [INSECURE, "--policy-config", "test/fixtures/bad-level.json"],
      /"all": enforcement level "Mandatory" is not one of advisory, mandatory, remediate, disabled/,
    ],
    ["a version-3 file without a deployment", ["test/fixtures/no-deployment.json"], /no "deployment" object/],
    [
      "a resource whose dependencies are not URNs",
      ["test/fixtures/bad-dependencies.json"],
      /deployment\.resources\[0\]\.dependencies is not a list of URNs/,
    ],
  ])("exits 2 with a clear message for %s", async (_case, args, message) => {
    const result = await checkInProcess(...args);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});

describe("npm run plan and the pack", () => {
  it("exits 1 when the plan breaks a mandatory rule (PTUs under the declared peak workload)", async () => {
    const raw = rawConfig("prod");
    raw.models.chat.slots.blue.workload.peakInputTpm = 360_000;
    const out = mkdtempSync(join(tmpdir(), "genai-plan-policy-"));
    const file = join(out, "Pulumi.open.yaml");
    writeFileSync(file, stringify({ config: namespaced(raw) }));
    const result = await planInProcess("--stack", "open", "--config-file", file, "--out", out);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain("capacity-openai-ptu-sized");
    expect(result.stdout).toContain("chat/blue: 50 PTU configured, its peak workload needs 75");
    expect(result.stdout).toMatch(/1 mandatory, 0 advisory/);
  });
});

describe("the pack in a first preview of a new stack", () => {
  it("decides every rule but those that need values only creation yields (reported advisory, as the policy server does)", async () => {
    const planned = await planStack("prod", { preview: true });
    const config = validConfig("prod");
    const violations = await evaluatePolicies(
      planned.stackExport.deployment.resources,
      policies,
      buildPolicyConfig(baseEnforcement(PROJECT_DIR, "prod"), policyFacts(config)),
    );
    expect(violations.filter((v) => v.enforcementLevel === "mandatory")).toEqual([]);
    expect(violations.every((v) => v.message.startsWith("can't run during preview"))).toBe(true);
    // The gateway's diagnostics are named by ids the preview does not know yet; the account's properties
    // hold the random subdomain suffix, the gateway's backend URLs hold the
    // accounts' endpoints (so neither which deployment they front, nor their scheme, nor whether a route
    // reaches Azure OpenAI or needs the gateway's content check is known), and the
    // cache database's name is an output; who reaches whom reads the gateway's subnet, the workload
    // identities' client ids and the budget's scope: all unknown before creation. The offline plan and
    // `pulumi up` decide these rules.
    expect([...new Set(violations.map((v) => v.policy))].sort()).toEqual([
      "ethics-apim-every-route-filtered",
      "observability-apim-traced",
      "reliability-platform-reachable",
      "security-anomaly-detection",
      "security-apim-backend-tls",
      "security-apim-fronts-every-deployment",
      "security-openai-local-auth-disabled",
      "security-openai-outbound-restricted",
      "security-openai-public-network-disabled",
      "security-redis-key-auth-exception",
    ]);
  });
});

describe("npm run check on real exports", () => {
  const scratch = () => mkdtempSync(join(tmpdir(), "genai-check-real-"));
  const writeJson = (dir: string, name: string, value: unknown) => {
    const path = join(dir, name);
    writeFileSync(path, JSON.stringify(value));
    return path;
  };

  it("reads a version 4 export as it reads version 3", async () => {
    const insecure = JSON.parse(readFileSync(join(PROJECT_DIR, INSECURE), "utf8"));
    const dir = scratch();
    const v4 = writeJson(dir, "v4.json", { ...insecure, version: 4 });
    const config = join(PROJECT_DIR, "test/fixtures/insecure/policy-config.json");
    const [three, four] = [
      await checkInProcess(INSECURE, "--json", "--policy-config", config),
      await checkInProcess(v4, "--json", "--policy-config", config),
    ];
    expect(four.code).toBe(1);
    expect(JSON.parse(four.stdout).violations).toEqual(JSON.parse(three.stdout).violations);
  });

  it("refuses an export that holds one URN twice", async () => {
    const insecure = JSON.parse(readFileSync(join(PROJECT_DIR, INSECURE), "utf8"));
    const resources = insecure.deployment.resources;
    const dir = scratch();
    const file = writeJson(dir, "dup.json", {
      ...insecure,
      deployment: { ...insecure.deployment, resources: [...resources, resources[3]] },
    });
    const result = await checkInProcess(file);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      `deployment.resources[${resources.length}] repeats the URN of deployment.resources[3]`,
    );
  });

  it("says how many rules the config disables instead of 'Every rule passes'", async () => {
    const out = scratch();
    const planned = await planStack("prod");
    const exportPath = writeJson(out, "stack.json", planned.stackExport);
    const config = writeJson(out, "policy-config.json", {
      ...buildPolicyConfig(baseEnforcement(PROJECT_DIR, "prod"), policyFacts(validConfig("prod"))),
      "security-openai-local-auth-disabled": "disabled",
      "ethics-openai-deployment-filtered": { enforcementLevel: "disabled" },
    });
    const result = await checkInProcess(exportPath, "--policy-config", config);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(
      "2 rules are disabled by the policy config and decided nothing: ethics-openai-deployment-filtered, security-openai-local-auth-disabled",
    );
    expect(result.stdout).not.toContain("Every rule passes");
  });

  it("refuses a setting a rule does not take (a typo would be ignored)", async () => {
    const dir = scratch();
    const config = writeJson(dir, "cfg.json", {
      "cost-openai-ptu-within-cap": { enforcementLevel: "mandatory", ptuCapp: 10 },
    });
    const result = await checkInProcess(INSECURE, "--policy-config", config);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      '"cost-openai-ptu-within-cap": unknown setting ptuCapp; it takes enforcementLevel, ptuCap, ptuQuota',
    );
  });

  it("refuses a setting of the wrong type, as the Pulumi CLI checks a rule's configSchema (a string where a list belongs)", async () => {
    const dir = scratch();
    const config = writeJson(dir, "cfg.json", {
      "governance-azure-allowed-regions": { enforcementLevel: "mandatory", regions: "swedencentral" },
      "governance-openai-allowed-models": { models: ["gpt-4o", 4] },
      "observability-apim-diagnostics-no-bodies": { logBodies: "no" },
    });
    const result = await checkInProcess(INSECURE, "--policy-config", config);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      '"governance-azure-allowed-regions": setting regions must be array (got "swedencentral")',
    );
    expect(result.stderr).toContain('"governance-openai-allowed-models": setting models.1 must be string (got 4)');
    expect(result.stderr).toContain(
      '"observability-apim-diagnostics-no-bodies": setting logBodies must be boolean (got "no")',
    );
  });
});

describe("npm run check fails closed on whatever an export holds", () => {
  let planned: string;
  let configFile: string;
  beforeAll(async () => {
    planned = JSON.stringify((await planStack("prod")).stackExport);
    configFile = join(mkdtempSync(join(tmpdir(), "genai-check-config-")), "policy-config.json");
    writeFileSync(
      configFile,
      JSON.stringify(buildPolicyConfig(baseEnforcement(PROJECT_DIR, "prod"), policyFacts(validConfig("prod")))),
    );
  });
  async function checkOf(mutate: (resources: any[]) => void) {
    const prod = JSON.parse(planned);
    mutate(prod.deployment.resources);
    const dir = mkdtempSync(join(tmpdir(), "genai-check-closed-"));
    const file = join(dir, "stack.json");
    writeFileSync(file, JSON.stringify(prod));
    let stdout = "";
    const code = await check([file, "--json", "--policy-config", configFile], {
      out: (s) => ((stdout += s), true),
      err: () => true,
    });
    return {
      code,
      violations: (
        JSON.parse(stdout) as {
          violations: { policy: string; enforcementLevel: string; message: string; urn?: string }[];
        }
      ).violations,
    };
  }
  const resourceOf = (type: string, name: string) => ({
    urn: `urn:pulumi:prod::genai-platform::${type}::${name}`,
    custom: true,
    id: name,
    type,
    inputs: {},
    outputs: {},
    protect: false,
    dependencies: [],
  });

  it.each([
    ["azure:storage/account:Account", ""],
    ["aws:s3/bucketV2:BucketV2", ""],
    ["command:local:Command", ""],
    ["azuread:index/application:Application", ""],
    ["Azure-Native:sql:Server", ""],
    [
      "Azure-Native:cognitiveservices:Account",
      "; type tokens are case-sensitive: azure-native:cognitiveservices:Account is classified",
    ],
  ])("refuses a resource of type %s (exit 1, mandatory)", async (type, hint) => {
    const result = await checkOf((resources) => resources.push(resourceOf(type, "stray")));
    expect(result.code).toBe(1);
    const found = result.violations.filter(
      (v) => v.policy === "governance-type-classified" && v.urn?.endsWith("::stray"),
    );
    expect(found.map((v) => v.enforcementLevel)).toEqual(["mandatory"]);
    expect(found[0]!.message).toContain(`type ${type}`);
    if (hint) expect(found[0]!.message).toContain(hint);
  });

  it("reports a value left unknown in an export as mandatory: a finished update writes none", async () => {
    const result = await checkOf((resources) => {
      const account = resources.find((r) => r.urn.endsWith("::openai-swc-account"));
      account.outputs.properties.publicNetworkAccess = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
      account.inputs.properties.publicNetworkAccess = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
    });
    expect(result.code).toBe(1);
    const unknown = result.violations.filter((v) => v.message.startsWith("a value is unknown in this stack export"));
    expect(unknown.length).toBeGreaterThan(0);
    expect(unknown.every((v) => v.enforcementLevel === "mandatory")).toBe(true);
  });
});

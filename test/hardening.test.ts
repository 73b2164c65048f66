// Reproductions of what a hostile or careless stack file did to the planner, each refused with a
// clear message and exit 2, nothing written.
import { describe, expect, it, vi } from "vitest";
import * as pulumi from "@pulumi/pulumi";
import { withoutProviderTypeAliases } from "../cli/engine/offlineRun";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { readReason } from "../cli/shared/inputFile";
import { lifecycleFinding, liveReplacement, lifecycleOf, MODEL_LIFECYCLE } from "../components/openai/lifecycle";
import { PTU_MODELS } from "../components/openai/models";
import { environmentOfStackName } from "../stacks/load";
import { AS_OF_ENV, asOfDay } from "../stacks/asOf";
import { AS_OF, PROJECT_DIR, rawConfig, namespaced, planCommand, plannedOutput, uncached } from "./helpers";

const scratch = () => mkdtempSync(join(tmpdir(), "genai-hardening-"));

const plan = planCommand;

/** The two files hold the same bytes (compared as text: a deep comparison of two buffers walks them byte by byte, seconds for a stack export). */
function expectSameBytes(actual: string, expected: string): void {
  expect(readFileSync(actual, "latin1")).toBe(readFileSync(expected, "latin1"));
}

/** Writes a stack file whose `genai-platform:` keys are `raw` (plus any other full keys) and returns its path. */
function stackFileOf(raw: Record<string, unknown>, extra: Record<string, unknown> = {}): string {
  const file = join(scratch(), "Pulumi.case.yaml");
  writeFileSync(file, stringify({ config: { ...namespaced(raw), ...extra } }, { aliasDuplicateObjects: false }));
  return file;
}

async function planOf(raw: Record<string, unknown>, stack = "case", extra: Record<string, unknown> = {}) {
  const out = scratch();
  const result = await plan("--stack", stack, "--config-file", stackFileOf(raw, extra), "--out", out);
  return { ...result, wrote: existsSync(join(out, stack)) };
}

/** The refusal a plan of `raw` prints: exit 2, nothing written. */
async function refusal(
  raw: Record<string, unknown>,
  stack = "case",
  extra: Record<string, unknown> = {},
): Promise<string> {
  const result = await planOf(raw, stack, extra);
  expect(result.code, result.stderr || result.stdout).toBe(2);
  expect(result.wrote).toBe(false);
  expect(result.stdout).toBe("");
  return result.stderr;
}

describe("YAML bombs", () => {
  it("refuses a 400-byte billion-laughs file at once, exit 2", async () => {
    const levels = "abcdefgh".split("");
    const lines = [`  ${levels[0]}: &${levels[0]} [${Array(9).fill('"lol"').join(",")}]`];
    for (let i = 1; i < levels.length; i++)
      lines.push(
        `  ${levels[i]}: &${levels[i]} [${Array(9)
          .fill(`*${levels[i - 1]}`)
          .join(",")}]`,
      );
    lines.push(`  genai-platform:tags: [${Array(9).fill("*h").join(",")}]`);
    const file = join(scratch(), "Pulumi.bomb.yaml");
    writeFileSync(file, `config:\n${lines.join("\n")}\n`);
    expect(readFileSync(file).length).toBeLessThan(450);
    const result = await plan("--stack", "bomb", "--config-file", file, "--out", scratch());
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("its YAML aliases (*name) are used or expanded more than 100 times");
  });

  it("still reads a file that shares a few anchors", async () => {
    const file = join(scratch(), "Pulumi.anchors.yaml");
    writeFileSync(
      file,
      readFileSync(join(PROJECT_DIR, "Pulumi.dev.yaml"), "utf8").replace(
        "  genai-platform:tags:\n",
        "  genai-platform:tags: &tags\n",
      ) + "  pulumi:tags: *tags\n",
    );
    const result = await plan("--stack", "anchors", "--config-file", file, "--out", scratch());
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
  });
});

describe("YAML as Pulumi reads it", () => {
  it("resolves merge keys (<<: *base)", async () => {
    const file = join(scratch(), "Pulumi.merge.yaml");
    const text = readFileSync(join(PROJECT_DIR, "Pulumi.dev.yaml"), "utf8").replace(
      "  genai-platform:tags:\n    owner: platform-team@contoso.com\n",
      "  pulumi:tags: &base\n    owner: platform-team@contoso.com\n  genai-platform:tags:\n    <<: *base\n",
    );
    writeFileSync(file, text);
    const result = await plan("--stack", "merge", "--config-file", file, "--out", scratch());
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
  });

  it("suggests a key only when one is close", async () => {
    const near = await refusal({ ...rawConfig("dev"), ptuCapp: 1 });
    expect(near).toContain('unknown key "ptuCapp" (did you mean "ptuCap"?)');
    const far = await refusal({ ...rawConfig("dev"), zzzzzz: 1 });
    expect(far).toContain('unknown key "zzzzzz"; allowed:');
  });
});

describe("secrets stay secret", () => {
  it("refuses a secure: value in a tag, naming the key, and never prints the ciphertext", async () => {
    const raw = rawConfig("dev");
    raw.tags.costCenter = { secure: "v1:AAAAcipherTEXTzzzz" };
    const stderr = await refusal(raw);
    expect(stderr).toContain("tags: holds a secure: (secret) value, but tags is not secret");
    expect(stderr).not.toContain("cipherTEXT");
    expect(stderr.match(/^ {2}tags/gm)).toHaveLength(1);
  });

  it("leaves secure: values of other namespaces alone", async () => {
    const result = await planOf(rawConfig("dev"), "case", { "azure-native:clientSecret": { secure: "v1:AAAAcipher" } });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
  });
});

describe("nothing a user writes is silently ignored", () => {
  it("refuses a misspelt namespace and names the closest key", async () => {
    const stderr = await refusal(rawConfig("dev"), "case", { "genai-platfrom:logRetentionDays": 365 });
    expect(stderr).toContain('genai-platfrom:logRetentionDays: namespace "genai-platfrom" is not read by this program');
    expect(stderr).toContain("did you mean genai-platform:logRetentionDays?");
  });

  it("refuses a stack name that contradicts environment, unless told so explicitly", async () => {
    const stderr = await refusal(rawConfig("dev"), "prod");
    expect(stderr).toContain('environment: stack "prod" names the prod environment but environment is dev');
    const allowed = await planOf({ ...rawConfig("dev"), allowEnvironmentMismatch: true }, "prod");
    expect(allowed.stderr).toBe("");
    expect(allowed.code).toBe(0);
    expect(environmentOfStackName("team-production")).toBe("prod");
    expect(environmentOfStackName("lab")).toBeUndefined();
    expect(environmentOfStackName("dev-to-prod")).toBeUndefined(); // names both: no claim
  });

  it.each([".", "..", "a/b", "x".repeat(101)])("refuses the stack name %j before reading anything", async (stack) => {
    const out = scratch();
    const result = await plan(
      "--stack",
      stack,
      "--config-file",
      join(PROJECT_DIR, "Pulumi.dev.yaml"),
      "--out",
      join(out, "inner"),
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("is not a stack name");
    expect(existsSync(join(out, "inner"))).toBe(false);
  });
});

describe("Azure's own limits, checked before deploy", () => {
  it("refuses a region not in the dated table, suggesting the closest; additionalRegions admits a new one", async () => {
    const raw = rawConfig("dev");
    raw.accounts.swc.location = "swedencentrall";
    expect(await refusal(raw)).toContain(
      'accounts.swc.location: "swedencentrall" is not an Azure public region (region table of 2025-09-23); did you mean swedencentral?',
    );
    const opened = rawConfig("dev");
    opened.location = "contosonorth";
    opened.additionalRegions = ["contosonorth"];
    const result = await planOf(opened);
    expect(result.stderr).toBe("");
    // The config accepts the region; whether the environment may use it is the policy pack's call.
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/governance-azure-allowed-regions\s+│ mandatory/);
    expect(result.stdout).toContain("contosonorth");
  });

  it("refuses more than 50 tags, long or forbidden tag names, long values and the platform's own tag names", async () => {
    const many = rawConfig("dev");
    for (let i = 0; i < 42; i++) many.tags[`t${i}`] = "x";
    expect(await refusal(many)).toContain(
      "tags: 53 tags on a model deployment, with the platform's own (environment, project, managedBy and six that describe the deployment): Azure allows at most 50 per resource",
    );
    const bad = rawConfig("dev");
    bad.tags["a<b"] = "x";
    bad.tags["n".repeat(513)] = "x";
    bad.tags.long = "v".repeat(257);
    bad.tags.Environment = "staging";
    bad.tags.endpoint = "x";
    const stderr = await refusal(bad);
    expect(stderr).toContain('tags.a<b: tag name "a<b" contains "<"');
    expect(stderr).toContain("tag name is 513 characters; Azure allows at most 512");
    expect(stderr).toContain("tags.long: tag value is 257 characters; Azure allows at most 256");
    expect(stderr).toContain(
      "tags.Environment: the platform sets the environment tag itself (tag names are case-insensitive)",
    );
    expect(stderr).toContain("tags.endpoint: the platform sets the endpoint tag itself");
  });

  it.each([
    ["0.0.0.0/0", "is not private address space"],
    ["8.8.0.0/16", "is not private address space"],
  ])("refuses the address space %s", async (space, message) => {
    const raw = rawConfig("prod");
    raw.network.addressSpace = space;
    raw.network.subnets = {
      gateway: space.replace(/\/\d+$/, "/27"),
      privateEndpoints: space.replace(/\.0\.0\/\d+$/, ".1.0/26"),
      aksNodes: space.replace(/\.0\.0\/\d+$/, ".16.0/20"),
    };
    expect(await refusal(raw, "prod")).toContain(`network.addressSpace: ${space} ${message}`);
  });

  it("accepts shared (CGNAT) address space", async () => {
    const raw = rawConfig("prod");
    raw.network = {
      addressSpace: "100.64.0.0/16",
      subnets: { gateway: "100.64.0.0/27", privateEndpoints: "100.64.1.0/26", aksNodes: "100.64.16.0/20" },
    };
    raw.models.qwen.slots.blue.targets[0].serviceIp = "100.64.31.200";
    const result = await planOf(raw, "prod");
    expect(result.stderr).toBe("");
  });

  it("refuses a stack file over 1 MiB before parsing it", async () => {
    const file = join(scratch(), "Pulumi.huge.yaml");
    writeFileSync(
      file,
      `${readFileSync(join(PROJECT_DIR, "Pulumi.dev.yaml"), "utf8")}\n# ${"x".repeat(1024 * 1024)}\n`,
    );
    const result = await plan("--stack", "huge", "--config-file", file, "--out", scratch());
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/is 1,0\d\d,\d{3} bytes; at most 1,048,576 bytes are read/);
  });
});

describe("messages a person can act on", () => {
  it("PAYGO 1e300 says it is beyond any quota, once", async () => {
    const raw = rawConfig("dev");
    raw.models.chat.slots.blue.targets[0].capacity = 1e300;
    const stderr = await refusal(raw);
    expect(stderr).toContain("capacity: 1,000,000,000,000,000");
    expect(stderr).toContain("TPM is beyond any Azure OpenAI quota");
    expect(stderr).not.toContain("e+300");
  });

  it.each([-50, 0])("PTU %d gets one message with a hint that applies", async (capacity) => {
    const raw = rawConfig("prod");
    raw.models.chat.slots.blue.targets[0].capacity = capacity;
    const stderr = await refusal(raw, "prod");
    expect(stderr.match(/targets\[0\]\.capacity/g)).toHaveLength(1);
    expect(stderr).toContain(
      `${capacity} PTU: a PTU deployment needs a positive capacity; gpt-5 GlobalProvisionedManaged (minimum 15, step 5) starts at 15`,
    );
  });

  it("a non-ASCII endpoint name is reported by its key, not by dumping the subtree", async () => {
    const raw = rawConfig("dev");
    raw.models["chät"] = raw.models.chat;
    delete raw.models.chat;
    const stderr = await refusal(raw);
    expect(stderr).toContain(
      'models.chät: the key "chät" is not allowed here: endpoint names are 1-24 lower-case ASCII letters',
    );
    expect(stderr).not.toContain("slots");
  });

  it.each([".inf", "-.inf", ".nan"])("%s is refused by its key path, never read as null", async (value) => {
    const file = join(scratch(), "Pulumi.inf.yaml");
    writeFileSync(
      file,
      readFileSync(join(PROJECT_DIR, "Pulumi.dev.yaml"), "utf8").replace(
        "logRetentionDays: 30",
        `logRetentionDays: ${value}`,
      ),
    );
    const result = await plan("--stack", "inf", "--config-file", file, "--out", scratch());
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /genai-platform:logRetentionDays is (-?Infinity|NaN) \(YAML \.inf or \.nan\): give a finite number/,
    );
  });

  it("says why a stack file cannot be read", async () => {
    const missing = await plan("--stack", "nosuch", "--out", scratch());
    expect(missing.stderr).toContain("no such file (ENOENT)");
    const folder = await plan("--stack", "dir", "--config-file", scratch(), "--out", scratch());
    expect(folder.stderr).toContain("is not a regular file (a folder): give the file itself");
    // A permission test cannot fail as root, so the reason text is checked directly.
    expect(readReason(Object.assign(new Error("x"), { code: "EACCES" }))).toBe("permission denied (EACCES)");
  });

  it("refuses a Latin-1 file instead of mis-reading it", async () => {
    const file = join(scratch(), "Pulumi.latin1.yaml");
    const text = readFileSync(join(PROJECT_DIR, "Pulumi.dev.yaml"), "utf8").replace(
      "owner: platform-team@contoso.com",
      "owner: équipe",
    );
    writeFileSync(file, Buffer.from(text, "latin1"));
    const result = await plan("--stack", "latin1", "--config-file", file, "--out", scratch());
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /is not UTF-8 \(line 11 has bytes of another encoding, such as Latin-1\): save it as UTF-8/,
    );
  });

  it("prints the empty cache output's warning at most once, and none when the output is null", async () => {
    const raw = rawConfig("prod");
    delete raw.cache;
    delete raw.gateway.semanticCache;
    const out = scratch();
    const result = await plan("--stack", "prod", "--config-file", stackFileOf(raw), "--out", out, "--verify");
    expect(result.code).toBe(0);
    expect(`${result.stdout}${result.stderr}`).not.toContain("cacheHostName");
  });
});

describe("model lifecycle", () => {
  it("refuses a retired version and names a live replacement along Microsoft's chain", async () => {
    const raw = rawConfig("dev");
    raw.models.chat.slots.blue.targets[0] = {
      ...raw.models.chat.slots.blue.targets[0],
      model: "gpt-4o-mini",
      version: "2024-07-18",
    };
    raw.quota[0].model = "gpt-4o-mini";
    const stderr = await refusal(raw);
    expect(stderr).toContain(
      "models.chat.slots.blue.targets[0].version: gpt-4o-mini 2024-07-18 was retired on 2026-10-01",
    );
    expect(stderr).toContain(
      "move to gpt-5-mini 2025-08-07 (Microsoft names gpt-4.1-mini 2025-04-14, itself retired on 2026-10-14)",
    );
  });

  it("warns within the window, and the window is the stack's to set", async () => {
    const warnings: string[] = (await plannedOutput("prod")).report.warnings;
    expect(warnings).toContain(
      "models.chat.slots.blue.targets[0], models.chat.slots.blue.targets[1], models.chat.slots.blue.targets[2]: gpt-5 2025-08-07 retires on 2027-02-06, in 71 days: Microsoft names no live replacement: move to a newer version of gpt-5 or another model",
    );
    const narrow = await planOf({ ...rawConfig("prod"), lifecycleWarningDays: 30 }, "prod");
    expect(narrow.stdout).not.toContain("retires on");
  });

  it("--as-of decides what is retired, and two plans of one day are byte-identical", async () => {
    const later = await plan("--stack", "prod", "--out", scratch(), "--as-of", "2027-02-06");
    expect(later.code).toBe(2);
    expect(later.stderr).toContain("gpt-5 2025-08-07 was retired on 2027-02-06");
    const bad = await plan("--stack", "prod", "--out", scratch(), "--as-of", "2027-02-30");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--as-of "2027-02-30" is not a day written YYYY-MM-DD');
    // This plan against the run's shared one, planned earlier (and in another test file's turn).
    const a = scratch();
    await uncached(() => plan("--stack", "prod", "--out", a, "--as-of", AS_OF));
    const shared = (await plannedOutput("prod")).dir;
    expectSameBytes(join(a, "prod", "stack.json"), join(shared, "stack.json"));
  });

  it("the run's shortcuts change nothing it records: plans with the providers' type aliases (prod) and the SDK's stack traces too (dev) are byte-identical", async () => {
    const planWith = async (stack: "dev" | "prod", env: string[]) => {
      const out = scratch();
      for (const name of env) vi.stubEnv(name, "1");
      try {
        expect((await uncached(() => plan("--stack", stack, "--out", out, "--as-of", AS_OF))).code).toBe(0);
      } finally {
        vi.unstubAllEnvs();
      }
      const shared = (await plannedOutput(stack)).dir;
      expectSameBytes(join(out, stack, "stack.json"), join(shared, "stack.json"));
    };
    await planWith("prod", ["GENAI_PLAN_PROVIDER_ALIASES"]);
    // Every stack trace kept costs several times a plan: the smaller stack.
    await planWith("dev", ["GENAI_PLAN_PROVIDER_ALIASES", "GENAI_PLAN_STACK_TRACES"]);
  });

  it("a run leaves out only the type aliases a provider SDK declares for its own resources", () => {
    const custom = Object.create(pulumi.CustomResource.prototype) as pulumi.Resource;
    const component = Object.create(pulumi.ComponentResource.prototype) as pulumi.Resource;
    const versioned = { type: "azure-native:network/v20150615:VirtualNetwork" };
    const own = [{ name: "old-vnet" }, { type: "random:index/randomString:RandomString" }, { parent: undefined }];
    const args = (resource: pulumi.Resource, aliases: pulumi.Input<pulumi.URN | pulumi.Alias>[]) => ({
      resource,
      type: "azure-native:network:VirtualNetwork",
      name: "vnet",
      props: {},
      opts: { aliases },
    });
    expect(withoutProviderTypeAliases(args(custom, [versioned, ...own])).opts.aliases).toEqual(own);
    // A component's type alias is the program's own (a component renamed): kept.
    expect(withoutProviderTypeAliases(args(component, [versioned])).opts.aliases).toEqual([versioned]);
    // A provider's earlier type, and a type with no package: kept.
    const provider = { type: "pulumi:providers:azure-nextgen" };
    const asProvider = { ...args(custom, [provider]), type: "pulumi:providers:azure-native" };
    expect(withoutProviderTypeAliases(asProvider).opts.aliases).toEqual([provider]);
    expect(withoutProviderTypeAliases({ ...args(custom, [{ type: "other" }]), type: "bare" }).opts.aliases).toEqual([
      { type: "other" },
    ]);
  });

  it("the program declares no aliases of its own (the run could not tell a same-package type alias from the SDK's)", () => {
    const sources = (dir: string): string[] =>
      readdirSync(join(PROJECT_DIR, dir), { recursive: true, encoding: "utf8" })
        .filter((f) => f.endsWith(".ts"))
        .map((f) => join(dir, f));
    const declaring = [...sources("components"), ...sources("stacks")].filter((f) =>
      /\baliases\s*:/.test(readFileSync(join(PROJECT_DIR, f), "utf8")),
    );
    expect(
      declaring,
      "aliases in a program file: revisit withoutProviderTypeAliases (cli/engine/offlineRun.ts)",
    ).toEqual([]);
  });

  it("a 'not before' date warns rather than refuses, and a deprecated version warns before its window", () => {
    expect(lifecycleFinding("text-embedding-3-small", "1", "2027-05-01", 90)).toMatchObject({
      severity: "warning",
      message: expect.stringContaining("may be retired from 2027-04-15 (Microsoft gave no fixed date)"),
    });
    expect(lifecycleFinding("gpt-4o", "2024-11-20", "2026-01-15", 90)).toMatchObject({
      severity: "warning",
      message: expect.stringContaining(
        "is deprecated since 2025-11-20: a subscription that never deployed it cannot deploy it now (existing deployments run until 2026-10-01)",
      ),
    });
  });

  it("the day defaults to the clock, and $GENAI_PLATFORM_AS_OF sets it", () => {
    expect(asOfDay({}, new Date("2031-03-04T23:59:00Z"))).toBe("2031-03-04");
    expect(asOfDay({ [AS_OF_ENV]: "2026-01-02" })).toBe("2026-01-02");
    expect(() => asOfDay({ [AS_OF_ENV]: "tomorrow" })).toThrow(/is not a day written YYYY-MM-DD/);
  });

  it("warns for a version the table does not know, and the table is consistent", () => {
    expect(lifecycleFinding("gpt-9", "2030-01-01", AS_OF, 90)).toMatchObject({
      severity: "warning",
      message: expect.stringContaining("is not in the model lifecycle table"),
    });
    for (const entry of MODEL_LIFECYCLE) {
      if (entry.replacement)
        expect(
          lifecycleOf(entry.replacement.model, entry.replacement.version),
          `${entry.model} ${entry.version}`,
        ).toBeDefined();
      if (entry.deprecation) expect(entry.deprecation < entry.retirement).toBe(true);
    }
    expect(liveReplacement(lifecycleOf("gpt-4o", "2024-11-20")!, AS_OF).live).toMatchObject({ model: "gpt-5.1" });
    // The replacements the table names have PTU figures, so a PTU slot can move to them.
    expect(PTU_MODELS["gpt-5.1"]).toEqual({
      globalAndDataZone: { minimum: 15, step: 5 },
      regional: { minimum: 50, step: 50 },
      inputTpmPerPtu: 4_750,
      outputTokenWeight: 8,
    });
  });
});

describe("the Redis cache is reachable", () => {
  it("gives the gateway Entra ID data access by default, and refuses a cache nobody can reach", async () => {
    const raw = rawConfig("dev");
    const { report } = await plannedOutput("dev");
    expect(report.policy.mandatory).toBe(0);
    raw.cache.dataAccess = [];
    expect(await refusal(raw)).toContain("cache.dataAccess: no workload can reach the cache");
  });
});

describe("output order does not depend on the locale", () => {
  it("plans byte-identically under C and Estonian collation (where az sorts before at)", async () => {
    const raw = rawConfig("dev");
    raw.accounts = { az: { location: "swedencentral" }, at: { location: "swedencentral" } };
    raw.models.chat.slots.blue.targets = [
      { ...raw.models.chat.slots.blue.targets[0], account: "az", capacity: 10_000, priority: 1 },
      { ...raw.models.chat.slots.blue.targets[0], account: "at", capacity: 10_000, priority: 1 },
    ];
    raw.models.embeddings.slots.blue.targets[0].account = "at";
    const file = stackFileOf(raw);
    const planned = (out: string, result: { stdout: string; stderr: string }) => {
      expect(result.stderr).toBe("");
      return {
        stdout: result.stdout.replace(/^Wrote .*$/m, "Wrote (the scratch folder differs)"),
        stack: readFileSync(join(out, "case", "stack.json"), "utf8"),
      };
    };
    // This process's own collation (C or English in CI), against a process started in Estonian.
    expect(new Intl.Collator().resolvedOptions().locale).not.toMatch(/^et\b/);
    const here = scratch();
    const c = planned(here, await plan("--stack", "case", "--config-file", file, "--out", here));
    const there = scratch();
    const estonian = planned(
      there,
      spawnSync(
        "node",
        ["--import", "tsx", "cli/commands/plan.ts", "--stack", "case", "--config-file", file, "--out", there],
        { cwd: PROJECT_DIR, encoding: "utf8", env: { ...process.env, LANG: "et_EE.UTF-8", LC_ALL: "et_EE.UTF-8" } },
      ),
    );
    expect(new Intl.Collator("et").compare("az", "at")).toBeLessThan(0);
    expect(estonian.stdout).toBe(c.stdout);
    expect(estonian.stack).toBe(c.stack);
    expect(c.stdout.indexOf("at (swedencentral)")).toBeLessThan(c.stdout.indexOf("az (swedencentral)"));
  });
});

describe("opting in to body logging", () => {
  it("plans, logs bodies, and is reported as advisory by the pack and as a warning by the plan", async () => {
    const raw = rawConfig("dev");
    raw.gateway.logBodies = true;
    raw.gateway.logBodyBytes = 65_536;
    const out = scratch();
    const result = await plan("--stack", "dev", "--config-file", stackFileOf(raw), "--out", out, "--json");
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.warnings).toContain(
      "gateway.logBodies: true logs prompts and completions (up to 65536 bytes each) in the LLM log in Log Analytics, kept 30 days (an explicit opt-in, reported by the policy pack)",
    );
    const reported = report.policy.violations.filter(
      (v: { policy: string }) => v.policy === "observability-apim-diagnostics-no-bodies",
    );
    expect(reported.map((v: { message: string }) => v.message)).toEqual([
      "the LLM log keeps prompts (largeLanguageModel.requests, up to 65536 bytes each) by the stack's opt-in (gateway.logBodies): prompts and completions are kept in the logs",
      "the LLM log keeps completions (largeLanguageModel.responses, up to 65536 bytes each) by the stack's opt-in (gateway.logBodies): prompts and completions are kept in the logs",
    ]);
    expect(reported.every((v: { enforcementLevel: string }) => v.enforcementLevel === "advisory")).toBe(true);
  });
});

describe("round 2: names that are JavaScript's own, strings that reach generated files, input silently accepted", () => {
  const qwen = (r: Record<string, any>) => r.models.qwen.slots.blue.targets[0];
  const cases: [string, (r: Record<string, any>) => void, string][] = [
    [
      "an account named constructor",
      (r) => (r.models.chat.slots.blue.targets[0].account = "constructor"),
      `models.chat.slots.blue.targets[0].account: "constructor" is not a configured account`,
    ],
    [
      "an image tag named constructor",
      (r) => (qwen(r).image = "vllm/vllm-openai:constructor"),
      "models.qwen.slots.blue.targets[0].image: constructor is not in the vLLM release table",
    ],
    [
      "a pool named constructor",
      (r) => (qwen(r).pool = "constructor"),
      `models.qwen.slots.blue.targets[0].pool: "constructor" is not a GPU pool; allowed: a100`,
    ],
    [
      "a GPU vmSize named toString",
      (r) => (r.cluster.gpuPools.a100.vmSize = "toString"),
      `cluster.gpuPools.a100.vmSize: "toString" is not in the GPU VM table`,
    ],
    [
      "an unknown system pool VM size",
      (r) => (r.cluster.systemPool.vmSize = "Standard_Bogus"),
      `cluster.systemPool.vmSize: "Standard_Bogus" is not a VM size of the price table`,
    ],
    [
      "an audience with a policy expression",
      (r) => (r.gateway.audiences = ["@(context.Request.Url.Host)"]),
      `gateway.audiences[0]: "@(context.Request.Url.Host)" is not a token audience`,
    ],
    ["an audience with a named value", (r) => (r.gateway.audiences = ["api://{{secret}}"]), "is not a token audience"],
    [
      "an audience with a control character",
      (r) => (r.gateway.audiences = ["api://gateway\u0001"]),
      "is not a token audience",
    ],
    [
      "a vLLM model that is a flag",
      (r) => (qwen(r).model = "--trust-remote-code/x"),
      "models.qwen.slots.blue.targets[0].model: a Hugging Face model id owner/name",
    ],
    ["a vLLM model that climbs out", (r) => (qwen(r).model = "../etc"), "a Hugging Face model id owner/name"],
    ["a vLLM model with .. inside", (r) => (qwen(r).model = "meta-llama/..x"), "a Hugging Face model id owner/name"],
    [
      "an API server open to 0.0.0.0/0",
      (r) => ((r.cluster.privateCluster = false), (r.cluster.apiServerAuthorizedIpRanges = ["0.0.0.0/0"])),
      `cluster.apiServerAuthorizedIpRanges[0]: "0.0.0.0/0" admits the whole internet`,
    ],
    [
      "an authorized range that is no address",
      (r) => ((r.cluster.privateCluster = false), (r.cluster.apiServerAuthorizedIpRanges = ["not-an-ip"])),
      `"not-an-ip" is not an IPv4 address or CIDR range`,
    ],
    [
      "an authorized range /33",
      (r) => ((r.cluster.privateCluster = false), (r.cluster.apiServerAuthorizedIpRanges = ["1.2.3.4/33"])),
      `"1.2.3.4/33" is not an IPv4 address or CIDR range`,
    ],
    [
      "the cache's embeddings from a chat endpoint",
      (r) => (r.gateway.semanticCache.embeddingsEndpoint = "chat"),
      `gateway.semanticCache.embeddingsEndpoint: "chat" is not an endpoint whose live slot serves Azure OpenAI embedding models (the cache calls its deployment with the gateway's identity); allowed: embeddings`,
    ],
    [
      "the cache's embeddings from a vLLM endpoint",
      (r) => (r.gateway.semanticCache.embeddingsEndpoint = "qwen"),
      `"qwen" is not an endpoint whose live slot serves Azure OpenAI embedding models`,
    ],
    [
      "a NUL in a tag value",
      (r) => (r.tags.owner = "platform\u0000team"),
      "tags.owner: a tag value holds no control characters",
    ],
    [
      "a hub network id of the wrong type",
      (r) => {
        delete r.network.addressSpace;
        delete r.network.subnets;
        const id = (rest: string) =>
          `/subscriptions/3f9a2b71-6c4d-4e8f-a1b2-c3d4e5f60718/resourceGroups/hub/providers/${rest}`;
        r.network.existing = {
          location: "swedencentral",
          virtualNetworkId: id("Microsoft.Storage/storageAccounts/hub"),
          subnetIds: {
            gateway: id("Microsoft.Network/virtualNetworks/hub/subnets/a"),
            privateEndpoints: id("Microsoft.Network/networkSecurityGroups/b"),
            aksNodes: id("Microsoft.Network/virtualNetworks/hub/subnets/c"),
          },
        };
      },
      `network.existing.virtualNetworkId: "/subscriptions/3f9a2b71-6c4d-4e8f-a1b2-c3d4e5f60718/resourceGroups/hub/providers/Microsoft.Storage/storageAccounts/hub" is not the resource id of the virtual network (Microsoft.Network/virtualNetworks)`,
    ],
  ];
  it.each(cases)("refuses %s, naming the key", async (_name, edit, expected) => {
    const raw = rawConfig("prod");
    edit(raw);
    expect(await refusal(raw, "prod")).toContain(expected);
  });

  it("refuses a private DNS zone id that names another zone", async () => {
    const raw = rawConfig("prod");
    raw.network.privateDnsZoneIds = {
      openai:
        "/subscriptions/3f9a2b71-6c4d-4e8f-a1b2-c3d4e5f60718/resourceGroups/dns/providers/Microsoft.Network/privateDnsZones/privatelink.redis.azure.net",
    };
    expect(await refusal(raw, "prod")).toContain(
      "is not the resource id of the private DNS zone (Microsoft.Network/privateDnsZones named privatelink.openai.azure.com)",
    );
  });

  it("refuses a tag named __proto__ instead of dropping it from every resource", async () => {
    const file = join(scratch(), "Pulumi.prod.yaml");
    writeFileSync(
      file,
      readFileSync(join(PROJECT_DIR, "Pulumi.prod.yaml"), "utf8").replace(
        "    owner: platform-team@contoso.com",
        "    owner: platform-team@contoso.com\n    __proto__: x",
      ),
    );
    const result = await plan("--stack", "prod", "--config-file", file, "--out", scratch());
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("the key __proto__ is not allowed (at config.genai-platform:tags.__proto__)");
  });

  it.each([
    [
      "an unknown YAML tag",
      "config:\n  genai-platform:namePrefix: !Ref genai\n",
      ":2:30: Unresolved tag: !Ref (under config > genai-platform:namePrefix)",
    ],
    [
      "a duplicate key",
      "config:\n  genai-platform:tags:\n    owner: a\n    owner: b\n",
      ":4:5: Map keys must be unique (under config > genai-platform:tags > owner)",
    ],
    [
      "a tab as indentation",
      "config:\n  genai-platform:gateway:\n\tsku: BasicV2\n",
      ":3:1: Tabs are not allowed as indentation",
    ],
    [
      "an unterminated flow sequence",
      "config:\n  genai-platform:models:\n    chat: [a, b\n  genai-platform:x: 1\n",
      ":4:3: Flow sequence in block collection must be sufficiently indented and end with a ]",
    ],
  ])("names the line, column and key of %s", async (_name, text, expected) => {
    const file = join(scratch(), "Pulumi.case.yaml");
    writeFileSync(file, text);
    const result = await plan("--stack", "case", "--config-file", file, "--out", scratch());
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${file}${expected}`);
  });
});

describe("round 2: a plan that exits 2 writes nothing, and never hangs on its --out", () => {
  it.each([
    [
      "an unreadable --base",
      ["--base", "/nonexistent/export.json"],
      "--base /nonexistent/export.json: no such file (ENOENT)",
    ],
    ["an invalid --base", ["--base", "PLACEHOLDER"], "not a pulumi stack export"],
    [
      "an unreadable --base-config",
      ["--base-config", "/nonexistent/Pulumi.prod.yaml"],
      "--base-config /nonexistent/Pulumi.prod.yaml: no such file (ENOENT)",
    ],
  ])("markdown against %s: exit 2 and out/ as it was", async (_name, baseArgs, expected) => {
    const out = scratch();
    const invalid = join(scratch(), "export.json");
    writeFileSync(invalid, JSON.stringify({ a: 1 }));
    const args = baseArgs.map((a) => (a === "PLACEHOLDER" ? invalid : a));
    const result = await plan("--stack", "dev", "--out", out, "--format", "markdown", ...args);
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toContain(expected);
    expect(existsSync(join(out, "dev"))).toBe(false);
  });

  it("refuses --out on /proc at once instead of looping in mkdir", async () => {
    const result = await plan("--stack", "dev", "--out", "/proc/x");
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("plan: --out /proc/x: /proc/x is on a virtual file system");
  });
});

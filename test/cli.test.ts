import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { largePolicyConfig, largeStackFile } from "../cli/engine/largeConfig";
import { PROJECT_DIR, planCommand } from "./helpers";

/** `npm run plan` as a person runs it, spawned: the command line itself (exit 0 and exit 2). */
function spawnPlan(...args: string[]) {
  const result = spawnSync("node", ["--import", "tsx", "cli/commands/plan.ts", ...args], {
    cwd: PROJECT_DIR,
    encoding: "utf8",
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const plan = planCommand;

const scratch = () => mkdtempSync(join(tmpdir(), "genai-plan-test-"));
/** The generated 3 x 4 config's deployments: per endpoint its PTU deployment and one pay-as-you-go deployment per region. */
const CAPACITY_ROWS = 4 * (1 + 3);

describe("npm run plan", () => {
  it("plans prod, verifies the preview URNs, prints the summary and writes stack.json (exit 0; the command line, spawned)", () => {
    const out = scratch();
    const result = spawnPlan("--stack", "prod", "--out", out, "--verify");
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("spillover -> chat-blue-gpt-5-gstd");
    expect(result.stdout).toContain("as of 2026-05-22");
    expect(result.stdout).toContain(
      "Model lifecycle: Microsoft Learn: Azure OpenAI model retirement schedule, as of 2026-07-07",
    );
    expect(result.stdout).toMatch(/openai-swc\s+│ genai:openai:OpenAiService\s+│ 8/);
    expect(result.stdout).toContain("(preview registers the same URNs)");
    const exported = JSON.parse(readFileSync(join(out, "prod", "stack.json"), "utf8"));
    expect(exported.version).toBe(3);
  });

  it("prints the report as JSON with --json", async () => {
    const out = scratch();
    const result = await plan("--stack", "dev", "--out", out, "--json");
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.capacity.map((c: { deployment: string }) => c.deployment)).toEqual([
      "chat-blue-gpt-5.1-gstd",
      "embeddings-blue-text-embedding-3-small-std",
    ]);
    expect(report.quota[0]).toMatchObject({ region: "swedencentral", model: "gpt-5.1", headroom: 1_700_000 });
  });

  it("exits 2 with every bad key on stderr and writes nothing for an invalid config (the command line, spawned)", () => {
    const out = scratch();
    const file = join(out, "Pulumi.bad.yaml");
    const document = {
      config: { "genai-platform:environment": "qa", "genai-platform:namePrefix": "x", "genai-platform:ptuCapp": 1 },
    };
    writeFileSync(file, stringify(document));
    const result = spawnPlan("--stack", "bad", "--out", out, "--config-file", file);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain('environment: Invalid option: expected one of "dev"|"prod" (got "qa")');
    expect(result.stderr).toContain("namePrefix: 2-10 lower-case letters or digits");
    expect(result.stderr).toContain('unknown key "ptuCapp"');
    expect(result.stderr).toContain("subscriptionId: required: the Azure subscription the stack deploys to");
    expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(existsSync(join(out, "bad", "stack.json"))).toBe(false);
  });

  it("exits 2 for unknown options, a missing stack file and broken YAML", async () => {
    expect((await plan("--stak", "dev")).code).toBe(2);
    const missing = await plan("--stack", "nosuch");
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/stack file .*Pulumi\.nosuch\.yaml: no such file \(ENOENT\)/);
    const out = scratch();
    writeFileSync(join(out, "broken.yaml"), "config: [unclosed");
    const broken = await plan("--stack", "x", "--config-file", join(out, "broken.yaml"), "--out", out);
    expect(broken.code).toBe(2);
    expect(broken.stderr).toContain("is not valid YAML");
  });

  // The 10 x 10 config is the bench's (npm run bench times it); here a 3 x 4 one of the same generator.
  it("plans a generated config of 3 regions x 4 endpoints (exit 1 on the rules it breaks, 0 with a policy config that allows it)", async () => {
    const out = scratch();
    const file = join(out, "Pulumi.large.yaml");
    writeFileSync(file, largeStackFile(3, 4));
    const result = await plan("--stack", "large", "--out", out, "--config-file", file, "--json");
    expect(result.stderr).toBe("");
    // Three regions and three models are more than prod's policy config allows: only those rules object.
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout);
    expect(report.capacity).toHaveLength(CAPACITY_ROWS);
    expect([...new Set(report.policy.violations.map((v: { policy: string }) => v.policy))].sort()).toEqual([
      "governance-azure-allowed-regions",
      "governance-openai-allowed-models",
    ]);
    // With a policy config that allows them (--policy-config replaces policies/config/prod.json), it passes.
    const policy = join(out, "large-policy.json");
    writeFileSync(policy, JSON.stringify(largePolicyConfig(3)));
    const allowed = await plan("--stack", "large", "--out", out, "--config-file", file, "--policy-config", policy);
    expect(allowed.stderr).toBe("");
    expect(allowed.code).toBe(0);
    writeFileSync(policy, JSON.stringify({ "governance-azure-allowed-regions": { regionz: [] } }));
    const misspelt = await plan("--stack", "large", "--out", out, "--config-file", file, "--policy-config", policy);
    expect(misspelt.code).toBe(2);
    expect(misspelt.stderr).toContain("unknown setting regionz");
  });
});

describe("a command whose reader stops early", () => {
  it("stops quietly with its own exit code when the pipe closes (no EPIPE trace)", () => {
    // `true` reads nothing and exits at once: every write of the command meets a closed pipe.
    const result = spawnSync(
      "bash",
      [
        "-c",
        'node --import tsx cli/commands/simulate.ts --stack prod --duration 1m | true; echo "exit ${PIPESTATUS[0]}"',
      ],
      { cwd: PROJECT_DIR, encoding: "utf8" },
    );
    expect(result.stderr).not.toContain("EPIPE");
    expect(result.stdout.trim()).toBe("exit 0");
  });
});

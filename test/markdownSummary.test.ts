// The plan as a PR comment (`--format markdown`): reviewed golden files for dev and prod and for a change
// against the committed prod stack file, and the change classification on its own.
import { describe, expect, it } from "vitest";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { plan } from "../cli/commands/plan";
import { diffResources } from "../cli/reports/markdownSummary";
import { AS_OF, PROJECT_DIR, matchesGoldenFile, plannedOutput, rawConfig, namespaced } from "./helpers";

const GOLDEN = join(PROJECT_DIR, "test", "golden", "markdown");

async function markdown(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await plan(
    [...argv, "--format", "markdown", "--out", mkdtempSync(join(tmpdir(), "genai-md-")), "--as-of", AS_OF],
    PROJECT_DIR,
    { out: (t) => (out += t), err: (t) => (err += t) },
  );
  return { code, out, err };
}

describe("the markdown plan summary", () => {
  it.each(["dev", "prod"])("%s: matches its reviewed golden file", async (stack) => {
    const { code, out } = await markdown("--stack", stack);
    expect(code).toBe(0);
    for (const section of [
      "### Resources",
      "### Capacity and quota",
      "### Monthly cost",
      "### Rollout state",
      "### Policy pack",
      "```mermaid",
    ])
      expect(out).toContain(section);
    matchesGoldenFile(join(GOLDEN, `${stack}.md`), out);
  });

  it("against the committed prod stack file: a deleted account first and loud, a GPU pool replaced, deployments removed", async () => {
    const raw = rawConfig("prod");
    delete raw.accounts.eus2;
    raw.models.chat.slots.blue.targets.splice(2, 1);
    raw.cluster.gpuPools.a100.vmSize = "Standard_NC48ads_A100_v4";
    const file = join(mkdtempSync(join(tmpdir(), "genai-md-")), "Pulumi.prod.yaml");
    writeFileSync(file, stringify({ config: namespaced(raw) }));
    const { code, out, err } = await markdown(
      "--stack",
      "prod",
      "--config-file",
      file,
      "--base-config",
      join(PROJECT_DIR, "Pulumi.prod.yaml"),
    );
    expect(code, err).toBe(0);
    const caution = out.indexOf("> [!CAUTION]");
    expect(caution).toBeGreaterThan(0);
    expect(caution).toBeLessThan(out.indexOf("### Changes against"));
    expect(out).toContain("**Deletes stateful `openai-eus2-account`**");
    // Serving capacity removed leads, before the stateful deletions.
    expect(out.indexOf("**Serving capacity goes down** against Pulumi.prod.yaml")).toBe(
      caution + "> [!CAUTION]\n".length + 2,
    );
    expect(out).toContain("> - deletes `openai-eus2-chat-blue-gpt-5-gstd`: 200 K TPM");
    expect(out).toMatch(/\| replace\s+\| cluster-pool-a100/);
    matchesGoldenFile(join(GOLDEN, "prod-changes.md"), out);
  });

  it("refuses --base with --json, and both bases at once (exit 2)", async () => {
    const io = { out: () => true, err: () => true };
    let err = "";
    expect(
      await plan(["--stack", "dev", "--json", "--base", join(PROJECT_DIR, "package.json")], PROJECT_DIR, {
        out: () => true,
        err: (t) => ((err += t), true),
      }),
    ).toBe(2);
    expect(err).toContain("--base and --base-config compare in the text or markdown report");
    expect(
      await plan(
        ["--stack", "dev", "--format", "markdown", "--base", "x.json", "--base-config", "y.yaml"],
        PROJECT_DIR,
        io,
      ),
    ).toBe(2);
    expect((await markdown("--stack", "dev", "--base", join(PROJECT_DIR, "package.json"))).code).toBe(2);
  });
});

describe("a changed policy document, reviewed", () => {
  it("shows the XML that changes, in the text report and in the markdown summary", async () => {
    const raw = rawConfig("prod");
    raw.gateway.teams.assistant.tokensPerMinute = 90_000;
    const file = join(mkdtempSync(join(tmpdir(), "genai-md-")), "Pulumi.prod.yaml");
    writeFileSync(file, stringify({ config: namespaced(raw) }));
    // Against the committed prod stack's export (the run's shared plan): what `pulumi stack export` shows once applied.
    const base = [
      "--stack",
      "prod",
      "--config-file",
      file,
      "--base",
      join((await plannedOutput("prod")).dir, "stack.json"),
    ];
    let text = "";
    const out = mkdtempSync(join(tmpdir(), "genai-md-out-"));
    expect(await plan([...base, "--out", out], PROJECT_DIR, { out: (t) => ((text += t), true), err: () => true })).toBe(
      0,
    );
    expect(text).toMatch(
      /^Changes against stack\.json: 0 to create, 1 to update, 0 to replace, 0 to delete\n  update   gateway-openai-policy \(azure-native:apimanagement:ApiPolicy\): value\n/,
    );
    expect(text).toMatch(/^-.*<llm-token-limit [^\n]*tokens-per-minute="60000"/m);
    expect(text).toMatch(/^\+.*<llm-token-limit [^\n]*tokens-per-minute="90000"/m);
    const { out: markdownText } = await markdown(...base);
    expect(markdownText).toContain("<details><summary><code>gateway-openai-policy</code>: what changes</summary>");
    expect(markdownText).toMatch(/```diff\n@@ [^\n]+ @@\n[\s\S]*\+[^\n]*tokens-per-minute="90000"[\s\S]*```/);
  });
});

describe("change classification", () => {
  const r = (name: string, type: string, id: string, inputs: Record<string, unknown>) => ({
    urn: `urn:pulumi:s::p::${type}::${name}`,
    type,
    id,
    custom: true,
    inputs,
  });
  const stateful = new Set(["azure-native:cognitiveservices:Account"]);
  it("creates, updates, replaces (new id, or a location) and deletes, stateful replacements and deletions first", () => {
    const base = [
      r("keep", "azure-native:cognitiveservices:Deployment", "/d/keep", { sku: 1 }),
      r("grow", "azure-native:cognitiveservices:Deployment", "/d/grow", { sku: 1 }),
      r("rename", "azure-native:cognitiveservices:Deployment", "/d/old", { name: "old" }),
      r("move", "azure-native:cognitiveservices:Account", "/a/move", { location: "swedencentral" }),
      r("gone", "azure-native:cognitiveservices:Account", "/a/gone", {}),
    ];
    const next = [
      r("keep", "azure-native:cognitiveservices:Deployment", "/d/keep", { sku: 1 }),
      r("grow", "azure-native:cognitiveservices:Deployment", "/d/grow", { sku: 2 }),
      r("rename", "azure-native:cognitiveservices:Deployment", "/d/new", { name: "new" }),
      r("move", "azure-native:cognitiveservices:Account", "/a/move", { location: "eastus2" }),
      r("added", "azure-native:cognitiveservices:Deployment", "/d/added", {}),
    ];
    expect(
      diffResources(base, next, stateful).map((c) =>
        `${c.action} ${c.name}${c.stateful ? " (stateful)" : ""} ${c.properties.join(",")}`.trim(),
      ),
    ).toEqual([
      "replace move (stateful) location",
      "delete gone (stateful)",
      "replace rename name",
      "create added",
      "update grow sku",
    ]);
  });
});

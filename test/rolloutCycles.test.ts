// Whole cycles of `npm run rollout` on copies of the prod stack file (an Azure OpenAI version bump, a
// rollback), each step planned with the policy pack, and the steps it refuses.
import { describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { AS_OF, planCommand, rawConfig, namespaced } from "./helpers";
import { cli, copyOfProd, exportOf, slotsOf, stepOn, weights } from "./rolloutSteps";

describe("npm run rollout on a copy of the prod stack file", () => {
  it("an Azure OpenAI version bump: start, shift in steps with proof, promote, finish; each step planned with the policy pack", async () => {
    const file = copyOfProd();
    const state = await exportOf();
    const step = stepOn(file, "chat");
    expect((await step("start")).code).toBe(0);
    // Without proof, prod refuses to move weight, and writes nothing.
    const unchanged = readFileSync(file, "utf8");
    const refused = await step("shift", "--weight", "25");
    expect(refused.code).toBe(1);
    expect(refused.err).toContain("prod moves weight onto green only with proof it is deployed and healthy");
    expect(readFileSync(file, "utf8")).toBe(unchanged);
    // green (100K TPM pay-as-you-go in one region) serves less than blue (50 PTU and 500K TPM in two): each
    // step that moves weight onto it cuts what chat can serve, which prod refuses until it is confirmed.
    const cut = await step("shift", "--weight", "25", "--state", state);
    expect(cut.code).toBe(1);
    expect(cut.err).toContain(
      "shift refused: it lowers chat's serving capacity: TPM (input-token equivalent) 737,500 -> 400,000, PTU 50 -> 0, pay-as-you-go TPM 500,000 -> 400,000, regions 2 -> 1; the declared peak workload is 120,000 TPM",
    );
    expect(cut.err).toContain("--accept-capacity-drop");
    expect(readFileSync(file, "utf8")).toBe(unchanged);
    for (const weight of ["25", "50", "75"]) {
      const shifted = await step("shift", "--weight", weight, "--state", state, "--accept-capacity-drop");
      expect(shifted.code, shifted.err).toBe(0);
      expect(shifted.out).toMatch(
        /^capacity: chat: TPM \(input-token equivalent\) [\d,]+ -> [\d,]+.*\(accepted with --accept-capacity-drop\)$/m,
      );
      expect(shifted.out).toContain("the plan and the policy pack pass");
    }
    expect(weights(slotsOf(file, "chat"))).toEqual({ blue: 25, green: 75 });
    expect(slotsOf(file, "chat").rollout!.acceptedCapacityDrop).toEqual({
      on: AS_OF,
      step: "shift",
      change: expect.stringContaining("TPM (input-token equivalent) 200,000 -> 133,333"),
    });
    expect(readFileSync(file, "utf8")).toContain("staged pay-as-you-go at weight 0");
    // The PR summary of the stack file shows the confirmed cut first.
    const summary = await planCommand(
      "--stack",
      "prod",
      "--config-file",
      file,
      "--format",
      "markdown",
      "--as-of",
      AS_OF,
    );
    expect(summary.stdout.split("\n").slice(2, 5).join("\n")).toMatch(
      /^> \[!CAUTION\]\n> \*\*Serving capacity goes down\*\*.*\n> - accepted with `--accept-capacity-drop` \(shift, 2026-11-27\) on endpoint `chat`: TPM/,
    );
    expect((await step("promote", "--state", state)).code).toBe(1);
    const promoted = await step("promote", "--state", state, "--accept-capacity-drop");
    expect(promoted.code, promoted.err).toBe(0);
    expect(promoted.out).toContain("TPM (input-token equivalent) 133,333 -> 100,000");
    // The comment that described green as staged at weight 0 goes once green serves everything.
    expect(readFileSync(file, "utf8")).not.toContain("staged pay-as-you-go at weight 0");
    const finished = await step("finish");
    expect(finished.code, finished.err).toBe(0);
    expect(finished.out).toContain("chat: finished: green serves alone, blue removed");
    const chat = slotsOf(file, "chat");
    expect(chat.rollout).toBeUndefined();
    expect(Object.keys(chat.slots)).toEqual(["green"]);
    expect(chat.slots.green!.targets.map((t) => t.model)).toEqual(["gpt-5.1"]);
    // Untouched endpoints keep their text.
    const status = await cli("status", "--stack", "prod", "--config-file", file, "--endpoint", "chat");
    expect(status.out).toContain("next: start --model M --version V (adds blue at 0)");
  }, 240_000);

  it("a rollback after a first step, then finish abandons the new colour", async () => {
    const file = copyOfProd();
    const state = await exportOf();
    const step = stepOn(file, "chat");
    expect((await step("start")).code).toBe(0);
    expect((await step("shift", "--weight", "25", "--state", state, "--accept-capacity-drop")).code).toBe(0);
    // Back to the colour that served before: never held back as a cut.
    expect((await step("rollback")).code).toBe(0);
    expect(weights(slotsOf(file, "chat"))).toEqual({ blue: 100, green: 0 });
    expect((await step("finish")).out).toContain("chat: abandoned: blue serves alone, green removed");
  }, 120_000);

  it("refuses a step whose plan fails (over quota), listing the reason and writing nothing", async () => {
    const file = copyOfProd();
    const before = readFileSync(file, "utf8");
    const result = await cli(
      "start",
      "--stack",
      "prod",
      "--config-file",
      file,
      "--endpoint",
      "embeddings",
      "--model",
      "text-embedding-3-large",
      "--version",
      "1",
      "--capacity",
      "5000000",
    );
    expect(result.code).toBe(1);
    expect(result.err).toContain("the stack file after it would not plan; nothing was written");
    expect(result.err).toMatch(/over quota/);
    expect(readFileSync(file, "utf8")).toBe(before);
  }, 60_000);

  it("refuses a start whose new colour does not fit the GPU pool beside the live ones", async () => {
    const file = copyOfProd();
    const result = await cli(
      "start",
      "--stack",
      "prod",
      "--config-file",
      file,
      "--endpoint",
      "embeddings",
      "--target-kind",
      "vllm",
      "--model",
      "BAAI/bge-m3",
      "--version",
      "5617a9f61b028005a4858fdac845db406aefb181",
      "--pool",
      "a100",
      "--image",
      "vllm/vllm-openai:v0.30.0",
      "--replicas",
      "3",
      "--service-ip",
      "10.40.31.201",
    );
    expect(result.code).toBe(1);
    expect(result.err).toContain(
      "cluster.gpuPools.a100.maxCount: the live slots on this pool need 7 nodes at their maxReplicas; maxCount is 6",
    );
  }, 60_000);

  it("refuses a step the policy pack refuses (a model prod does not allow), naming the rule", async () => {
    const raw = rawConfig("prod");
    raw.quota.push({
      region: "swedencentral",
      model: "text-embedding-3-small",
      deploymentType: "Standard",
      limit: 500000,
      usedElsewhere: 0,
    });
    const file = join(mkdtempSync(join(tmpdir(), "genai-rollout-")), "Pulumi.prod.yaml");
    writeFileSync(file, stringify({ config: namespaced(raw) }));
    const before = readFileSync(file, "utf8");
    const result = await cli(
      "start",
      "--stack",
      "prod",
      "--config-file",
      file,
      "--endpoint",
      "embeddings",
      "--model",
      "text-embedding-3-small",
      "--version",
      "1",
      "--capacity",
      "100000",
    );
    expect(result.code).toBe(1);
    expect(result.err).toContain(
      "policy governance-openai-allowed-models: openai-swc-embeddings-green-text-embedding-3-small-std:",
    );
    expect(readFileSync(file, "utf8")).toBe(before);
  }, 60_000);

  it("says what is wrong with its arguments (exit 2)", async () => {
    expect((await cli("sideways", "--stack", "prod")).err).toContain(
      "the first argument must be one of status, start, shift, promote, finish, rollback",
    );
    expect((await cli("shift", "--stack", "prod", "--endpoint", "chat")).err).toContain("shift needs --weight W");
    const missing = await cli("shift", "--stack", "prod", "--endpoint", "nope", "--weight", "10");
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('no endpoint "nope"');
  });
});

// `npm run rollout` moving an endpoint to self-hosted servers (ready in the export before they take
// traffic) and the load-test gate, on copies of the prod stack file.
import { describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { loadtest } from "../cli/commands/loadtest";
import { startLoopback } from "../cli/loadtest/loopbackServer";
import { copyOfProd, exportOf, readyCopy, slotsOf, stepOn, weights } from "./rolloutSteps";
import { PROJECT_DIR } from "./helpers";

describe("npm run rollout on a copy of the prod stack file: vLLM and the load-test gate", () => {
  it("a move to vLLM: the new servers must be ready in the export before they take traffic", async () => {
    const file = copyOfProd();
    // vLLM servers have no TPM figure to compare: each step onto them is a capacity cut to confirm.
    const step = stepOn(file, "embeddings", true);
    const started = await step(
      "start",
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
      "2",
      "--service-ip",
      "10.40.31.201",
    );
    expect(started.code, started.err).toBe(0);
    // The new servers start from zero: two more GPU nodes (prod's a100 pool is full with qwen), the image, the model.
    expect(started.out).toContain(
      "cold start: embeddings/green starts 2 vLLM servers from zero once applied: expect 11-48 min before they are ready (2 new GPU nodes 8-15 min,",
    );
    const planned = await exportOf(file);
    // A colour in a rollout runs at its serving size from start, at weight 0.
    const servers = JSON.parse(readFileSync(planned, "utf8")).deployment.resources.filter(
      (r: { type: string; inputs: { metadata: { namespace: string } } }) =>
        r.type === "kubernetes:apps/v1:StatefulSet" && r.inputs.metadata.namespace === "vllm-embeddings-green",
    );
    expect(servers.map((r: { inputs: { spec: { replicas: number } } }) => r.inputs.spec.replicas)).toEqual([2]);
    const notReady = await step("shift", "--weight", "25", "--state", planned);
    expect(notReady.code).toBe(1);
    expect(notReady.err).toContain(
      "green is not proven deployed and healthy by the state export: model servers not ready",
    );
    const ready = readyCopy(planned);
    for (const weight of ["25", "50", "75"])
      expect((await step("shift", "--weight", weight, "--state", ready)).code).toBe(0);
    // The semantic cache calls the endpoint's live Azure OpenAI embeddings deployment: it cannot follow the endpoint to vLLM.
    const withCache = await step("shift", "--weight", "100", "--state", ready);
    expect(withCache.code).toBe(1);
    expect(withCache.err).toContain(
      'gateway.semanticCache.embeddingsEndpoint: "embeddings" is not an endpoint whose live slot serves Azure OpenAI embedding models',
    );
    const document = parse(readFileSync(file, "utf8"));
    delete document.config["genai-platform:gateway"].semanticCache;
    writeFileSync(file, stringify(document));
    expect((await step("shift", "--weight", "100", "--state", ready)).code).toBe(0);
    expect((await step("finish")).code).toBe(0);
    expect(slotsOf(file, "embeddings").slots.green!.targets[0]).toMatchObject({
      kind: "vllm",
      model: "BAAI/bge-m3",
      serviceIp: "10.40.31.201",
    });
  }, 240_000);

  it("an adapter's new revision rolls out like a model version, and the abandoned colour returns to zero", async () => {
    const file = copyOfProd();
    // The adapter's source joins prod's list of open models, as the change that adds it would in its PR.
    const allowed = join(mkdtempSync(join(tmpdir(), "genai-policy-")), "prod.json");
    const committed = JSON.parse(readFileSync(join(PROJECT_DIR, "policies", "config", "prod.json"), "utf8"));
    const models = committed["governance-vllm-allowed-models"].models;
    writeFileSync(
      allowed,
      JSON.stringify({
        ...committed,
        "governance-vllm-allowed-models": { models: [...models, "acme/qwen-support-lora"] },
      }),
    );
    const document = parse(readFileSync(file, "utf8"));
    document.config["genai-platform:models"].qwen.slots.blue.targets[0].adapters = [
      {
        name: "support",
        model: "acme/qwen-support-lora",
        revision: "0123456789abcdef0123456789abcdef01234567",
        rank: 16,
      },
    ];
    // Both colours run at their maxReplicas during the rollout: 8 one-GPU nodes.
    document.config["genai-platform:cluster"].gpuPools.a100.maxCount = 8;
    writeFileSync(file, stringify(document));
    const onQwen = stepOn(file, "qwen", true);
    const step = (...argv: string[]) => onQwen(...argv, "--policy-config", allowed);
    // Without the source on the list, the pack refuses the new colour.
    const bump = [
      "start",
      "--adapter",
      "support",
      "--adapter-revision",
      "89abcdef0123456789abcdef0123456789abcdef",
      "--service-ip",
      "10.40.31.202",
    ];
    const refused = await onQwen(...bump);
    expect(refused.code).toBe(1);
    expect(refused.err).toContain(
      'serving-qwen-green-vllm-a100-0: adapter support comes from "acme/qwen-support-lora"; allowed: Qwen/Qwen2.5-7B-Instruct, BAAI/bge-m3',
    );
    // The live target copied whole, the adapter at its new revision, behind the new colour's own address.
    const started = await step(...bump);
    expect(started.code, started.err).toBe(0);
    expect(started.out).toContain("qwen: green added at weight 0 beside blue (100)");
    expect(started.out).toContain("cold start: qwen/green starts 2 vLLM servers from zero once applied");
    const { green } = slotsOf(file, "qwen").slots;
    expect(green!.targets[0]).toMatchObject({
      model: "Qwen/Qwen2.5-7B-Instruct",
      serviceIp: "10.40.31.202",
      adapters: [{ name: "support", revision: "89abcdef0123456789abcdef0123456789abcdef" }],
    });
    const ready = readyCopy(await exportOf(file, allowed));
    expect((await step("shift", "--weight", "25", "--state", ready)).code).toBe(0);
    expect(weights(slotsOf(file, "qwen"))).toEqual({ blue: 75, green: 25 });
    expect((await step("rollback")).code).toBe(0);
    const finished = await step("finish", "--keep-idle");
    expect(finished.code, finished.err).toBe(0);
    expect(finished.out).toContain("qwen: abandoned: blue serves alone, green kept idle at weight 0");
    // Green stays in the file at 0 with no rollout: planned, its servers run at zero.
    expect(slotsOf(file, "qwen").rollout).toBeUndefined();
    const state = JSON.parse(readFileSync(await exportOf(file, allowed), "utf8"));
    const servers = state.deployment.resources.filter(
      (r: { type: string; inputs: { metadata: { namespace: string } } }) =>
        r.type === "kubernetes:apps/v1:StatefulSet" && r.inputs.metadata.namespace.startsWith("vllm-qwen-"),
    );
    expect(
      Object.fromEntries(
        servers.map((r: { inputs: { metadata: { namespace: string }; spec: { replicas: number } } }) => [
          r.inputs.metadata.namespace,
          r.inputs.spec.replicas,
        ]),
      ),
    ).toEqual({ "vllm-qwen-blue": 2, "vllm-qwen-green": 0 });
  }, 240_000);

  it("the load-test gate refuses moving weight onto a colour slower than the old one beyond the margin, and lets an equal one pass", async () => {
    const file = copyOfProd();
    const state = await exportOf();
    const step = stepOn(file, "chat", true);
    expect((await step("start")).code).toBe(0);
    expect((await step("shift", "--weight", "25", "--state", state)).code).toBe(0);
    // A load test while both colours take traffic: green answers its first token later than blue (or as fast).
    const measure = async (greenFirstTokenMs: number) => {
      const server = await startLoopback({
        firstTokenDelayMs: 200,
        firstTokenDelayMsBySlot: { green: greenFirstTokenMs },
        interTokenDelayMs: 50,
        outputTokens: 6,
        slotOf: (n) => (n % 2 ? "green" : "blue"),
      });
      const json = join(mkdtempSync(join(tmpdir(), "genai-gate-")), "results.json");
      const io = { out: () => undefined, err: () => undefined };
      expect(
        await loadtest(
          [
            "--gateway",
            server.url,
            "--endpoint",
            "chat",
            // All 40 at once: the figures are per request, and one wave waits least.
            "--concurrency",
            "40",
            "--requests",
            "40",
            "--api-key",
            "k",
            "--json",
            json,
            "--out",
            join(json, "..", "charts"),
          ],
          io,
        ),
      ).toBe(0);
      await server.close();
      return json;
    };
    const slowerJson = await measure(400);
    const slower = await step("shift", "--weight", "50", "--state", state, "--loadtest", slowerJson);
    expect(slower.code).toBe(1);
    expect(slower.err).toMatch(
      /refused by the load test[\s\S]*TTFT p95: green \d+ ms is more than 20% above blue \d+ ms/,
    );
    expect(weights(slotsOf(file, "chat"))).toEqual({ blue: 75, green: 25 });
    const equal = await step("shift", "--weight", "50", "--state", state, "--loadtest", await measure(200));
    expect(equal.code, equal.err).toBe(0);
    expect(weights(slotsOf(file, "chat"))).toEqual({ blue: 50, green: 50 });
    // Moving weight back off the new colour is never held back by the gate.
    expect((await step("shift", "--weight", "25", "--state", state, "--loadtest", slowerJson)).code).toBe(0);
    // A load test of another endpoint proves nothing about this one.
    const other = JSON.parse(readFileSync(slowerJson, "utf8"));
    writeFileSync(slowerJson, JSON.stringify({ ...other, endpoint: "embeddings" }));
    expect((await step("shift", "--weight", "50", "--state", state, "--loadtest", slowerJson)).err).toContain(
      "the load test measured endpoint embeddings, not chat",
    );
  }, 120_000);
});

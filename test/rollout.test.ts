// Blue-green rollout: the state machine's every transition and refusal, a property test over command
// sequences, byte-preserving stack-file edits, and whole cycles of `npm run rollout` on copies of the
// prod stack file (Azure OpenAI version bump; a move to vLLM), each step planned with the policy pack.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { chmodSync, copyFileSync, existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { transition, nextStep, type Command, type Context, type RawEndpoint } from "../cli/rollout/machine";
import { editEndpoint, endpointNames, readEndpoint, stackDocument } from "../cli/rollout/stackEdit";
import { rollout } from "../cli/rollout";
import { loadtest } from "../cli/loadtest";
import { startLoopback } from "../cli/loadtest/loopbackServer";
import { gateProblems } from "../cli/rollout/gate";
import { distribution, type SlotSummary } from "../cli/loadtest/run";
import { plan } from "../cli/plan";
import { AS_OF, PROJECT_DIR, rawConfig, namespaced } from "./helpers";

const target = (model: string) => ({ kind: "azure-openai", account: "swc", model, version: "1", deploymentType: "GlobalStandard", capacity: 1000, priority: 1 });
const oneColour = (): RawEndpoint => ({ slots: { blue: { weight: 100, targets: [target("old")] } } });
const dev: Context = { environment: "dev", maxStep: 25 };
const prod = (healthy = true): Context => ({ environment: "prod", maxStep: 25, proof: () => (healthy ? { healthy: true } : { healthy: false, why: "not in the export" }) });
const run = (e: RawEndpoint, ...commands: Command[]) =>
  commands.reduce<RawEndpoint>((state, c) => {
    const outcome = transition("chat", state, c, dev);
    if (!outcome.ok) throw new Error(outcome.reasons.join("; "));
    return outcome.endpoint;
  }, e);
const weights = (e: RawEndpoint) => Object.fromEntries(Object.entries(e.slots).map(([c, s]) => [c, s!.weight]));
const refusal = (e: RawEndpoint, c: Command, ctx: Context = dev) => {
  const outcome = transition("chat", e, c, ctx);
  return outcome.ok ? "accepted" : outcome.reasons;
};

describe("the rollout state machine", () => {
  it("start adds the idle colour at 0 with the new targets and records the rollout", () => {
    const started = run(oneColour(), { kind: "start", targets: [target("new")] });
    expect(started).toEqual({ slots: { blue: { weight: 100, targets: [target("old")] }, green: { weight: 0, targets: [target("new")] } }, rollout: { to: "green" } });
  });
  it("start adopts a colour already staged at 0", () => {
    const staged: RawEndpoint = { slots: { blue: { weight: 100, targets: [target("old")] }, green: { weight: 0, targets: [target("new")] } } };
    expect(run(staged, { kind: "start" }).rollout).toEqual({ to: "green" });
  });
  it("shift, promote, finish: green takes over and blue is removed", () => {
    let e = run(oneColour(), { kind: "start", targets: [target("new")] }, { kind: "shift", weight: 30 });
    expect(weights(e)).toEqual({ blue: 70, green: 30 });
    e = run(e, { kind: "promote" });
    expect(weights(e)).toEqual({ blue: 0, green: 100 });
    e = run(e, { kind: "finish" });
    expect(e).toEqual({ slots: { green: { weight: 100, targets: [target("new")] } } });
    expect(nextStep(e, 25)).toBe("start --model M --version V (adds blue at 0)");
  });
  it("rollback at any point puts the old colour back to 100; finish then abandons the new one", () => {
    let e = run(oneColour(), { kind: "start", targets: [target("new")] }, { kind: "shift", weight: 60 }, { kind: "rollback" });
    expect(weights(e)).toEqual({ blue: 100, green: 0 });
    e = run(e, { kind: "finish" });
    expect(e).toEqual(oneColour());
  });
  it("refuses every step out of order, with its reason", () => {
    const started = run(oneColour(), { kind: "start", targets: [target("new")] });
    expect(refusal(oneColour(), { kind: "shift", weight: 10 })).toEqual(["chat: no rollout in progress: start one first"]);
    expect(refusal(oneColour(), { kind: "promote" })).toEqual(["chat: no rollout in progress: start one first"]);
    expect(refusal(oneColour(), { kind: "rollback" })).toEqual(["chat: no rollout in progress: nothing to roll back"]);
    expect(refusal(oneColour(), { kind: "finish" })).toEqual(["chat: no rollout in progress: nothing to finish"]);
    expect(refusal(oneColour(), { kind: "start" })).toEqual(["chat: start needs the new colour's targets (--model and --version, or a vLLM target)"]);
    expect(refusal(started, { kind: "start", targets: [target("x")] })).toEqual(["chat: a rollout to green is already in progress: shift, promote, rollback or finish it first"]);
    expect(refusal(run(started, { kind: "shift", weight: 40 }), { kind: "finish" })).toEqual([
      "chat: finish removes the colour at weight 0 once the other has 100; now blue 60, green 40: promote or roll back first",
    ]);
    expect(refusal(started, { kind: "shift", weight: 101 })).toEqual(["chat: --weight 101 is not a whole number from 0 to 100"]);
    const both: RawEndpoint = { slots: { blue: { weight: 50, targets: [target("a")] }, green: { weight: 50, targets: [target("b")] } } };
    expect(refusal(both, { kind: "start" })).toEqual(["chat: both colours take traffic and no rollout is recorded: set one colour's weight to 100 first"]);
    const staged: RawEndpoint = { slots: { blue: { weight: 100, targets: [target("a")] }, green: { weight: 0, targets: [target("b")] } } };
    expect(refusal(staged, { kind: "start", targets: [target("c")] })).toEqual([
      "chat: green is already staged at weight 0 with its own targets: start without --model to roll out to it, or finish and start again",
    ]);
  });
  it("prod: weight onto a colour needs proof it is deployed and healthy, and steps of at most rolloutMaxStep", () => {
    const started = run(oneColour(), { kind: "start", targets: [target("new")] });
    expect(refusal(started, { kind: "shift", weight: 25 }, { environment: "prod", maxStep: 25 })).toEqual([
      "prod moves weight onto green only with proof it is deployed and healthy: pass --state <pulumi stack export>",
    ]);
    expect(refusal(started, { kind: "shift", weight: 25 }, prod(false))).toEqual(["green is not proven deployed and healthy by the state export: not in the export"]);
    expect(refusal(started, { kind: "promote" }, prod())).toEqual([
      "chat: prod moves at most 25 points of weight per step (rolloutMaxStep); green is at 0, asked for 100: shift to 25 first",
    ]);
    expect(refusal(started, { kind: "shift", weight: 25 }, prod())).toBe("accepted");
    // Rolling back is never held back: no proof, no step limit.
    expect(refusal(run(started, { kind: "shift", weight: 25 }, { kind: "shift", weight: 50 }), { kind: "rollback" }, { environment: "prod", maxStep: 25 })).toBe("accepted");
    // Dev takes a jump without proof.
    expect(refusal(started, { kind: "promote" }, dev)).toBe("accepted");
  });

  it("property: any sequence of accepted commands keeps weights summing to 100, a live slot, and a rollout only with both colours", () => {
    const command: fc.Arbitrary<Command> = fc.oneof(
      fc.constant<Command>({ kind: "start", targets: [target("next")] }),
      fc.integer({ min: -10, max: 110 }).map<Command>((weight) => ({ kind: "shift", weight })),
      fc.constant<Command>({ kind: "promote" }),
      fc.constant<Command>({ kind: "rollback" }),
      fc.constant<Command>({ kind: "finish" }),
    );
    fc.assert(
      fc.property(fc.array(command, { maxLength: 30 }), fc.constantFrom(dev, prod(), prod(false)), (commands, ctx) => {
        let e = oneColour();
        for (const c of commands) {
          const outcome = transition("chat", e, c, ctx);
          if (!outcome.ok) {
            expect(outcome.reasons.length).toBeGreaterThan(0);
            continue;
          }
          const before = e;
          e = outcome.endpoint;
          const slots = Object.values(e.slots);
          expect(slots.reduce((sum, s) => sum + s!.weight, 0)).toBe(100);
          expect(slots.some((s) => s!.weight > 0)).toBe(true);
          expect(e.rollout === undefined || slots.length === 2).toBe(true);
          // Prod never jumps further than the step limit onto the new colour, except back (rollback).
          if (ctx.environment === "prod" && (c.kind === "shift" || c.kind === "promote") && before.rollout) {
            expect(Math.abs(e.slots[before.rollout.to]!.weight - before.slots[before.rollout.to]!.weight)).toBeLessThanOrEqual(ctx.maxStep);
          }
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe("the load-test gate", () => {
  const slot = (ttft: number[], tpot: number[], errorRate = 0, requests = ttft.length): SlotSummary => ({
    requests, ok: requests, errorRate, throttledRate: 0, retries: 0, ttftMs: distribution(ttft), tpotMs: distribution(tpot), e2eMs: distribution(ttft), rps: 1, outputTokensPerSecond: 1,
  });
  const margins = { ttftP95Percent: 20, tpotP95Percent: 20, errorRatePoints: 1 };
  it("passes a new colour within the margins and names every measure beyond them", () => {
    expect(gateProblems({ blue: slot([100, 110], [20]), green: slot([115, 120], [22]) }, "blue", "green", margins)).toEqual([]);
    expect(gateProblems({ blue: slot([100], [20], 0.01), green: slot([200], [30], 0.05) }, "blue", "green", margins)).toEqual([
      "TTFT p95: green 200 ms is more than 20% above blue 100 ms (limit 120 ms)",
      "TPOT p95: green 30 ms is more than 20% above blue 20 ms (limit 24 ms)",
      "error rate: green 5.0% is 4.0 points above blue 1.0% (margin 1 points)",
    ]);
  });
  it("needs requests from both colours", () => {
    expect(gateProblems({ blue: slot([100], [20]) }, "blue", "green", margins)).toEqual([
      "the load test has no requests served by green: run it while both colours take traffic (the gateway reports the slot per request)",
    ]);
  });
});

describe("stack-file edits", () => {
  it.each(["prod", "dev"])("%s: starting and abandoning a rollout on any endpoint gives the file back byte for byte", (stack) => {
    const text = readFileSync(join(PROJECT_DIR, `Pulumi.${stack}.yaml`), "utf8");
    const doc = stackDocument(text, stack);
    for (const name of endpointNames(doc)) {
      const before = readEndpoint(doc, name)!;
      const live = Object.entries(before.slots).find(([, s]) => s!.weight === 100);
      if (!live || Object.keys(before.slots).length === 2) continue;
      const started = transition(name, before, { kind: "start", targets: [target("next")] }, dev);
      if (!started.ok) throw new Error(started.reasons.join("; "));
      const edited = editEndpoint(text, doc, name, before, started.endpoint);
      expect(edited).not.toBe(text);
      const doc2 = stackDocument(edited, stack);
      expect(readEndpoint(doc2, name)).toEqual(started.endpoint);
      const finished = transition(name, started.endpoint, { kind: "finish" }, dev);
      if (!finished.ok) throw new Error(finished.reasons.join("; "));
      expect(editEndpoint(edited, doc2, name, started.endpoint, finished.endpoint)).toBe(text);
    }
  });

  const tiny = (eol: string, trailing: string) =>
    ["config:", "  genai-platform:models:", "    chat:", "      slots:", "        blue:", "          weight: 100", "          targets:", "            - { kind: azure-openai, model: a } # live", "        green:", "          weight: 0", "          targets:", "            - { kind: azure-openai, model: b } # staged"].join(eol) + trailing;
  it.each([["LF", "\n"], ["CRLF", "\r\n"]])("records a rollout at the end of a file without a trailing newline, keeping its %s line endings and its comments", (_name, eol) => {
    const text = tiny(eol, "");
    const doc = stackDocument(text, "tiny");
    const before = readEndpoint(doc, "chat")!;
    const started = transition("chat", before, { kind: "start" }, dev);
    if (!started.ok) throw new Error(started.reasons.join("; "));
    const edited = editEndpoint(text, doc, "chat", before, started.endpoint);
    expect(edited).toBe(`${text}${eol}      rollout: { to: green }${eol}`);
    expect(readEndpoint(stackDocument(edited, "tiny"), "chat")!.rollout).toEqual({ to: "green" });
  });
  it("refuses to edit a flow-style slots mapping rather than break it", () => {
    const text = "config:\n  genai-platform:models:\n    chat:\n      slots: { blue: { weight: 100, targets: [{ kind: azure-openai }] } }\n";
    const doc = stackDocument(text, "flow");
    const before = readEndpoint(doc, "chat")!;
    const started = transition("chat", before, { kind: "start", targets: [target("next")] }, dev);
    if (!started.ok) throw new Error(started.reasons.join("; "));
    expect(() => editEndpoint(text, doc, "chat", before, started.endpoint)).toThrow("genai-platform:models.chat.slots is written in flow style");
  });

  it("a shift changes exactly the two weight lines, keeping the comments around them", () => {
    const text = readFileSync(join(PROJECT_DIR, "Pulumi.prod.yaml"), "utf8");
    const doc = stackDocument(text, "prod");
    const before = { ...readEndpoint(doc, "chat")!, rollout: { to: "green" as const } };
    const shifted = transition("chat", before, { kind: "shift", weight: 20 }, dev);
    if (!shifted.ok) throw new Error(shifted.reasons.join("; "));
    const edited = editEndpoint(text, doc, "chat", { ...before, rollout: { to: "green" } }, shifted.endpoint).split("\n");
    const original = text.split("\n");
    const changed = original.flatMap((line, i) => (line !== edited[i] ? [`${line.trim()} -> ${edited[i]!.trim()}`] : []));
    expect(changed).toEqual(["weight: 100 -> weight: 80", "weight: 0 -> weight: 20"]);
    expect(edited.length).toBe(original.length);
  });
});

// ---- the command on copies of the prod stack file ----------------------------------------------------

/** Runs the command in this process. Its state exports are offline plans, so it asks for offline proof explicitly. */
async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  return raw(...argv, ...(argv.includes("--state") ? ["--allow-offline-proof"] : []));
}

async function raw(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await rollout([...argv, "--as-of", AS_OF], PROJECT_DIR, { out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}

/** The state export of a plan of `file`: what `pulumi stack export` shows once it is applied. */
async function exportOf(file: string, ready = false): Promise<string> {
  const out = mkdtempSync(join(tmpdir(), "genai-rollout-state-"));
  expect(await plan(["--stack", "prod", "--config-file", file, "--out", out, "--as-of", AS_OF], PROJECT_DIR, { out: () => true, err: () => true })).toBe(0);
  const path = join(out, "prod", "stack.json");
  if (ready) {
    // A live export carries the StatefulSets' status once their servers are ready; the offline plan's does not.
    const state = JSON.parse(readFileSync(path, "utf8"));
    for (const r of state.deployment.resources) if (r.type === "kubernetes:apps/v1:StatefulSet") r.outputs = { ...r.outputs, spec: r.inputs.spec, status: { readyReplicas: r.inputs.spec.replicas } };
    writeFileSync(path, JSON.stringify(state));
  }
  return path;
}

const copyOfProd = () => {
  const file = join(mkdtempSync(join(tmpdir(), "genai-rollout-")), "Pulumi.prod.yaml");
  copyFileSync(join(PROJECT_DIR, "Pulumi.prod.yaml"), file);
  return file;
};
const slotsOf = (file: string, endpoint: string) => (parse(readFileSync(file, "utf8")).config["genai-platform:models"][endpoint]) as RawEndpoint;

describe("npm run rollout on a copy of the prod stack file", () => {
  it("an Azure OpenAI version bump: start, shift in steps with proof, promote, finish; each step planned with the policy pack", async () => {
    const file = copyOfProd();
    const state = await exportOf(file);
    const step = (...argv: string[]) => cli(...argv, "--stack", "prod", "--config-file", file, "--endpoint", "chat");
    expect((await step("start")).code).toBe(0);
    // Without proof, prod refuses to move weight, and writes nothing.
    const unchanged = readFileSync(file, "utf8");
    const refused = await step("shift", "--weight", "25");
    expect(refused.code).toBe(1);
    expect(refused.err).toContain("prod moves weight onto green only with proof it is deployed and healthy");
    expect(readFileSync(file, "utf8")).toBe(unchanged);
    for (const weight of ["25", "50", "75"]) {
      const shifted = await step("shift", "--weight", weight, "--state", state);
      expect(shifted.code, shifted.err).toBe(0);
      expect(shifted.out).toContain("the plan and the policy pack pass");
    }
    expect(weights(slotsOf(file, "chat"))).toEqual({ blue: 25, green: 75 });
    expect((await step("promote", "--state", state)).code).toBe(0);
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
    const state = await exportOf(file);
    const step = (...argv: string[]) => cli(...argv, "--stack", "prod", "--config-file", file, "--endpoint", "chat");
    expect((await step("start")).code).toBe(0);
    expect((await step("shift", "--weight", "25", "--state", state)).code).toBe(0);
    expect((await step("rollback")).code).toBe(0);
    expect(weights(slotsOf(file, "chat"))).toEqual({ blue: 100, green: 0 });
    expect((await step("finish")).out).toContain("chat: abandoned: blue serves alone, green removed");
  }, 120_000);

  it("a move to vLLM: the new servers must be ready in the export before they take traffic", async () => {
    const file = copyOfProd();
    const step = (...argv: string[]) => cli(...argv, "--stack", "prod", "--config-file", file, "--endpoint", "embeddings");
    const started = await step("start", "--target-kind", "vllm", "--model", "BAAI/bge-m3", "--version", "5617a9f61b028005a4858fdac845db406aefb181", "--pool", "a100", "--image", "vllm/vllm-openai:v0.30.0", "--replicas", "2", "--service-ip", "10.40.31.201");
    expect(started.code, started.err).toBe(0);
    const notReady = await step("shift", "--weight", "25", "--state", await exportOf(file));
    expect(notReady.code).toBe(1);
    expect(notReady.err).toContain("green is not proven deployed and healthy by the state export: model servers not ready");
    const ready = await exportOf(file, true);
    for (const weight of ["25", "50", "75"]) expect((await step("shift", "--weight", weight, "--state", ready)).code).toBe(0);
    // The semantic cache calls the endpoint's live Azure OpenAI embeddings deployment: it cannot follow the endpoint to vLLM.
    const withCache = await step("shift", "--weight", "100", "--state", ready);
    expect(withCache.code).toBe(1);
    expect(withCache.err).toContain('gateway.semanticCache.embeddingsEndpoint: "embeddings" is not an endpoint whose live slot serves Azure OpenAI embedding models');
    const document = parse(readFileSync(file, "utf8"));
    delete document.config["genai-platform:gateway"].semanticCache;
    writeFileSync(file, stringify(document));
    expect((await step("shift", "--weight", "100", "--state", ready)).code).toBe(0);
    expect((await step("finish")).code).toBe(0);
    expect(slotsOf(file, "embeddings").slots.green!.targets[0]).toMatchObject({ kind: "vllm", model: "BAAI/bge-m3", serviceIp: "10.40.31.201" });
  }, 240_000);

  it("refuses a step whose plan fails (over quota), listing the reason and writing nothing", async () => {
    const file = copyOfProd();
    const before = readFileSync(file, "utf8");
    const result = await cli("start", "--stack", "prod", "--config-file", file, "--endpoint", "embeddings", "--model", "text-embedding-3-large", "--version", "1", "--capacity", "5000000");
    expect(result.code).toBe(1);
    expect(result.err).toContain("the stack file after it would not plan; nothing was written");
    expect(result.err).toMatch(/over quota/);
    expect(readFileSync(file, "utf8")).toBe(before);
  }, 60_000);

  it("refuses a start whose new colour does not fit the GPU pool beside the live ones", async () => {
    const file = copyOfProd();
    const result = await cli("start", "--stack", "prod", "--config-file", file, "--endpoint", "embeddings", "--target-kind", "vllm", "--model", "BAAI/bge-m3", "--version", "5617a9f61b028005a4858fdac845db406aefb181", "--pool", "a100", "--image", "vllm/vllm-openai:v0.30.0", "--replicas", "3", "--service-ip", "10.40.31.201");
    expect(result.code).toBe(1);
    expect(result.err).toContain("cluster.gpuPools.a100.maxCount: the live slots on this pool need 7 nodes at their maxReplicas; maxCount is 6");
  }, 60_000);

  it("refuses a step the policy pack refuses (a model prod does not allow), naming the rule", async () => {
    const raw = rawConfig("prod");
    raw.quota.push({ region: "swedencentral", model: "text-embedding-3-small", deploymentType: "Standard", limit: 500000, usedElsewhere: 0 });
    const file = join(mkdtempSync(join(tmpdir(), "genai-rollout-")), "Pulumi.prod.yaml");
    writeFileSync(file, stringify({ config: namespaced(raw) }));
    const before = readFileSync(file, "utf8");
    const result = await cli("start", "--stack", "prod", "--config-file", file, "--endpoint", "embeddings", "--model", "text-embedding-3-small", "--version", "1", "--capacity", "100000");
    expect(result.code).toBe(1);
    expect(result.err).toContain("policy governance-openai-allowed-models: openai-swc-embeddings-green-text-embedding-3-small-std:");
    expect(readFileSync(file, "utf8")).toBe(before);
  }, 60_000);

  it("the load-test gate refuses moving weight onto a colour slower than the old one beyond the margin, and lets an equal one pass", async () => {
    const file = copyOfProd();
    const state = await exportOf(file);
    const step = (...argv: string[]) => cli(...argv, "--stack", "prod", "--config-file", file, "--endpoint", "chat");
    expect((await step("start")).code).toBe(0);
    expect((await step("shift", "--weight", "25", "--state", state)).code).toBe(0);
    // A load test while both colours take traffic: green answers its first token 100 ms later than blue.
    const measure = async (greenFirstTokenMs: number) => {
      const server = await startLoopback({ firstTokenDelayMs: 100, firstTokenDelayMsBySlot: { green: greenFirstTokenMs }, interTokenDelayMs: 25, outputTokens: 6, slotOf: (n) => (n % 2 ? "green" : "blue") });
      const json = join(mkdtempSync(join(tmpdir(), "genai-gate-")), "results.json");
      const io = { out: () => undefined, err: () => undefined };
      expect(await loadtest(["--gateway", server.url, "--endpoint", "chat", "--concurrency", "8", "--requests", "80", "--api-key", "k", "--json", json, "--out", join(json, "..", "charts")], io)).toBe(0);
      await server.close();
      return json;
    };
    const slowerJson = await measure(200);
    const slower = await step("shift", "--weight", "50", "--state", state, "--loadtest", slowerJson);
    expect(slower.code).toBe(1);
    expect(slower.err).toMatch(/refused by the load test[\s\S]*TTFT p95: green \d+ ms is more than 20% above blue \d+ ms/);
    expect(weights(slotsOf(file, "chat"))).toEqual({ blue: 75, green: 25 });
    const equal = await step("shift", "--weight", "50", "--state", state, "--loadtest", await measure(100));
    expect(equal.code, equal.err).toBe(0);
    expect(weights(slotsOf(file, "chat"))).toEqual({ blue: 50, green: 50 });
    // Moving weight back off the new colour is never held back by the gate.
    expect((await step("shift", "--weight", "25", "--state", state, "--loadtest", slowerJson)).code).toBe(0);
    // A load test of another endpoint proves nothing about this one.
    const other = JSON.parse(readFileSync(slowerJson, "utf8"));
    writeFileSync(slowerJson, JSON.stringify({ ...other, endpoint: "embeddings" }));
    expect((await step("shift", "--weight", "50", "--state", state, "--loadtest", slowerJson)).err).toContain("the load test measured endpoint embeddings, not chat");
  }, 120_000);

  it("says what is wrong with its arguments (exit 2)", async () => {
    expect((await cli("sideways", "--stack", "prod")).err).toContain("the first argument must be one of status, start, shift, promote, finish, rollback");
    expect((await cli("shift", "--stack", "prod", "--endpoint", "chat")).err).toContain("shift needs --weight W");
    const missing = await cli("shift", "--stack", "prod", "--endpoint", "nope", "--weight", "10");
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('no endpoint "nope"');
  });
});

describe("npm run rollout under careless and hostile input", () => {
  const scratchFile = (name: string, content: string) => {
    const path = join(mkdtempSync(join(tmpdir(), "genai-rollout-input-")), name);
    writeFileSync(path, content);
    return path;
  };

  it.each([
    ['resources "abc"', JSON.stringify({ version: 3, deployment: { resources: "abc" } }), "deployment.resources: Invalid input: expected array"],
    ["resources [null]", JSON.stringify({ version: 3, deployment: { resources: [null] } }), "deployment.resources[0]: Invalid input: expected object"],
    ['{"a":1}', JSON.stringify({ a: 1 }), "version: Invalid input: expected number"],
    ["{}", "{}", "is not a pulumi stack export"],
    ["an export of nothing", JSON.stringify({ version: 3, deployment: { resources: [] } }), "no resources: this export proves nothing"],
    ["not JSON", "{", "is not JSON"],
  ])("refuses a --state export with %s, exit 2, naming the field", async (_name, content, expected) => {
    const file = copyOfProd();
    const before = readFileSync(file, "utf8");
    for (const action of [["status"], ["shift", "--weight", "25"]]) {
      const result = await raw(...action, "--stack", "prod", "--config-file", file, "--endpoint", "chat", "--state", scratchFile("state.json", content));
      expect(result.code, result.err).toBe(2);
      expect(result.err).toContain(expected);
    }
    expect(readFileSync(file, "utf8")).toBe(before);
  });

  it("refuses an export of another stack as proof, and the offline plan's own export unless asked explicitly", async () => {
    const file = copyOfProd();
    const state = await exportOf(file);
    const other = JSON.parse(readFileSync(state, "utf8"));
    for (const r of other.deployment.resources) r.urn = r.urn.replace("urn:pulumi:prod::", "urn:pulumi:dev::");
    const otherFile = scratchFile("dev.json", JSON.stringify(other));
    const step = (...argv: string[]) => raw("shift", "--stack", "prod", "--config-file", file, "--endpoint", "chat", "--weight", "25", ...argv);
    expect((await raw("start", "--stack", "prod", "--config-file", file, "--endpoint", "chat")).code).toBe(0);
    const foreign = await step("--state", otherFile, "--allow-offline-proof");
    expect(foreign.code).toBe(2);
    expect(foreign.err).toContain("is an export of dev of project genai-platform, not of stack prod of project genai-platform");
    const offline = await step("--state", state);
    expect(offline.code).toBe(2);
    expect(offline.err).toContain("is the offline plan's export (npm run plan), not a deployment's");
  });

  it.each([["''", ""], ["0x19", "0x19"], ["1e1", "1e1"], ["-5", "-5"], [" 25", " 25"]])("reads --weight %s as no number, exit 2", async (_name, weight) => {
    const result = await raw("shift", "--stack", "prod", "--config-file", copyOfProd(), "--endpoint", "chat", `--weight=${weight}`);
    expect(result.code).toBe(2);
    expect(result.err).toContain(`--weight ${JSON.stringify(weight)} is not a whole number from 0 to 100 (decimal digits only, no leading zero)`);
  });

  it("names the option that holds a newline, before planning anything", async () => {
    const result = await raw("start", "--stack", "prod", "--config-file", copyOfProd(), "--endpoint", "qwen", "--model", "Qwen/Qwen2.5\n--trust-remote-code", "--version", "abc1234", "--service-ip", "10.40.31.201");
    expect(result.code).toBe(2);
    expect(result.err).toContain('--model "Qwen/Qwen2.5\\n--trust-remote-code" holds a control character');
  });

  it("refuses a load test whose summary lacks the latency fields, naming the file and field", async () => {
    const file = copyOfProd();
    const state = await exportOf(file, true);
    expect((await cli("start", "--stack", "prod", "--config-file", file, "--endpoint", "chat")).code).toBe(0);
    const loadtest = scratchFile("lt.json", JSON.stringify({ endpoint: "chat", summary: { blue: { requests: 10, ok: 10 }, green: { requests: 10, ok: 10 } } }));
    const result = await cli("shift", "--stack", "prod", "--config-file", file, "--endpoint", "chat", "--weight", "25", "--state", state, "--loadtest", loadtest);
    expect(result.code, result.err).toBe(2);
    expect(result.err).toContain(`--loadtest ${loadtest} is not the JSON of npm run loadtest -- --json: summary.blue.errorRate`);
  });

  it("keeps the stack file's mode, refuses while another step holds the lock, and takes over a dead step's lock", async () => {
    const file = copyOfProd();
    chmodSync(file, 0o600);
    writeFileSync(`${file}.lock`, `${process.pid}\n`);
    const held = await raw("start", "--stack", "prod", "--config-file", file, "--endpoint", "chat");
    expect(held.code).toBe(2);
    expect(held.err).toContain(`is locked by another rollout step (process ${process.pid}, ${file}.lock)`);
    writeFileSync(`${file}.lock`, "999999999\n");
    const taken = await raw("start", "--stack", "prod", "--config-file", file, "--endpoint", "chat");
    expect(taken.code, taken.err).toBe(0);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(existsSync(`${file}.lock`)).toBe(false);
  });

  it("refuses to overwrite a line a person saved while the step ran", async () => {
    const file = copyOfProd();
    let saved = "";
    const code = await rollout(["start", "--stack", "prod", "--config-file", file, "--endpoint", "chat", "--as-of", AS_OF], PROJECT_DIR, {
      out: () => {
        saved = `${readFileSync(file, "utf8")}# saved during the step\n`;
        writeFileSync(file, saved);
      },
      err: () => undefined,
    });
    expect(code).toBe(2);
    expect(readFileSync(file, "utf8")).toBe(saved);
  });
});

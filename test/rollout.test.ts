// Blue-green rollout: the state machine's every transition and refusal, a property test over command
// sequences, byte-preserving stack-file edits, and whole cycles of `npm run rollout` on copies of the
// prod stack file (Azure OpenAI version bump; a move to vLLM), each step planned with the policy pack.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  transition,
  nextStep,
  type Command,
  type Context,
  type RawEndpoint,
  type RawSlot,
} from "../cli/rollout/machine";
import { adapterStartTargets, startTargets } from "../cli/commands/rollout";
import { editEndpoint, endpointNames, readEndpoint, stackDocument } from "../cli/rollout/stackEdit";
import { gateProblems } from "../cli/rollout/gate";
import { distribution, type SlotSummary } from "../cli/loadtest/run";
import { PROJECT_DIR } from "./helpers";
import { weights } from "./rolloutSteps";

const target = (model: string) => ({
  kind: "azure-openai",
  account: "swc",
  model,
  version: "1",
  deploymentType: "GlobalStandard",
  capacity: 1000,
  priority: 1,
});
const oneColour = (): RawEndpoint => ({ slots: { blue: { weight: 100, targets: [target("old")] } } });
const dev: Context = { environment: "dev", maxStep: 25 };
const prod = (healthy = true): Context => ({
  environment: "prod",
  maxStep: 25,
  proof: () => (healthy ? { healthy: true } : { healthy: false, why: "not in the export" }),
});
const run = (e: RawEndpoint, ...commands: Command[]) =>
  commands.reduce<RawEndpoint>((state, c) => {
    const outcome = transition("chat", state, c, dev);
    if (!outcome.ok) throw new Error(outcome.reasons.join("; "));
    return outcome.endpoint;
  }, e);
const refusal = (e: RawEndpoint, c: Command, ctx: Context = dev) => {
  const outcome = transition("chat", e, c, ctx);
  return outcome.ok ? "accepted" : outcome.reasons;
};

describe("the rollout state machine", () => {
  it("start adds the idle colour at 0 with the new targets and records the rollout", () => {
    const started = run(oneColour(), { kind: "start", targets: [target("new")] });
    expect(started).toEqual({
      slots: { blue: { weight: 100, targets: [target("old")] }, green: { weight: 0, targets: [target("new")] } },
      rollout: { to: "green" },
    });
  });
  it("start adopts a colour already staged at 0", () => {
    const staged: RawEndpoint = {
      slots: { blue: { weight: 100, targets: [target("old")] }, green: { weight: 0, targets: [target("new")] } },
    };
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
    let e = run(
      oneColour(),
      { kind: "start", targets: [target("new")] },
      { kind: "shift", weight: 60 },
      { kind: "rollback" },
    );
    expect(weights(e)).toEqual({ blue: 100, green: 0 });
    e = run(e, { kind: "finish" });
    expect(e).toEqual(oneColour());
  });
  it("finish --keep-idle keeps the colour at 0 with no rollout recorded (idle: its servers at zero); start adopts it again", () => {
    const vllm = { kind: "vllm", pool: "a100", model: "o/m", replicas: 2 };
    const two: RawEndpoint = { slots: { blue: { weight: 100, targets: [vllm] } } };
    const finished = run(
      two,
      { kind: "start", targets: [{ ...vllm, model: "o/n" }] },
      { kind: "promote" },
      { kind: "finish", keepIdle: true },
    );
    expect(finished).toEqual({
      slots: { blue: { weight: 0, targets: [vllm] }, green: { weight: 100, targets: [{ ...vllm, model: "o/n" }] } },
    });
    expect(transition("qwen", finished, { kind: "start" }, dev)).toMatchObject({
      ok: true,
      endpoint: { rollout: { to: "blue" } },
      summary: "qwen: rollout to blue (already staged at weight 0) recorded",
    });
    // A PTU deployment bills by the hour at weight 0: kept idle it would cost full price.
    const ptu = { ...target("old"), deploymentType: "GlobalProvisionedManaged", capacity: 15 };
    const abandoned = run(
      { slots: { blue: { weight: 100, targets: [target("new")] } } },
      { kind: "start", targets: [ptu] },
      { kind: "rollback" },
    );
    expect(refusal(abandoned, { kind: "finish", keepIdle: true })).toEqual([
      "chat: --keep-idle keeps green's PTU deployments (GlobalProvisionedManaged), billed by the hour at weight 0: finish without it",
    ]);
    expect(run(abandoned, { kind: "finish" })).toEqual({ slots: { blue: { weight: 100, targets: [target("new")] } } });
  });
  it("refuses every step out of order, with its reason", () => {
    const started = run(oneColour(), { kind: "start", targets: [target("new")] });
    expect(refusal(oneColour(), { kind: "shift", weight: 10 })).toEqual([
      "chat: no rollout in progress: start one first",
    ]);
    expect(refusal(oneColour(), { kind: "promote" })).toEqual(["chat: no rollout in progress: start one first"]);
    expect(refusal(oneColour(), { kind: "rollback" })).toEqual(["chat: no rollout in progress: nothing to roll back"]);
    expect(refusal(oneColour(), { kind: "finish" })).toEqual(["chat: no rollout in progress: nothing to finish"]);
    expect(refusal(oneColour(), { kind: "start" })).toEqual([
      "chat: start needs the new colour's targets (--model and --version, or a vLLM target)",
    ]);
    expect(refusal(started, { kind: "start", targets: [target("x")] })).toEqual([
      "chat: a rollout to green is already in progress: shift, promote, rollback or finish it first",
    ]);
    expect(refusal(run(started, { kind: "shift", weight: 40 }), { kind: "finish" })).toEqual([
      "chat: finish removes the colour at weight 0 once the other has 100; now blue 60, green 40: promote or roll back first",
    ]);
    expect(refusal(started, { kind: "shift", weight: 101 })).toEqual([
      "chat: --weight 101 is not a whole number from 0 to 100",
    ]);
    const both: RawEndpoint = {
      slots: { blue: { weight: 50, targets: [target("a")] }, green: { weight: 50, targets: [target("b")] } },
    };
    expect(refusal(both, { kind: "start" })).toEqual([
      "chat: both colours take traffic and no rollout is recorded: set one colour's weight to 100 first",
    ]);
    const staged: RawEndpoint = {
      slots: { blue: { weight: 100, targets: [target("a")] }, green: { weight: 0, targets: [target("b")] } },
    };
    // New targets replace a colour idle at 0 (it serves nothing) and start the rollout to it.
    expect(transition("chat", staged, { kind: "start", targets: [target("c")] }, dev)).toEqual({
      ok: true,
      endpoint: {
        slots: { blue: { weight: 100, targets: [target("a")] }, green: { weight: 0, targets: [target("c")] } },
        rollout: { to: "green" },
      },
      summary: "chat: green (idle at weight 0) replaced by the new targets beside blue (100)",
    });
  });
  it("prod: weight onto a colour needs proof it is deployed and healthy, and steps of at most rolloutMaxStep", () => {
    const started = run(oneColour(), { kind: "start", targets: [target("new")] });
    expect(refusal(started, { kind: "shift", weight: 25 }, { environment: "prod", maxStep: 25 })).toEqual([
      "prod moves weight onto green only with proof it is deployed and healthy: pass --state <pulumi stack export>",
    ]);
    expect(refusal(started, { kind: "shift", weight: 25 }, prod(false))).toEqual([
      "green is not proven deployed and healthy by the state export: not in the export",
    ]);
    expect(refusal(started, { kind: "promote" }, prod())).toEqual([
      "chat: prod moves at most 25 points of weight per step (rolloutMaxStep); green is at 0, asked for 100: shift to 25 first",
    ]);
    expect(refusal(started, { kind: "shift", weight: 25 }, prod())).toBe("accepted");
    // Rolling back is never held back: no proof, no step limit.
    expect(
      refusal(
        run(started, { kind: "shift", weight: 25 }, { kind: "shift", weight: 50 }),
        { kind: "rollback" },
        { environment: "prod", maxStep: 25 },
      ),
    ).toBe("accepted");
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
      fc.constant<Command>({ kind: "finish", keepIdle: true }),
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
            expect(
              Math.abs(e.slots[before.rollout.to]!.weight - before.slots[before.rollout.to]!.weight),
            ).toBeLessThanOrEqual(ctx.maxStep);
          }
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe("the load-test gate", () => {
  const slot = (ttft: number[], tpot: number[], errorRate = 0, requests = ttft.length): SlotSummary => ({
    requests,
    ok: requests,
    errorRate,
    throttledRate: 0,
    retries: 0,
    ttftMs: distribution(ttft),
    tpotMs: distribution(tpot),
    e2eMs: distribution(ttft),
    rps: 1,
    outputTokensPerSecond: 1,
  });
  const margins = { ttftP95Percent: 20, tpotP95Percent: 20, errorRatePoints: 1 };
  it("passes a new colour within the margins and names every measure beyond them", () => {
    expect(
      gateProblems({ blue: slot([100, 110], [20]), green: slot([115, 120], [22]) }, "blue", "green", margins),
    ).toEqual([]);
    expect(
      gateProblems({ blue: slot([100], [20], 0.01), green: slot([200], [30], 0.05) }, "blue", "green", margins),
    ).toEqual([
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
  it.each(["prod", "dev"])(
    "%s: starting and abandoning a rollout on any endpoint gives the file back byte for byte",
    (stack) => {
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
    },
  );

  const tiny = (eol: string, trailing: string) =>
    [
      "config:",
      "  genai-platform:models:",
      "    chat:",
      "      slots:",
      "        blue:",
      "          weight: 100",
      "          targets:",
      "            - { kind: azure-openai, model: a } # live",
      "        green:",
      "          weight: 0",
      "          targets:",
      "            - { kind: azure-openai, model: b } # staged",
    ].join(eol) + trailing;
  it.each([
    ["LF", "\n"],
    ["CRLF", "\r\n"],
  ])(
    "records a rollout at the end of a file without a trailing newline, keeping its %s line endings and its comments",
    (_name, eol) => {
      const text = tiny(eol, "");
      const doc = stackDocument(text, "tiny");
      const before = readEndpoint(doc, "chat")!;
      const started = transition("chat", before, { kind: "start" }, dev);
      if (!started.ok) throw new Error(started.reasons.join("; "));
      const edited = editEndpoint(text, doc, "chat", before, started.endpoint);
      expect(edited).toBe(`${text}${eol}      rollout: { to: green }${eol}`);
      expect(readEndpoint(stackDocument(edited, "tiny"), "chat")!.rollout).toEqual({ to: "green" });
    },
  );
  it("refuses to edit a flow-style slots mapping rather than break it", () => {
    const text =
      "config:\n  genai-platform:models:\n    chat:\n      slots: { blue: { weight: 100, targets: [{ kind: azure-openai }] } }\n";
    const doc = stackDocument(text, "flow");
    const before = readEndpoint(doc, "chat")!;
    const started = transition("chat", before, { kind: "start", targets: [target("next")] }, dev);
    if (!started.ok) throw new Error(started.reasons.join("; "));
    expect(() => editEndpoint(text, doc, "chat", before, started.endpoint)).toThrow(
      "genai-platform:models.chat.slots is written in flow style",
    );
  });

  it("a shift changes exactly the two weight lines, keeping the comments around them", () => {
    const text = readFileSync(join(PROJECT_DIR, "Pulumi.prod.yaml"), "utf8");
    const doc = stackDocument(text, "prod");
    const before = { ...readEndpoint(doc, "chat")!, rollout: { to: "green" as const } };
    const shifted = transition("chat", before, { kind: "shift", weight: 20 }, dev);
    if (!shifted.ok) throw new Error(shifted.reasons.join("; "));
    const edited = editEndpoint(text, doc, "chat", { ...before, rollout: { to: "green" } }, shifted.endpoint).split(
      "\n",
    );
    const original = text.split("\n");
    const changed = original.flatMap((line, i) =>
      line !== edited[i] ? [`${line.trim()} -> ${edited[i]!.trim()}`] : [],
    );
    expect(changed).toEqual(["weight: 100 -> weight: 80", "weight: 0 -> weight: 20"]);
    expect(edited.length).toBe(original.length);
  });
});

describe("start --adapter: the new colour of an adapter's rollout", () => {
  const REV = "0123456789abcdef0123456789abcdef01234567";
  const NEXT = "89abcdef0123456789abcdef0123456789abcdef";
  const vllm = {
    kind: "vllm",
    pool: "a100",
    model: "Qwen/Qwen2.5-7B-Instruct",
    revision: REV,
    image: "vllm/vllm-openai:v0.30.0",
    replicas: 2,
    serviceIp: "10.40.31.200",
    maxLoras: 1,
    adapters: [
      { name: "support", model: "acme/support", revision: REV, rank: 16 },
      { name: "legal", model: "acme/legal", revision: REV, rank: 8 },
    ],
  };
  const live = { weight: 100, targets: [vllm] };
  const problem = (o: Parameters<typeof adapterStartTargets>[1], slot: RawSlot = live) => {
    try {
      adapterStartTargets(slot, o, "qwen");
      return "accepted";
    } catch (error) {
      return (error as Error).message;
    }
  };

  it("copies the live target whole, with the adapter at its new revision or a new adapter added", () => {
    expect(
      adapterStartTargets(live, { adapter: "support", adapterRevision: NEXT, serviceIp: "10.40.31.202" }, "qwen"),
    ).toEqual([
      {
        ...vllm,
        serviceIp: "10.40.31.202",
        adapters: [{ ...vllm.adapters[0], revision: NEXT }, vllm.adapters[1]],
      },
    ]);
    expect(
      adapterStartTargets(
        live,
        {
          adapter: "billing",
          adapterModel: "acme/billing",
          adapterRevision: NEXT,
          adapterRank: 8,
          serviceIp: "10.40.31.202",
        },
        "qwen",
      )[0]!.adapters,
    ).toEqual([...vllm.adapters, { name: "billing", model: "acme/billing", revision: NEXT, rank: 8 }]);
  });

  it("refuses what it cannot copy or change, naming why", () => {
    const at = { adapterRevision: NEXT, serviceIp: "10.40.31.202" };
    expect(problem({ adapter: "billing", ...at })).toBe(
      'qwen serves no adapter "billing" (adapters: support, legal): a new one needs --adapter-model and --adapter-rank',
    );
    expect(problem({ adapter: "support", adapterRank: 8, ...at })).toBe(
      '--adapter "support" is served already: give only --adapter-revision (--adapter-model and --adapter-rank add a new one)',
    );
    expect(problem({ adapter: "support", adapterRevision: NEXT })).toBe(
      "start --adapter needs --adapter-revision and --service-ip",
    );
    expect(problem({ adapter: "support", ...at, replicas: 3 })).toBe(
      "start --adapter copies the live targets and changes one adapter; it takes --adapter-revision, --adapter-model, --adapter-rank and --service-ip, not --replicas",
    );
    expect(problem({ adapter: "support", ...at }, { weight: 100, targets: [vllm, vllm] })).toBe(
      "start --adapter copies one target with its own --service-ip; qwen's live colour has 2: stage the new colour in the stack file",
    );
    expect(problem({ adapter: "support", ...at }, { weight: 100, targets: [target("old")] })).toBe(
      "start --adapter needs qwen's live colour on vLLM",
    );
  });

  it("start --model keeps the adapters for a new revision of the same base model and refuses another model", () => {
    const o = { model: "Qwen/Qwen2.5-7B-Instruct", version: NEXT, serviceIp: "10.40.31.202" };
    expect(startTargets(live, o, "qwen", {})[0]).toMatchObject({
      revision: NEXT,
      adapters: vllm.adapters,
      maxLoras: 1,
    });
    expect(() => startTargets(live, { ...o, model: "meta-llama/Llama-3.1-8B-Instruct" }, "qwen", {})).toThrow(
      "qwen's live targets serve LoRA adapters (support, legal) trained on Qwen/Qwen2.5-7B-Instruct: a new base model needs adapters trained on it; stage that colour in the stack file",
    );
  });
});

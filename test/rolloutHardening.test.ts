// `npm run rollout` under careless and hostile input, second round: options checked against the stack
// schema before anything is planned, numbers and weights in their ranges, options that do not belong to
// the step refused, state exports and load tests validated in the fields the step reads, the offline
// plan's export marked, names from files printed escaped, and the stack file's lock safe to take over.
import { describe, expect, it } from "vitest";
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  statSync,
  truncateSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { stateExportOf, loadtestSummaryOf } from "../cli/rollout/inputs";
import { proveColour } from "../cli/rollout/proof";
import { StackLockError, withStackLock } from "../cli/rollout/stackLock";
import { editEndpoint, readEndpoint, stackDocument } from "../cli/rollout/stackEdit";
import { buildStackExport } from "../cli/engine/stackExport";
import { distribution, type SlotSummary } from "../cli/loadtest/run";
import { PROJECT_DIR } from "./helpers";
import { copyOfProd, raw } from "./rolloutSteps";

const scratch = () => mkdtempSync(join(tmpdir(), "genai-rollout-hardening-"));
const scratchFile = (name: string, content: string) => {
  const path = join(scratch(), name);
  writeFileSync(path, content);
  return path;
};
/** A copy of the prod stack file with chat's rollout to green recorded at the given green weight. */
function prodInRollout(green: number): string {
  const file = copyOfProd();
  const text = readFileSync(file, "utf8");
  const doc = stackDocument(text, file);
  const before = readEndpoint(doc, "chat")!;
  const after = {
    ...before,
    slots: { blue: { ...before.slots.blue!, weight: 100 - green }, green: { ...before.slots.green!, weight: green } },
    rollout: { to: "green" as const },
  };
  writeFileSync(file, editEndpoint(text, doc, "chat", before, after));
  return file;
}
const slot = (ttft: number, requests = 10): SlotSummary => ({
  requests,
  ok: requests,
  errorRate: 0,
  throttledRate: 0,
  retries: 0,
  ttftMs: distribution([ttft]),
  tpotMs: distribution([20]),
  e2eMs: distribution([ttft]),
  rps: 1,
  outputTokensPerSecond: 1,
});

const URN = "urn:pulumi:prod::genai-platform::";
const STATEFUL_SET = "kubernetes:apps/v1:StatefulSet";
const REVISION = "5617a9f61b028005a4858fdac845db406aefb181";
const vllmSlot = {
  weight: 0,
  targets: [
    {
      kind: "vllm",
      pool: "a100",
      model: "BAAI/bge-m3",
      revision: REVISION,
      image: "vllm/vllm-openai:v0.30.0",
      replicas: 2,
      gpusPerReplica: 1,
      serviceIp: "10.40.31.201",
    },
  ],
};
/** A StatefulSet of embeddings' green colour as an export shows it, with `status` and `spec` as given. */
const statefulSet = (status: unknown, replicas: unknown = 2) => ({
  urn: `${URN}kubernetes:apps/v1:StatefulSet::vllm-a100-0`,
  type: STATEFUL_SET,
  inputs: {},
  outputs: {
    metadata: {
      name: "vllm-a100-0",
      labels: { "genai-platform/endpoint": "embeddings", "genai-platform/slot": "green" },
    },
    spec: { replicas, template: { spec: { containers: [{ args: ["--revision", REVISION] }] } } },
    status,
  },
});
const exportOf = (...resources: unknown[]) => ({
  version: 3,
  deployment: { manifest: { time: "2026-11-27T00:00:00Z", magic: "0".repeat(64), version: "v3.200.0" }, resources },
});
const expect_ = { stack: "prod", project: "genai-platform", allowOffline: false };

describe("numbers and the options of each step", () => {
  it.each([
    ["101", '--weight "101" is not a whole number from 0 to 100'],
    ["025", '--weight "025" is not a whole number from 0 to 100'],
    ["100000000000000000000", '--weight "100000000000000000000" is not a whole number from 0 to 100'],
  ])("reads --weight %s as out of range before anything else, exit 2", async (weight, expected) => {
    const result = await raw(
      "shift",
      "--stack",
      "prod",
      "--config-file",
      copyOfProd(),
      "--endpoint",
      "chat",
      "--weight",
      weight,
    );
    expect(result.code, result.err).toBe(2);
    expect(result.err).toContain(expected);
  });

  it.each([
    ["--replicas", "01", '--replicas "01" is not a whole number of at least 1'],
    ["--gpus-per-replica", "0", '--gpus-per-replica "0" is not a whole number of at least 1'],
    ["--capacity", "1_000", '--capacity "1_000" is not a whole number of at least 1'],
  ])("reads %s %s as no number, exit 2", async (option, value, expected) => {
    const result = await raw(
      "start",
      "--stack",
      "prod",
      "--config-file",
      copyOfProd(),
      "--endpoint",
      "qwen",
      "--model",
      "Qwen/Qwen3-8B",
      "--version",
      "abc1234",
      "--service-ip",
      "10.40.31.201",
      option,
      value,
    );
    expect(result.code).toBe(2);
    expect(result.err).toContain(expected);
  });

  it.each([
    [["promote", "--weight", "50"], "promote does not take --weight"],
    [["rollback", "--state", "export.json"], "rollback does not take --state"],
    [["finish", "--loadtest", "lt.json"], "finish does not take --loadtest"],
    [["start", "--weight", "25"], "start does not take --weight"],
    [["status", "--model", "gpt-5.1"], "status does not take --model"],
    [["shift", "--weight", "25", "--allow-offline-proof"], "--allow-offline-proof applies only to --state"],
  ])("refuses %j: an option the step does not use is never silently ignored", async (argv, expected) => {
    const file = copyOfProd();
    const before = readFileSync(file, "utf8");
    const result = await raw(...argv, "--stack", "prod", "--config-file", file, "--endpoint", "chat");
    expect(result.code).toBe(2);
    expect(result.err).toContain(expected);
    expect(readFileSync(file, "utf8")).toBe(before);
  });
});

describe("options given twice or empty", () => {
  it("refuses an option given twice rather than keeping the last", async () => {
    const result = await raw(
      "shift",
      "--stack",
      "prod",
      "--config-file",
      prodInRollout(25),
      "--endpoint",
      "chat",
      "--weight",
      "50",
      "--weight",
      "25",
      "--dry-run",
    );
    expect(result.code).toBe(2);
    expect(result.err).toContain('--weight is given twice ("50", then "25"): give it once');
  });

  it("refuses an empty --model rather than adopting the staged colour", async () => {
    const file = copyOfProd();
    const result = await raw(
      "start",
      "--stack",
      "prod",
      "--config-file",
      file,
      "--endpoint",
      "chat",
      "--model",
      "",
      "--version",
      "1",
    );
    expect(result.code).toBe(2);
    expect(result.err).toContain("--model is empty: give a value, or leave the option out");
    expect(parse(readFileSync(file, "utf8")).config["genai-platform:models"].chat.rollout).toBeUndefined();
  });
});

describe("what the rollout prints", () => {
  it("escapes control and format characters the stack file holds, in its problems and in the diff", async () => {
    const invalid = copyOfProd();
    writeFileSync(
      invalid,
      readFileSync(invalid, "utf8").replace("model: gpt-5.1, version", 'model: "gpt-5.1\u009b2J", version'),
    );
    const status = await raw("status", "--stack", "prod", "--config-file", invalid);
    expect(status.code).toBe(2);
    expect(status.err).toContain("is not a valid stack configuration");
    expect(status.err).toContain("\\u009b2J");
    expect(status.err).not.toMatch(/\u009b/);
    const commented = copyOfProd();
    writeFileSync(
      commented,
      readFileSync(commented, "utf8").replace("          weight: 0\n", "          weight: 0 # \u202eevil\n"),
    );
    const started = await raw(
      "start",
      "--stack",
      "prod",
      "--config-file",
      commented,
      "--endpoint",
      "chat",
      "--dry-run",
    );
    expect(started.code, started.err).toBe(0);
    expect(started.out).not.toMatch(/\u202e/);
  });
});

describe("start's options, checked with the stack file's own schema before planning", () => {
  const start = (endpoint: string, ...argv: string[]) =>
    raw("start", "--stack", "prod", "--config-file", copyOfProd(), "--endpoint", endpoint, ...argv);
  const vllm = (...argv: string[]) =>
    start(
      "qwen",
      ...(argv.some((a) => a.startsWith("--model")) ? [] : ["--model", "Qwen/Qwen3-8B"]),
      "--version",
      "abc1234",
      "--service-ip",
      "10.40.31.201",
      ...argv,
    );

  it.each([
    [
      "--model=-x/y",
      '--model "-x/y" is refused by the stack schema at models.qwen.slots.green.targets[0].model: a Hugging Face model id',
    ],
    ["--model=a/..b", '--model "a/..b" is refused by the stack schema at models.qwen.slots.green.targets[0].model'],
    [
      "--image=vllm/vllm-openai:latest",
      '--image "vllm/vllm-openai:latest" is refused by the stack schema at models.qwen.slots.green.targets[0].image: an image with a pinned tag or digest',
    ],
    [
      "--pool=constructor",
      '--pool "constructor" is refused by the stack schema at models.qwen.slots.green.targets[0].pool',
    ],
  ])("vLLM: %s names the option, the value and what is allowed (exit 2)", async (option, expected) => {
    const result = await vllm(option);
    expect(result.code, result.err).toBe(2);
    expect(result.err).toContain(expected);
    expect(result.err).not.toContain("would not plan");
  });

  it("vLLM: the model revision comes from --revision, else --version; a bad one names the option that gave it", async () => {
    const byVersion = await start(
      "qwen",
      "--model",
      "Qwen/Qwen3-8B",
      "--version",
      "main",
      "--service-ip",
      "10.40.31.201",
    );
    expect(byVersion.code).toBe(2);
    expect(byVersion.err).toContain(
      '--version "main" is refused by the stack schema at models.qwen.slots.green.targets[0].revision: a pinned model revision',
    );
    const byRevision = await start(
      "qwen",
      "--model",
      "Qwen/Qwen3-8B",
      "--revision",
      "main",
      "--service-ip",
      "10.40.31.201",
    );
    expect(byRevision.err).toContain(
      '--revision "main" is refused by the stack schema at models.qwen.slots.green.targets[0].revision',
    );
    const both = await vllm("--revision", "abc1235");
    expect(both.code).toBe(2);
    expect(both.err).toContain(
      '--version "abc1234" and --revision "abc1235" both name the model revision of a vLLM target: give one',
    );
  });

  it.each([["999.1.1.1"], ["::1"], ["10.40.31"], ["010.40.31.201"]])(
    "refuses --service-ip %s as no IPv4 address, exit 2",
    async (ip) => {
      const result = await start("qwen", "--model", "Qwen/Qwen3-8B", "--version", "abc1234", "--service-ip", ip);
      expect(result.code).toBe(2);
      expect(result.err).toContain(`--service-ip ${JSON.stringify(ip)} is not an IPv4 address`);
    },
  );

  it.each([
    [
      ["--model", "Bad Model", "--version", "1"],
      '--model "Bad Model" is refused by the stack schema at models.embeddings.slots.green.targets[0].model: a model name such as gpt-4o',
    ],
    [
      ["--model", "text-embedding-3-large", "--version", "latest"],
      '--version "latest" is refused by the stack schema at models.embeddings.slots.green.targets[0].version',
    ],
    [
      ["--model", "text-embedding-3-large", "--version", "1", "--deployment-type", "constructor", "--capacity", "1000"],
      '--deployment-type "constructor" is refused by the stack schema at models.embeddings.slots.green.targets[0].deploymentType',
    ],
  ])("Azure OpenAI: %j names the option (exit 2)", async (argv, expected) => {
    const result = await start("embeddings", ...argv);
    expect(result.code, result.err).toBe(2);
    expect(result.err).toContain(expected);
  });

  it("start without --model adopts the staged colour as it is, refusing options that would shape new targets", async () => {
    const file = copyOfProd();
    const before = readFileSync(file, "utf8");
    const result = await raw(
      "start",
      "--stack",
      "prod",
      "--config-file",
      file,
      "--endpoint",
      "chat",
      "--capacity",
      "1000",
      "--target-kind",
      "azure-openai",
    );
    expect(result.code).toBe(2);
    expect(result.err).toContain(
      "start without --model adopts the colour staged at weight 0 as it is; --target-kind, --capacity apply only with --model",
    );
    expect(readFileSync(file, "utf8")).toBe(before);
  });

  it("a step the plan refuses names the stack file, not the plan's scratch copy of it", async () => {
    const file = copyOfProd();
    const result = await raw(
      "start",
      "--stack",
      "prod",
      "--config-file",
      file,
      "--endpoint",
      "qwen",
      "--model",
      "Qwen/Qwen3-8B",
      "--version",
      "abc1234",
      "--service-ip",
      "10.40.31.201",
      "--replicas",
      "1000",
    );
    expect(result.code).toBe(1);
    expect(result.err).toContain(`${file} after the step is not a valid stack configuration; nothing was planned:`);
    expect(result.err).toContain("cluster.gpuPools.a100.maxCount");
  });

  it("refuses an option of the other target kind", async () => {
    expect((await vllm("--capacity", "1000")).err).toContain(
      "--capacity is for Azure OpenAI targets; the new targets of qwen are vLLM",
    );
    expect(
      (await start("embeddings", "--model", "text-embedding-3-large", "--version", "1", "--pool", "a100")).err,
    ).toContain("--pool is for vLLM targets; the new targets of embeddings are Azure OpenAI");
  });

  it("--account names the stack's own accounts only (toString, constructor are none)", async () => {
    for (const account of ["toString", "constructor"]) {
      const result = await start(
        "embeddings",
        "--model",
        "text-embedding-3-large",
        "--version",
        "1",
        "--account",
        account,
        "--deployment-type",
        "Standard",
        "--capacity",
        "1000",
      );
      expect(result.code).toBe(2);
      expect(result.err).toContain(`--account "${account}" is not an account of this stack; accounts: swc, eus2`);
    }
  });

  it.each([["constructor"], ["__proto__"], ["toString"]])("--endpoint %s is no endpoint (exit 2)", async (name) => {
    for (const action of ["status", "start", "rollback"]) {
      const result = await raw(action, "--stack", "prod", "--config-file", copyOfProd(), "--endpoint", name);
      expect(result.code).toBe(2);
      expect(result.err).toContain(`no endpoint "${name}"`);
    }
  });

  it.each([
    ["a bidirectional override", "text\u202eembedding", "\\u202e"],
    ["a zero-width space", "gpt\u200b-5", "\\u200b"],
    ["a C1 control (CSI)", "gpt\u009b31m", "\\u009b"],
    ["a line separator", "gpt\u2028x", "\\u2028"],
  ])("refuses --model holding %s, printing it escaped", async (_name, model, escaped) => {
    const result = await start("embeddings", "--model", model, "--version", "1");
    expect(result.code).toBe(2);
    expect(result.err).toContain(`--model "${model.slice(0, 3)}`);
    expect(result.err).toContain(escaped);
    expect(result.err).not.toMatch(/[\u0080-\u009f\u200b\u2028\u202e]/);
  });
});

describe("state exports: the fields proof reads, the offline plan's marker, names printed escaped", () => {
  it("refuses an export whose StatefulSet reports its ready replicas as text, naming the field", () => {
    const read = stateExportOf(exportOf(statefulSet({ readyReplicas: "2" })), "state.json", expect_);
    expect(read).toEqual({
      problem: expect.stringContaining(
        "deployment.resources[0].outputs.status.readyReplicas: Invalid input: expected number",
      ),
    });
  });

  it("refuses an export whose Azure OpenAI deployment reports a provisioning state that is no text", () => {
    const deployment = {
      urn: `${URN}azure-native:cognitiveservices:Deployment::d`,
      type: "azure-native:cognitiveservices:Deployment",
      outputs: { properties: { provisioningState: { ok: true } } },
    };
    expect(stateExportOf(exportOf(deployment), "state.json", expect_)).toEqual({
      problem: expect.stringContaining("deployment.resources[0].outputs.properties.provisioningState"),
    });
  });

  it("a StatefulSet at 0 replicas proves no server ready", () => {
    const read = stateExportOf(exportOf(statefulSet({ readyReplicas: 0 }, 0)), "state.json", expect_);
    if (!("state" in read)) throw new Error(read.problem);
    expect(proveColour(read.state, "embeddings", "green", vllmSlot)).toEqual({
      healthy: false,
      why: "model servers not ready: vllm-a100-0 (0/0 ready)",
    });
    const ready = stateExportOf(exportOf(statefulSet({ readyReplicas: 2 })), "state.json", expect_);
    if (!("state" in ready)) throw new Error(ready.problem);
    expect(proveColour(ready.state, "embeddings", "green", vllmSlot)).toEqual({ healthy: true });
  });

  it("a resource the engine deleted, or is deleting to replace it, proves nothing", () => {
    for (const flag of [{ delete: true }, { pendingReplacement: true }]) {
      const read = stateExportOf(exportOf({ ...statefulSet({ readyReplicas: 2 }), ...flag }), "state.json", expect_);
      if (!("state" in read)) throw new Error(read.problem);
      expect(proveColour(read.state, "embeddings", "green", vllmSlot)).toEqual({
        healthy: false,
        why: "0 of its 1 vLLM targets (at the slot's model revisions) are in the export (run pulumi up first)",
      });
    }
  });

  it("prints names from the export escaped", () => {
    const evil = statefulSet({ readyReplicas: 1 });
    evil.outputs.metadata.name = "vllm\u001b]0;pwned\u0007";
    const read = stateExportOf(exportOf(evil), "state.json", expect_);
    if (!("state" in read)) throw new Error(read.problem);
    const proof = proveColour(read.state, "embeddings", "green", vllmSlot);
    expect(proof).toEqual({ healthy: false, why: 'model servers not ready: "vllm\\u001b]0;pwned\\u0007" (1/2 ready)' });
    const foreign = stateExportOf(
      exportOf({ ...statefulSet({}), urn: "urn:pulumi:dev\u009b2J::genai-platform::x::y" }),
      "state.json",
      expect_,
    );
    expect(foreign).toEqual({
      problem: expect.stringContaining('is an export of "dev\\u009b2J" of project genai-platform'),
    });
    expect(JSON.stringify(foreign)).not.toMatch(/\u009b/);
  });

  it("the offline plan marks its export with a field a real export never has, and proof refuses it unless asked", () => {
    const offline = buildStackExport([], {
      projectDir: PROJECT_DIR,
      project: "genai-platform",
      stack: "prod",
    }) as unknown as Record<string, unknown>;
    expect(offline.offlinePlan).toBe(true);
    // The marker holds whatever the manifest says.
    const marked = { ...exportOf(statefulSet({ readyReplicas: 2 })), offlinePlan: true };
    expect(stateExportOf(marked, "stack.json", expect_)).toEqual({
      problem: expect.stringContaining("is the offline plan's export (npm run plan), not a deployment's"),
    });
    expect(stateExportOf(marked, "stack.json", { ...expect_, allowOffline: true })).toHaveProperty("state");
    expect(stateExportOf(exportOf(statefulSet({ readyReplicas: 2 })), "stack.json", expect_)).toHaveProperty("state");
  });

  it("refuses a --state or --loadtest that is not a regular file, or too large to be one, exit 2", async () => {
    const file = prodInRollout(25);
    const huge = scratchFile("huge.json", "");
    truncateSync(huge, 257 * 1024 * 1024);
    for (const [option, path, expected] of [
      ["--state", "/dev/null", "--state /dev/null is not a regular file"],
      ["--loadtest", "/dev/null", "--loadtest /dev/null is not a regular file"],
      ["--state", huge, `--state ${huge} is 269,484,032 bytes; at most 268,435,456 bytes are read`],
    ]) {
      const result = await raw(
        "shift",
        "--stack",
        "prod",
        "--config-file",
        file,
        "--endpoint",
        "chat",
        "--weight",
        "50",
        option!,
        path!,
        ...(option === "--state" ? ["--allow-offline-proof"] : []),
      );
      expect(result.code, result.err).toBe(2);
      expect(result.err).toContain(expected);
    }
  });
});

describe("load-test results", () => {
  it("are validated whenever given, also on a step that moves weight off the new colour", async () => {
    const file = prodInRollout(25);
    const broken = scratchFile("lt.json", JSON.stringify({ endpoint: "chat", summary: { blue: { requests: 10 } } }));
    const result = await raw(
      "shift",
      "--stack",
      "prod",
      "--config-file",
      file,
      "--endpoint",
      "chat",
      "--weight",
      "0",
      "--loadtest",
      broken,
      "--dry-run",
    );
    expect(result.code, result.err).toBe(2);
    expect(result.err).toContain(`--loadtest ${broken} is not the JSON of npm run loadtest -- --json: summary.blue.ok`);
  });

  it("print the endpoint they name escaped", async () => {
    const file = prodInRollout(25);
    const lt = scratchFile(
      "lt.json",
      JSON.stringify({ endpoint: "chat\u001b[2J", summary: { blue: slot(100), green: slot(100) } }),
    );
    const result = await raw(
      "shift",
      "--stack",
      "prod",
      "--config-file",
      file,
      "--endpoint",
      "chat",
      "--weight",
      "50",
      "--loadtest",
      lt,
      "--dry-run",
    );
    expect(result.code).toBe(1);
    expect(result.err).toContain('the load test measured endpoint "chat\\u001b[2J", not chat');
    expect(result.err).not.toContain("\u001b");
    expect(loadtestSummaryOf({ summary: { blue: slot(1) } }, "lt.json")).toEqual({ summary: { blue: slot(1) } });
  });
});

describe("the stack file's lock", () => {
  const lockedFile = (content?: string) => {
    const file = scratchFile("Pulumi.prod.yaml", "config: {}\n");
    if (content !== undefined) writeFileSync(`${file}.lock`, content);
    return file;
  };

  it("two steps at once on different endpoints: one writes, the other is refused, no edit lost", async () => {
    const file = copyOfProd();
    const [chat, embeddings] = await Promise.all([
      raw("start", "--stack", "prod", "--config-file", file, "--endpoint", "chat"),
      raw(
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
      ),
    ]);
    expect([chat.code, embeddings.code].sort()).toEqual([0, 2]);
    const refused = chat.code === 2 ? chat : embeddings;
    expect(refused.err).toContain(`is locked by another rollout step (process ${process.pid}, ${file}.lock)`);
    expect(refused.out).not.toContain("wrote");
    const models = parse(readFileSync(file, "utf8")).config["genai-platform:models"];
    expect(chat.code === 0 ? models.chat.rollout : models.embeddings.rollout).toEqual({ to: "green" });
    expect(chat.code === 0 ? models.embeddings.rollout : models.chat.rollout).toBeUndefined();
    expect(existsSync(`${file}.lock`)).toBe(false);
  }, 60_000);

  it("takes over a dead step's lock only under the takeover guard, which a second taker finds held", async () => {
    const file = lockedFile("999999999\n");
    writeFileSync(`${file}.lock.takeover`, `${process.pid}\n`);
    await expect(withStackLock(file, async () => "ran")).rejects.toThrow(
      `another step is taking over the lock of a dead step (${file}.lock.takeover)`,
    );
    expect(readFileSync(`${file}.lock`, "utf8")).toBe("999999999\n");
  });

  it("never takes over a lock written on another host, whose process it cannot see", async () => {
    const file = lockedFile("999999999 build-agent-7 0123abcd\n");
    await expect(withStackLock(file, async () => "ran")).rejects.toThrow(
      `is locked by another rollout step (process 999999999 on host build-agent-7, ${file}.lock)`,
    );
  });

  it("removes only its own lock when the step ends", async () => {
    const file = lockedFile();
    const other = "999999998 elsewhere feedbeef\n";
    await withStackLock(file, async () => writeFileSync(`${file}.lock`, other));
    expect(readFileSync(`${file}.lock`, "utf8")).toBe(other);
    // And its own, otherwise.
    const free = lockedFile();
    expect(await withStackLock(free, async () => readFileSync(`${free}.lock`, "utf8"))).toMatch(
      new RegExp(`^${process.pid} `),
    );
    expect(existsSync(`${free}.lock`)).toBe(false);
  });

  it("an empty lock (a step that died creating it) is named with its path, never taken over", async () => {
    const file = lockedFile("");
    const error = await withStackLock(file, async () => "ran").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StackLockError);
    expect((error as Error).message).toContain(`remove ${file}.lock if no step runs`);
  });

  it.runIf(process.getuid?.() === 0)("keeps the stack file's owner and mode", async () => {
    const file = copyOfProd();
    chownSync(file, 4242, 4343);
    chmodSync(file, 0o640);
    const code = (await raw("start", "--stack", "prod", "--config-file", file, "--endpoint", "chat")).code;
    expect(code).toBe(0);
    expect(statSync(file)).toMatchObject({ uid: 4242, gid: 4343 });
    expect(statSync(file).mode & 0o777).toBe(0o640);
  });
});

// `npm run rollout -- <status|start|shift|promote|finish|rollback> --stack <name> [--endpoint <name>] [options]`
// Moves a model endpoint between its blue and green slots, one reviewed edit of Pulumi.<stack>.yaml at a
// time. Each step is checked before anything is written: the state machine (cli/rollout/machine.ts),
// proof from a state export that a colour taking weight is deployed and healthy (prod requires it), the
// prod step limit, then the whole plan in memory (schema, capacity, quota, lifecycle, policy pack).
// Exit codes: 0 done (or status); 1 the step is refused (every reason printed, nothing written);
// 2 invalid arguments or an unreadable stack file or state export.
import "./startup";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { asOfDay, dayProblem } from "../stacks/asOf";
import { loadStackConfig } from "../stacks/load";
import { lifecycleOf } from "../components/openai/lifecycle";
import { EXIT } from "./exitCodes";
import { writeArtifacts, ArtifactWriteError } from "./outWriter";
import { StackFileError, readReason, readStackFile } from "./stackFile";
import { stackNameProblem } from "./plan";
import { COLOURS, colours, nextStep, transition, type Colour, type Command, type RawEndpoint, type RawSlot, type RawTarget } from "./rollout/machine";
import { colourResources, proveColour, type StateExport } from "./rollout/proof";
import { gateProblems } from "./rollout/gate";
import { loadtestSummaryOf, stateExportOf } from "./rollout/inputs";
import { StackLockError, withStackLock } from "./rollout/stackLock";
import { CONFIG_NAMESPACE } from "../stacks/config";
import { StackEditError, editEndpoint, endpointNames, readEndpoint, stackDiff, stackDocument } from "./rollout/stackEdit";
import { hasOwn } from "../components/core/own";

const ACTIONS = ["status", "start", "shift", "promote", "finish", "rollback"] as const;
type Action = (typeof ACTIONS)[number];
const USAGE = `usage: npm run rollout -- <${ACTIONS.join("|")}> --stack <name> [--endpoint <name>] [--state <pulumi stack export>]
  start:   --model M --version V [--target-kind azure-openai|vllm] [--account A] [--deployment-type T] [--capacity N]
           vLLM: [--pool P] [--image vllm/vllm-openai:<tag>] [--revision <commit>] [--replicas N] [--gpus-per-replica N] --service-ip IP
  shift:   --weight W (the new colour's weight); shift and promote: [--loadtest results.json] (npm run loadtest -- --json)
  --state: the output of pulumi stack export; the offline plan's out/<stack>/stack.json only with --allow-offline-proof (demos, tests)
  options: [--config-file FILE] [--as-of YYYY-MM-DD] [--dry-run] (print the diff, write nothing)`;

export interface RolloutIo { out(text: string): void; err(text: string): void }
class UsageError extends Error {}

const PAYGO_OF: Readonly<Record<string, string>> = {
  GlobalProvisionedManaged: "GlobalStandard",
  DataZoneProvisionedManaged: "DataZoneStandard",
  ProvisionedManaged: "Standard",
};

function parse(argv: string[], projectDir: string) {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        stack: { type: "string" },
        endpoint: { type: "string" },
        state: { type: "string" },
        model: { type: "string" },
        version: { type: "string" },
        "target-kind": { type: "string" },
        account: { type: "string" },
        "deployment-type": { type: "string" },
        capacity: { type: "string" },
        pool: { type: "string" },
        image: { type: "string" },
        revision: { type: "string" },
        replicas: { type: "string" },
        "gpus-per-replica": { type: "string" },
        "service-ip": { type: "string" },
        weight: { type: "string" },
        "config-file": { type: "string" },
        "as-of": { type: "string" },
        "dry-run": { type: "boolean", default: false },
        loadtest: { type: "string" },
        "allow-offline-proof": { type: "boolean", default: false },
      },
    });
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n${USAGE}`);
  }
  const { values, positionals } = parsed;
  for (const [option, value] of Object.entries(values)) {
    if (typeof value === "string" && /[\u0000-\u001f\u007f-\u009f]/.test(value)) throw new UsageError(`--${option} ${JSON.stringify(value)} holds a control character (a newline?): give the value on one line`);
  }
  const action = positionals[0] as Action | undefined;
  if (!action || !ACTIONS.includes(action) || positionals.length > 1) throw new UsageError(`the first argument must be one of ${ACTIONS.join(", ")} (got ${positionals.join(" ") || "nothing"})\n${USAGE}`);
  if (!values.stack) throw new UsageError(`--stack is required\n${USAGE}`);
  const stackProblem = stackNameProblem(values.stack);
  if (stackProblem) throw new UsageError(`${stackProblem}\n${USAGE}`);
  if (action !== "status" && !values.endpoint) throw new UsageError(`${action} needs --endpoint\n${USAGE}`);
  const asOfProblem = values["as-of"] !== undefined ? dayProblem(values["as-of"]) : undefined;
  if (asOfProblem) throw new UsageError(`--as-of ${asOfProblem}`);
  const whole = (key: keyof typeof values, min: number) => {
    const raw = values[key];
    if (raw === undefined) return undefined;
    const n = /^\d+$/.test(String(raw)) && Number.isSafeInteger(Number(raw)) ? Number(raw) : NaN;
    if (!Number.isInteger(n) || n < min) throw new UsageError(`--${key} ${JSON.stringify(raw)} is not a whole number of at least ${min} (decimal digits only)`);
    return n;
  };
  if (action === "shift" && values.weight === undefined) throw new UsageError(`shift needs --weight W (0-100)\n${USAGE}`);
  const kind = values["target-kind"];
  if (kind !== undefined && kind !== "azure-openai" && kind !== "vllm") throw new UsageError(`--target-kind ${kind}: azure-openai or vllm`);
  return {
    action,
    stack: values.stack,
    endpoint: values.endpoint,
    configFile: resolve(values["config-file"] ?? join(projectDir, `Pulumi.${values.stack}.yaml`)),
    state: values.state && resolve(values.state),
    loadtest: values.loadtest && resolve(values.loadtest),
    asOf: values["as-of"] ?? asOfDay(),
    dryRun: values["dry-run"],
    allowOfflineProof: values["allow-offline-proof"],
    weight: whole("weight", 0),
    start: {
      model: values.model,
      version: values.version,
      kind: kind as "azure-openai" | "vllm" | undefined,
      account: values.account,
      deploymentType: values["deployment-type"],
      capacity: whole("capacity", 1),
      pool: values.pool,
      image: values.image,
      revision: values.revision,
      replicas: whole("replicas", 1),
      gpusPerReplica: whole("gpus-per-replica", 1),
      serviceIp: values["service-ip"],
    },
  };
}
type Args = ReturnType<typeof parse>;

/**
 * The new colour's targets. Azure OpenAI: one per account of the live slot, on pay-as-you-go capacity (a
 * second PTU reservation would double cost and quota) unless --deployment-type says otherwise, with the
 * live slot's pay-as-you-go capacity on that account unless --capacity is given. vLLM: the live slot's
 * pool, image, replicas and GPUs unless given, at a new --service-ip.
 */
export function startTargets(live: RawSlot, o: Args["start"]): RawTarget[] {
  if (!o.model || !o.version) throw new UsageError("start needs --model and --version (for vLLM, --version is the model revision unless --revision is given)");
  const liveKind = live.targets[0]?.kind;
  const kind = o.kind ?? liveKind;
  if (kind === "vllm") {
    const base = (liveKind === "vllm" ? live.targets[0] : {}) as Record<string, unknown>;
    const missing = [["--pool", o.pool ?? base.pool], ["--image", o.image ?? base.image], ["--service-ip", o.serviceIp]].filter(([, v]) => v === undefined).map(([k]) => k);
    if (missing.length > 0) throw new UsageError(`a vLLM target needs ${missing.join(", ")}`);
    return [{
      kind: "vllm",
      pool: o.pool ?? base.pool,
      model: o.model,
      revision: o.revision ?? o.version,
      image: o.image ?? base.image,
      replicas: o.replicas ?? base.replicas ?? 2,
      ...(base.maxReplicas !== undefined && o.replicas === undefined ? { maxReplicas: base.maxReplicas } : {}),
      gpusPerReplica: o.gpusPerReplica ?? base.gpusPerReplica ?? 1,
      ...(base.maxModelLen !== undefined ? { maxModelLen: base.maxModelLen } : {}),
      serviceIp: o.serviceIp,
    } as RawTarget];
  }
  const azure = live.targets.filter((t) => t.kind === "azure-openai") as (RawTarget & { account: string; deploymentType: string; capacity: number })[];
  const accounts = o.account ? [o.account] : [...new Set(azure.map((t) => t.account))];
  if (accounts.length === 0) throw new UsageError("an Azure OpenAI target beside a vLLM slot needs --account, --deployment-type and --capacity");
  return accounts.map((account, i) => {
    const onAccount = azure.filter((t) => t.account === account);
    const paygo = onAccount.find((t) => !hasOwn(PAYGO_OF, t.deploymentType));
    const deploymentType = o.deploymentType ?? paygo?.deploymentType ?? PAYGO_OF[onAccount[0]?.deploymentType ?? ""];
    const capacity = o.capacity ?? (paygo && paygo.deploymentType === deploymentType ? paygo.capacity : undefined);
    if (!deploymentType || capacity === undefined) throw new UsageError(`account ${account}: give --deployment-type and --capacity (the live slot has no pay-as-you-go target there to copy)`);
    return { kind: "azure-openai", account, model: o.model!, version: o.version!, deploymentType, capacity, priority: i === 0 ? 1 : 2 };
  });
}

/** Plans a candidate stack file in memory: its exit code and every reason it fails. */
async function planCandidate(args: Args, text: string, projectDir: string): Promise<{ ok: boolean; reasons: string[] }> {
  const dir = mkdtempSync(join(tmpdir(), "genai-rollout-"));
  try {
    const file = join(dir, basename(args.configFile));
    writeFileSync(file, text);
    const out: string[] = [];
    const err: string[] = [];
    const { plan } = await import("./plan");
    const code = await plan(["--stack", args.stack, "--config-file", file, "--out", join(dir, "out"), "--as-of", args.asOf, "--json"], projectDir, { out: (t) => out.push(t), err: (t) => err.push(t) });
    if (code === EXIT.ok) return { ok: true, reasons: [] };
    const reasons = err.join("").split("\n").map((l) => l.trim().replace(/^plan: /, "")).filter(Boolean);
    if (code === EXIT.policy) {
      const report = JSON.parse(out.join("")) as { policy: { violations: { policy: string; enforcementLevel: string; urn?: string; message: string }[] } };
      reasons.push(...report.policy.violations.filter((v) => v.enforcementLevel === "mandatory").map((v) => `policy ${v.policy}: ${v.urn ? `${v.urn.split("::").pop()}: ` : ""}${v.message}`));
    }
    return { ok: false, reasons: reasons.length > 0 ? reasons : [`the plan failed with exit code ${code}`] };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function describeSlot(e: RawEndpoint, colour: Colour, asOf: string, state?: StateExport, name?: string): string {
  const slot = e.slots[colour];
  if (!slot) return `  ${colour}: -`;
  const targets = slot.targets.map((t) => {
    if (t.kind === "vllm") return `vLLM ${t.model}@${String(t.revision).slice(0, 12)} (${t.image}, ${t.replicas} x ${t.gpusPerReplica} GPU on ${t.pool})`;
    const life = lifecycleOf(String(t.model), String(t.version));
    const when = life ? (life.retirement <= asOf ? `RETIRED ${life.retirement}` : `retires ${life.retirement}`) : "not in the lifecycle table";
    return `${t.model} ${t.version} ${t.deploymentType} ${t.capacity} on ${t.account} (${when})`;
  });
  let deployed = "";
  if (state && name) {
    const found = colourResources(state, name, colour);
    const proof = proveColour(state, name, colour, slot);
    deployed = ` · state: ${found.deployments.length + found.statefulSets.length} resources, ${proof.healthy ? "healthy" : `not healthy: ${proof.why}`}`;
  }
  return `  ${colour}: weight ${slot.weight}${deployed}\n${targets.map((t) => `    - ${t}`).join("\n")}`;
}

export async function rollout(argv: string[], projectDir: string, io: RolloutIo): Promise<number> {
  let args: Args;
  try {
    args = parse(argv, projectDir);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.err(`rollout: ${error.message}\n`);
    return EXIT.invalid;
  }
  if (args.action === "status" || args.dryRun) return step(args, projectDir, io);
  try {
    return await withStackLock(args.configFile, () => step(args, projectDir, io));
  } catch (error) {
    if (!(error instanceof StackLockError)) throw error;
    io.err(`rollout: ${error.message}; nothing was written\n`);
    return EXIT.invalid;
  }
}

/** The JSON in `file`, given as `option`; a UsageError naming both when it is not JSON or cannot be read. */
function readJson(file: string, option: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new UsageError(`${option} ${file}: ${readReason(error)}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${option} ${file} is not JSON: ${(error as Error).message}`);
  }
}

/** One step on the stack file: read, check, plan, write (the caller holds the file's lock when it writes). */
async function step(args: Args, projectDir: string, io: RolloutIo): Promise<number> {
  let text: string;
  let state: StateExport | undefined;
  try {
    text = readFileSync(args.configFile, "utf8");
    if (args.state) {
      const read = stateExportOf(readJson(args.state, "--state"), args.state, { stack: args.stack, project: CONFIG_NAMESPACE, allowOffline: args.allowOfflineProof });
      if ("problem" in read) throw new UsageError(read.problem);
      state = read.state;
    }
  } catch (error) {
    if (error instanceof UsageError || error instanceof SyntaxError || (error as NodeJS.ErrnoException).code) {
      io.err(`rollout: ${(error as Error).message}\n`);
      return EXIT.invalid;
    }
    throw error;
  }
  let doc;
  let loaded;
  try {
    doc = stackDocument(text, args.configFile);
    loaded = loadStackConfig(readStackFile(args.configFile), { stack: args.stack, asOf: args.asOf });
  } catch (error) {
    if (!(error instanceof StackEditError || error instanceof StackFileError)) throw error;
    io.err(`rollout: ${error.message}\n`);
    return EXIT.invalid;
  }
  if (!loaded.ok) {
    io.err(`rollout: ${args.configFile} is not a valid stack configuration; fix it first:\n${loaded.issues.map((i) => `  ${i.path}: ${i.message}\n`).join("")}`);
    return EXIT.invalid;
  }
  const { environment, rolloutMaxStep: maxStep } = loaded.config;

  if (args.action === "status") {
    const names = args.endpoint ? [args.endpoint] : endpointNames(doc);
    for (const name of names) {
      const e = readEndpoint(doc, name);
      if (!e) {
        io.err(`rollout: no endpoint "${name}" in ${args.configFile}; endpoints: ${endpointNames(doc).join(", ")}\n`);
        return EXIT.invalid;
      }
      const { from, to } = colours(e);
      io.out(`${name}${to ? ` (rollout ${from} -> ${to})` : ""}\n${COLOURS.map((c) => describeSlot(e, c, args.asOf, state, name)).join("\n")}\n  next: ${nextStep(e, environment === "prod" ? maxStep : 100)}\n`);
    }
    return EXIT.ok;
  }

  const name = args.endpoint!;
  const before = readEndpoint(doc, name);
  if (!before) {
    io.err(`rollout: no endpoint "${name}" in ${args.configFile}; endpoints: ${endpointNames(doc).join(", ")}\n`);
    return EXIT.invalid;
  }
  let command: Command;
  try {
    const live = COLOURS.map((c) => before.slots[c]).find((s) => s && s.weight === 100) ?? before.slots[colours(before).present[0]!]!;
    command =
      args.action === "start"
        ? { kind: "start", ...(args.start.model ? { targets: startTargets(live, args.start) } : {}) }
        : args.action === "shift"
          ? { kind: "shift", weight: args.weight! }
          : { kind: args.action };
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.err(`rollout: ${error.message}\n`);
    return EXIT.invalid;
  }
  // The load-test gate: moving weight onto the new colour needs it no worse than the old one beyond the margins.
  const { from: gateFrom, to: gateTo } = colours(before);
  const raising = gateTo !== undefined && (command.kind === "promote" || (command.kind === "shift" && command.weight > before.slots[gateTo]!.weight));
  if (args.loadtest && raising) {
    let read: ReturnType<typeof loadtestSummaryOf>;
    try {
      read = loadtestSummaryOf(readJson(args.loadtest, "--loadtest"), args.loadtest);
    } catch (error) {
      io.err(`rollout: --loadtest ${args.loadtest}: ${(error as Error).message}\n`);
      return EXIT.invalid;
    }
    if ("problem" in read) {
      io.err(`rollout: ${read.problem}\n`);
      return EXIT.invalid;
    }
    const { summary, endpoint: tested } = read;
    const problems = [
      ...(tested !== name ? [`the load test measured endpoint ${tested ?? "(none)"}, not ${name}`] : []),
      ...gateProblems(summary, gateFrom!, gateTo!, loaded.config.rolloutGate),
    ];
    if (problems.length > 0) {
      io.err(`rollout: ${args.action} refused by the load test; nothing was written:\n${problems.map((p) => `  ${p}\n`).join("")}`);
      return EXIT.policy;
    }
  }
  const outcome = transition(name, before, command, {
    environment,
    maxStep,
    ...(state ? { proof: (c: Colour) => (before.slots[c] ? proveColour(state!, name, c, before.slots[c]!) : { healthy: false as const, why: `${c} has no slot` }) } : {}),
  });
  if (!outcome.ok) {
    io.err(`rollout: ${args.action} refused; nothing was written:\n${outcome.reasons.map((r) => `  ${r}\n`).join("")}`);
    return EXIT.policy;
  }
  let after: string;
  try {
    after = editEndpoint(text, doc, name, before, outcome.endpoint);
  } catch (error) {
    if (!(error instanceof StackEditError)) throw error;
    io.err(`rollout: ${error.message}; nothing was written\n`);
    return EXIT.invalid;
  }
  const checked = await planCandidate(args, after, projectDir);
  if (!checked.ok) {
    io.err(`rollout: ${args.action} refused: the stack file after it would not plan; nothing was written:\n${checked.reasons.map((r) => `  ${r}\n`).join("")}`);
    return EXIT.policy;
  }
  io.out(`${stackDiff(basename(args.configFile), text, after)}\n${outcome.summary}\n`);
  if (args.dryRun) {
    io.out("--dry-run: nothing was written\n");
    return EXIT.ok;
  }
  try {
    // A person may have saved the file while the step planned: their edit wins, the step is refused.
    if (readFileSync(args.configFile, "utf8") !== text) {
      io.err(`rollout: ${args.configFile} changed while the step ran; nothing was written: run the step again on the saved file\n`);
      return EXIT.invalid;
    }
    writeArtifacts(dirname(args.configFile), [{ path: basename(args.configFile), content: after }]);
  } catch (error) {
    if (!(error instanceof ArtifactWriteError) && !(error as NodeJS.ErrnoException).code) throw error;
    io.err(`rollout: ${(error as Error).message}; nothing was written\n`);
    return EXIT.invalid;
  }
  const next = readEndpoint(stackDocument(after, args.configFile), name)!;
  io.out(`wrote ${args.configFile}; the plan and the policy pack pass. Next: ${nextStep(next, environment === "prod" ? maxStep : 100)}; apply with pulumi up after review\n`);
  return EXIT.ok;
}

if (require.main === module) {
  rollout(process.argv.slice(2), resolve(__dirname, ".."), { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) }).then(
    (code) => (process.exitCode = code),
    (error) => {
      process.stderr.write(`rollout: ${(error as Error).stack ?? error}\n`);
      process.exitCode = EXIT.programFailed;
    },
  );
}

// `npm run rollout -- <status|start|shift|promote|finish|rollback> --stack <name> [--endpoint <name>] [options]`
// Moves a model endpoint between its blue and green slots, one reviewed edit of Pulumi.<stack>.yaml at a
// time. Each step is checked before anything is written: the state machine (cli/rollout/machine.ts),
// proof from a state export that a colour taking weight is deployed and healthy (prod requires it), the
// prod step limit, then the whole plan in memory (schema, capacity, quota, lifecycle, policy pack).
// Every option is checked first (cli/rollout/options.ts): the options the step takes, numbers, text,
// and the values of start's new targets against the stack file's own schema; the state export and the
// load test are validated where they are read (cli/rollout/inputs.ts); the stack file is locked for the
// step (cli/rollout/stackLock.ts) and written only if its bytes are still the ones the step read.
// Exit codes: 0 done (or status); 1 the step is refused (every reason printed, nothing written);
// 2 invalid arguments or an unreadable stack file or state export.
import "../shared/startup";
import { readFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { type CommandSpec, helpText, parseCommandLine, usageLine, wantsHelp } from "../shared/args";
import { asOfDay, dayProblem } from "../../stacks/asOf";
import { loadStackConfig } from "../../stacks/load";
import type { SlotSummary } from "../loadtest/run";
import { lifecycleOf } from "../../components/openai/lifecycle";
import { type CommandIo, EXIT, UsageError, quietOnClosedPipe } from "../shared/io";
import { writeArtifacts, ArtifactWriteError } from "../shared/outWriter";
import {
  StackFileError,
  missingStackHint,
  readStackBytes,
  stackConfigOf,
  type StackConfig,
  projectName,
} from "../shared/stackFile";
import { stackNameProblem } from "../shared/stackFile";
import {
  colours,
  nextStep,
  transition,
  type Command,
  type RawEndpoint,
  type RawSlot,
  type RawTarget,
} from "../rollout/machine";
import { COLOURS, type Colour } from "../../components/core/colours";
import { colourResources, proveColour, type StateExport } from "../rollout/proof";
import { gateProblems, type GateMargins } from "../rollout/gate";
import { capacityDrop } from "../rollout/capacity";
import { coldStartNote } from "../rollout/coldStart";
import { loadtestSummaryOf, readJsonInput, stateExportOf } from "../rollout/inputs";
import {
  ACTIONS,
  givenStartOptions,
  ipv4Problem,
  kindProblem,
  newTargetProblems,
  stepOptionProblem,
  wholeNumber,
  type Action,
  type StartOptions,
} from "../rollout/options";
import { printed, quoted, safeName, textProblem } from "../shared/terminalText";
import { StackLockError, withStackLock } from "../rollout/stackLock";
import { CONFIG_NAMESPACE } from "../../stacks/config";
import {
  StackEditError,
  editEndpoint,
  endpointNames,
  readEndpoint,
  stackDiff,
  stackDocument,
} from "../rollout/stackEdit";
import { hasOwn, own } from "../../components/core/own";
import { PAYGO_LEVEL_OF } from "../../components/openai/models";

const s = (value: string, help: string) => ({ type: "string" as const, value, help });
const b = (help: string) => ({ type: "boolean" as const, help });
export const ROLLOUT_SPEC: CommandSpec = {
  command: "rollout",
  summary:
    "Moves a model endpoint between its blue and green slots, one reviewed edit of Pulumi.<stack>.yaml at a time: start stages the new colour at weight 0, shift and promote move weight onto it (with proof from a state export), finish removes the colour at 0, rollback returns to the old colour. Each step is planned with the policy pack before anything is written; status prints the slots and the next step.",
  positionals: `<${ACTIONS.join("|")}>`,
  options: {
    stack: s("NAME", "the stack (Pulumi.<NAME>.yaml)"),
    endpoint: s("NAME", "the model endpoint (every step but status)"),
    state: s(
      "FILE",
      "a `pulumi stack export`: proof the colour taking weight is deployed and healthy (status, shift, promote)",
    ),
    weight: s("W", "shift: the new colour's weight, 0-100"),
    model: s("M", "start: the new colour's model"),
    version: s("V", "start: its version (vLLM: the revision)"),
    "target-kind": s("azure-openai|vllm", "start: the new colour's kind (default the live one's)"),
    account: s("A", "start, Azure OpenAI: the account"),
    "deployment-type": s("T", "start, Azure OpenAI: the deployment type"),
    capacity: s("N", "start, Azure OpenAI: PTUs or TPM"),
    pool: s("P", "start, vLLM: the GPU pool"),
    image: s("IMAGE", "start, vLLM: vllm/vllm-openai:<tag>"),
    revision: s("COMMIT", "start, vLLM: the model revision"),
    replicas: s("N", "start, vLLM: replicas"),
    "gpus-per-replica": s("N", "start, vLLM: GPUs per replica"),
    "service-ip": s("IP", "start, vLLM: the servers' address for the gateway"),
    adapter: s("NAME", "start, vLLM: roll out this LoRA adapter (a copy of the live targets, the adapter changed)"),
    "adapter-revision": s("COMMIT", "start --adapter: the adapter's new revision"),
    "adapter-model": s("REPO", "start --adapter: a new adapter's Hugging Face repository"),
    "adapter-rank": s("R", "start --adapter: a new adapter's LoRA rank"),
    loadtest: s("FILE", "shift, promote: npm run loadtest -- --json output; refuses a new colour slower than the old"),
    "accept-capacity-drop": b(
      "shift, promote: confirm a step that lowers the endpoint's capacity (refused in prod without it)",
    ),
    "keep-idle": b(
      "finish: keep the colour at weight 0 idle (zero replicas, its model cache kept) instead of removing it",
    ),
    "allow-offline-proof": b("accept the offline plan's own export as --state (demos, tests)"),
    "config-file": s("FILE", "the stack file instead of Pulumi.<stack>.yaml"),
    "policy-config": s(
      "FILE",
      "the policy pack's config instead of policies/config/<environment>.json (as npm run plan)",
    ),
    "as-of": s("YYYY-MM-DD", "the day model lifecycle is checked for (default today)"),
    "dry-run": b("print the diff, write nothing"),
  },
  examples: [
    "npm run rollout -- status --stack prod",
    "npm run rollout -- start --stack prod --endpoint chat --model gpt-5.1 --version 2025-11-13",
    "npm run rollout -- shift --stack prod --endpoint chat --weight 25 --state export.json",
    "npm run rollout -- promote --stack prod --endpoint chat --state export.json",
    "npm run rollout -- finish --stack prod --endpoint chat",
    "npm run rollout -- start --stack prod --endpoint qwen --adapter support --adapter-revision <commit> --service-ip 10.40.31.202",
    "npm run rollout -- finish --stack prod --endpoint qwen --keep-idle",
  ],
  notes: [
    "exit codes: 0 done (or status); 1 the step is refused (every reason printed, nothing written); 2 invalid arguments or an unreadable stack file or state export",
  ],
};
const USAGE = usageLine(ROLLOUT_SPEC);

/** Options read as whole numbers: an empty one is reported as no number. */
const NUMERIC_OPTIONS = ["weight", "capacity", "replicas", "gpus-per-replica", "adapter-rank"];

function parse(argv: string[], projectDir: string) {
  const parsed = parseCommandLine(ROLLOUT_SPEC, argv);
  const { values, positionals, tokens } = parsed;
  const problem = optionTextProblem(tokens);
  if (problem) throw new UsageError(problem);
  const action = positionals[0] as Action | undefined;
  if (!action || !ACTIONS.includes(action) || positionals.length > 1)
    throw new UsageError(
      `the first argument must be one of ${ACTIONS.join(", ")} (got ${positionals.map(quoted).join(" ") || "nothing"})\n${USAGE}`,
    );
  const misplaced = stepOptionProblem(action, Object.keys(values));
  if (misplaced) throw new UsageError(`${misplaced}\n${USAGE}`);
  if (!values.stack) throw new UsageError(`--stack is required\n${USAGE}`);
  const stackProblem = stackNameProblem(values.stack);
  if (stackProblem) throw new UsageError(`${stackProblem}\n${USAGE}`);
  if (action !== "status" && !values.endpoint) throw new UsageError(`${action} needs --endpoint\n${USAGE}`);
  const asOfProblem = values["as-of"] !== undefined ? dayProblem(values["as-of"]) : undefined;
  if (asOfProblem) throw new UsageError(`--as-of ${asOfProblem}`);
  const whole = (
    key: "weight" | "capacity" | "replicas" | "gpus-per-replica" | "adapter-rank",
    min: number,
    max?: number,
  ) => {
    const raw = values[key];
    if (raw === undefined) return undefined;
    const read = wholeNumber(key, raw, min, max);
    if ("problem" in read) throw new UsageError(read.problem);
    return read.value;
  };
  if (action === "shift" && values.weight === undefined)
    throw new UsageError(`shift needs --weight W (0-100)\n${USAGE}`);
  const kind = values["target-kind"];
  if (kind !== undefined && kind !== "azure-openai" && kind !== "vllm")
    throw new UsageError(`--target-kind ${quoted(kind)}: azure-openai or vllm`);
  const ipProblem = values["service-ip"] !== undefined ? ipv4Problem(values["service-ip"]) : undefined;
  if (ipProblem) throw new UsageError(ipProblem);
  const start: StartOptions = {
    model: values.model,
    version: values.version,
    kind: kind as StartOptions["kind"],
    account: values.account,
    deploymentType: values["deployment-type"],
    capacity: whole("capacity", 1),
    pool: values.pool,
    image: values.image,
    revision: values.revision,
    replicas: whole("replicas", 1),
    gpusPerReplica: whole("gpus-per-replica", 1),
    serviceIp: values["service-ip"],
    adapter: values.adapter,
    adapterRevision: values["adapter-revision"],
    adapterModel: values["adapter-model"],
    adapterRank: whole("adapter-rank", 1),
  };
  return {
    action,
    stack: values.stack,
    endpoint: values.endpoint,
    configFile: resolve(values["config-file"] ?? join(projectDir, `Pulumi.${values.stack}.yaml`)),
    configFileOption: values["config-file"] !== undefined ? "--config-file" : "stack file",
    state: values.state && resolve(values.state),
    loadtest: values.loadtest && resolve(values.loadtest),
    asOf: values["as-of"] ?? asOfDay(),
    dryRun: values["dry-run"] ?? false,
    acceptCapacityDrop: values["accept-capacity-drop"] ?? false,
    keepIdle: values["keep-idle"] ?? false,
    policyConfig: values["policy-config"] && resolve(values["policy-config"]),
    allowOfflineProof: values["allow-offline-proof"] ?? false,
    weight: whole("weight", 0, 100),
    start,
  };
}
type Args = ReturnType<typeof parse>;

/** The first problem of the options as given: one given twice, an empty value (numbers say so themselves), or unsafe text. */
function optionTextProblem(tokens: readonly { kind: string; name?: string; value?: string }[]): string | undefined {
  const seen = new Map<string, string | undefined>();
  for (const token of tokens) {
    if (token.kind !== "option" || token.name === undefined) continue;
    if (seen.has(token.name))
      return `--${token.name} is given twice${token.value !== undefined ? ` (${quoted(String(seen.get(token.name)))}, then ${quoted(token.value)})` : ""}: give it once`;
    seen.set(token.name, token.value);
    if (token.value === undefined) continue;
    if (token.value === "" && !NUMERIC_OPTIONS.includes(token.name))
      return `--${token.name} is empty: give a value, or leave the option out`;
    const unsafe = textProblem(`--${token.name}`, token.value);
    if (unsafe) return unsafe;
  }
  return undefined;
}

/**
 * The new colour's targets. Azure OpenAI: one per account of the live slot, on pay-as-you-go capacity (a
 * second PTU reservation would double cost and quota) unless --deployment-type says otherwise, with the
 * live slot's pay-as-you-go capacity on that account unless --capacity is given. vLLM: the live slot's
 * pool, image, replicas and GPUs unless given, at a new --service-ip. Options of the other target kind,
 * and an --account the stack does not define, are refused.
 */
export function startTargets(
  live: RawSlot,
  o: StartOptions,
  endpoint: string,
  accounts: Readonly<Record<string, unknown>>,
): RawTarget[] {
  const liveKind = live.targets[0]?.kind;
  const kind = o.kind ?? (liveKind === "vllm" ? "vllm" : "azure-openai");
  const revision = o.revision ?? o.version;
  if (!o.model || (kind === "vllm" ? !revision : !o.version))
    throw new UsageError(
      "start needs --model and --version (for vLLM, --version is the model revision unless --revision is given)",
    );
  const foreign = kindProblem(kind, o, endpoint);
  if (foreign) throw new UsageError(foreign);
  if (kind === "vllm") {
    if (o.revision !== undefined && o.version !== undefined && o.revision !== o.version)
      throw new UsageError(
        `--version ${quoted(o.version)} and --revision ${quoted(o.revision)} both name the model revision of a vLLM target: give one`,
      );
    const base = (liveKind === "vllm" ? live.targets[0] : {}) as Record<string, unknown>;
    const missing = [
      ["--pool", o.pool ?? base.pool],
      ["--image", o.image ?? base.image],
      ["--service-ip", o.serviceIp],
    ]
      .filter(([, v]) => v === undefined)
      .map(([k]) => k);
    if (missing.length > 0) throw new UsageError(`a vLLM target needs ${missing.join(", ")}`);
    // Adapters are trained on one base model: a new revision of it keeps them, another model cannot serve them.
    const adapters = Array.isArray(base.adapters) ? (base.adapters as { name: string }[]) : [];
    if (adapters.length > 0 && o.model !== base.model)
      throw new UsageError(
        `${endpoint}'s live targets serve LoRA adapters (${adapters.map((a) => a.name).join(", ")}) trained on ${String(base.model)}: a new base model needs adapters trained on it; stage that colour in the stack file`,
      );
    const lora = Object.fromEntries(
      (["adapters", "maxLoras", "maxLoraRank"] as const).flatMap((k) => (base[k] !== undefined ? [[k, base[k]]] : [])),
    );
    return [
      {
        kind: "vllm",
        pool: o.pool ?? base.pool,
        model: o.model,
        revision,
        image: o.image ?? base.image,
        replicas: o.replicas ?? base.replicas ?? 2,
        ...(base.maxReplicas !== undefined && o.replicas === undefined ? { maxReplicas: base.maxReplicas } : {}),
        gpusPerReplica: o.gpusPerReplica ?? base.gpusPerReplica ?? 1,
        ...(base.maxModelLen !== undefined ? { maxModelLen: base.maxModelLen } : {}),
        serviceIp: o.serviceIp,
        ...lora,
      } as RawTarget,
    ];
  }
  if (o.account !== undefined && !hasOwn(accounts, o.account))
    throw new UsageError(
      `--account ${quoted(o.account)} is not an account of this stack; accounts: ${Object.keys(accounts).join(", ")}`,
    );
  const azure = live.targets.filter((t) => t.kind === "azure-openai") as (RawTarget & {
    account: string;
    deploymentType: string;
    capacity: number;
  })[];
  const targetAccounts = o.account ? [o.account] : [...new Set(azure.map((t) => t.account))];
  if (targetAccounts.length === 0)
    throw new UsageError("an Azure OpenAI target beside a vLLM slot needs --account, --deployment-type and --capacity");
  return targetAccounts.map((account, i) => {
    const onAccount = azure.filter((t) => t.account === account);
    const paygo = onAccount.find((t) => !hasOwn(PAYGO_LEVEL_OF, t.deploymentType));
    const deploymentType =
      o.deploymentType ?? paygo?.deploymentType ?? own(PAYGO_LEVEL_OF, onAccount[0]?.deploymentType ?? "");
    const capacity = o.capacity ?? (paygo && paygo.deploymentType === deploymentType ? paygo.capacity : undefined);
    if (!deploymentType || capacity === undefined)
      throw new UsageError(
        `account ${account}: give --deployment-type and --capacity (the live slot has no pay-as-you-go target there to copy)`,
      );
    return {
      kind: "azure-openai",
      account,
      model: o.model!,
      version: o.version!,
      deploymentType,
      capacity,
      priority: i === 0 ? 1 : 2,
    };
  });
}

/** Plans a candidate stack file in memory (cli/planner/planRun.ts): whether it plans and passes the pack, and every reason it does not. */
async function planCandidate(
  args: Args,
  text: string,
  projectDir: string,
): Promise<{ ok: boolean; reasons: string[] }> {
  // The plan's messages name the candidate; the person knows the stack file.
  const candidate = `${args.configFile} after the step`;
  let stackConfig;
  try {
    stackConfig = stackConfigOf(Buffer.from(text), candidate);
  } catch (error) {
    if (!(error instanceof StackFileError)) throw error;
    return { ok: false, reasons: [error.message] };
  }
  const { planInMemory } = await import("../planner/planRun");
  const outcome = await planInMemory(
    {
      stack: args.stack,
      configFile: candidate,
      projectDir,
      asOf: args.asOf,
      verify: false,
      ...(args.policyConfig ? { policyConfig: args.policyConfig } : {}),
    },
    projectName(projectDir),
    stackConfig,
  );
  if (!outcome.ok)
    return {
      ok: false,
      reasons: outcome.message
        .split("\n")
        .map((l) => l.trim())
        .filter(Boolean),
    };
  const mandatory = outcome.policy.violations.filter((v) => v.enforcementLevel === "mandatory");
  return {
    ok: mandatory.length === 0,
    reasons: mandatory.map((v) => `policy ${v.policy}: ${v.urn ? `${v.urn.split("::").pop()}: ` : ""}${v.message}`),
  };
}

function describeSlot(e: RawEndpoint, colour: Colour, asOf: string, state?: StateExport, name?: string): string {
  const slot = e.slots[colour];
  if (!slot) return `  ${colour}: -`;
  const targets = slot.targets.map((t) => {
    if (t.kind === "vllm")
      return `vLLM ${t.model}@${String(t.revision).slice(0, 12)} (${t.image}, ${t.replicas} x ${t.gpusPerReplica} GPU on ${t.pool})`;
    const life = lifecycleOf(String(t.model), String(t.version));
    const when = life
      ? life.retirement <= asOf
        ? `RETIRED ${life.retirement}`
        : `retires ${life.retirement}`
      : "not in the lifecycle table";
    const unit = String(t.deploymentType).includes("Provisioned") ? "PTU" : "TPM";
    return `${t.model} ${t.version} ${t.deploymentType} ${Number(t.capacity).toLocaleString("en-US")} ${unit} on ${t.account} (${when})`;
  });
  let deployed = "";
  if (state && name) {
    const found = colourResources(state, name, colour);
    const proof = proveColour(state, name, colour, slot);
    deployed = ` · state: ${found.deployments.length + found.statefulSets.length} resources, ${proof.healthy ? "healthy" : `not healthy: ${proof.why}`}`;
  }
  return `  ${colour}: weight ${slot.weight}${deployed}\n${targets.map((t) => `    - ${t}`).join("\n")}`;
}

export async function rollout(argv: string[], projectDir: string, terminal: CommandIo): Promise<number> {
  // Everything printed passes through one filter: what files and options hold reaches the terminal as visible text.
  const io: CommandIo = { out: (text) => terminal.out(printed(text)), err: (text) => terminal.err(printed(text)) };
  if (wantsHelp(argv)) {
    io.out(helpText(ROLLOUT_SPEC));
    return EXIT.ok;
  }
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

/** What the step reads besides the stack file: the state export and the load test, each validated whenever given. */
function readInputs(args: Args): {
  state?: StateExport;
  loadtest?: { summary: Record<string, SlotSummary>; endpoint?: string };
} {
  const read = (file: string, option: string) => {
    const json = readJsonInput(file, option);
    if ("problem" in json) throw new UsageError(json.problem);
    return json.value;
  };
  const state = args.state
    ? stateExportOf(read(args.state, "--state"), args.state, {
        stack: args.stack,
        project: CONFIG_NAMESPACE,
        allowOffline: args.allowOfflineProof,
      })
    : undefined;
  if (state && "problem" in state) throw new UsageError(state.problem);
  const loadtest = args.loadtest ? loadtestSummaryOf(read(args.loadtest, "--loadtest"), args.loadtest) : undefined;
  if (loadtest && "problem" in loadtest) throw new UsageError(loadtest.problem);
  return { ...(state ? { state: state.state } : {}), ...(loadtest ? { loadtest } : {}) };
}

/** Why the load test refuses moving weight onto the new colour of endpoint `name`; empty when it passes. */
function gateRefusals(
  loadtest: { summary: Record<string, SlotSummary>; endpoint?: string },
  name: string,
  from: Colour,
  to: Colour,
  margins: GateMargins,
): string[] {
  const tested = loadtest.endpoint;
  return [
    ...(tested !== name
      ? [`the load test measured endpoint ${tested === undefined ? "(none)" : safeName(tested)}, not ${name}`]
      : []),
    ...gateProblems(loadtest.summary, from, to, margins),
  ];
}

/**
 * The new colour of an adapter's rollout: the live vLLM target, copied whole (base model, adapters, limits), with
 * `--adapter` at `--adapter-revision`, or added from `--adapter-model` at `--adapter-rank`; its own `--service-ip`.
 */
export function adapterStartTargets(live: RawSlot, o: StartOptions, endpoint: string): RawTarget[] {
  const allowed = new Set(["adapter", "adapterRevision", "adapterModel", "adapterRank", "serviceIp"]);
  const others = (Object.keys(o) as (keyof StartOptions)[]).filter((k) => o[k] !== undefined && !allowed.has(k));
  if (others.length > 0)
    throw new UsageError(
      `start --adapter copies the live targets and changes one adapter; it takes --adapter-revision, --adapter-model, --adapter-rank and --service-ip, not ${givenStartOptions(
        Object.fromEntries(others.map((k) => [k, o[k]])) as StartOptions,
      ).join(", ")}`,
    );
  if (live.targets.some((t) => t.kind !== "vllm"))
    throw new UsageError(`start --adapter needs ${endpoint}'s live colour on vLLM`);
  if (live.targets.length !== 1)
    throw new UsageError(
      `start --adapter copies one target with its own --service-ip; ${endpoint}'s live colour has ${live.targets.length}: stage the new colour in the stack file`,
    );
  if (!o.adapterRevision || !o.serviceIp)
    throw new UsageError("start --adapter needs --adapter-revision and --service-ip");
  const target = live.targets[0]!;
  const adapters = (Array.isArray(target.adapters) ? target.adapters : []) as Record<string, unknown>[];
  const current = adapters.find((a) => a.name === o.adapter);
  if (current && (o.adapterModel !== undefined || o.adapterRank !== undefined))
    throw new UsageError(
      `--adapter ${quoted(o.adapter!)} is served already: give only --adapter-revision (--adapter-model and --adapter-rank add a new one)`,
    );
  if (!current && (o.adapterModel === undefined || o.adapterRank === undefined))
    throw new UsageError(
      `${endpoint} serves no adapter ${quoted(o.adapter!)} (adapters: ${adapters.map((a) => String(a.name)).join(", ") || "none"}): a new one needs --adapter-model and --adapter-rank`,
    );
  const next = current
    ? adapters.map((a) => (a === current ? { ...a, revision: o.adapterRevision } : a))
    : [...adapters, { name: o.adapter, model: o.adapterModel, revision: o.adapterRevision, rank: o.adapterRank }];
  return [{ ...target, adapters: next, serviceIp: o.serviceIp }];
}

/** The command of the step, built from the options (start's new targets included). */
function commandOf(
  args: Args,
  before: RawEndpoint,
  name: string,
  accounts: Readonly<Record<string, unknown>>,
): Command {
  if (args.action === "shift") return { kind: "shift", weight: args.weight! };
  if (args.action === "finish") return { kind: "finish", keepIdle: args.keepIdle };
  if (args.action !== "start") return { kind: args.action as "promote" | "rollback" };
  const adapterOptions = (["adapter", "adapterRevision", "adapterModel", "adapterRank"] as const).filter(
    (k) => args.start[k] !== undefined,
  );
  const given = givenStartOptions(
    Object.fromEntries(adapterOptions.map((k) => [k, args.start[k]])) as StartOptions,
  ).join(", ");
  if (args.start.model && adapterOptions.length > 0)
    throw new UsageError(
      `--model starts a new model version; --adapter rolls out an adapter of the live one: give one of them (${given} with --model)`,
    );
  if (!args.start.adapter && adapterOptions.length > 0)
    throw new UsageError(`${given} ${adapterOptions.length > 1 ? "apply" : "applies"} only with --adapter NAME`);
  if (!args.start.model && args.start.adapter !== undefined) {
    const live = COLOURS.map((c) => before.slots[c]).find((s) => s && s.weight === 100);
    if (!live) throw new UsageError(`start --adapter copies the live colour's targets: ${name} has no colour at 100`);
    return { kind: "start", targets: adapterStartTargets(live, args.start, name) };
  }
  if (!args.start.model) {
    const unused = givenStartOptions(args.start);
    if (unused.length > 0)
      throw new UsageError(
        `start without --model adopts the colour staged at weight 0 as it is; ${unused.join(", ")} ${unused.length > 1 ? "apply" : "applies"} only with --model`,
      );
    return { kind: "start" };
  }
  const live =
    COLOURS.map((c) => before.slots[c]).find((s) => s && s.weight === 100) ??
    before.slots[colours(before).present[0]!]!;
  return { kind: "start", targets: startTargets(live, args.start, name, accounts) };
}

/** Writes `after` over the stack file unless its bytes changed since they were read as `original`; a problem when not written. */
function writeStackFile(file: string, original: Buffer, after: string): string | undefined {
  // A person may have saved the file while the step planned: their edit wins, the step is refused.
  if (!readFileSync(file).equals(original))
    return `${file} changed while the step ran; nothing was written: run the step again on the saved file`;
  writeArtifacts(dirname(file), [{ path: basename(file), content: after }]);
  return undefined;
}

/** One step on the stack file: read, check, plan, write (the caller holds the file's lock when it writes). */
async function step(args: Args, projectDir: string, io: CommandIo): Promise<number> {
  const refuse = (code: number, message: string) => {
    io.err(`rollout: ${message}\n`);
    return code;
  };
  let bytes: Buffer;
  let text: string;
  let inputs: ReturnType<typeof readInputs>;
  let doc;
  let stackConfig: StackConfig;
  try {
    // The bytes the step edits are read first: a change after this read is found before the write.
    bytes = readStackBytes(args.configFile, args.configFileOption);
    stackConfig = stackConfigOf(bytes, args.configFile);
    text = bytes.toString("utf8");
    doc = stackDocument(text, args.configFile);
    inputs = readInputs(args);
    // The plan reads it again; a file it cannot read is refused here, before anything is planned.
    if (args.policyConfig) {
      const { readPolicyConfig } = await import("../engine/policyReport");
      const { CheckpointError } = await import("../engine/policyRunner");
      try {
        readPolicyConfig(args.policyConfig, "--policy-config");
      } catch (error) {
        if (!(error instanceof CheckpointError)) throw error;
        throw new UsageError(`--policy-config: ${error.message}`);
      }
    }
  } catch (error) {
    if (
      error instanceof UsageError ||
      error instanceof StackEditError ||
      error instanceof StackFileError ||
      (error as NodeJS.ErrnoException).code
    ) {
      const hint = args.configFileOption === "stack file" ? missingStackHint(projectDir, args.stack) : undefined;
      return refuse(EXIT.invalid, `${(error as Error).message}${hint ? `\n${hint}` : ""}`);
    }
    throw error;
  }
  const { state, loadtest } = inputs;
  const loaded = loadStackConfig(stackConfig, { stack: args.stack, asOf: args.asOf });
  if (!loaded.ok)
    return refuse(
      EXIT.invalid,
      `${args.configFile} is not a valid stack configuration; fix it first:\n${loaded.issues
        .map((i) => `  ${i.path}: ${i.message}\n`)
        .join("")
        .trimEnd()}`,
    );
  const { environment, rolloutMaxStep: maxStep } = loaded.config;
  const noEndpoint = (name: string) =>
    refuse(
      EXIT.invalid,
      `no endpoint ${quoted(name)} in ${args.configFile}; endpoints: ${endpointNames(doc).join(", ")}`,
    );

  if (args.action === "status") {
    const names = args.endpoint ? [args.endpoint] : endpointNames(doc);
    for (const name of names) {
      const e = readEndpoint(doc, name);
      if (!e) return noEndpoint(name);
      const { from, to } = colours(e);
      io.out(
        `${name}${to ? ` (rollout ${from} -> ${to})` : ""}\n${COLOURS.map((c) => describeSlot(e, c, args.asOf, state, name)).join("\n")}\n  next: ${nextStep(e, environment === "prod" ? maxStep : 100)}\n`,
      );
    }
    return EXIT.ok;
  }

  const name = args.endpoint!;
  const before = readEndpoint(doc, name);
  if (!before) return noEndpoint(name);
  let command: Command;
  try {
    command = commandOf(args, before, name, loaded.config.accounts);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    return refuse(EXIT.invalid, error.message);
  }
  // The load-test gate: moving weight onto the new colour needs it no worse than the old one beyond the margins.
  const { from: gateFrom, to: gateTo } = colours(before);
  const raising =
    gateTo !== undefined &&
    (command.kind === "promote" || (command.kind === "shift" && command.weight > before.slots[gateTo]!.weight));
  if (loadtest && raising) {
    const problems = gateRefusals(loadtest, name, gateFrom!, gateTo!, loaded.config.rolloutGate);
    if (problems.length > 0)
      return refuse(
        EXIT.policy,
        `${args.action} refused by the load test; nothing was written:\n${problems
          .map((p) => `  ${p}\n`)
          .join("")
          .trimEnd()}`,
      );
  }
  const outcome = transition(name, before, command, {
    environment,
    maxStep,
    ...(state
      ? {
          proof: (c: Colour) =>
            before.slots[c]
              ? proveColour(state, name, c, before.slots[c]!)
              : { healthy: false as const, why: `${c} has no slot` },
        }
      : {}),
  });
  if (!outcome.ok)
    return refuse(
      EXIT.policy,
      `${args.action} refused; nothing was written:\n${outcome.reasons
        .map((r) => `  ${r}\n`)
        .join("")
        .trimEnd()}`,
    );
  // A step that lowers what the endpoint can serve says so in numbers; prod needs it confirmed, and records it.
  const locations = Object.fromEntries(Object.entries(loaded.config.accounts).map(([k, a]) => [k, a.location]));
  const drop = command.kind === "rollback" ? undefined : capacityDrop(before, outcome.endpoint, locations);
  if (drop && environment === "prod" && !args.acceptCapacityDrop)
    return refuse(
      EXIT.policy,
      `${args.action} refused: it lowers ${name}'s serving capacity: ${drop.text}; nothing was written. If the cut is meant, run the step again with --accept-capacity-drop (the stack file's rollout record and the PR summary then show it)`,
    );
  if (drop)
    io.out(
      `capacity: ${name}: ${drop.text}${args.acceptCapacityDrop ? " (accepted with --accept-capacity-drop)" : ""}\n`,
    );
  const next: RawEndpoint =
    drop && args.acceptCapacityDrop && outcome.endpoint.rollout
      ? {
          ...outcome.endpoint,
          rollout: {
            ...outcome.endpoint.rollout,
            acceptedCapacityDrop: { on: args.asOf, step: args.action, change: drop.text },
          },
        }
      : outcome.endpoint;
  // The values options gave the new targets, checked by the stack file's own schema before the plan.
  if (command.kind === "start" && command.targets && next.rollout) {
    const problems = newTargetProblems(
      stackConfig,
      { stack: args.stack, asOf: args.asOf },
      name,
      next,
      next.rollout.to,
      args.start,
    );
    if (problems.length > 0) return refuse(EXIT.invalid, `${problems.join("\n")}\nnothing was written`);
  }
  let after: string;
  try {
    after = editEndpoint(text, doc, name, before, next);
  } catch (error) {
    if (!(error instanceof StackEditError)) throw error;
    return refuse(EXIT.invalid, `${error.message}; nothing was written`);
  }
  const checked = await planCandidate(args, after, projectDir);
  if (!checked.ok)
    return refuse(
      EXIT.policy,
      `${args.action} refused: the stack file after it would not plan; nothing was written:\n${checked.reasons
        .map((r) => `  ${r}\n`)
        .join("")
        .trimEnd()}`,
    );
  io.out(`${stackDiff(basename(args.configFile), text, after)}\n${outcome.summary}\n`);
  // The new colour's servers start from zero (an idle colour runs none): say how long before shift can follow.
  const starting = command.kind === "start" ? next.rollout?.to : undefined;
  const coldStart = starting && coldStartNote(loaded.config, name, starting, next.slots[starting]?.targets ?? []);
  if (coldStart) io.out(`${coldStart}\n`);
  if (args.dryRun) {
    io.out("--dry-run: nothing was written\n");
    return EXIT.ok;
  }
  try {
    const problem = writeStackFile(args.configFile, bytes, after);
    if (problem) return refuse(EXIT.invalid, problem);
  } catch (error) {
    if (!(error instanceof ArtifactWriteError) && !(error as NodeJS.ErrnoException).code) throw error;
    return refuse(EXIT.invalid, `${(error as Error).message}; nothing was written`);
  }
  const written = readEndpoint(stackDocument(after, args.configFile), name)!;
  io.out(
    `wrote ${args.configFile}; the plan and the policy pack pass. Next: ${nextStep(written, environment === "prod" ? maxStep : 100)}; apply with pulumi up after review\n`,
  );
  return EXIT.ok;
}

if (require.main === module) {
  quietOnClosedPipe();
  rollout(process.argv.slice(2), resolve(__dirname, "../.."), {
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t),
  }).then(
    (code) => (process.exitCode = code),
    (error) => {
      process.stderr.write(`rollout: ${(error as Error).stack ?? error}\n`);
      process.exitCode = EXIT.programFailed;
    },
  );
}

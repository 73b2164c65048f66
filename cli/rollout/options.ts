// The rollout's options, checked before anything is read or planned: which options each step takes
// (one it does not use is refused, never silently ignored), whole numbers in decimal digits within
// their range, text without control characters, the service address as IPv4. What a new target's
// values must be is the stack schema's to say: `newTargetProblems` runs the stack file's own
// validation on the endpoint the step would write and names the option behind each refused field.
import ipaddr from "ipaddr.js";
import { loadStackConfig, type LoadContext, type StackConfigInput } from "../../stacks/load";
import { hasOwn, own } from "../../components/core/own";
import { MODELS_KEY } from "./stackEdit";
import type { RawEndpoint } from "./machine";
import { type Colour } from "../../components/core/colours";
import { quoted } from "../shared/terminalText";

export const ACTIONS = ["status", "start", "shift", "promote", "finish", "rollback"] as const;
export type Action = (typeof ACTIONS)[number];

/** Options every step takes. */
const COMMON = ["stack", "config-file", "as-of"];
/** The options each step takes besides the common ones. */
const STEP_OPTIONS: Readonly<Record<Action, readonly string[]>> = {
  status: ["endpoint", "state", "allow-offline-proof"],
  start: [
    "endpoint",
    "model",
    "version",
    "target-kind",
    "account",
    "deployment-type",
    "capacity",
    "pool",
    "image",
    "revision",
    "replicas",
    "gpus-per-replica",
    "service-ip",
    "adapter",
    "adapter-revision",
    "adapter-model",
    "adapter-rank",
    "policy-config",
    "dry-run",
  ],
  shift: [
    "endpoint",
    "weight",
    "state",
    "allow-offline-proof",
    "loadtest",
    "accept-capacity-drop",
    "policy-config",
    "dry-run",
  ],
  promote: ["endpoint", "state", "allow-offline-proof", "loadtest", "accept-capacity-drop", "policy-config", "dry-run"],
  finish: ["endpoint", "keep-idle", "policy-config", "dry-run"],
  rollback: ["endpoint", "policy-config", "dry-run"],
};

/** Why the options `given` (names without dashes) do not fit `action`, or undefined. */
export function stepOptionProblem(action: Action, given: readonly string[]): string | undefined {
  const allowed = [...COMMON, ...STEP_OPTIONS[action]];
  const foreign = given.filter((o) => !allowed.includes(o));
  if (foreign.length > 0)
    return `${action} does not take ${foreign.map((o) => `--${o}`).join(", ")}; it takes ${allowed.map((o) => `--${o}`).join(", ")}`;
  if (given.includes("allow-offline-proof") && !given.includes("state"))
    return "--allow-offline-proof applies only to --state (the offline plan's export as proof): give --state or leave it out";
  return undefined;
}

/** `raw` as a whole number from `min` to `max` in decimal digits (no sign, exponent, separator or leading zero), or why not. */
export function wholeNumber(
  name: string,
  raw: string,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): { value: number } | { problem: string } {
  const value = /^(?:0|[1-9]\d*)$/.test(raw) ? Number(raw) : NaN;
  if (Number.isSafeInteger(value) && value >= min && value <= max) return { value };
  const range = max === Number.MAX_SAFE_INTEGER ? `of at least ${min}` : `from ${min} to ${max}`;
  return { problem: `--${name} ${quoted(raw)} is not a whole number ${range} (decimal digits only, no leading zero)` };
}

/** Why `value` of `--service-ip` is not an IPv4 address in four decimal parts, or undefined. */
export function ipv4Problem(value: string): string | undefined {
  return ipaddr.IPv4.isValidFourPartDecimal(value)
    ? undefined
    : `--service-ip ${quoted(value)} is not an IPv4 address (four decimal numbers from 0 to 255 without leading zeros, such as 10.40.31.201)`;
}

/** What `start` is given for the new colour's targets, by target field. */
export interface StartOptions {
  readonly model?: string;
  readonly version?: string;
  readonly kind?: TargetKind;
  readonly account?: string;
  readonly deploymentType?: string;
  readonly capacity?: number;
  readonly pool?: string;
  readonly image?: string;
  readonly revision?: string;
  readonly replicas?: number;
  readonly gpusPerReplica?: number;
  readonly serviceIp?: string;
  /** A LoRA adapter of the live vLLM targets to roll out at a new revision (or to add, with its model and rank). */
  readonly adapter?: string;
  readonly adapterRevision?: string;
  readonly adapterModel?: string;
  readonly adapterRank?: number;
}

type TargetKind = "azure-openai" | "vllm";
/** Each of start's options by the target field it gives: the option's name, and the target kind it is for. */
const START_OPTIONS: Readonly<Record<keyof StartOptions, readonly [option: string, kind?: TargetKind]>> = {
  model: ["model"],
  version: ["version"],
  kind: ["target-kind"],
  account: ["account", "azure-openai"],
  deploymentType: ["deployment-type", "azure-openai"],
  capacity: ["capacity", "azure-openai"],
  pool: ["pool", "vllm"],
  image: ["image", "vllm"],
  revision: ["revision", "vllm"],
  replicas: ["replicas", "vllm"],
  gpusPerReplica: ["gpus-per-replica", "vllm"],
  serviceIp: ["service-ip", "vllm"],
  adapter: ["adapter", "vllm"],
  adapterRevision: ["adapter-revision", "vllm"],
  adapterModel: ["adapter-model", "vllm"],
  adapterRank: ["adapter-rank", "vllm"],
};
const KIND_NAMES: Readonly<Record<TargetKind, string>> = { "azure-openai": "Azure OpenAI", vllm: "vLLM" };

/** The options `o` holds, as written on the command line (`--deployment-type`). */
export function givenStartOptions(o: StartOptions): string[] {
  return (Object.keys(START_OPTIONS) as (keyof StartOptions)[])
    .filter((key) => o[key] !== undefined)
    .map((key) => `--${START_OPTIONS[key][0]}`);
}

/** Why options of the other target kind were given for targets of `kind` on `endpoint`, or undefined. */
export function kindProblem(kind: TargetKind, o: StartOptions, endpoint: string): string | undefined {
  const foreign = (Object.keys(START_OPTIONS) as (keyof StartOptions)[]).filter(
    (key) => o[key] !== undefined && START_OPTIONS[key][1] !== undefined && START_OPTIONS[key][1] !== kind,
  );
  if (foreign.length === 0) return undefined;
  return `${foreign.map((key) => `--${START_OPTIONS[key][0]}`).join(", ")} ${foreign.length > 1 ? "are" : "is"} for ${KIND_NAMES[START_OPTIONS[foreign[0]!][1]!]} targets; the new targets of ${endpoint} are ${KIND_NAMES[kind]}`;
}

/** The option that gave `field` of a new target, when one did; the revision comes from --version unless --revision is given. */
function optionOf(field: string, o: StartOptions): string | undefined {
  if (field === "revision" && o.revision === undefined) return "version";
  return hasOwn(START_OPTIONS, field) && o[field] !== undefined ? START_OPTIONS[field][0] : undefined;
}

/** A config issue's message without the value it appends (`(got "x")`): the option's message shows the value itself. */
const withoutValue = (message: string) => message.replace(/ \((?:got .*|missing)\)$/s, "");

/**
 * What the stack file's own validation says about the values options gave the new colour's targets, with
 * `endpoint` written as `name` in the stack config `input`: one line per refused field, naming the option,
 * its value, the config path and what the schema allows. Problems of fields no option gave are the
 * plan's to report.
 */
export function newTargetProblems(
  input: StackConfigInput,
  context: LoadContext,
  name: string,
  endpoint: RawEndpoint,
  colour: Colour,
  o: StartOptions,
): string[] {
  const models = JSON.parse(own(input.config, MODELS_KEY) ?? "{}") as Record<string, unknown>;
  const candidate = {
    ...input,
    config: { ...input.config, [MODELS_KEY]: JSON.stringify({ ...models, [name]: endpoint }) },
  };
  const loaded = loadStackConfig(candidate, context);
  if (loaded.ok) return [];
  const targets = endpoint.slots[colour]?.targets ?? [];
  const prefix = `models.${name}.slots.${colour}.targets[`;
  return loaded.issues.flatMap((issue) =>
    issue.path.split(", ").flatMap((path) => {
      const match = path.startsWith(prefix) ? /^(\d+)\]\.(\w+)$/.exec(path.slice(prefix.length)) : null;
      const option = match ? optionOf(match[2]!, o) : undefined;
      if (!match || !option) return [];
      const value = targets[Number(match[1])]?.[match[2]!];
      return [
        `--${option} ${quoted(String(value))} is refused by the stack schema at ${path}: ${withoutValue(issue.message)}`,
      ];
    }),
  );
}

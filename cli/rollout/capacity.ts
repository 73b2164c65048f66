// What an endpoint can serve under its weights, so that a rollout step that lowers it says so in numbers.
// A colour's capacity is the sum of its targets (PTUs as input-token TPM through the dated PTU table,
// pay-as-you-go TPM as configured, the regions of its accounts, vLLM replicas and GPUs). Traffic splits
// by weight, so the endpoint saturates when any colour taking a share w saturates: its capacity in each
// measure is the smallest capacity / w over the colours with weight, and its regions the fewest.
import { COLOURS } from "../../components/core/colours";
import { own } from "../../components/core/own";
import { PTU_MODELS, isPtuType, type DeploymentType } from "../../components/openai/models";
import type { RawEndpoint, RawSlot } from "./machine";

export interface Capacity {
  /** Input-token TPM: PTUs times the model's input TPM per PTU, plus pay-as-you-go TPM. vLLM has no TPM figure here. */
  readonly tpm: number;
  readonly ptu: number;
  readonly paygoTpm: number;
  readonly regions: number;
  readonly replicas: number;
  readonly gpus: number;
}

const MEASURES = ["tpm", "ptu", "paygoTpm", "replicas", "gpus"] as const;
const LABELS: Record<keyof Capacity, string> = {
  tpm: "TPM (input-token equivalent)",
  ptu: "PTU",
  paygoTpm: "pay-as-you-go TPM",
  regions: "regions",
  replicas: "vLLM replicas",
  gpus: "GPUs",
};

/** What one colour's targets add up to; `locations` is each account's region. */
export function slotCapacity(slot: RawSlot, locations: Readonly<Record<string, string>>): Capacity {
  let tpm = 0;
  let ptu = 0;
  let paygoTpm = 0;
  let replicas = 0;
  let gpus = 0;
  const regions = new Set<string>();
  for (const t of slot.targets) {
    if (t.kind === "vllm") {
      replicas += Number(t.replicas ?? 0);
      gpus += Number(t.replicas ?? 0) * Number(t.gpusPerReplica ?? 0);
      continue;
    }
    const capacity = Number(t.capacity ?? 0);
    const region = own(locations, String(t.account));
    if (region) regions.add(region);
    if (isPtuType(t.deploymentType as DeploymentType)) {
      ptu += capacity;
      tpm += capacity * (own(PTU_MODELS, String(t.model))?.inputTpmPerPtu ?? 0);
    } else {
      paygoTpm += capacity;
      tpm += capacity;
    }
  }
  return { tpm, ptu, paygoTpm, regions: regions.size, replicas, gpus };
}

/** The endpoint's capacity under its weights (see the file's head). */
export function endpointCapacity(e: RawEndpoint, locations: Readonly<Record<string, string>>): Capacity {
  const serving = COLOURS.flatMap((c) => {
    const slot = e.slots[c];
    return slot && slot.weight > 0 ? [{ share: slot.weight / 100, capacity: slotCapacity(slot, locations) }] : [];
  });
  const measure = (key: (typeof MEASURES)[number]) =>
    serving.length === 0 ? 0 : Math.min(...serving.map((s) => s.capacity[key] / s.share));
  return {
    tpm: measure("tpm"),
    ptu: measure("ptu"),
    paygoTpm: measure("paygoTpm"),
    replicas: measure("replicas"),
    gpus: measure("gpus"),
    regions: serving.length === 0 ? 0 : Math.min(...serving.map((s) => s.capacity.regions)),
  };
}

/** The endpoint's declared peak as the PTU sizing counts it (input after cache hits plus weighted output), if a serving slot declares one. */
export function declaredPeakTpm(e: RawEndpoint): number | undefined {
  const slot = COLOURS.map((c) => e.slots[c])
    .filter((s): s is RawSlot => !!s && s.weight > 0 && typeof s.workload === "object" && s.workload !== null)
    .sort((a, b) => b.weight - a.weight)[0];
  if (!slot) return undefined;
  const w = slot.workload as { peakInputTpm?: number; peakOutputTpm?: number; cacheHitRate?: number };
  const weight =
    slot.targets.map((t) => own(PTU_MODELS, String(t.model))?.outputTokenWeight).find((x) => x !== undefined) ?? 1;
  return (w.peakInputTpm ?? 0) * (1 - (w.cacheHitRate ?? 0)) + weight * (w.peakOutputTpm ?? 0);
}

export interface CapacityDrop {
  /** Each measure that falls, in numbers: `PTU 50 -> 0`. */
  readonly falls: readonly string[];
  /** The whole change, one line, for messages and the rollout record. */
  readonly text: string;
}

const figure = (v: number) => Math.round(v).toLocaleString("en-US");

/** How a step from `before` to `after` lowers the endpoint's capacity, or undefined when nothing falls. */
export function capacityDrop(
  before: RawEndpoint,
  after: RawEndpoint,
  locations: Readonly<Record<string, string>>,
): CapacityDrop | undefined {
  const was = endpointCapacity(before, locations);
  const now = endpointCapacity(after, locations);
  const keys = [...MEASURES, "regions"] as const;
  // Within a token per minute: the shares' arithmetic is not exact.
  const falls = keys
    .filter((k) => now[k] < was[k] - 1e-6)
    .map((k) => `${LABELS[k]} ${figure(was[k])} -> ${figure(now[k])}`);
  if (falls.length === 0) return undefined;
  const peak = declaredPeakTpm(before);
  const againstPeak =
    peak === undefined
      ? "no serving slot declares a peak workload to compare with"
      : `the declared peak workload is ${figure(peak)} TPM (input after cache hits plus weighted output): after the step the endpoint serves ${Math.round((100 * now.tpm) / peak)}% of it${now.tpm < peak ? ", LESS than the peak" : ""}`;
  return { falls, text: `${falls.join(", ")}; ${againstPeak}` };
}

import {
  MAX_PTU_PER_DEPLOYMENT,
  PAYGO_TPM_PER_CAPACITY_UNIT,
  PTU_MODELS,
  type PtuDeploymentType,
  type PtuIncrement,
} from "./models";
import { own } from "../core/own";

/** Numbers in messages, with thousands separators whatever the locale. */
const formatNumber = (value: number) => value.toLocaleString("en-US", { maximumFractionDigits: 3 });

/**
 * A ceiling on pay-as-you-go TPM in messages and checks: `sku.capacity` is a 32-bit integer of
 * thousands of TPM in the ARM API, so nothing above this can be deployed.
 */
export const MAX_PAYGO_TPM = (2 ** 31 - 1) * PAYGO_TPM_PER_CAPACITY_UNIT;

/** The minimum and step for a model's PTU deployment of a given type, or undefined if the model has no PTU figures. */
export function ptuIncrement(model: string, deploymentType: PtuDeploymentType): PtuIncrement | undefined {
  const figures = own(PTU_MODELS, model);
  if (!figures) return undefined;
  return deploymentType === "ProvisionedManaged" ? figures.regional : figures.globalAndDataZone;
}

/** The valid PTU counts nearest to `capacity`: the largest valid one below it and the smallest above it. */
export function nearestValidPtu(capacity: number, increment: PtuIncrement): number[] {
  const { minimum, step } = increment;
  if (capacity <= minimum) return [minimum];
  const below = minimum + Math.floor((capacity - minimum) / step) * step;
  const above = Math.min(below + step, MAX_PTU_PER_DEPLOYMENT);
  return below === capacity ? [capacity] : [below, above].filter((v, i, all) => all.indexOf(v) === i);
}

/** Why a PTU count is not valid for the model and type, or undefined when it is. */
export function ptuCapacityProblem(
  model: string,
  deploymentType: PtuDeploymentType,
  capacity: number,
): string | undefined {
  const increment = ptuIncrement(model, deploymentType);
  if (!increment) {
    return `${model} has no PTU figures in the model table (known: ${Object.keys(PTU_MODELS).join(", ")}): deploy it as pay-as-you-go or add its figures`;
  }
  const { minimum, step } = increment;
  const shape = `${model} ${deploymentType} (minimum ${minimum}, step ${step})`;
  if (capacity > MAX_PTU_PER_DEPLOYMENT)
    return `${formatNumber(capacity)} PTU is over Azure's maximum of ${formatNumber(MAX_PTU_PER_DEPLOYMENT)} PTU per deployment: split it across deployments or accounts`;
  if (capacity <= 0)
    return `${capacity} PTU: a PTU deployment needs a positive capacity; ${shape} starts at ${minimum}`;
  if (!Number.isInteger(capacity))
    return `${capacity} PTU is not valid for ${shape}: use a whole number of PTUs, e.g. ${nearestValidPtu(capacity, increment).join(" or ")}`;
  if (capacity < minimum) return `${capacity} PTU is not valid for ${shape}: use ${minimum}`;
  if ((capacity - minimum) % step !== 0) {
    return `${capacity} PTU is not valid for ${shape}: use ${nearestValidPtu(capacity, increment).join(" or ")}`;
  }
  return undefined;
}

/** A slot's peak-minute traffic, the input to PTU sizing. */
export interface WorkloadShape {
  /** Input (prompt) tokens per minute at the peak minute. */
  readonly peakInputTpm: number;
  /** Output tokens per minute at the peak minute, reasoning tokens included. */
  readonly peakOutputTpm: number;
  /** Share of input tokens served from the prompt cache, 0..1. */
  readonly cacheHitRate: number;
}

export interface PtuSizing {
  /** Input TPM after cache hits plus weighted output TPM. */
  readonly normalizedTpm: number;
  /** normalizedTpm / input TPM per PTU, rounded up, before the minimum and step. */
  readonly rawPtu: number;
  /** The PTU count to buy: rawPtu raised to the minimum and rounded up to the step. */
  readonly requiredPtu: number;
}

/** Microsoft's PTU sizing: normalized TPM = input x (1 - cache hit) + weight x output; PTU = ceil(normalized / TPM per PTU), then min and step. */
export function sizePtu(
  model: string,
  deploymentType: PtuDeploymentType,
  workload: WorkloadShape,
): PtuSizing | undefined {
  const figures = own(PTU_MODELS, model);
  const increment = ptuIncrement(model, deploymentType);
  if (!figures || !increment) return undefined;
  const normalizedTpm =
    workload.peakInputTpm * (1 - workload.cacheHitRate) + figures.outputTokenWeight * workload.peakOutputTpm;
  const rawPtu = Math.ceil(normalizedTpm / figures.inputTpmPerPtu - 1e-9);
  const atLeastMinimum = Math.max(rawPtu, increment.minimum);
  const requiredPtu =
    increment.minimum + Math.ceil((atLeastMinimum - increment.minimum) / increment.step) * increment.step;
  return { normalizedTpm, rawPtu, requiredPtu };
}

/** Why a pay-as-you-go TPM figure is not valid, or undefined when it is. */
export function paygoCapacityProblem(tpm: number): string | undefined {
  const rule = `a positive multiple of ${formatNumber(PAYGO_TPM_PER_CAPACITY_UNIT)} TPM`;
  if (tpm <= 0)
    return `${tpm} TPM: a pay-as-you-go deployment needs ${rule}, e.g. ${formatNumber(50 * PAYGO_TPM_PER_CAPACITY_UNIT)}`;
  if (tpm > MAX_PAYGO_TPM)
    return `${formatNumber(tpm)} TPM is beyond any Azure OpenAI quota (the deployment's capacity is counted in thousands of TPM up to ${formatNumber(MAX_PAYGO_TPM)}): give the TPM this deployment needs, ${rule}`;
  if (!Number.isInteger(tpm) || tpm % PAYGO_TPM_PER_CAPACITY_UNIT !== 0) {
    const lower = Math.floor(tpm / PAYGO_TPM_PER_CAPACITY_UNIT) * PAYGO_TPM_PER_CAPACITY_UNIT;
    const options = [lower, lower + PAYGO_TPM_PER_CAPACITY_UNIT].filter((v) => v > 0);
    return `${formatNumber(tpm)} TPM is not valid for a pay-as-you-go deployment (${rule}): use ${options.map(formatNumber).join(" or ")}`;
  }
  return undefined;
}

/** PAYGO `sku.capacity` is in units of 1,000 TPM. */
export function paygoCapacityUnits(tpm: number): number {
  return tpm / PAYGO_TPM_PER_CAPACITY_UNIT;
}

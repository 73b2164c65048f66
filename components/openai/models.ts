// Azure OpenAI deployment types and PTU figures: the one place these outside facts live.
// Source: Microsoft Learn, "Determine PTU sizing for a workload" (azure-ai-docs
// articles/foundry/openai/how-to/provisioned-throughput-sizing.md, ms.date 2026-05-22; the same figures
// are on the provisioned-throughput onboarding page), and the Azure OpenAI deployment-types page.
// Check again before relying on them for a purchase.
export const MODEL_TABLE_SOURCE = "Microsoft Learn: Azure OpenAI provisioned throughput (PTU) sizing tables";
export const MODEL_TABLE_DATE = "2026-05-22";

export const PTU_DEPLOYMENT_TYPES = [
  "ProvisionedManaged",
  "GlobalProvisionedManaged",
  "DataZoneProvisionedManaged",
] as const;
export const PAYGO_DEPLOYMENT_TYPES = ["Standard", "GlobalStandard", "DataZoneStandard"] as const;
export const DEPLOYMENT_TYPES = [...PTU_DEPLOYMENT_TYPES, ...PAYGO_DEPLOYMENT_TYPES] as const;

export type PtuDeploymentType = (typeof PTU_DEPLOYMENT_TYPES)[number];
export type PaygoDeploymentType = (typeof PAYGO_DEPLOYMENT_TYPES)[number];
export type DeploymentType = (typeof DEPLOYMENT_TYPES)[number];

export function isPtuType(type: DeploymentType): type is PtuDeploymentType {
  return (PTU_DEPLOYMENT_TYPES as readonly string[]).includes(type);
}

/** The pay-as-you-go type of the same processing level (global, data zone, regional) as each PTU type. */
export const PAYGO_LEVEL_OF: Readonly<Record<PtuDeploymentType, PaygoDeploymentType>> = {
  GlobalProvisionedManaged: "GlobalStandard",
  DataZoneProvisionedManaged: "DataZoneStandard",
  ProvisionedManaged: "Standard",
};

/** The PAYGO type a PTU type may spill over to natively (the same processing level); regional PTU has none. */
export const SPILLOVER_TARGET_TYPE: Readonly<Record<PtuDeploymentType, PaygoDeploymentType | undefined>> = {
  GlobalProvisionedManaged: PAYGO_LEVEL_OF.GlobalProvisionedManaged,
  DataZoneProvisionedManaged: PAYGO_LEVEL_OF.DataZoneProvisionedManaged,
  ProvisionedManaged: undefined,
};

/** Short, name-safe abbreviation of each deployment type, used in deployment names. */
export const DEPLOYMENT_TYPE_ABBREVIATION: Readonly<Record<DeploymentType, string>> = {
  ProvisionedManaged: "ptu",
  GlobalProvisionedManaged: "gptu",
  DataZoneProvisionedManaged: "dzptu",
  Standard: "std",
  GlobalStandard: "gstd",
  DataZoneStandard: "dzstd",
};

export interface PtuIncrement {
  readonly minimum: number;
  readonly step: number;
}

export interface PtuModelFigures {
  /** Global and DataZone provisioned deployments. */
  readonly globalAndDataZone: PtuIncrement;
  /** Regional ProvisionedManaged deployments. */
  readonly regional: PtuIncrement;
  /** Input tokens per minute one PTU serves. */
  readonly inputTpmPerPtu: number;
  /** How many input tokens one output token costs in PTU throughput. */
  readonly outputTokenWeight: number;
}

// Source: Microsoft Learn, "Azure OpenAI in Microsoft Foundry Models quotas and limits" (quotas-limits.md,
// ms.date 2026-02-17): "Maximum number of provisioned throughput units per deployment: 100,000".
export const MAX_PTU_PER_DEPLOYMENT = 100_000;

export const PTU_MODELS: Readonly<Record<string, PtuModelFigures>> = {
  "gpt-4o": {
    globalAndDataZone: { minimum: 15, step: 5 },
    regional: { minimum: 50, step: 50 },
    inputTpmPerPtu: 2_500,
    outputTokenWeight: 4,
  },
  "gpt-4o-mini": {
    globalAndDataZone: { minimum: 15, step: 5 },
    regional: { minimum: 25, step: 25 },
    inputTpmPerPtu: 37_000,
    outputTokenWeight: 4,
  },
  "gpt-4.1": {
    globalAndDataZone: { minimum: 15, step: 5 },
    regional: { minimum: 50, step: 50 },
    inputTpmPerPtu: 3_000,
    outputTokenWeight: 4,
  },
  "gpt-4.1-mini": {
    globalAndDataZone: { minimum: 15, step: 5 },
    regional: { minimum: 25, step: 25 },
    inputTpmPerPtu: 14_900,
    outputTokenWeight: 4,
  },
  "gpt-4.1-nano": {
    globalAndDataZone: { minimum: 15, step: 5 },
    regional: { minimum: 25, step: 25 },
    inputTpmPerPtu: 59_400,
    outputTokenWeight: 4,
  },
  "o3-mini": {
    globalAndDataZone: { minimum: 15, step: 5 },
    regional: { minimum: 25, step: 25 },
    inputTpmPerPtu: 2_500,
    outputTokenWeight: 4,
  },
  "o4-mini": {
    globalAndDataZone: { minimum: 15, step: 5 },
    regional: { minimum: 25, step: 25 },
    inputTpmPerPtu: 5_400,
    outputTokenWeight: 4,
  },
  o3: {
    globalAndDataZone: { minimum: 15, step: 5 },
    regional: { minimum: 50, step: 50 },
    inputTpmPerPtu: 3_000,
    outputTokenWeight: 4,
  },
  "gpt-5": {
    globalAndDataZone: { minimum: 15, step: 5 },
    regional: { minimum: 50, step: 50 },
    inputTpmPerPtu: 4_750,
    outputTokenWeight: 8,
  },
  "gpt-5-mini": {
    globalAndDataZone: { minimum: 15, step: 5 },
    regional: { minimum: 25, step: 25 },
    inputTpmPerPtu: 23_750,
    outputTokenWeight: 8,
  },
  "gpt-5.1": {
    globalAndDataZone: { minimum: 15, step: 5 },
    regional: { minimum: 50, step: 50 },
    inputTpmPerPtu: 4_750,
    outputTokenWeight: 8,
  },
  "gpt-5.2": {
    globalAndDataZone: { minimum: 15, step: 5 },
    regional: { minimum: 50, step: 50 },
    inputTpmPerPtu: 3_400,
    outputTokenWeight: 8,
  },
};

/** PAYGO capacity is set in units of 1,000 tokens per minute. */
export const PAYGO_TPM_PER_CAPACITY_UNIT = 1_000;

/**
 * Requests per minute a pay-as-you-go deployment gets per 1,000 TPM of capacity, and the period Azure
 * evaluates them over. Source: Microsoft Learn, "Azure OpenAI in Microsoft Foundry Models quotas and limits",
 * quota tier 1 table (azure-ai-docs articles/foundry/openai/includes/quota-tier/tier-1.md, ms.date
 * 2026-08-20): RPM / TPM of each model and deployment type, "/ 10s" where the table evaluates RPM over
 * ten seconds. A model and type the table does not list gets the ratio "Manage Azure OpenAI quota" states
 * for quota in general, 6 RPM per 1,000 TPM (DEFAULT_RPM_RATIO), and the simulator says so.
 */
export interface RpmRatio {
  readonly rpmPer1000Tpm: number;
  /** The period RPM is evaluated over, ms. */
  readonly windowMs: number;
}
export const RPM_RATIO_SOURCE =
  "Microsoft Learn: Azure OpenAI quotas and limits, quota tier 1 (RPM and TPM per model and deployment type)";
export const RPM_RATIO_DATE = "2026-08-20";
export const DEFAULT_RPM_RATIO: RpmRatio = { rpmPer1000Tpm: 6, windowMs: 1_000 };

const second = (rpmPer1000Tpm: number): RpmRatio => ({ rpmPer1000Tpm, windowMs: 1_000 });
export const RPM_RATIOS: Readonly<Record<string, Partial<Record<PaygoDeploymentType, RpmRatio>>>> = {
  "gpt-4.1": { GlobalStandard: second(1), DataZoneStandard: second(1) },
  "gpt-4.1-mini": { GlobalStandard: second(1), DataZoneStandard: second(1), Standard: second(1) },
  "gpt-4.1-nano": { GlobalStandard: second(1), DataZoneStandard: second(1) },
  "gpt-4o": { DataZoneStandard: { rpmPer1000Tpm: 6, windowMs: 10_000 } },
  "gpt-4o-mini": { GlobalStandard: second(10), DataZoneStandard: second(10) },
  "gpt-5": { GlobalStandard: second(10), DataZoneStandard: second(10) },
  "gpt-5-mini": { GlobalStandard: second(1), DataZoneStandard: second(1) },
  "gpt-5.1": { GlobalStandard: second(10), DataZoneStandard: second(10), Standard: second(10) },
  "gpt-5.2": { GlobalStandard: second(10), DataZoneStandard: second(10) },
  o3: { GlobalStandard: second(1), DataZoneStandard: second(1) },
  "o4-mini": { GlobalStandard: second(1), DataZoneStandard: { rpmPer1000Tpm: 6, windowMs: 10_000 } },
  "text-embedding-3-large": { GlobalStandard: { rpmPer1000Tpm: 6, windowMs: 10_000 }, DataZoneStandard: second(1) },
  "text-embedding-3-small": { GlobalStandard: { rpmPer1000Tpm: 6, windowMs: 10_000 }, DataZoneStandard: second(1) },
};

/** The RPM ratio of a model's pay-as-you-go deployment type, and whether the dated table lists it. */
export function rpmRatio(model: string, type: PaygoDeploymentType): { ratio: RpmRatio; listed: boolean } {
  const listed = RPM_RATIOS[model]?.[type];
  return listed ? { ratio: listed, listed: true } : { ratio: DEFAULT_RPM_RATIO, listed: false };
}

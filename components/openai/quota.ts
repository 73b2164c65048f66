import { isPtuType, type DeploymentType } from "./models";
import { compareCodePoints } from "../core/order";
import type { PlannedDeployment } from "./deployments";

/**
 * One row of the subscription's declared quota. Pay-as-you-go quota is per region + model + type in
 * TPM; PTU quota is per region + type (any model) in PTUs. `usedElsewhere` is what other stacks in
 * the subscription already consume: quota is declared, not read live.
 */
export interface QuotaEntry {
  readonly region: string;
  /** Required for pay-as-you-go types; omitted for PTU types. */
  readonly model?: string;
  readonly deploymentType: DeploymentType;
  readonly limit: number;
  readonly usedElsewhere: number;
}

export interface LedgerContributor {
  readonly account: string;
  readonly deployment: string;
  readonly path: string;
  readonly amount: number;
}

export interface LedgerRow {
  readonly region: string;
  /** `*` for PTU rows (PTU quota is shared by all models). */
  readonly model: string;
  readonly deploymentType: DeploymentType;
  readonly unit: "TPM" | "PTU";
  readonly limit: number;
  readonly usedElsewhere: number;
  readonly planned: number;
  readonly headroom: number;
  readonly contributors: readonly LedgerContributor[];
  /** Index of the quota entry in the config, when one was declared. */
  readonly quotaIndex?: number;
}

export interface LedgerProblem {
  readonly path: string;
  readonly message: string;
}

export interface LocatedDeployment extends PlannedDeployment {
  readonly region: string;
}

function ledgerKey(region: string, model: string, type: DeploymentType): string {
  return `${region}|${model}|${type}`;
}

function describeContributors(contributors: readonly LedgerContributor[], unit: string): string {
  return contributors
    .map((c) => `${c.deployment} on ${c.account} (${c.path}) ${c.amount.toLocaleString("en-US")} ${unit}`)
    .join("; ");
}

/** Sums planned capacity per region + model + type against the declared quota. */
export function quotaLedger(
  deployments: readonly LocatedDeployment[],
  quota: readonly QuotaEntry[],
): { rows: LedgerRow[]; problems: LedgerProblem[] } {
  const groups = new Map<
    string,
    { region: string; model: string; type: DeploymentType; contributors: LedgerContributor[] }
  >();
  for (const d of deployments) {
    const model = isPtuType(d.deploymentType) ? "*" : d.model;
    const key = ledgerKey(d.region, model, d.deploymentType);
    const group = groups.get(key) ?? { region: d.region, model, type: d.deploymentType, contributors: [] };
    group.contributors.push({ account: d.account, deployment: d.name, path: d.path, amount: d.capacity });
    groups.set(key, group);
  }
  const rows: LedgerRow[] = [];
  const problems: LedgerProblem[] = [];
  for (const group of groups.values()) {
    const unit = isPtuType(group.type) ? "PTU" : "TPM";
    const quotaIndex = quota.findIndex(
      (q) =>
        ledgerKey(q.region, isPtuType(q.deploymentType) ? "*" : (q.model ?? ""), q.deploymentType) ===
        ledgerKey(group.region, group.model, group.type),
    );
    const entry = quota[quotaIndex];
    const planned = group.contributors.reduce((sum, c) => sum + c.amount, 0);
    const what =
      unit === "PTU" ? `${group.type} PTU in ${group.region}` : `${group.model} ${group.type} in ${group.region}`;
    if (!entry) {
      problems.push({
        path: "quota",
        message: `no quota declared for ${what}, needed by ${describeContributors(group.contributors, unit)}: add {region: ${group.region}, ${unit === "TPM" ? `model: ${group.model}, ` : ""}deploymentType: ${group.type}, limit, usedElsewhere}`,
      });
      continue;
    }
    const headroom = entry.limit - entry.usedElsewhere - planned;
    rows.push({
      region: group.region,
      model: group.model,
      deploymentType: group.type,
      unit,
      limit: entry.limit,
      usedElsewhere: entry.usedElsewhere,
      planned,
      headroom,
      contributors: group.contributors,
      quotaIndex,
    });
    if (headroom < 0) {
      problems.push({
        path: `quota[${quotaIndex}]`,
        message: `${what} is over quota by ${(-headroom).toLocaleString("en-US")} ${unit}: limit ${entry.limit.toLocaleString("en-US")}, used elsewhere ${entry.usedElsewhere.toLocaleString("en-US")}, planned ${planned.toLocaleString("en-US")} by ${describeContributors(group.contributors, unit)}`,
      });
    }
  }
  rows.sort(
    (a, b) =>
      compareCodePoints(a.region, b.region) ||
      compareCodePoints(a.model, b.model) ||
      compareCodePoints(a.deploymentType, b.deploymentType),
  );
  return { rows, problems };
}

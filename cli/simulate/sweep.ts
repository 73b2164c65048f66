// The PTU advisor: each provisioned deployment simulated at a range of PTU counts (the others as planned),
// and the cheapest count that meets the targets: the client's 429 share and, if given, p95 TTFT.
import { withPtu, type PlatformModel, type PtuDeploymentModel } from "./platform";
import { MAX_PTU_PER_DEPLOYMENT } from "../../components/openai/models";
import type { SimulationSummary } from "./report";

export interface SweepTargets {
  /** The largest acceptable share of requests answered 429 (0.001 = 0.1%). */
  readonly client429Share: number;
  /** The largest acceptable p95 time to first token, ms. */
  readonly ttftP95Ms?: number;
}

export interface SweepPoint {
  readonly ptu: number;
  readonly client429Share: number;
  readonly spilloverShare: number;
  readonly ttftP95Ms?: number;
  readonly monthlyCost: number;
  readonly meetsTargets: boolean;
}

export interface DeploymentSweep {
  readonly deployment: string;
  readonly planned: number;
  readonly points: readonly SweepPoint[];
  /** The cheapest count that meets the targets, if any count of the range does. */
  readonly recommended?: number;
}

/** Most counts one deployment's sweep simulates: above it the step grows. */
export const MAX_SWEEP_POINTS = 24;

/** How many times a sweep that found no count meeting the targets widens its range (fourfold each time). */
export const SWEEP_WIDENINGS = 2;

/**
 * The PTU counts to try: the deployment type's minimum, in its steps, to twice the planned count; or,
 * when `above` is given (nothing up to it met the targets), from above it to four times it. At most
 * MAX_SWEEP_POINTS counts (the step grows in the type's increments), never above Azure's maximum.
 */
export function sweepCounts(d: PtuDeploymentModel, above?: number): number[] {
  const increment = d.deploymentType === "ProvisionedManaged" ? d.figures.regional : d.figures.globalAndDataZone;
  const from = above === undefined ? increment.minimum : above + increment.step;
  const top = Math.min(
    MAX_PTU_PER_DEPLOYMENT,
    above === undefined ? Math.max(2 * d.ptu, 2 * increment.minimum) : 4 * above,
  );
  let step = increment.step;
  while ((top - from) / step + 1 > MAX_SWEEP_POINTS) step += increment.step;
  const counts: number[] = [];
  for (let n = from; n <= top; n += step) counts.push(n);
  if (above === undefined && !counts.includes(d.ptu)) counts.push(d.ptu);
  return counts.sort((a, b) => a - b);
}

export const meets = (s: Pick<SweepPoint, "client429Share" | "ttftP95Ms">, targets: SweepTargets): boolean =>
  s.client429Share <= targets.client429Share &&
  (targets.ttftP95Ms === undefined || (s.ttftP95Ms !== undefined && s.ttftP95Ms <= targets.ttftP95Ms));

export async function sweep(
  platform: PlatformModel,
  simulated: (p: PlatformModel) => Promise<SimulationSummary>,
  targets: SweepTargets,
): Promise<DeploymentSweep[]> {
  const sweeps: DeploymentSweep[] = [];
  for (const d of platform.backends.values()) {
    if (d.kind !== "ptu") continue;
    const points: SweepPoint[] = [];
    let counts = sweepCounts(d);
    for (let widenings = 0; counts.length > 0; widenings++) {
      for (const ptu of counts) {
        const s = await simulated(withPtu(platform, d.name, ptu));
        const point = {
          ptu,
          client429Share: s.client429Share,
          spilloverShare: s.spilloverShare,
          ...(s.ttftMs.p95 !== undefined ? { ttftP95Ms: s.ttftMs.p95 } : {}),
          monthlyCost: s.cost.monthlyTotal,
        };
        points.push({ ...point, meetsTargets: meets(point, targets) });
      }
      if (points.some((p) => p.meetsTargets) || widenings === SWEEP_WIDENINGS) break;
      counts = sweepCounts(d, points[points.length - 1]!.ptu);
    }
    const cheapest = points
      .filter((p) => p.meetsTargets)
      .sort((a, b) => a.monthlyCost - b.monthlyCost || a.ptu - b.ptu)[0];
    sweeps.push({ deployment: d.name, planned: d.ptu, points, ...(cheapest ? { recommended: cheapest.ptu } : {}) });
  }
  return sweeps;
}

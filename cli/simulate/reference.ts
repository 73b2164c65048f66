// The stack's reference trace (`capacity` in the stack config) replayed through what the stack plans: the
// plan gives the result to the capacity rule (its 429 objective) and the PR summary shows it before and
// after a change. A replay depends only on the trace file and the config it models, so one process replays
// each pair once (the rollout and the PR summary plan the same config more than once).
import { statSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import { PRICES } from "../../components/cost/prices";
import { withOverrides } from "../../components/cost/monthlyCost";
import type { PlatformConfig } from "../../stacks/config";
import { simulate } from "./engine";
import { simulatedCost } from "./cost";
import { SimulationInputError, platformModel } from "./platform";
import { summarize, type SimulationSummary } from "./report";
import { defaultRouteMap, parseRouteMap, routeRequests } from "./routing";
import { scaleTrace } from "./scale";
import { TraceError, traceRequests } from "./trace";
import { inputFileProblem } from "../shared/inputFile";

export interface ReferenceSimulation {
  /** As the stack file names it. */
  readonly trace: string;
  readonly summary: SimulationSummary;
  readonly maxClient429Share?: number;
  /** `capacity.map`, if the stack gives one. */
  readonly map?: string;
}

const replayed = new Map<string, Promise<ReferenceSimulation>>();
/** Replays kept per process: enough for a plan, its base and a rollout's candidates. */
const KEPT = 32;

/** Where `capacity.referenceTrace` is (relative to the project folder), checked readable; SimulationInputError if not. */
export function referenceTracePath(projectDir: string, capacity: { readonly referenceTrace: string }): string {
  const path = isAbsolute(capacity.referenceTrace)
    ? capacity.referenceTrace
    : join(projectDir, capacity.referenceTrace);
  const problem = inputFileProblem("capacity.referenceTrace", path, Number.MAX_SAFE_INTEGER);
  if (problem) throw new SimulationInputError(problem);
  return path;
}

/** The reference trace's replay, or undefined when the stack declares none; SimulationInputError names `capacity.*`. */
export async function simulateReference(
  projectDir: string,
  stack: string,
  config: PlatformConfig,
): Promise<ReferenceSimulation | undefined> {
  const capacity = config.capacity;
  if (!capacity) return undefined;
  const path = referenceTracePath(projectDir, capacity);
  const { mtimeMs, size } = statSync(path);
  const { models, gateway, cluster, accounts, prices } = config;
  const key = JSON.stringify([path, mtimeMs, size, stack, capacity, models, gateway, cluster, accounts, prices]);
  let kept = replayed.get(key);
  if (!kept) {
    kept = replay(path, stack, config);
    replayed.set(key, kept);
    if (replayed.size > KEPT) replayed.delete(replayed.keys().next().value!);
    // A failed replay is not kept: the next plan says why again.
    kept.catch(() => replayed.delete(key));
  }
  return kept;
}

async function replay(path: string, stack: string, config: PlatformConfig): Promise<ReferenceSimulation> {
  const capacity = config.capacity!;
  const platform = platformModel(stack, config);
  const shares = capacity.map !== undefined ? parseRouteMap(capacity.map, platform) : defaultRouteMap(platform);
  if (!Array.isArray(shares)) throw new SimulationInputError(shares.problem.replace(/^--map/, "capacity.map"));
  try {
    const result = await simulate(
      platform,
      routeRequests(scaleTrace(traceRequests(path), capacity.scale), shares, platform),
    );
    if (result.requests === 0)
      throw new SimulationInputError(
        `capacity.scale: ${capacity.scale} keeps none of the requests of ${capacity.referenceTrace}`,
      );
    return {
      trace: capacity.referenceTrace,
      summary: summarize(platform, result, simulatedCost(platform, result, withOverrides(PRICES, config.prices)), {
        trace: capacity.referenceTrace,
        scale: capacity.scale,
      }),
      ...(capacity.maxClient429Share !== undefined ? { maxClient429Share: capacity.maxClient429Share } : {}),
      ...(capacity.map !== undefined ? { map: capacity.map } : {}),
    };
  } catch (error) {
    if (error instanceof TraceError) throw new SimulationInputError(`capacity.referenceTrace: ${error.message}`);
    throw error;
  }
}

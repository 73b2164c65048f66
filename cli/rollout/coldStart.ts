// What `rollout start` says about the new colour's vLLM servers: they start from zero, so traffic can
// move onto them only after a cold start (new GPU nodes where the pool has no room, the image, the model),
// estimated from the dated table in components/serving/coldStart.ts.
import { COLOURS, type Colour } from "../../components/core/colours";
import { own } from "../../components/core/own";
import { COLD_START_DATE, coldStartMinutes } from "../../components/serving/coldStart";
import { isIdleSlot, nodesFor } from "../../stacks/clusterConfig";
import type { PlatformConfig } from "../../stacks/config";
import type { RawTarget } from "./machine";

/** Nodes each pool runs now: its minimum, or what its serving (not idle) vLLM targets take, whichever is more. */
function nodesInUse(config: PlatformConfig, except: { endpoint: string; colour: Colour }): Map<string, number> {
  const used = new Map<string, number>();
  for (const [endpoint, e] of Object.entries(config.models))
    for (const colour of COLOURS) {
      if ((endpoint === except.endpoint && colour === except.colour) || isIdleSlot(e, colour)) continue;
      for (const t of e.slots[colour]?.targets ?? []) {
        if (t.kind !== "vllm") continue;
        const pool = own(config.cluster?.gpuPools ?? {}, t.pool);
        if (!pool) continue;
        used.set(t.pool, (used.get(t.pool) ?? 0) + nodesFor(pool.vmSize, t.gpusPerReplica, t.replicas));
      }
    }
  return used;
}

/** GPU nodes the pools must add for `targets`, beyond the nodes they run now. */
export function newGpuNodes(
  config: PlatformConfig,
  endpoint: string,
  colour: Colour,
  targets: readonly RawTarget[],
): { pool: string; nodes: number }[] {
  const pools = config.cluster?.gpuPools ?? {};
  const used = nodesInUse(config, { endpoint, colour });
  const added = new Map<string, number>();
  for (const t of targets) {
    if (t.kind !== "vllm") continue;
    const name = String(t.pool);
    const pool = own(pools, name);
    if (!pool) continue;
    const inUse = used.get(name) ?? 0;
    const running = Math.max(pool.minCount, inUse);
    const needed = nodesFor(pool.vmSize, Number(t.gpusPerReplica), Number(t.replicas));
    const free = running - inUse;
    added.set(name, (added.get(name) ?? 0) + Math.max(0, needed - free));
    used.set(name, inUse + needed);
  }
  return [...added].map(([pool, nodes]) => ({ pool, nodes }));
}

/** The cold-start line `rollout start` prints for a colour with vLLM targets, or nothing for Azure OpenAI ones. */
export function coldStartNote(
  config: PlatformConfig,
  endpoint: string,
  colour: Colour,
  targets: readonly RawTarget[],
): string | undefined {
  const vllm = targets.filter((t) => t.kind === "vllm");
  if (vllm.length === 0) return undefined;
  const replicas = vllm.reduce((n, t) => n + Number(t.replicas), 0);
  const nodes = newGpuNodes(config, endpoint, colour, vllm);
  const { phases, total } = coldStartMinutes(Math.max(0, ...nodes.map((n) => n.nodes)));
  const pools = nodes.map((n) => `${n.pool} +${n.nodes}`).join(", ");
  return [
    `cold start: ${endpoint}/${colour} starts ${replicas} vLLM server${replicas === 1 ? "" : "s"} from zero once applied: expect ${total.low}-${total.high} min before they are ready`,
    `(${phases.map((p) => `${p.phase} ${p.minutes.low}-${p.minutes.high} min`).join(", ")}; GPU nodes to add: ${nodes.some((n) => n.nodes > 0) ? pools : "none, the pools have room"}; dated table of ${COLD_START_DATE}, components/serving/coldStart.ts).`,
    "shift waits for a state export that shows them ready.",
  ].join(" ");
}

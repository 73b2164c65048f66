// The plan's estimate of a first deploy: the longest path through the resource graph, each resource
// weighted by its rough creation time. The engine creates independent resources in parallel, so the
// slowest chain, not the sum, is what a first `pulumi up` waits for.
import { createMinutes as createMinutesOf } from "../../components/core/createTimes";
import { GATEWAY_TIERS, type GatewaySku } from "../../components/gateway/tiers";

const createMinutes = (type: string, inputs: Readonly<Record<string, unknown>>) =>
  createMinutesOf(type, inputs, (sku) => GATEWAY_TIERS[sku as GatewaySku]?.createMinutes);
import type { ExportedResource } from "../engine/stackExport";

export interface DeployEstimate {
  readonly minutes: number;
  /** The slowest chain, first resource first: logical name, type and its minutes. */
  readonly path: readonly { readonly name: string; readonly type: string; readonly minutes: number }[];
}

export function firstDeployEstimate(resources: readonly ExportedResource[]): DeployEstimate {
  const byUrn = new Map(resources.map((r) => [r.urn, r]));
  // A dependency on a component is a dependency on every custom resource under it.
  const children = new Map<string, string[]>();
  for (const r of resources) if (r.parent) children.set(r.parent, [...(children.get(r.parent) ?? []), r.urn]);
  const customUnder = (urn: string): string[] => {
    const r = byUrn.get(urn);
    if (!r) return [];
    if (r.custom) return [urn];
    return (children.get(urn) ?? []).flatMap(customUnder);
  };
  const finish = new Map<string, { minutes: number; previous?: string }>();
  const visiting = new Set<string>();
  const finishOf = (urn: string): { minutes: number; previous?: string } => {
    const known = finish.get(urn);
    if (known) return known;
    if (visiting.has(urn)) throw new Error(`dependency cycle through ${urn}`);
    visiting.add(urn);
    const r = byUrn.get(urn)!;
    let start = 0;
    let previous: string | undefined;
    for (const dep of new Set(r.dependencies.flatMap(customUnder))) {
      const done = finishOf(dep).minutes;
      if (done > start) [start, previous] = [done, dep];
    }
    const result = { minutes: start + createMinutes(r.type, r.inputs ?? {}), ...(previous ? { previous } : {}) };
    visiting.delete(urn);
    finish.set(urn, result);
    return result;
  };
  let last: string | undefined;
  for (const r of resources) if (r.custom && (!last || finishOf(r.urn).minutes > finishOf(last).minutes)) last = r.urn;
  const path: DeployEstimate["path"][number][] = [];
  for (let urn = last; urn; urn = finish.get(urn)!.previous) {
    const r = byUrn.get(urn)!;
    path.unshift({ name: urn.split("::").pop()!, type: r.type, minutes: createMinutes(r.type, r.inputs ?? {}) });
  }
  return { minutes: last ? Math.round(finishOf(last).minutes) : 0, path };
}

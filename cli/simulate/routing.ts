// Who sends each request of a trace, and to which endpoint. A trace exported from the gateway's logs has
// Team and Endpoint columns; a public trace has neither, and `--map team/endpoint=share,...` assigns its
// rows (by default every row to the stack's first team and that team's first endpoint). Rows are dealt by
// smooth weighted round robin: deterministic, and each pair's rows spread evenly over the trace.
import type { PlatformModel } from "./platform";
import type { RoutedRequest } from "./engine";
import type { TraceRequest } from "./trace";

export interface RouteShare {
  readonly team: string;
  readonly endpoint: string;
  readonly weight: number;
}

/** `--map`'s value read against the stack, or why it cannot be: names the bad part and what is allowed. */
export function parseRouteMap(text: string, platform: PlatformModel): RouteShare[] | { problem: string } {
  const shares: RouteShare[] = [];
  const pairs = platform.teams.flatMap((t) => t.endpoints.map((e) => `${t.name}/${e}`));
  for (const part of text.split(",")) {
    const m = /^\s*([^/=\s]+)\/([^=\s]+)\s*(?:=\s*(\S+)\s*)?$/.exec(part);
    if (!m)
      return { problem: `--map: "${part.trim()}" is not team/endpoint[=share]; allowed pairs: ${pairs.join(", ")}` };
    const [, team, endpoint, share] = m as unknown as [string, string, string, string | undefined];
    if (!pairs.includes(`${team}/${endpoint}`))
      return {
        problem: `--map: team ${team} does not call endpoint ${endpoint} in stack ${platform.stack}; allowed pairs: ${pairs.join(", ")}`,
      };
    const weight = share === undefined ? 1 : Number(share);
    if (!(weight > 0) || !Number.isFinite(weight))
      return { problem: `--map: the share of ${team}/${endpoint} must be a number above 0, not "${share}"` };
    if (shares.some((s) => s.team === team && s.endpoint === endpoint))
      return { problem: `--map: ${team}/${endpoint} is given twice` };
    shares.push({ team, endpoint, weight });
  }
  return shares;
}

/** What rows without Team and Endpoint get when no `--map` is given: the first team's first endpoint. */
export function defaultRouteMap(platform: PlatformModel): RouteShare[] {
  const team = platform.teams[0];
  if (!team) throw new Error(`stack ${platform.stack} has no gateway teams: nobody could call it`);
  return [{ team: team.name, endpoint: team.endpoints[0]!, weight: 1 }];
}

/** Smooth weighted round robin over `shares`: deterministic, each share's turns spread evenly. */
function dealer(shares: readonly RouteShare[]): () => RouteShare {
  const total = shares.reduce((sum, s) => sum + s.weight, 0);
  const current = shares.map(() => 0);
  return () => {
    let best = 0;
    for (let i = 0; i < shares.length; i++) {
      current[i]! += shares[i]!.weight;
      if (current[i]! > current[best]!) best = i;
    }
    current[best]! -= total;
    return shares[best]!;
  };
}

/**
 * The requests with their team and endpoint: a row's own; for a row with only an endpoint (an export of the
 * gateway's logs, which do not name the team), the next of `shares` for that endpoint, or else the first team
 * of `platform` that calls it; for a row with only a team, the next of that team's shares, or its first
 * endpoint; for a row with neither, the next of `shares`.
 */
export async function* routeRequests(
  requests: AsyncIterable<TraceRequest> | Iterable<TraceRequest>,
  shares: readonly RouteShare[],
  platform?: Pick<PlatformModel, "teams">,
): AsyncGenerator<RoutedRequest> {
  const all = dealer(shares);
  const partial = new Map<string, () => RouteShare | undefined>();
  const matching = (key: string, keep: (s: RouteShare) => boolean, fallback: () => RouteShare | undefined) => {
    let next = partial.get(key);
    if (!next) {
      const some = shares.filter(keep);
      next = some.length > 0 ? dealer(some) : fallback;
      partial.set(key, next);
    }
    return next();
  };
  for await (const r of requests) {
    if (r.team && r.endpoint) yield r as RoutedRequest;
    else if (r.endpoint) {
      const endpoint = r.endpoint;
      const share = matching(
        `endpoint:${endpoint}`,
        (s) => s.endpoint === endpoint,
        () => {
          const team = platform?.teams.find((t) => t.endpoints.includes(endpoint));
          return team && { team: team.name, endpoint, weight: 1 };
        },
      );
      yield { ...r, team: share?.team ?? "", endpoint };
    } else if (r.team) {
      const team = r.team;
      const share = matching(
        `team:${team}`,
        (s) => s.team === team,
        () => {
          const known = platform?.teams.find((t) => t.name === team);
          return known && { team, endpoint: known.endpoints[0]!, weight: 1 };
        },
      );
      yield { ...r, team, endpoint: share?.endpoint ?? "" };
    } else {
      const share = all();
      yield { ...r, team: share.team, endpoint: share.endpoint };
    }
  }
}

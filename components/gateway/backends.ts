// The gateway's backends, as pure specs the component turns into apimanagement.Backend resources:
// one backend per target with a circuit breaker, and one pool per endpoint slot with its targets by
// priority (a pool never mixes slots, kinds or auth).
import { compareCodePoints } from "../core/order";
import { poolId } from "./routes";
import { type Colour } from "../core/colours";

/** How long a tripped backend stays out, at most: Azure OpenAI may send a Retry-After of a day. */
export const DEFAULT_MAX_TRIP = "PT1M";

export interface TargetRef {
  readonly endpoint: string;
  readonly slot: Colour;
  /** Unique within the slot: the deployment name and account key for Azure OpenAI. */
  readonly key: string;
  readonly priority: number;
  readonly kind: "azure-openai" | "vllm";
}

/** A backend's circuit breaker, in the shape of apimanagement.Backend's `circuitBreaker` input. */
export interface CircuitBreakerSpec {
  rules: {
    name: string;
    failureCondition: {
      count: number;
      interval: string;
      statusCodeRanges: { min: number; max: number }[];
      errorReasons?: string[];
    };
    tripDuration: string;
    acceptRetryAfter: boolean;
  }[];
}

/**
 * The breaker of a backend: Azure OpenAI trips on 429 and honours Retry-After (capped by the trip
 * duration); vLLM queues rather than refusing, so it trips on 5xx and timeouts. One rule per backend.
 */
export function circuitBreaker(kind: TargetRef["kind"], maxTrip: string = DEFAULT_MAX_TRIP): CircuitBreakerSpec {
  return kind === "azure-openai"
    ? {
        rules: [
          {
            name: "throttled",
            failureCondition: { count: 1, interval: "PT10S", statusCodeRanges: [{ min: 429, max: 429 }] },
            tripDuration: maxTrip,
            acceptRetryAfter: true,
          },
        ],
      }
    : {
        rules: [
          {
            name: "failing",
            failureCondition: {
              count: 3,
              interval: "PT30S",
              statusCodeRanges: [{ min: 500, max: 599 }],
              errorReasons: ["Timeout"],
            },
            tripDuration: maxTrip,
            acceptRetryAfter: false,
          },
        ],
      };
}

/** A backend id: letters, digits and hyphens, at most 80 characters (API Management's limit). */
export function backendId(target: Pick<TargetRef, "endpoint" | "slot" | "key">): string {
  const id = `be-${target.endpoint}-${target.slot}-${target.key}`.replace(/[^A-Za-z0-9-]/g, "-").replace(/-+/g, "-");
  if (id.length > 80) throw new Error(`backend id ${id} is longer than 80 characters: shorten the endpoint name`);
  return id;
}

export interface PoolSpec {
  readonly id: string;
  readonly endpoint: string;
  readonly slot: Colour;
  /** Members by priority (1 first); a lower priority takes traffic only when every higher one is tripped. */
  readonly members: readonly { readonly backendId: string; readonly priority: number }[];
}

/** One pool per endpoint slot, its members ordered by priority, then by id. */
export function poolSpecs(targets: readonly TargetRef[]): PoolSpec[] {
  const pools = new Map<string, PoolSpec & { members: { backendId: string; priority: number }[] }>();
  for (const t of targets) {
    const id = poolId(t.endpoint, t.slot);
    const pool = pools.get(id) ?? { id, endpoint: t.endpoint, slot: t.slot, members: [] };
    pool.members.push({ backendId: backendId(t), priority: t.priority });
    pools.set(id, pool);
  }
  for (const pool of pools.values()) {
    if (new Set(targets.filter((t) => poolId(t.endpoint, t.slot) === pool.id).map((t) => t.kind)).size > 1)
      throw new Error(`pool ${pool.id} would mix Azure OpenAI and vLLM targets`);
    if (pool.members.length > 30)
      throw new Error(`pool ${pool.id} has ${pool.members.length} members; API Management allows 30`);
    pool.members.sort((a, b) => a.priority - b.priority || compareCodePoints(a.backendId, b.backendId));
  }
  return [...pools.values()];
}

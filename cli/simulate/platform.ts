// The planned platform as the capacity simulator replays traffic through it, derived from the validated
// stack config with the same functions the plan and the gateway use: the deployments and their native
// spillover (stacks/config.ts plannedDeployments), each slot's pool ordered by priority (the gateway's
// targets), its breakers (components/gateway/backends.ts circuitBreaker), the slot draw's thresholds and
// the retry count the API policy renders (components/gateway/apiPolicy.ts), and the teams' budgets.
import { circuitBreaker, type CircuitBreakerSpec } from "../../components/gateway/backends";
import { retryCount, slotThresholds } from "../../components/gateway/apiPolicy";
import { endpointRoutes } from "../../components/gateway/routes";
import { tripSeconds } from "../../components/gateway/config";
import { GPU_SKUS } from "../../components/cluster/gpuSkus";
import {
  PTU_MODELS,
  isPtuType,
  rpmRatio,
  type PaygoDeploymentType,
  type PtuModelFigures,
} from "../../components/openai/models";
import { COLOURS, type Colour } from "../../components/core/colours";
import { compareCodePoints } from "../../components/core/order";
import { plannedDeployments, teamTokenQuota, type PlatformConfig } from "../../stacks/config";
import { FALLBACK_LATENCY_MODEL, azureLatency, replicaSpeed, type AzureLatency } from "./figures";
import type { ReplicaSpeed } from "./vllm";

/** A stack the simulator cannot model: names the target and why (exit 2). */
export class SimulationInputError extends Error {}

/** A provisioned deployment: its PTUs, the model's PTU figures, the pay-as-you-go twin it spills over to. */
export interface PtuDeploymentModel {
  readonly kind: "ptu";
  /** `<account>/<deployment>`: unique in the stack. */
  readonly name: string;
  readonly model: string;
  readonly latency: AzureLatency;
  readonly deploymentType: string;
  readonly ptu: number;
  readonly figures: PtuModelFigures;
  readonly spilloverTo?: string;
}

/** A pay-as-you-go deployment: its TPM and the RPM that goes with it. */
export interface PaygoDeploymentModel {
  readonly kind: "paygo";
  /** `<account>/<deployment>`. */
  readonly name: string;
  readonly model: string;
  readonly latency: AzureLatency;
  readonly deploymentType: PaygoDeploymentType;
  readonly tpm: number;
  readonly rpm: number;
  readonly rpmWindowMs: number;
}

/** A vLLM target: its replicas and what one replica runs on. */
export interface VllmTargetModel {
  readonly kind: "vllm";
  /** `<endpoint>/<slot>/<pool>-<index>`: unique in the stack. */
  readonly name: string;
  readonly model: string;
  readonly pool: string;
  readonly vmSize: string;
  readonly gpu: string;
  readonly replicas: number;
  readonly gpusPerReplica: number;
  /** VMs the replicas need (GPUs per VM from the dated GPU table). */
  readonly nodes: number;
  readonly speed: ReplicaSpeed;
}

export type BackendModel = PtuDeploymentModel | PaygoDeploymentModel | VllmTargetModel;

export interface PoolMemberModel {
  /** A deployment name or a vLLM target's name (key of `backends`). */
  readonly backend: string;
  readonly priority: number;
  readonly breaker: CircuitBreakerSpec;
}

export interface SlotModel {
  readonly slot: Colour;
  readonly weight: number;
  /** By priority, then name: the gateway pool's order. */
  readonly members: readonly PoolMemberModel[];
}

export interface EndpointModel {
  readonly name: string;
  /** The live slots, each taken when the draw (0..99) is below its threshold. */
  readonly thresholds: readonly { readonly slot: Colour; readonly below: number }[];
  readonly slots: Readonly<Partial<Record<Colour, SlotModel>>>;
}

export interface TeamModel {
  readonly name: string;
  readonly endpoints: readonly string[];
  readonly tokensPerMinute: number;
  /** Counters: one per application (budgetPer application), or one for the team. */
  readonly counters: readonly string[];
  readonly monthlyTokenQuota?: number;
  /** With the semantic cache on: the team's calls per minute past it (the chat cache policy's rate-limit-by-key). */
  readonly cacheCallsPerMinute?: number;
}

export interface PlatformModel {
  readonly stack: string;
  readonly endpoints: readonly EndpointModel[];
  readonly teams: readonly TeamModel[];
  readonly backends: ReadonlyMap<string, BackendModel>;
  /** Retries after the first attempt (the API policy's `retry count`). */
  readonly retries: number;
  /** The Retry-After the gateway gives when every member of a pool is tripped, ms. */
  readonly busyRetryAfterMs: number;
  /** What the model had to assume about this stack (a model without an RPM figure, ...). */
  readonly assumptions: readonly string[];
}

/** The platform with no team budget binding (`--without-team-limits`): sizes the backends for the whole trace. */
export function withoutTeamLimits(platform: PlatformModel): PlatformModel {
  return {
    ...platform,
    teams: platform.teams.map(({ monthlyTokenQuota: _quota, cacheCallsPerMinute: _calls, ...t }) => ({
      ...t,
      tokensPerMinute: Infinity,
    })),
  };
}

/** Replaces one provisioned deployment's PTU count (the sweep). */
export function withPtu(platform: PlatformModel, deployment: string, ptu: number): PlatformModel {
  const backend = platform.backends.get(deployment);
  if (backend?.kind !== "ptu") throw new Error(`${deployment} is not a provisioned deployment of the stack`);
  const backends = new Map(platform.backends);
  backends.set(deployment, { ...backend, ptu });
  return { ...platform, backends };
}

/** A team's monthly token quota, its own or what its spend ceiling buys (stacks/config.ts teamTokenQuota). */
function monthlyQuotaOf(config: PlatformConfig, team: string): { monthlyTokenQuota?: number } {
  const quota = teamTokenQuota(config, team);
  return quota ? { monthlyTokenQuota: quota.tokens } : {};
}

/** The platform the stack plans, as the simulator models it. */
export function platformModel(stack: string, config: PlatformConfig): PlatformModel {
  if (!config.gateway)
    throw new SimulationInputError(
      `stack ${stack} has no gateway: the simulator replays traffic through the gateway's teams, slots and pools`,
    );
  const assumptions: string[] = [];
  const maxTrip = config.gateway?.maxTripDuration;
  const backends = new Map<string, BackendModel>();
  const members = new Map<string, PoolMemberModel[]>();
  const add = (endpoint: string, slot: Colour, member: PoolMemberModel) => {
    const key = `${endpoint}/${slot}`;
    members.set(key, [...(members.get(key) ?? []), member]);
  };
  const noted = new Set<string>();
  const latencyOf = (model: string) => {
    const { latency, listed } = azureLatency(model);
    if (!listed && !noted.has(model)) {
      noted.add(model);
      assumptions.push(`${model}: no latency figures in the dated table; those of ${FALLBACK_LATENCY_MODEL} are used`);
    }
    return latency;
  };
  for (const d of plannedDeployments(config)) {
    // Deployment names are unique within an account, not across accounts: the account qualifies them.
    const name = `${d.account}/${d.name}`;
    if (isPtuType(d.deploymentType)) {
      const figures = PTU_MODELS[d.model];
      if (!figures) throw new SimulationInputError(`${d.path}: ${d.model} has no PTU figures in the dated PTU table`);
      backends.set(name, {
        kind: "ptu",
        name,
        model: d.model,
        latency: latencyOf(d.model),
        deploymentType: d.deploymentType,
        ptu: d.capacity,
        figures,
        ...(d.spilloverTo ? { spilloverTo: `${d.account}/${d.spilloverTo}` } : {}),
      });
    } else {
      const type = d.deploymentType as PaygoDeploymentType;
      const { ratio, listed } = rpmRatio(d.model, type);
      if (!listed)
        assumptions.push(
          `${name}: the dated quota table lists no RPM for ${d.model} ${type}; ${ratio.rpmPer1000Tpm} RPM per 1,000 TPM assumed`,
        );
      backends.set(name, {
        kind: "paygo",
        name,
        model: d.model,
        latency: latencyOf(d.model),
        deploymentType: type,
        tpm: d.capacity,
        rpm: (d.capacity / 1_000) * ratio.rpmPer1000Tpm,
        rpmWindowMs: ratio.windowMs,
      });
    }
    add(d.endpoint, d.slot, { backend: name, priority: d.priority, breaker: circuitBreaker("azure-openai", maxTrip) });
  }
  for (const [endpoint, e] of Object.entries(config.models))
    for (const slot of COLOURS)
      (e.slots[slot]?.targets ?? []).forEach((t, index) => {
        if (t.kind !== "vllm") return;
        const vmSize = config.cluster?.gpuPools[t.pool]?.vmSize ?? "";
        const sku = GPU_SKUS[vmSize];
        const path = `models.${endpoint}.slots.${slot}.targets[${index}]`;
        if (!sku) throw new SimulationInputError(`${path}: no GPU pool ${t.pool} of a known size`);
        const measured = replicaSpeed(sku.gpu, t.model);
        if ("problem" in measured) throw new SimulationInputError(`${path}: ${measured.problem}`);
        assumptions.push(...measured.notes.map((n) => `${path}: ${n}`));
        if (measured.row.gpusPerReplica !== t.gpusPerReplica)
          assumptions.push(
            `${path}: ${t.gpusPerReplica} GPU(s) a replica, modelled with a ${measured.row.gpusPerReplica}-GPU measurement`,
          );
        const name = `${endpoint}/${slot}/${t.pool}-${index}`;
        backends.set(name, {
          kind: "vllm",
          name,
          model: t.model,
          pool: t.pool,
          vmSize,
          gpu: sku.gpu,
          replicas: t.replicas,
          gpusPerReplica: t.gpusPerReplica,
          nodes: Math.ceil((t.replicas * t.gpusPerReplica) / sku.gpus),
          speed: measured.speed,
        });
        add(endpoint, slot, { backend: name, priority: t.priority, breaker: circuitBreaker("vllm", maxTrip) });
      });
  if (Object.values(config.models).some((e) => COLOURS.some((s) => e.slots[s]?.targets.some((t) => t.kind === "vllm"))))
    assumptions.push("vLLM targets run at their configured replicas: the autoscaler's scale-out is not modelled");
  const routes = endpointRoutes(config.models);
  const endpoints = routes.map((route): EndpointModel => {
    const slots: Partial<Record<Colour, SlotModel>> = {};
    for (const s of route.slots)
      slots[s.slot] = {
        slot: s.slot,
        weight: s.weight,
        members: [...(members.get(`${route.endpoint}/${s.slot}`) ?? [])].sort(
          (a, b) => a.priority - b.priority || compareCodePoints(a.backend, b.backend),
        ),
      };
    return { name: route.endpoint, thresholds: slotThresholds(route.slots), slots };
  });
  const teams = Object.entries(config.gateway?.teams ?? {}).map(([name, t]): TeamModel => ({
    name,
    endpoints: t.endpoints,
    tokensPerMinute: t.tokensPerMinute,
    counters:
      t.budgetPer === "team" || t.applications.length === 0
        ? [`team-${name}`]
        : t.applications.map((app) => `team-${name}/${app}`),
    ...monthlyQuotaOf(config, name),
    ...(config.gateway?.semanticCache ? { cacheCallsPerMinute: config.gateway.semanticCache.callsPerMinute } : {}),
  }));
  if (config.gateway.semanticCache)
    assumptions.push(
      `every chat call is taken as a semantic cache miss (hits are not modelled), so each team's ${config.gateway.semanticCache.callsPerMinute} calls a minute past the cache bind`,
    );
  if (teams.some((t) => t.counters.length > 1))
    assumptions.push("a team's requests are spread evenly over its applications, each with its own token budget");
  return {
    stack,
    endpoints,
    teams,
    backends,
    retries: retryCount(routes),
    busyRetryAfterMs: tripSeconds(maxTrip ?? "PT1M") * 1000,
    assumptions,
  };
}

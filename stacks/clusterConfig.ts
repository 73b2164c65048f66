// The `cluster` key (AKS with GPU pools) and the fit checks of vLLM targets against it: GPUs per replica
// within a pool's VM, every slot's replicas within the pool's nodes (both colours during a rollout),
// model settings in range, a known vLLM release, a free static address in the nodes' subnet.
import ipaddr from "ipaddr.js";
import { z } from "zod";
import { GPU_SKUS, GPU_SKU_DATE } from "../components/cluster/gpuSkus";
import { parseRange } from "../components/network/addressPlan";
import { vllmReleaseOf } from "../components/serving/vllmReleases";
import type { MonitoredSlot, Slo } from "../components/observability/rules";
import { own, hasOwn } from "../components/core/own";
import { COLOURS, type Colour } from "../components/core/colours";

/** Why `value` is not an IPv4 address or CIDR range the API server can admit, or undefined. */
export function authorizedRangeProblem(value: string): string | undefined {
  const valid =
    ipaddr.IPv4.isValidFourPartDecimal(value) ||
    (ipaddr.isValidCIDR(value) &&
      ipaddr.parseCIDR(value)[0].kind() === "ipv4" &&
      ipaddr.IPv4.isValidFourPartDecimal(value.split("/")[0]!));
  if (!valid) return `"${value}" is not an IPv4 address or CIDR range such as 203.0.113.0/24`;
  const [address, bits] = value.includes("/") ? ipaddr.parseCIDR(value) : [ipaddr.parse(value), 32];
  if (bits === 0 || address.range() === "unspecified")
    return `"${value}" admits the whole internet: name the ranges that need the API server`;
  return undefined;
}

const poolName = z
  .string()
  .regex(
    /^[a-z][a-z0-9]{0,11}$/,
    "pool names are 1-12 lower-case letters and digits, starting with a letter (AKS agent pool names)",
  );

const gpuPool = z
  .strictObject({
    vmSize: z.string().refine((s) => hasOwn(GPU_SKUS, s), {
      error: (issue) =>
        `"${String(issue.input)}" is not in the GPU VM table of ${GPU_SKU_DATE} (components/cluster/gpuSkus.ts): use one of ${Object.keys(GPU_SKUS).join(", ")}`,
    }),
    /** Nodes the autoscaler keeps at least (0 allowed in dev: a cold start then takes minutes). */
    minCount: z.number().int().min(0).max(100),
    maxCount: z.number().int().min(1).max(100),
    /** Spot capacity: cheaper, evicted at any time; dev only. */
    spot: z.boolean().default(false),
    /** Availability zones, only where the VM size exists in them. */
    zones: z.array(z.enum(["1", "2", "3"])).default([]),
    /** `Install`: AKS installs the NVIDIA driver (the platform adds the device plugin); `None`: bring the GPU Operator. */
    driver: z.enum(["Install", "None"]).default("Install"),
  })
  .refine((p) => p.maxCount >= p.minCount, { message: "maxCount must be at least minCount", path: ["maxCount"] });

/** Service-level thresholds of a vLLM slot; an alert fires when one is crossed for its `for` duration. */
export const sloSchema = z.strictObject({
  /** 95th percentile time to first token over 5 minutes, in seconds. */
  ttftP95Seconds: z.number().positive().max(600).default(2),
  /** 95th percentile time per output token over 5 minutes, in seconds. */
  tpotP95Seconds: z.number().positive().max(10).default(0.1),
  /** 95th percentile end-to-end request latency over 5 minutes, in seconds. */
  e2eP95Seconds: z.number().positive().max(3600).default(60),
  /** Requests waiting in a slot's servers, summed. */
  queueDepth: z.number().int().min(1).max(100000).default(20),
  /** KV-cache usage of the fullest server (0..1): above it, requests queue or are preempted. */
  kvCacheUsage: z.number().min(0.5).max(1).default(0.95),
  /** Share of API requests answered 5xx over 5 minutes. */
  errorRatio: z.number().positive().max(1).default(0.05),
  /** Minutes without a finished request before a slot with weight above 0 counts as receiving no traffic. */
  noTrafficMinutes: z.number().int().min(5).max(1440).default(30),
  /** Standard deviations from the day's baseline at which traffic, TTFT or the 5xx share is an anomaly. */
  anomalyZScore: z.number().min(2).max(10).default(3),
}) satisfies z.ZodType<Slo>;

const monitoringSchema = z.strictObject({
  /** Days Prometheus keeps samples. */
  retentionDays: z.number().int().min(1).max(90).default(15),
  /** Prometheus' persistent volume, in GiB. */
  storageGiB: z.number().int().min(10).max(4096).default(50),
  /** Alert thresholds of every vLLM slot. */
  slo: sloSchema.prefault({}),
  /** Per-endpoint overrides of `slo`. */
  sloByEndpoint: z.record(z.string(), sloSchema.partial()).default({}),
  /**
   * Model servers export a span per request to an in-cluster OpenTelemetry Collector, which forwards them to
   * Application Insights as its own workload identity (no key), beside the gateway's spans of the same
   * trace; false turns it off, and the policy pack reports that in prod.
   */
  tracing: z.boolean().default(true),
});

export const clusterSchema = z.strictObject({
  /** The system pool: small, inline, zones in prod. */
  systemPool: z
    .strictObject({
      vmSize: z
        .string()
        .regex(/^Standard_[A-Za-z0-9_]+$/, "an Azure VM size such as Standard_D4ds_v5")
        .default("Standard_D4ds_v5"),
      count: z.number().int().min(1).max(10).default(3),
    })
    .prefault({}),
  /** Public IP ranges allowed to the API server (prod needs these or privateCluster). */
  apiServerAuthorizedIpRanges: z
    .array(
      z.string().refine((value) => authorizedRangeProblem(value) === undefined, {
        error: (issue) => authorizedRangeProblem(String(issue.input)),
      }),
    )
    .default([]),
  /** The API server only inside the network (then deploy from a runner in the network). */
  privateCluster: z.boolean().default(false),
  /** Weekly maintenance, UTC: Kubernetes patch upgrades and node image updates each get this window. */
  maintenanceWindow: z
    .strictObject({
      day: z.enum(["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]),
      startHour: z.number().int().min(0).max(23),
    })
    .default({ day: "Sunday", startHour: 2 }),
  gpuPools: z.record(poolName, gpuPool).refine((p) => Object.keys(p).length > 0, "name at least one GPU pool"),
  /** An untainted user pool for the platform's own workloads (monitoring): neither the system nor the GPU pools take them. */
  generalPool: z
    .strictObject({
      vmSize: z
        .string()
        .regex(/^Standard_[A-Za-z0-9_]+$/, "an Azure VM size such as Standard_D4ds_v5")
        .default("Standard_D4ds_v5"),
      minCount: z.number().int().min(1).max(20).default(1),
      maxCount: z.number().int().min(1).max(20).default(3),
    })
    .refine((p) => p.maxCount >= p.minCount, { message: "maxCount must be at least minCount", path: ["maxCount"] })
    .prefault({}),
  /** In-cluster monitoring of the model servers: Prometheus, Alertmanager and Grafana (kube-prometheus-stack). */
  monitoring: monitoringSchema.prefault({}),
});

export type ClusterConfig = z.infer<typeof clusterSchema>;

/** The vLLM target shape the serving component deploys. */
export interface VllmTargetView {
  readonly pool: string;
  readonly image: string;
  readonly replicas: number;
  readonly maxReplicas?: number;
  readonly gpusPerReplica: number;
  readonly gpuMemoryUtilization: number;
  readonly maxModelLen?: number;
  readonly serviceIp: string;
  readonly adapters?: readonly { readonly name: string; readonly model: string; readonly revision: string }[];
}

interface StackView {
  readonly environment: "dev" | "prod";
  readonly network?: {
    readonly subnets?: { readonly aksNodes: string; readonly gateway: string };
    readonly existing?: unknown;
  };
  readonly gateway?: unknown;
  readonly cluster?: ClusterConfig;
  readonly models: Readonly<
    Record<
      string,
      {
        readonly slots: Partial<
          Record<
            Colour,
            { readonly weight: number; readonly targets: readonly ({ kind: string } & Partial<VllmTargetView>)[] }
          >
        >;
        readonly rollout?: unknown;
      }
    >
  >;
}

/** A colour that serves nothing and is not being rolled out to or from: it runs at zero. */
export function isIdleSlot(
  e: { readonly slots: Partial<Record<Colour, { readonly weight: number }>>; readonly rollout?: unknown },
  slot: Colour,
): boolean {
  return e.slots[slot]?.weight === 0 && e.rollout === undefined;
}

/** Replicas of `gpusPerReplica` GPUs that fit on one node of `vmSize`. */
export function replicasPerNode(vmSize: string, gpusPerReplica: number): number {
  return Math.floor((own(GPU_SKUS, vmSize)?.gpus ?? 0) / gpusPerReplica);
}

/** The nodes of `vmSize` that `replicas` replicas of `gpusPerReplica` GPUs take (one a node where none fits). */
export function nodesFor(vmSize: string, gpusPerReplica: number, replicas: number): number {
  return Math.ceil(replicas / Math.max(1, replicasPerNode(vmSize, gpusPerReplica)));
}

/** Every vLLM target with its key path. */
function vllmTargets(config: StackView): {
  path: string;
  endpoint: string;
  slot: Colour;
  weight: number;
  rollingOut: boolean;
  idle: boolean;
  target: VllmTargetView;
}[] {
  return Object.entries(config.models).flatMap(([endpoint, e]) =>
    COLOURS.flatMap((slot) =>
      (e.slots[slot]?.targets ?? []).flatMap((t, i) =>
        t.kind === "vllm"
          ? [
              {
                path: `models.${endpoint}.slots.${slot}.targets[${i}]`,
                endpoint,
                slot,
                weight: e.slots[slot]!.weight,
                rollingOut: e.rollout !== undefined,
                idle: isIdleSlot(e, slot),
                target: t as VllmTargetView,
              },
            ]
          : [],
      ),
    ),
  );
}

/** Config errors of the cluster and the vLLM targets, and warnings (fit during a rollout). */
export function clusterIssues(config: StackView): { issues: { path: string; message: string }[]; warnings: string[] } {
  const issues: { path: string; message: string }[] = [];
  const warnings: string[] = [];
  const targets = vllmTargets(config);
  const cluster = config.cluster;
  if (
    cluster &&
    config.environment === "prod" &&
    !cluster.privateCluster &&
    cluster.apiServerAuthorizedIpRanges.length === 0
  ) {
    issues.push({
      path: "cluster",
      message:
        "prod's API server must not be open to the internet: set privateCluster: true or apiServerAuthorizedIpRanges",
    });
  }
  if (cluster && !config.network)
    issues.push({
      path: "cluster",
      message: "the cluster's nodes join the network's aksNodes subnet: configure network",
    });
  const monitored = new Set(targets.map((t) => t.endpoint));
  for (const endpoint of Object.keys(cluster?.monitoring.sloByEndpoint ?? {})) {
    if (!monitored.has(endpoint))
      issues.push({
        path: `cluster.monitoring.sloByEndpoint.${endpoint}`,
        message: `"${endpoint}" is not an endpoint with a vLLM slot; endpoints with one: ${[...monitored].sort().join(", ") || "none"}`,
      });
  }
  for (const [name, pool] of Object.entries(cluster?.gpuPools ?? {})) {
    if (config.environment === "prod" && pool.spot)
      issues.push({
        path: `cluster.gpuPools.${name}.spot`,
        message: "spot nodes are evicted at any time: not for prod",
      });
    if (
      config.environment === "prod" &&
      pool.minCount === 0 &&
      targets.some((t) => t.target.pool === name && t.weight > 0)
    ) {
      issues.push({
        path: `cluster.gpuPools.${name}.minCount`,
        message: "a live prod slot runs on this pool: keep at least one node (a GPU cold start takes minutes)",
      });
    }
  }
  if (targets.length === 0) return { issues, warnings };
  if (!cluster)
    issues.push({
      path: "cluster",
      message: `vLLM targets (${targets.map((t) => t.path).join(", ")}) run on AKS: configure cluster with a GPU pool`,
    });
  if (!config.gateway)
    issues.push({ path: "gateway", message: "vLLM targets are reached only through the gateway: configure gateway" });
  if (config.network && !config.network.subnets) {
    issues.push({
      path: "network",
      message:
        "vLLM targets take static addresses from the address plan and admit the gateway's subnet by range: give network.addressSpace and subnets",
    });
  }
  const nodes = config.network?.subnets?.aksNodes ? parseRange(config.network.subnets.aksNodes) : undefined;
  const seenIps = new Map<string, string>();
  const demand = new Map<string, { live: number; all: number }>();
  for (const { path, target, weight, rollingOut } of targets) {
    const pool = cluster ? own(cluster.gpuPools, target.pool) : undefined;
    if (cluster && !pool)
      issues.push({
        path: `${path}.pool`,
        message: `"${target.pool}" is not a GPU pool; allowed: ${Object.keys(cluster.gpuPools).join(", ")}`,
      });
    const release = vllmReleaseOf(target.image);
    if ("problem" in release) issues.push({ path: `${path}.image`, message: release.problem });
    const maxReplicas = target.maxReplicas ?? target.replicas;
    if (maxReplicas < target.replicas)
      issues.push({ path: `${path}.maxReplicas`, message: `${maxReplicas} is below replicas (${target.replicas})` });
    if (config.environment === "prod" && target.replicas < 2)
      issues.push({ path: `${path}.replicas`, message: "prod runs at least 2 replicas (one can be disrupted)" });
    if (pool) {
      const sku = own(GPU_SKUS, pool.vmSize)!;
      if (target.gpusPerReplica > sku.gpus) {
        issues.push({
          path: `${path}.gpusPerReplica`,
          message: `${target.gpusPerReplica} GPUs do not fit on ${pool.vmSize} (${sku.gpus} x ${sku.gpu} ${sku.gpuMemoryGiB} GiB); use a larger VM size or fewer GPUs per replica`,
        });
      } else {
        const d = demand.get(target.pool) ?? { live: 0, all: 0 };
        const nodesNeeded = nodesFor(pool.vmSize, target.gpusPerReplica, maxReplicas);
        // During a rollout both colours run at once, whatever their weights: both must fit.
        demand.set(target.pool, {
          live: d.live + (weight > 0 || rollingOut ? nodesNeeded : 0),
          all: d.all + nodesNeeded,
        });
      }
    }
    if (nodes && typeof nodes !== "string") {
      const ip = ipaddr.IPv4.isValidFourPartDecimal(target.serviceIp)
        ? ipaddr.IPv4.parse(target.serviceIp)
            .toByteArray()
            .reduce((n, b) => n * 256 + b, 0)
        : undefined;
      // Azure keeps the first four and the last address of a subnet.
      if (ip === undefined || ip < nodes.first + 4 || ip >= nodes.last) {
        issues.push({
          path: `${path}.serviceIp`,
          message: `"${target.serviceIp}" is not a usable address of the aksNodes subnet ${config.network!.subnets!.aksNodes} (take one near its end, away from the nodes' addresses)`,
        });
      }
    }
    const other = seenIps.get(target.serviceIp);
    if (other)
      issues.push({ path: `${path}.serviceIp`, message: `${target.serviceIp} is also the address of ${other}` });
    seenIps.set(target.serviceIp, path);
  }
  issues.push(...adapterIssues(config, targets));
  for (const [name, d] of demand) {
    const pool = own(cluster!.gpuPools, name)!;
    if (d.live > pool.maxCount) {
      issues.push({
        path: `cluster.gpuPools.${name}.maxCount`,
        message: `the live slots on this pool need ${d.live} nodes at their maxReplicas; maxCount is ${pool.maxCount}`,
      });
    } else if (d.all > pool.maxCount) {
      warnings.push(
        `cluster.gpuPools.${name}.maxCount: ${pool.maxCount} nodes hold the live slots, not both colours at their maxReplicas (${d.all} nodes): a rollout may wait for capacity`,
      );
    }
  }
  return { issues, warnings };
}

/**
 * The model names of LoRA adapters: each is called like an endpoint, so it must be no endpoint's name and
 * belong to one endpoint only (both colours of it may serve it: that is an adapter's rollout); the targets
 * of one slot are members of one pool, so they serve the same adapters.
 */
function adapterIssues(
  config: StackView,
  targets: ReturnType<typeof vllmTargets>,
): { path: string; message: string }[] {
  const issues: { path: string; message: string }[] = [];
  const owner = new Map<string, string>();
  const bySlot = new Map<string, { path: string; names: string }>();
  for (const { path, endpoint, slot, target } of targets) {
    const names = (target.adapters ?? []).map((a) => a.name);
    names.forEach((name, i) => {
      const at = `${path}.adapters[${i}].name`;
      if (hasOwn(config.models, name))
        issues.push({ path: at, message: `"${name}" is an endpoint's name: clients could not tell the two apart` });
      const other = owner.get(name);
      if (other !== undefined && other !== endpoint)
        issues.push({ path: at, message: `"${name}" is already an adapter of endpoint ${other}` });
      else owner.set(name, endpoint);
    });
    const key = `${endpoint}/${slot}`;
    // The same name at another revision would change the adapter's weights from one retry to the next.
    const sorted = (target.adapters ?? [])
      .map((a) => `${a.name} (${a.model}@${a.revision.slice(0, 12)})`)
      .sort()
      .join(", ");
    const first = bySlot.get(key);
    if (!first) bySlot.set(key, { path, names: sorted });
    else if (first.names !== sorted)
      issues.push({
        path: `${path}.adapters`,
        message: `the targets of one slot serve the same adapters (a retry may go to either): ${first.path} serves [${first.names}], this one [${sorted}]`,
      });
  }
  return issues;
}

/** Every vLLM slot with its weight and thresholds (the endpoint's overrides over the defaults). */
export function monitoredSlots(config: StackView): MonitoredSlot[] {
  const monitoring = config.cluster?.monitoring;
  if (!monitoring) return [];
  const seen = new Set<string>();
  return vllmTargets(config).flatMap(({ endpoint, slot, weight, idle }) => {
    if (seen.has(`${endpoint}/${slot}`)) return [];
    seen.add(`${endpoint}/${slot}`);
    const slo = { ...monitoring.slo, ...own(monitoring.sloByEndpoint, endpoint) } as Slo;
    // An idle colour runs no servers on purpose: nothing is down.
    return [{ endpoint, slot, weight, slo, ...(idle ? { idle } : {}) }];
  });
}

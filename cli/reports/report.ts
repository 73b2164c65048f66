import { vllmSlots } from "../../stacks/platformArgs";
import { safetyRoutes } from "../../components/safety/config";
import { table } from "../shared/table";
import {
  MODEL_TABLE_DATE,
  MODEL_TABLE_SOURCE,
  quotaLedger,
  sizePtu,
  isPtuType,
  type LedgerRow,
} from "../../components/openai";
import { plannedDeployments, teamTokenQuota, type PlatformConfig } from "../../stacks/config";
import type { ExportedResource } from "../engine/stackExport";
import { compareCodePoints } from "../../components/core/order";
import { LIFECYCLE_TABLE_DATE, LIFECYCLE_TABLE_SOURCE, lifecycleOf } from "../../components/openai/lifecycle";
import { poolId } from "../../components/gateway/routes";
import { backendId } from "../../components/gateway/backends";
import { CREATE_TIMES_DATE, CREATE_TIMES_SOURCE } from "../../components/core/createTimes";
import { gatewayTargets, vllmGatewayTargets } from "../../components/gateway/config";
import { firstDeployEstimate, type DeployEstimate } from "./deployTime";
import { vllmImageReference } from "../../components/serving/vllmReleases";
import { reachability, type Edge, type PlannedResource } from "../../policies/reachability";
import {
  PRICES,
  PRICE_TABLE_DATE,
  PRICE_TABLE_SOURCE,
  monthlyCost,
  withOverrides,
  type CostRow,
} from "../../components/cost";
import { COLOURS, type Colour } from "../../components/core/colours";

export interface CapacityRow {
  readonly endpoint: string;
  readonly slot: string;
  readonly weight: number;
  readonly account: string;
  readonly region: string;
  readonly deployment: string;
  readonly model: string;
  readonly version: string;
  readonly deploymentType: string;
  readonly capacity: number;
  readonly unit: "PTU" | "TPM";
  readonly priority: number;
  /** PTU only: what the slot's workload shape needs. */
  readonly requiredPtu?: number;
  /** PTU only: `spillover -> <name>` or why not. */
  readonly spillover?: string;
  /** The pinned version's retirement date from the lifecycle table, if it is listed. */
  readonly retires?: string;
}

export interface ComponentCount {
  readonly component: string;
  readonly type: string;
  readonly resources: number;
}

/** How the gateway routes one endpoint slot: its weight, its pool, and the pool's members by priority. */
export interface RouteRow {
  readonly endpoint: string;
  readonly slot: string;
  readonly weight: number;
  readonly pool: string;
  /** Members in the order the pool tries them; each names its deployment, account and spillover. */
  readonly members: readonly {
    readonly priority: number;
    readonly backend: string;
    readonly deployment: string;
    readonly account: string;
    readonly spillover?: string;
  }[];
  /** What filters the slot's prompts and completions: its deployments' RAI policy, the gateway's content check, or both. */
  readonly filter: string;
}

/** A team's monthly token quota and, when a spend ceiling buys it, at what price. */
function teamQuotaRow(config: PlatformConfig, team: string): Pick<TeamRow, "monthlyTokenQuota" | "monthlyBudget"> {
  const quota = teamTokenQuota(config, team);
  if (!quota) return {};
  const b = quota.budget;
  return {
    monthlyTokenQuota: quota.tokens,
    ...(b
      ? {
          monthlyBudget: {
            usd: b.usd,
            perMillion: b.perMillion,
            model: b.model,
            ...(b.outputShare !== undefined ? { outputShare: b.outputShare } : {}),
          },
        }
      : {}),
  };
}

/** A consuming team (product) of the gateway: who calls, what, with which budget. */
export interface TeamRow {
  readonly team: string;
  readonly access: string;
  readonly endpoints: readonly string[];
  readonly tokensPerMinute: number;
  readonly monthlyTokenQuota?: number;
  /** The spend ceiling the quota comes from, and the price per million tokens it is bought at. */
  readonly monthlyBudget?: {
    readonly usd: number;
    readonly perMillion: number;
    readonly model: string;
    readonly outputShare?: number;
  };
  readonly budgetPer: "application" | "team";
}

export interface PlanReport {
  readonly stack: string;
  readonly environment: string;
  readonly modelTable: { readonly source: string; readonly date: string };
  /** The lifecycle table and the day it was applied for. */
  readonly lifecycle: { readonly source: string; readonly date: string; readonly asOf: string };
  readonly resources: { readonly total: number; readonly byComponent: ComponentCount[] };
  readonly capacity: CapacityRow[];
  readonly ptu: { readonly total: number; readonly cap: number };
  readonly quota: LedgerRow[];
  /** Per endpoint slot, the route through the gateway (empty without a gateway). */
  readonly routes: RouteRow[];
  /** Indicative monthly cost of what the stack reserves or may spend at full use. */
  readonly cost: {
    readonly rows: CostRow[];
    /** The priced rows' sum: GPU pools at their minimum, and at their maximum. */
    readonly totalMonthly: number;
    readonly totalMonthlyMax: number;
    readonly source: string;
    readonly date: string;
    readonly budget?: number;
  };
  /** The gateway's teams (its products), with their budgets. */
  readonly teams: TeamRow[];
  /** Who calls whom over which path, resolved by which DNS, with which credential; problems where an edge cannot work. */
  readonly reachability: Edge[];
  /** The longest path through the resource graph at rough creation times. */
  readonly firstDeploy: DeployEstimate & { readonly source: string; readonly date: string };
  readonly warnings: string[];
  readonly notVerifiedOffline: string[];
}

/** The stack's cost inputs, priced with the dated table and the stack's overrides. */
const usdText = (v: number) => `$${Math.round(v).toLocaleString("en-US")}`;

/** A cost row's monthly figure as both reports print it: a range for GPU pools, or why there is none (`missing`). */
export function costCell(r: CostRow, missing: string): string {
  if (r.monthly === undefined) return r.note ?? missing;
  return r.monthlyMax !== undefined ? `${usdText(r.monthly)} - ${usdText(r.monthlyMax)}` : usdText(r.monthly);
}

/** The priced rows' monthly sum, with GPU pools at their minimum (low) and maximum (high) node counts. */
export function costTotals(rows: readonly CostRow[]): { low: number; high: number } {
  const priced = rows.filter((r) => r.monthly !== undefined);
  return {
    low: priced.reduce((sum, r) => sum + r.monthly!, 0),
    high: priced.reduce((sum, r) => sum + (r.monthlyMax ?? r.monthly!), 0),
  };
}

export function costRows(config: PlatformConfig): CostRow[] {
  const deployments = plannedDeployments(config);
  const outputShare = (endpoint: string, slot: Colour) => {
    const w = config.models[endpoint]?.slots[slot]?.workload;
    // Without a workload shape, one output token in four (a chat's usual mix).
    return w && w.peakInputTpm + w.peakOutputTpm > 0 ? w.peakOutputTpm / (w.peakInputTpm + w.peakOutputTpm) : 0.25;
  };
  return monthlyCost(
    {
      ptu: deployments
        .filter((d) => d.ptu)
        .map((d) => ({ name: `${d.name} on ${d.account}`, deploymentType: d.deploymentType, capacity: d.capacity })),
      paygo: deployments
        .filter((d) => !d.ptu)
        .map((d) => ({
          name: `${d.name} on ${d.account}`,
          model: d.model,
          tpm: d.capacity,
          outputShare: d.model.includes("embedding") ? 0 : outputShare(d.endpoint, d.slot),
        })),
      ...(config.gateway ? { gateway: { sku: config.gateway.sku, capacity: config.gateway.capacity } } : {}),
      ...(config.cluster ? { systemPool: config.cluster.systemPool } : {}),
      ...(config.cache ? { cache: { sku: config.cache.sku, highAvailability: config.cache.highAvailability } } : {}),
      // As components/cluster sets it: prod's control plane has the uptime SLA.
      ...(config.cluster ? { clusterTier: config.environment === "prod" ? "Standard" : "Free" } : {}),
      disks: [
        ...vllmSlots(config).flatMap(({ endpoint, slot, targets }) =>
          targets.map((t, i) => ({
            name: `vLLM model cache ${endpoint}-${slot}-${i}`,
            storageClass: "Premium_LRS",
            gib: t.cacheGiB * (t.maxReplicas ?? t.replicas),
          })),
        ),
        ...(config.cluster
          ? [{ name: "Prometheus", storageClass: "StandardSSD_ZRS", gib: config.cluster.monitoring.storageGiB }]
          : []),
      ],
      logs: true,
      contentChecks: safetyRoutes(config).map((r) => r.endpoint),
      pools: [
        ...Object.entries(config.cluster?.gpuPools ?? {}).map(([name, p]) => ({
          name,
          kind: "GPU" as const,
          vmSize: p.vmSize,
          minCount: p.minCount,
          maxCount: p.maxCount,
        })),
        ...(config.cluster ? [{ name: "general", kind: "general" as const, ...config.cluster.generalPool }] : []),
      ],
    },
    withOverrides(PRICES, config.prices),
  );
}

/** The gateway's route per endpoint slot: slot weight, then the pool's members by priority. */
export function gatewayRoutes(config: PlatformConfig): RouteRow[] {
  if (!config.gateway) return [];
  const deployments = plannedDeployments(config);
  const targets = gatewayTargets(deployments);
  const checks = safetyRoutes(config);
  const filterOf = (endpoint: string, slot: Colour, accounts: readonly string[]): string => {
    const rai = [...new Set(accounts.map((a) => config.accounts[a]?.contentFilterThreshold))]
      .filter(Boolean)
      .map((t) => `RAI policy at ${t}`);
    const check = checks.find((c) => c.endpoint === endpoint && c.slots.includes(slot))?.check;
    const gateway = check
      ? [
          `gateway check: ${Object.entries(check.thresholds)
            .map(([category, severity]) => `${category} ${severity}`)
            .join(", ")}${check.shieldPrompt ? ", Prompt Shields" : ", no Prompt Shields (opt-out)"}`,
        ]
      : [];
    return [...rai, ...gateway].join("; ") || "none";
  };
  return Object.entries(config.models).flatMap(([endpoint, e]) =>
    COLOURS.flatMap((slot) => {
      const s = e.slots[slot];
      if (!s) return [];
      const members = [
        ...targets
          .filter((t) => t.endpoint === endpoint && t.slot === slot)
          .map((t) => {
            const d = deployments.find((x) => x.name === t.deployment && x.account === t.account)!;
            return {
              priority: t.priority,
              backend: backendId(t),
              deployment: t.deployment,
              account: t.account,
              ...(d.spilloverTo ? { spillover: d.spilloverTo } : {}),
            };
          }),
        ...vllmGatewayTargets(config.models)
          .filter((t) => t.endpoint === endpoint && t.slot === slot)
          .map((t) => ({
            priority: t.priority,
            backend: backendId(t),
            deployment: `vLLM ${t.key.replace(/^vllm-/, "")}`,
            account: `${t.serviceIp}`,
          })),
      ].sort((a, b) => a.priority - b.priority || compareCodePoints(a.backend, b.backend));
      const accounts = targets.filter((t) => t.endpoint === endpoint && t.slot === slot).map((t) => t.account);
      return [
        {
          endpoint,
          slot,
          weight: s.weight,
          pool: poolId(endpoint, slot),
          members,
          filter: filterOf(endpoint, slot, accounts),
        },
      ];
    }),
  );
}

const NOT_VERIFIED_OFFLINE = [
  "live quota and regional capacity (the quota table is declared, not read)",
  "whether each model version is offered in each region and deployment type",
  "soft-deleted accounts holding a custom subdomain name",
  "RBAC propagation delays",
];

/** The vLLM images of the stack that the dated release table has no digest for. */
function undigestedImages(config: PlatformConfig): string[] {
  const images = Object.values(config.models).flatMap((e) =>
    Object.values(e.slots).flatMap((s) => (s?.targets ?? []).flatMap((t) => (t.kind === "vllm" ? [t.image] : []))),
  );
  return [...new Set(images)].filter((image) => vllmImageReference(image) === image).sort(compareCodePoints);
}

/** Custom resources per top-level component (the program's own structure, as a reviewer reads it). */
export function countByComponent(resources: readonly ExportedResource[]): ComponentCount[] {
  const byUrn = new Map(resources.map((r) => [r.urn, r]));
  const topComponent = (r: ExportedResource): ExportedResource | undefined => {
    let current: ExportedResource | undefined = r;
    let component: ExportedResource | undefined;
    while (current?.parent) {
      const parent = byUrn.get(current.parent);
      if (!parent || parent.type === "pulumi:pulumi:Stack") break;
      component = parent;
      current = parent;
    }
    return component;
  };
  const counts = new Map<string, ComponentCount>();
  for (const r of resources) {
    if (!r.custom || r.type.startsWith("pulumi:providers:")) continue;
    const component = topComponent(r);
    const key = component ? component.urn : "(stack)";
    const name = component ? component.urn.split("::").pop()! : "(stack)";
    const previous = counts.get(key);
    counts.set(key, { component: name, type: component?.type ?? "-", resources: (previous?.resources ?? 0) + 1 });
  }
  return [...counts.values()].sort((a, b) => compareCodePoints(a.component, b.component));
}

/** Everything the plan summary says, as data (text and `--json` are two renderings of it). */
export function buildPlanReport(
  stack: string,
  config: PlatformConfig,
  resources: readonly ExportedResource[],
  checks: { asOf: string; warnings: readonly string[] },
): PlanReport {
  const deployments = plannedDeployments(config);
  const warnings: string[] = [...checks.warnings];
  const capacity: CapacityRow[] = deployments.map((d) => {
    const slot = config.models[d.endpoint]!.slots[d.slot]!;
    const ptu = isPtuType(d.deploymentType);
    const sizing =
      ptu && slot.workload && isPtuType(d.deploymentType)
        ? sizePtu(d.model, d.deploymentType, slot.workload)
        : undefined;
    if (sizing && sizing.requiredPtu > d.capacity) {
      warnings.push(
        `${d.path}: ${d.capacity} PTU is under the ${sizing.requiredPtu} PTU the workload shape of ${d.endpoint}/${d.slot} needs (normalized ${Math.round(sizing.normalizedTpm).toLocaleString("en-US")} TPM at peak)`,
      );
    }
    if (ptu && !slot.workload)
      warnings.push(
        `${d.path}: no workload shape on ${d.endpoint}/${d.slot}, so the PTU size is not checked against traffic`,
      );
    return {
      endpoint: d.endpoint,
      slot: d.slot,
      weight: slot.weight,
      account: d.account,
      region: d.region,
      deployment: d.name,
      model: d.model,
      version: d.version,
      deploymentType: d.deploymentType,
      capacity: d.capacity,
      unit: ptu ? "PTU" : "TPM",
      priority: d.priority,
      ...(sizing ? { requiredPtu: sizing.requiredPtu } : {}),
      ...(d.spilloverNote ? { spillover: d.spilloverNote } : {}),
      ...(lifecycleOf(d.model, d.version) ? { retires: lifecycleOf(d.model, d.version)!.retirement } : {}),
    };
  });
  capacity.sort(
    (a, b) =>
      compareCodePoints(a.endpoint, b.endpoint) ||
      compareCodePoints(a.slot, b.slot) ||
      a.priority - b.priority ||
      compareCodePoints(a.deployment, b.deployment) ||
      compareCodePoints(a.account, b.account),
  );
  if (config.publicNetworkAccess === "Enabled") {
    warnings.push(
      `publicNetworkAccess: Enabled is an explicit opt-out of private access${config.allowedIpRanges.length ? ` (limited to ${config.allowedIpRanges.join(", ")})` : " open to any address"}`,
    );
  }
  // What the stack pays whatever the traffic: reservations, the gateway, nodes at their minimum.
  const fixed = costRows(config)
    .filter((r) => r.monthly !== undefined && !r.item.startsWith("PAYGO "))
    .reduce((sum, r) => sum + r.monthly!, 0);
  if (config.budget && fixed > config.budget.monthlyAmount) {
    warnings.push(
      `budget.monthlyAmount: ${config.budget.monthlyAmount.toLocaleString("en-US")} is below what the stack pays with no traffic at all (about ${Math.round(fixed).toLocaleString("en-US")} a month at indicative prices: PTUs, the gateway, nodes at their minimum)`,
    );
  }
  const rows = costRows(config);
  const totals = costTotals(rows);
  if (config.budget && totals.high > config.budget.monthlyAmount)
    warnings.push(
      `budget.monthlyAmount: the planned monthly cost at full use (${totals.low === totals.high ? usdText(totals.high) : `${usdText(totals.low)} - ${usdText(totals.high)}`}, indicative) is above the budget of ${usdText(config.budget.monthlyAmount)}: the budget's alerts will fire if the capacity is used; lower the capacity, or raise the budget to what the stack may spend`,
    );
  if (config.gateway) {
    warnings.push(
      "gateway: Application Insights keeps the token metrics' Team, Client, Endpoint and Slot dimensions only with custom metric dimensions enabled on the component (CustomMetricsOptedInType: WithDimensions, the portal's Usage and estimated costs > Custom metrics > With dimensions), which @pulumi/azure-native 3.28.0's Component cannot set: enable it once after the first deploy, or the per-team token metrics arrive without dimensions",
    );
  }
  if (config.gateway?.logBodies)
    warnings.push(
      `gateway.logBodies: true logs prompts and completions (up to ${config.gateway.logBodyBytes} bytes each) in the LLM log in Log Analytics, kept ${config.logRetentionDays} days (an explicit opt-in, reported by the policy pack)`,
    );
  return {
    stack,
    environment: config.environment,
    modelTable: { source: MODEL_TABLE_SOURCE, date: MODEL_TABLE_DATE },
    lifecycle: { source: LIFECYCLE_TABLE_SOURCE, date: LIFECYCLE_TABLE_DATE, asOf: checks.asOf },
    resources: {
      total: resources.filter((r) => r.custom && !r.type.startsWith("pulumi:providers:")).length,
      byComponent: countByComponent(resources),
    },
    capacity,
    ptu: { total: deployments.filter((d) => d.ptu).reduce((sum, d) => sum + d.capacity, 0), cap: config.ptuCap },
    quota: quotaLedger(deployments, config.quota).rows,
    routes: gatewayRoutes(config),
    cost: {
      rows,
      totalMonthly: totals.low,
      totalMonthlyMax: totals.high,
      source: PRICE_TABLE_SOURCE,
      date: PRICE_TABLE_DATE,
      ...(config.budget ? { budget: config.budget.monthlyAmount } : {}),
    },
    teams: Object.entries(config.gateway?.teams ?? {}).map(([team, t]) => ({
      team,
      access: [
        t.applications.length > 0
          ? `Entra ID (${t.applications.length} application${t.applications.length === 1 ? "" : "s"})`
          : "",
        t.subscriptionKeys ? "subscription keys (product)" : "",
      ]
        .filter(Boolean)
        .join(" + "),
      endpoints: t.endpoints,
      tokensPerMinute: t.tokensPerMinute,
      ...teamQuotaRow(config, team),
      budgetPer: t.budgetPer,
    })),
    firstDeploy: { ...firstDeployEstimate(resources), source: CREATE_TIMES_SOURCE, date: CREATE_TIMES_DATE },
    reachability: reachability(plannedResources(resources)),
    warnings,
    notVerifiedOffline: [
      ...NOT_VERIFIED_OFFLINE,
      ...undigestedImages(config).map(
        (image) =>
          `${image}: no sourced digest in the dated vLLM release table, so it deploys by tag (a tag pushed again would change what runs)`,
      ),
    ],
  };
}

/** The plan's resources as the reachability derivation reads them: inputs with the outputs over them. */
export function plannedResources(resources: readonly ExportedResource[]): PlannedResource[] {
  return resources
    .filter((r) => r.custom)
    .map((r) => ({
      type: r.type,
      urn: r.urn,
      name: r.urn.split("::").pop()!,
      props: { ...r.inputs, ...r.outputs, ...(r.id ? { id: r.id } : {}) },
    }));
}

/** Above this many deployments the text summary shows slots, not every deployment. */
const DEPLOYMENT_TABLE_LIMIT = 30;

const n = (value: number) => value.toLocaleString("en-US");

/** The human summary printed by `npm run plan`. */
export function renderPlanReport(report: PlanReport): string {
  const out: string[] = [];
  out.push(`Offline plan of stack ${report.stack} (environment ${report.environment})`);
  out.push(`Model figures: ${report.modelTable.source}, as of ${report.modelTable.date}`);
  out.push(
    `Model lifecycle: ${report.lifecycle.source}, as of ${report.lifecycle.date}; checked for ${report.lifecycle.asOf}`,
  );
  out.push("", `Resources: ${report.resources.total}`);
  out.push(
    table(
      ["component", "type", "resources"],
      report.resources.byComponent.map((c) => [c.component, c.type, c.resources]),
    ),
  );
  out.push("", "Capacity per endpoint and slot");
  const slots = new Map<string, CapacityRow[]>();
  for (const c of report.capacity)
    slots.set(`${c.endpoint}/${c.slot}`, [...(slots.get(`${c.endpoint}/${c.slot}`) ?? []), c]);
  out.push(
    table(
      ["endpoint", "slot", "weight", "PTU", "PAYGO", "deployments", "regions"],
      [...slots.values()].map((rows) => {
        const ptu = rows.filter((r) => r.unit === "PTU");
        const needed = ptu.find((r) => r.requiredPtu !== undefined)?.requiredPtu;
        const ptuTotal = ptu.reduce((sum, r) => sum + r.capacity, 0);
        return [
          rows[0]!.endpoint,
          rows[0]!.slot,
          rows[0]!.weight,
          ptu.length ? `${n(ptuTotal)}${needed !== undefined ? ` (needs ${n(needed)})` : ""}` : "-",
          `${n(rows.filter((r) => r.unit === "TPM").reduce((sum, r) => sum + r.capacity, 0))} TPM`,
          rows.length,
          [...new Set(rows.map((r) => r.region))].join(", "),
        ];
      }),
    ),
  );
  const ptuRows = report.capacity.filter((c) => c.spillover);
  if (ptuRows.length > 0)
    out.push("PTU overflow:", ...ptuRows.map((c) => `  ${c.deployment} on ${c.account}: ${c.spillover}`));
  if (report.capacity.length <= DEPLOYMENT_TABLE_LIMIT) {
    out.push("", "Deployments");
    out.push(
      table(
        ["endpoint", "slot", "account", "deployment", "model", "type", "capacity", "priority", "retires"],
        report.capacity.map((c) => [
          c.endpoint,
          c.slot,
          `${c.account} (${c.region})`,
          c.deployment,
          `${c.model} ${c.version}`,
          c.deploymentType,
          `${n(c.capacity)} ${c.unit}`,
          c.priority,
          c.retires ?? "not listed",
        ]),
      ),
    );
  } else {
    out.push(`${report.capacity.length} deployments: listed by --json and in stack.json`);
  }
  out.push(`PTU reserved: ${n(report.ptu.total)} of the environment's cap of ${n(report.ptu.cap)}`);
  out.push("", "Quota ledger (declared quota; planned = this stack)");
  out.push(
    table(
      ["region", "model", "type", "limit", "used elsewhere", "planned", "headroom"],
      report.quota.map((q) => [
        q.region,
        q.model,
        q.deploymentType,
        `${n(q.limit)} ${q.unit}`,
        n(q.usedElsewhere),
        n(q.planned),
        `${n(q.headroom)} ${q.unit}`,
      ]),
    ),
  );
  const routeMembers = report.routes.reduce((sum, r) => sum + r.members.length, 0);
  if (routeMembers > DEPLOYMENT_TABLE_LIMIT)
    out.push("", `Gateway routes: ${report.routes.length} slots, ${routeMembers} pool members: listed by --json`);
  else if (report.routes.length > 0) {
    out.push(
      "",
      "Gateway routes (a weighted draw picks the slot; its pool tries members by priority; a PTU deployment also spills over natively)",
    );
    out.push(
      table(
        ["endpoint", "slot", "weight", "pool", "members in order", "content filter"],
        report.routes.map((r) => [
          r.endpoint,
          r.slot,
          `${r.weight}%`,
          r.pool,
          r.members
            .map(
              (m) =>
                `${m.priority}. ${m.deployment} on ${m.account}${m.spillover ? ` (spills over to ${m.spillover})` : ""}`,
            )
            .join("\n"),
          r.filter,
        ]),
      ),
    );
  }
  if (report.reachability.length > 0) {
    const failing = report.reachability.filter((e) => e.problems.length > 0).length;
    out.push(
      "",
      `Reachability: who calls whom, over which path, resolved by which DNS, with which credential (${failing ? `${failing} edge${failing === 1 ? "" : "s"} cannot work` : "every edge works"})`,
    );
    out.push(
      table(
        ["caller", "callee", "from", "path", "DNS", "credential", "works"],
        report.reachability.map((e) => [
          e.caller,
          e.callee,
          e.from,
          e.path,
          e.dns,
          e.credential,
          e.problems.length ? `NO: ${e.problems.join("; ")}` : "yes",
        ]),
      ),
    );
  }
  if (report.teams.length > 0) {
    out.push("", "Gateway teams (products)");
    out.push(
      table(
        ["team", "access", "endpoints", "tokens/min", "tokens/month", "spend ceiling", "budget per"],
        report.teams.map((t) => [
          t.team,
          t.access,
          t.endpoints.join(", "),
          n(t.tokensPerMinute),
          t.monthlyTokenQuota ? n(t.monthlyTokenQuota) : "-",
          t.monthlyBudget
            ? `${usdText(t.monthlyBudget.usd)}/month at ${t.monthlyBudget.model} $${t.monthlyBudget.perMillion.toFixed(2)}/M tokens (${t.monthlyBudget.outputShare === undefined ? "the dearer of input and output" : `${Math.round(t.monthlyBudget.outputShare * 100)}% output`})`
            : "-",
          t.budgetPer,
        ]),
      ),
    );
  }
  const usd = usdText;
  const { totalMonthly: low, totalMonthlyMax: high } = report.cost;
  out.push(
    "",
    `Monthly cost, indicative (${report.cost.source}, ${report.cost.date}; override in prices): pay-as-you-go at full use, GPU pools from min to max nodes; rows without a price are left out of the total`,
  );
  out.push(
    table(
      ["item", "basis", "per month"],
      [
        ...report.cost.rows.map((r) => [r.item, r.basis, costCell(r, "no price: add it to prices")]),
        [
          "total",
          report.cost.budget !== undefined ? `budget ${usd(report.cost.budget)}` : "no budget",
          low === high ? usd(low) : `${usd(low)} - ${usd(high)}`,
        ],
      ],
    ),
  );
  out.push(
    "",
    `First deploy: about ${report.firstDeploy.minutes} minutes (the slowest chain at rough creation times; ${report.firstDeploy.source}, ${report.firstDeploy.date})`,
    `  ${report.firstDeploy.path.map((p) => `${p.name} (${p.minutes >= 1 ? `${Math.round(p.minutes)} min` : "<1 min"})`).join(" -> ")}`,
  );
  if (report.warnings.length > 0) out.push("", "Warnings", ...report.warnings.map((w) => `  - ${w}`));
  out.push("", "Not verified offline", ...report.notVerifiedOffline.map((w) => `  - ${w}`));
  return out.join("\n");
}

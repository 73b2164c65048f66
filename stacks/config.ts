import ipaddr from "ipaddr.js";
import { closest, distance } from "fastest-levenshtein";
import { z } from "zod";
import { composeName, nameProblem, type NamedResourceKind, type NamingContext } from "../components/core/naming";
import { paygoCapacityProblem, ptuCapacityProblem } from "../components/openai/capacity";
import {
  DEPLOYMENT_TAG_NAMES,
  deploymentName,
  planAccountDeployments,
  type DeploymentSpec,
} from "../components/openai/deployments";
import { quotaLedger, type LocatedDeployment } from "../components/openai/quota";
import { DEPLOYMENT_TYPES, isPtuType } from "../components/openai/models";
import { DEFAULT_LIFECYCLE_WARNING_DAYS } from "../components/openai/lifecycle";
import { AZURE_PUBLIC_REGIONS, REGION_TABLE_DATE } from "../components/core/regions";
import { platformTags, tagProblems } from "../components/core/tags";
import { addressPlanIssues } from "../components/network/addressPlan";
import { PRIVATE_DNS_ZONES, accountDnsZones, type PrivateDnsZoneKey } from "../components/network/dnsZones";
import { CACHE_SKUS } from "../components/cache/skus";
import { gatewayIssues, gatewaySchema } from "../components/gateway/config";
import { endpointSafetySchema, piiRoutes, safetyIssues, safetyRoutes } from "../components/safety/config";
import { clusterIssues, clusterSchema } from "./clusterConfig";
import { hasOwn } from "../components/core/own";
import { PRICES, PRICE_TABLE_DATE } from "../components/cost/prices";
import { withOverrides } from "../components/cost/monthlyCost";
import { budgetQuota, type BudgetQuota } from "../components/cost/teamBudget";
import { GATEWAY_TIERS } from "../components/gateway/tiers";
import { COLOURS } from "../components/core/colours";
import { VLLM_LORA_RANKS, type LoraRank } from "../components/serving/vllmReleases";

/** The Pulumi config namespace of this project: keys are `genai-platform:<key>`. */
export const CONFIG_NAMESPACE = "genai-platform";

const key = (what: string) =>
  z
    .string()
    .regex(/^[a-z][a-z0-9]{1,11}$/, `${what} must be 2-12 lower-case letters or digits, starting with a letter`);
const region = z
  .string()
  .regex(/^[a-z][a-z0-9]+$/, "an Azure region name in lower case without spaces, e.g. swedencentral");
const guid = z.string().regex(/^[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$/, "a subscription id (GUID)");
const wholeNumber = z.number().int().nonnegative();

/** ` (did you mean "x"?)` when a known key is a likely typo of `key`, else nothing. */
export function didYouMean(key: string, known: readonly string[]): string {
  if (known.length === 0) return "";
  const guess = closest(key, known as string[]);
  return distance(key.toLowerCase(), guess.toLowerCase()) <= Math.max(2, Math.floor(guess.length / 3))
    ? ` (did you mean "${guess}"?)`
    : "";
}

/** A strict object whose unknown-key error lists the keys that are allowed. */
function strict<T extends z.ZodRawShape>(shape: T) {
  return z.strictObject(shape, {
    error: (issue) =>
      issue.code === "unrecognized_keys"
        ? `unknown key${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => `"${k}"${didYouMean(k, Object.keys(shape))}`).join(", ")}; allowed: ${Object.keys(shape).join(", ")}`
        : undefined,
  });
}

/** A tag value: text, or a number written without quotes; never empty, null or a structure. */
const tagValue = (message: string) =>
  z.union(
    [
      z
        .string()
        .trim()
        .min(1, message)
        .refine((v) => !CONTROL.test(v), "a tag value holds no control characters (NUL, newline, escape…)"),
      z.number().transform(String),
    ],
    message,
  );

/** C0 and C1 control characters and DEL: nothing a name, tag or label of a generated artifact may hold. */
export const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

const tags = z
  .object({
    owner: tagValue("an owner (team or e-mail) is required"),
    costCenter: tagValue("a cost center is required"),
  })
  .catchall(tagValue("a tag value is text or a number"));

const account = strict({
  location: region,
  /** `OpenAI` (Azure OpenAI) or `AIServices` (Azure AI Foundry resource); both serve OpenAI models. */
  kind: z.enum(["OpenAI", "AIServices"]).default("OpenAI"),
  /** Content filter threshold for the four harm categories: Low is stricter than Medium; weaker is not allowed. */
  contentFilterThreshold: z
    .enum(["Low", "Medium"], "Low or Medium (weaker than Medium is not allowed)")
    .default("Medium"),
  /** The only host names the account may call out to (outbound access is always restricted); none by default. */
  allowedFqdns: z
    .array(
      z
        .string()
        .regex(
          /^(?=.{1,253}$)(?:\*\.)?(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/,
          "a lower-case host name such as mysearch.search.windows.net",
        ),
    )
    .default([]),
});

const workload = strict({
  peakInputTpm: wholeNumber,
  peakOutputTpm: wholeNumber,
  cacheHitRate: z.number().min(0).max(1).default(0),
});

const azureOpenAiTarget = strict({
  kind: z.literal("azure-openai"),
  account: key("account"),
  model: z.string().regex(/^[a-z0-9][a-z0-9.-]*$/, "a model name such as gpt-4o"),
  version: z
    .string()
    .regex(/^[0-9][0-9A-Za-z.-]*$/, "a pinned model version such as 2024-11-20 (never empty or 'latest')"),
  deploymentType: z.enum(DEPLOYMENT_TYPES),
  capacity: z.number(),
  priority: z.number().int().min(1).max(100).default(1),
}).superRefine((t, ctx) => {
  const problem = isPtuType(t.deploymentType)
    ? ptuCapacityProblem(t.model, t.deploymentType, t.capacity)
    : paygoCapacityProblem(t.capacity);
  if (problem) ctx.addIssue({ code: "custom", path: ["capacity"], message: problem });
});

/** A self-hosted model: vLLM replicas on a GPU pool of the cluster, behind an internal load balancer. */
/** A Hugging Face repository id: `owner/name`, each starting with a letter or digit, never `..` (it reaches vLLM's command line and a cache path). */
export const HUGGING_FACE_MODEL = /^(?!.*\.\.)[A-Za-z0-9][\w.-]{0,95}\/[A-Za-z0-9][\w.-]{0,95}$/;

/** The model names a LoRA adapter is called by: like an endpoint's, so a client cannot tell them apart. */
export const ADAPTER_NAME = /^[a-z](?:[a-z0-9]|-(?=[a-z0-9])){0,31}$/;
/**
 * A LoRA adapter a vLLM target serves on its base model, called by `name`: a Hugging Face repository at a
 * pinned commit, downloaded into each server's model cache before it starts. `rank` is the adapter's LoRA
 * rank (`r` in its adapter_config.json).
 */
const adapter = strict({
  name: z
    .string()
    .regex(
      ADAPTER_NAME,
      "adapter names are 1-32 lower-case ASCII letters, digits and single hyphens, starting with a letter (clients call it as the model)",
    ),
  model: z.string().regex(HUGGING_FACE_MODEL, "a Hugging Face repository id owner/name of the adapter"),
  // Hugging Face downloads a revision by its full commit hash only, never a short one.
  revision: z.string().regex(/^[0-9a-f]{40}$/, "a pinned adapter revision: the full 40-character commit hash"),
  rank: z.union(
    VLLM_LORA_RANKS.map((r) => z.literal(r)) as unknown as [z.ZodLiteral<LoraRank>, ...z.ZodLiteral<LoraRank>[]],
    {
      error: `the adapter's LoRA rank: one of ${VLLM_LORA_RANKS.join(", ")}`,
    },
  ),
});

const vllmTarget = strict({
  kind: z.literal("vllm"),
  /** The GPU pool (cluster.gpuPools key) the replicas run on. */
  pool: key("pool"),
  /** The Hugging Face model id, e.g. meta-llama/Llama-3.1-8B-Instruct. */
  model: z
    .string()
    .regex(
      HUGGING_FACE_MODEL,
      "a Hugging Face model id owner/name such as meta-llama/Llama-3.1-8B-Instruct (letters, digits, - _ . ; not starting with - or . and no ..)",
    ),
  revision: z.string().regex(/^[0-9a-f]{7,40}$/, "a pinned model revision (commit hash)"),
  image: z
    .string()
    .regex(
      /^[^:@\s]+(?::(?!latest$)[\w.-]+|@sha256:[0-9a-f]{64})$/,
      "an image with a pinned tag or digest (not latest)",
    ),
  replicas: z.number().int().min(1),
  /** Most replicas the autoscaler may run (queue depth); default: replicas. */
  maxReplicas: z.number().int().min(1).optional(),
  gpusPerReplica: z.number().int().min(1),
  /** Share of GPU memory vLLM may take (weights and KV cache). */
  gpuMemoryUtilization: z.number().min(0.5).max(0.95).default(0.9),
  maxModelLen: z.number().int().min(256).max(1_048_576).optional(),
  /** Disk for each replica's model cache (GiB). */
  cacheGiB: z.number().int().min(20).max(4096).default(200),
  /** The internal load balancer's static address, in the network's aksNodes subnet. */
  serviceIp: z.string(),
  priority: z.number().int().min(1).max(100).default(1),
  /** LoRA adapters served on the base model, each called by its own model name. */
  adapters: z.array(adapter).max(64, "at most 64 adapters per target").optional(),
  /** Adapters active in one batch on a GPU (vLLM --max-loras; each reserves GPU memory for its rank): default 1. */
  maxLoras: z.number().int().min(1).max(64).optional(),
  /** The largest adapter rank the servers accept (vLLM --max-lora-rank); default: the largest adapter's. */
  maxLoraRank: z
    .union(
      VLLM_LORA_RANKS.map((r) => z.literal(r)) as unknown as [z.ZodLiteral<LoraRank>, ...z.ZodLiteral<LoraRank>[]],
      {
        error: `one of ${VLLM_LORA_RANKS.join(", ")} (vLLM's LoRA ranks)`,
      },
    )
    .optional(),
}).superRefine((t, ctx) => {
  const adapters = t.adapters ?? [];
  if (adapters.length === 0) {
    for (const field of ["maxLoras", "maxLoraRank"] as const)
      if (t[field] !== undefined)
        ctx.addIssue({ code: "custom", path: [field], message: "applies only to a target with adapters" });
    return;
  }
  const seen = new Set<string>();
  adapters.forEach((a, i) => {
    if (seen.has(a.name))
      ctx.addIssue({
        code: "custom",
        path: ["adapters", i, "name"],
        message: `"${a.name}" is already an adapter of this target`,
      });
    seen.add(a.name);
    if (t.maxLoraRank !== undefined && a.rank > t.maxLoraRank)
      ctx.addIssue({
        code: "custom",
        path: ["adapters", i, "rank"],
        message: `${a.rank} is above the target's maxLoraRank (${t.maxLoraRank}): raise maxLoraRank or use an adapter of rank ${t.maxLoraRank} or less`,
      });
  });
  if (t.maxLoras !== undefined && t.maxLoras > adapters.length)
    ctx.addIssue({
      code: "custom",
      path: ["maxLoras"],
      message: `${t.maxLoras} is more than the target's ${adapters.length} adapter(s)`,
    });
});

const target = z.discriminatedUnion("kind", [azureOpenAiTarget, vllmTarget], {
  error: "kind must be azure-openai or vllm",
});

const slot = strict({
  weight: z.number().int().min(0).max(100),
  targets: z.array(target).min(1, "a slot needs at least one target"),
  workload: workload.optional(),
});

type SlotShape = z.infer<typeof slot>;

/** Weights sum to 100, one kind of target per slot. */
function checkSlots(slots: { blue?: SlotShape; green?: SlotShape }, ctx: z.RefinementCtx): void {
  const present = COLOURS.flatMap((name) => (slots[name] ? [[name, slots[name]!] as const] : []));
  if (present.length === 0) {
    ctx.addIssue({ code: "custom", path: ["slots"], message: "an endpoint needs a blue or green slot" });
    return;
  }
  const total = present.reduce((sum, [, s]) => sum + s.weight, 0);
  if (total !== 100) {
    ctx.addIssue({
      code: "custom",
      path: ["slots"],
      message: `slot weights sum to ${total} (${present.map(([n, s]) => `${n} ${s.weight}`).join(", ")}); they must sum to 100`,
    });
  }
  for (const [name, s] of present) {
    // PTU sizing compares the slot's PTUs with one workload shape: one model's figures must apply.
    const ptuModels = new Set(
      s.targets.flatMap((t) => (t.kind === "azure-openai" && isPtuType(t.deploymentType) ? [t.model] : [])),
    );
    if (ptuModels.size > 1) {
      ctx.addIssue({
        code: "custom",
        path: ["slots", name, "targets"],
        message: `PTU targets of one slot must serve one model (found ${[...ptuModels].join(", ")}): split them into endpoints`,
      });
    }
    if (new Set(s.targets.map((t) => t.kind)).size > 1) {
      ctx.addIssue({
        code: "custom",
        path: ["slots", name, "targets"],
        message: "targets of one slot must all be azure-openai or all vllm, not both",
      });
    }
  }
}

const endpoint = strict({
  slots: strict({ blue: slot.optional(), green: slot.optional() }),
  /** The gateway's content check of this endpoint (vLLM slots always; Azure OpenAI ones with gateway.contentSafety.azureOpenAi). */
  contentSafety: endpointSafetySchema.optional(),
  /** A rollout in progress (written by `npm run rollout`): the colour traffic is moving to. */
  rollout: strict({
    to: z.enum(COLOURS),
    /** Written by `npm run rollout -- ... --accept-capacity-drop`: the last capacity cut a step of this rollout was confirmed to make. */
    acceptedCapacityDrop: strict({
      on: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "a day written YYYY-MM-DD"),
      step: z.enum(["start", "shift", "promote", "finish"]),
      change: z.string().min(1).max(1000),
    }).optional(),
  }).optional(),
}).superRefine((e, ctx) => {
  checkSlots(e.slots, ctx);
  if (e.rollout && !(e.slots.blue && e.slots.green)) {
    ctx.addIssue({
      code: "custom",
      path: ["rollout"],
      message: `a rollout to ${e.rollout.to} needs both slots (blue and green); remove rollout once one colour is gone`,
    });
  }
});

const quotaEntry = strict({
  region,
  model: z.string().optional(),
  deploymentType: z.enum(DEPLOYMENT_TYPES),
  limit: wholeNumber,
  usedElsewhere: wholeNumber.default(0),
}).superRefine((entry, ctx) => {
  const ptu = isPtuType(entry.deploymentType);
  if (!ptu && !entry.model)
    ctx.addIssue({
      code: "custom",
      path: ["model"],
      message: `pay-as-you-go quota (${entry.deploymentType}) is per model: name the model`,
    });
  if (ptu && entry.model)
    ctx.addIssue({
      code: "custom",
      path: ["model"],
      message: `PTU quota (${entry.deploymentType}) is shared by all models in a region: remove "model: ${entry.model}"`,
    });
});

/** The full Azure resource id of one resource of `armType` (`Microsoft.Network/virtualNetworks/subnets`), its name ending the id. */
const resourceId = (what: string, armType: string, name?: string) => {
  const [namespace, ...types] = armType.split("/");
  const segments = types.map((t) => `/${t}/[^/\\s]+`).join("");
  const pattern = new RegExp(
    `^/subscriptions/[0-9a-f-]{36}/resourceGroups/[^/\\s]+/providers/${namespace!.replace(".", "\\.")}${segments}$`,
    "i",
  );
  const example = `/subscriptions/<id>/resourceGroups/<group>/providers/${namespace}/${types.map((t) => `${t}/<name>`).join("/")}`;
  return z
    .string()
    .refine((id) => pattern.test(id) && (name === undefined || id.split("/").pop()!.toLowerCase() === name), {
      error: (issue) =>
        `"${String(issue.input)}" is not the resource id of ${what} (${armType}${name ? ` named ${name}` : ""}): ${example}`,
    });
};

const subnets = strict({ gateway: z.string(), privateEndpoints: z.string(), aksNodes: z.string() });

const subnetId = resourceId("a subnet", "Microsoft.Network/virtualNetworks/subnets");
const zoneId = (zone: string) => resourceId("the private DNS zone", "Microsoft.Network/privateDnsZones", zone);

/** Private networking: a VNet from an address plan, or an existing (hub) network by id. */
const network = strict({
  addressSpace: z.string().optional(),
  subnets: subnets.optional(),
  existing: strict({
    location: region,
    virtualNetworkId: resourceId("the virtual network", "Microsoft.Network/virtualNetworks"),
    subnetIds: strict({ gateway: subnetId, privateEndpoints: subnetId, aksNodes: subnetId }),
  }).optional(),
  /** Centrally owned private DNS zones, by id; zones not named here are created and linked. */
  privateDnsZoneIds: strict({
    openai: zoneId(PRIVATE_DNS_ZONES.openai).optional(),
    cognitiveServices: zoneId(PRIVATE_DNS_ZONES.cognitiveServices).optional(),
    aiServices: zoneId(PRIVATE_DNS_ZONES.aiServices).optional(),
    redis: zoneId(PRIVATE_DNS_ZONES.redis).optional(),
    apiManagement: zoneId(PRIVATE_DNS_ZONES.apiManagement).optional(),
  }).default({}),
}).superRefine((n, ctx) => {
  const planned = n.addressSpace !== undefined || n.subnets !== undefined;
  if (planned && n.existing)
    ctx.addIssue({
      code: "custom",
      message: "give either addressSpace + subnets (a new VNet) or existing (a hub VNet), not both",
    });
  else if (!n.existing && (n.addressSpace === undefined || n.subnets === undefined)) {
    ctx.addIssue({
      code: "custom",
      message:
        "a new VNet needs both addressSpace and subnets {gateway, privateEndpoints, aksNodes}; or name an existing one",
    });
  } else if (n.addressSpace !== undefined && n.subnets) {
    for (const issue of addressPlanIssues({ addressSpace: n.addressSpace, subnets: n.subnets }, "")) {
      ctx.addIssue({ code: "custom", path: issue.path.split(".").filter(Boolean), message: issue.message });
    }
  }
});

/** An endpoint name: part of deployment names, so no `--` (several Azure name rules refuse it) and no trailing `-`. */
const ENDPOINT_NAME = /^(?=.{1,24}$)[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;

/** Workloads that get a user-assigned identity. */
export const WORKLOADS = ["gateway"] as const;

const cache = strict({
  sku: z.enum(
    CACHE_SKUS as [string, ...string[]],
    `an Azure Managed Redis SKU with RediSearch: ${CACHE_SKUS.join(", ")}`,
  ),
  highAvailability: z.boolean().default(true),
  /** The documented exception: access keys on the cache database for API Management's external cache. */
  accessKeysForGateway: z.boolean().default(false),
  /** Workloads that read and write cache data with Entra ID (the gateway's semantic cache by default). */
  dataAccess: z.array(z.enum(WORKLOADS)).default(["gateway"]),
});

/** Address kinds that never reach a public endpoint from the internet (private, loopback...). */
const NOT_INTERNET = new Set([
  "private",
  "loopback",
  "linkLocal",
  "carrierGradeNat",
  "unspecified",
  "multicast",
  "broadcast",
]);

/** Why a value cannot be an Azure OpenAI IP rule: a public IPv4 address, or a public range of /30 or wider. */
export function publicIpRuleProblem(value: string): string | undefined {
  const [address, prefix] = value.split("/");
  if (!address || !ipaddr.IPv4.isValidFourPartDecimal(address))
    return `"${value}" is not an IPv4 address or CIDR range such as 203.0.113.0/24`;
  if (prefix !== undefined && !(/^\d+$/.test(prefix) && Number(prefix) <= 30))
    return `"${value}": give a single address without a prefix, or a range of /30 or wider (/31 and /32 are not accepted)`;
  const range = ipaddr.IPv4.parse(address).range();
  if (NOT_INTERNET.has(range))
    return `"${value}" is not a public address (${range}): IP rules admit internet clients only`;
  return undefined;
}

/** A monthly cost budget on the stack's resource group. */
const budget = strict({
  /** In the billing currency. */
  monthlyAmount: z.number().positive(),
  /** The first month the budget counts: the first of a month, written down (never the clock), so plans stay identical. */
  startDate: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])-01$/, "the first of a month, YYYY-MM-01"),
  contactEmails: z.array(z.email("an e-mail address")).min(1, "name who is told"),
  /** Percentages of the amount at which actual spend notifies (Azure allows five notifications in all). */
  actualThresholds: z.array(z.number().int().min(1).max(1000)).min(1).max(4).default([80, 100]),
  /** Percentage of the amount at which forecast spend notifies. */
  forecastThreshold: z.number().int().min(1).max(1000).default(100),
});

/** The traffic the plan replays through the stack (npm run simulate's engine): the PR summary's before/after. */
const capacity = strict({
  /** A request trace (TIMESTAMP,ContextTokens,GeneratedTokens[,Team,Endpoint]), relative to the project folder. */
  referenceTrace: z
    .string()
    .min(1)
    .refine((p) => !/[\u0000-\u001f]/.test(p), "a path without control characters"),
  /** The trace at this many times its arrival rate. */
  scale: z.number().positive().max(1_000).default(1),
  /** Rows without Team and Endpoint: team/endpoint=share,... (default the first team's first endpoint). */
  map: z.string().min(1).optional(),
  /** The largest share of requests the trace may get answered 429: above it the plan's capacity rule fails. */
  maxClient429Share: z.number().min(0).max(1).optional(),
});

/** Azure Monitor alerts on the accounts, to e-mail (and a webhook from the secret alertWebhookUrl). */
const alerts = strict({
  emails: z.array(z.email("an e-mail address")).min(1, "name who is alerted"),
  /** Average normalized time to first byte over 5 minutes, in milliseconds. */
  timeToFirstByteMs: z.number().int().positive().default(3000),
  /** Peak PTU utilization over 5 minutes (calls are throttled at 100). */
  ptuUtilizationPercent: z.number().int().min(1).max(100).default(95),
  /** Share of 429 answers over 15 minutes, per account and at the gateway. */
  throttledRatio: z.number().positive().max(1).default(0.05),
  /** Share of 5xx answers over 15 minutes, per account and at the gateway. */
  errorRatio: z.number().positive().max(1).default(0.02),
  /** Fewest requests in 15 minutes for a ratio to count. */
  minRequests: z.number().int().min(1).default(20),
  /** The share of a team's monthly token quota (or spend ceiling) at which an alert fires. */
  teamQuotaPercent: z.number().int().min(1).max(100).default(80),
  /** Dynamic-threshold anomaly alerts: how sensitive, and how many of the last evaluations must deviate. */
  anomaly: strict({
    sensitivity: z.enum(["Low", "Medium", "High"]).default("Medium"),
    violations: z.number().int().min(1).max(6).default(3),
    periods: z.number().int().min(1).max(6).default(4),
  })
    .refine((a) => a.violations <= a.periods, {
      message: "violations must be at most periods (the evaluations they are counted in)",
      path: ["violations"],
    })
    .prefault({}),
});

const price = z.number().nonnegative();
/** Overrides of the dated price table (components/cost/prices.ts), key by key. */
const prices = strict({
  ptuHour: z.record(z.string(), price).default({}),
  tokensPerMillion: z.record(z.string(), strict({ input: price, output: price })).default({}),
  gatewayUnitMonth: z.record(z.string(), price).default({}),
  vmHour: z.record(z.string(), price).default({}),
  redisHour: z.record(z.string(), price).default({}),
  aksTierHour: z.record(z.string(), price).default({}),
  diskGiBMonth: z.record(z.string(), price).default({}),
  logIngestionGiB: z.record(z.string(), price).default({}),
});

const configShape = {
  environment: z.enum(["dev", "prod"]),
  subscriptionId: guid,
  location: region,
  namePrefix: z.string().regex(/^[a-z][a-z0-9]{1,9}$/, "2-10 lower-case letters or digits, starting with a letter"),
  tags,
  logRetentionDays: z.number().int().min(30).max(730).default(30),
  /** Secure default: Disabled. `Enabled` is an explicit opt-out that the plan and policy pack report. */
  publicNetworkAccess: z.enum(["Disabled", "Enabled"]).default("Disabled"),
  allowedIpRanges: z
    .array(
      z.string().refine((value) => publicIpRuleProblem(value) === undefined, {
        error: (issue) => publicIpRuleProblem(String(issue.input)),
      }),
    )
    .default([]),
  /** Regions opened after the dated region table (components/core/regions.ts) that this stack may use. */
  additionalRegions: z.array(region).default([]),
  /** Warn this many days before a pinned model version retires. */
  lifecycleWarningDays: z.number().int().min(0).max(730).default(DEFAULT_LIFECYCLE_WARNING_DAYS),
  /** A stack whose name speaks of another environment (e.g. `prod` with environment dev) is refused unless this is true. */
  allowEnvironmentMismatch: z.boolean().default(false),
  /** The largest weight change one rollout step may make in prod (`npm run rollout -- shift`). */
  rolloutMaxStep: z.number().int().min(1).max(100).default(25),
  /** How much worse than the old colour a load test may show the new one before `rollout shift --loadtest` refuses. */
  rolloutGate: strict({
    ttftP95Percent: z.number().min(0).max(1000).default(20),
    tpotP95Percent: z.number().min(0).max(1000).default(20),
    errorRatePoints: z.number().min(0).max(100).default(1),
  }).prefault({}),
  /** Most PTUs this environment may reserve in total (cost cap); 0 means no PTU deployments. */
  ptuCap: wholeNumber.default(0),
  network: network.optional(),
  cache: cache.optional(),
  /** The AI gateway (API Management) in front of every model endpoint; required in prod. */
  gateway: gatewaySchema.optional(),
  /** AKS with GPU pools for vLLM targets. */
  cluster: clusterSchema.optional(),
  /** Azure Monitor alerts on the model accounts. */
  alerts: alerts.optional(),
  /** The monthly cost budget (required in prod). */
  budget: budget.optional(),
  /** A reference trace the plan simulates: the PR summary shows its before/after, a rule holds its 429 objective. */
  capacity: capacity.optional(),
  /** Overrides of the indicative price table the plan's cost table uses. */
  prices: prices.default({
    ptuHour: {},
    tokensPerMillion: {},
    gatewayUnitMonth: {},
    vmHour: {},
    redisHour: {},
    aksTierHour: {},
    diskGiBMonth: {},
    logIngestionGiB: {},
  }),
  accounts: z
    .record(key("account key"), account)
    .refine((a) => Object.keys(a).length > 0, "at least one account is required"),
  quota: z.array(quotaEntry).default([]),
  models: z
    .record(
      z
        .string()
        .regex(
          ENDPOINT_NAME,
          "endpoint names are 1-24 lower-case ASCII letters, digits and single hyphens, starting with a letter and not ending with a hyphen",
        ),
      endpoint,
    )
    .refine((m) => Object.keys(m).length > 0, "at least one model endpoint is required"),
};

export const configSchema = strict(configShape);

export type PlatformConfig = z.infer<typeof configSchema>;
export type AccountConfig = PlatformConfig["accounts"][string];
export type EndpointConfig = PlatformConfig["models"][string];
export type SlotConfig = NonNullable<EndpointConfig["slots"]["blue"]>;
export type TargetConfig = SlotConfig["targets"][number];

/** The keys a stack file may set under `genai-platform:`. */
export const CONFIG_KEYS = Object.keys(configShape) as readonly string[];

export interface ConfigIssue {
  /** Key path such as `models.chat.slots.blue.targets[0].capacity`. */
  readonly path: string;
  readonly message: string;
}

export class ConfigValidationError extends Error {
  constructor(readonly issues: readonly ConfigIssue[]) {
    super(
      `invalid stack configuration (${issues.length} problem${issues.length === 1 ? "" : "s"}):\n${issues.map((i) => `  ${i.path}: ${i.message}`).join("\n")}`,
    );
    this.name = "ConfigValidationError";
  }
}

export function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (out, part) => (typeof part === "number" ? `${out}[${part}]` : out ? `${out}.${String(part)}` : String(part)),
    "",
  );
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value: unknown = input;
  for (const part of path) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<PropertyKey, unknown>)[part];
  }
  return value;
}

/**
 * What to put in a required key a stack file leaves out, by its path with names as `*` (a new user's
 * first stack is mostly these); a key not listed gets the schema's own message.
 */
export const REQUIRED_KEY_HINTS: Readonly<Record<string, string>> = {
  environment: "dev or prod (prod protects stateful resources and requires a network, a gateway and a budget)",
  subscriptionId: "the Azure subscription the stack deploys to: `az account show --query id -o tsv`",
  location: "the region of the resource group and monitoring, such as swedencentral",
  namePrefix: "2-10 lower-case letters or digits that start every resource name, such as myteam",
  tags: "{ owner: <a person or team address>, costCenter: <your cost center> }",
  "tags.owner": "who owns the stack: a person or team address",
  "tags.costCenter": "the cost center the stack is billed to",
  accounts: "the Azure OpenAI accounts by a short name: { swc: { location: swedencentral } }",
  "accounts.*.location": "the account's region, such as swedencentral",
  models:
    'the model endpoints callers use: { chat: { slots: { blue: { weight: 100, targets: [ { kind: azure-openai, account: swc, model: gpt-5.1, version: "2025-11-13", deploymentType: GlobalStandard, capacity: 50000 } ] } } } }',
  "gateway.tenantId": "the Entra ID tenant whose tokens the gateway accepts: `az account show --query tenantId -o tsv`",
  "gateway.publisher": "{ name: <team name>, email: <team address> }: API Management's publisher",
  "gateway.audiences": "the Entra ID audiences callers ask tokens for, such as [api://genai-gateway]",
  "gateway.teams":
    "the calling teams: { myteam: { applications: [<app id>], endpoints: [chat], tokensPerMinute: 20000 } }",
  "budget.monthlyAmount": "the monthly budget in the subscription's currency",
  "budget.startDate": "the first day of the month the budget starts, YYYY-MM-01",
  "budget.contactEmails": "who is told when spend crosses a threshold",
  "alerts.emails": "who the alerts e-mail",
};

/** The hint for a missing key at `path` (record names matched by `*`), if one is listed. */
function requiredKeyHint(path: readonly PropertyKey[]): string | undefined {
  const exact = formatPath(path);
  if (exact in REQUIRED_KEY_HINTS) return REQUIRED_KEY_HINTS[exact];
  const parts = path.map(String);
  for (const [key, hint] of Object.entries(REQUIRED_KEY_HINTS)) {
    const pattern = key.split(".");
    if (pattern.length === parts.length && pattern.every((p, i) => p === "*" || p === parts[i])) return hint;
  }
  return undefined;
}

function describeValue(value: unknown): string {
  return value === undefined ? "missing" : `got ${JSON.stringify(value)}`;
}

/** Every Azure OpenAI target of every endpoint and slot, flattened, with its config key path. */
export function openAiDeploymentSpecs(config: PlatformConfig): DeploymentSpec[] {
  const specs: DeploymentSpec[] = [];
  for (const [endpointName, endpointConfig] of Object.entries(config.models)) {
    for (const slotName of COLOURS) {
      endpointConfig.slots[slotName]?.targets.forEach((t, index) => {
        if (t.kind !== "azure-openai") return;
        specs.push({
          endpoint: endpointName,
          slot: slotName,
          account: t.account,
          model: t.model,
          version: t.version,
          deploymentType: t.deploymentType,
          capacity: t.capacity,
          priority: t.priority,
          path: `models.${endpointName}.slots.${slotName}.targets[${index}]`,
        });
      });
    }
  }
  return specs;
}

/** Every planned deployment, per account in chain order, with the account's region. */
export function plannedDeployments(config: PlatformConfig): LocatedDeployment[] {
  const specs = openAiDeploymentSpecs(config);
  return Object.entries(config.accounts).flatMap(([accountKey, accountConfig]) =>
    planAccountDeployments(specs.filter((s) => s.account === accountKey)).map((d) => ({
      ...d,
      region: accountConfig.location,
    })),
  );
}

export function namingContext(config: Pick<PlatformConfig, "namePrefix" | "environment">): NamingContext {
  return { prefix: config.namePrefix, environment: config.environment };
}

function checkNames(config: PlatformConfig, issues: ConfigIssue[]): void {
  const context = namingContext(config);
  const derived: { kind: NamedResourceKind; name: string; path: string }[] = [
    { kind: "resourceGroup", name: composeName("resourceGroup", context), path: "namePrefix" },
    { kind: "logAnalyticsWorkspace", name: composeName("logAnalyticsWorkspace", context), path: "namePrefix" },
    { kind: "applicationInsights", name: composeName("applicationInsights", context), path: "namePrefix" },
    { kind: "raiPolicy", name: composeName("raiPolicy", context), path: "namePrefix" },
    // The cluster name is the composed name plus a 6-character random suffix.
    { kind: "redisCluster", name: `${composeName("redisCluster", context)}-abcdef`, path: "namePrefix" },
    { kind: "virtualNetwork", name: composeName("virtualNetwork", context), path: "namePrefix" },
    // The gateway's service name is the composed name plus a 6-character random suffix.
    {
      kind: "apiManagementService",
      name: `${composeName("apiManagementService", context)}-abcdef`,
      path: "namePrefix",
    },
    ...WORKLOADS.map((w) => ({
      kind: "userAssignedIdentity" as const,
      name: composeName("userAssignedIdentity", context, w),
      path: "namePrefix",
    })),
    ...(safetyRoutes(config).length > 0
      ? [
          {
            kind: "contentSafetyAccount" as const,
            name: `${composeName("contentSafetyAccount", context)}-abcdef`,
            path: "namePrefix",
          },
        ]
      : []),
    ...(piiRoutes(config).length > 0
      ? [
          {
            kind: "languageAccount" as const,
            name: `${composeName("languageAccount", context)}-abcdef`,
            path: "namePrefix",
          },
        ]
      : []),
    ...Object.keys(config.accounts).flatMap((k) => [
      {
        kind: "cognitiveServicesAccount" as const,
        name: composeName("cognitiveServicesAccount", context, k),
        path: `accounts.${k}`,
      },
      // The subdomain is the account name plus a 6-character random suffix.
      {
        kind: "customSubDomain" as const,
        name: `${composeName("cognitiveServicesAccount", context, k)}-abcdef`,
        path: `accounts.${k}`,
      },
    ]),
  ];
  for (const { kind, name, path } of derived) {
    const problem = nameProblem(kind, name);
    if (problem) issues.push({ path, message: problem });
  }
}

/** Every region the config names must be an Azure public region (or one the stack adds explicitly). */
function checkRegions(config: PlatformConfig, issues: ConfigIssue[]): void {
  const known = new Set([...AZURE_PUBLIC_REGIONS, ...config.additionalRegions]);
  const named: { path: string; region: string }[] = [
    { path: "location", region: config.location },
    ...Object.entries(config.accounts).map(([k, a]) => ({ path: `accounts.${k}.location`, region: a.location })),
    ...config.quota.map((q, i) => ({ path: `quota[${i}].region`, region: q.region })),
    ...(config.network?.existing
      ? [{ path: "network.existing.location", region: config.network.existing.location }]
      : []),
  ];
  for (const { path, region } of named) {
    if (known.has(region)) continue;
    issues.push({
      path,
      message: `"${region}" is not an Azure public region (region table of ${REGION_TABLE_DATE}); did you mean ${closest(region, AZURE_PUBLIC_REGIONS as string[])}? A region newer than the table goes in additionalRegions`,
    });
  }
}

/** The tags every resource will carry (the platform's own included) must fit Azure's tag limits. */
function checkTags(config: PlatformConfig, issues: ConfigIssue[]): void {
  // Tag names are case-insensitive in Azure: "Environment" would collide with the platform's "environment".
  const reserved = ["environment", "project", "managedBy", ...DEPLOYMENT_TAG_NAMES];
  for (const name of Object.keys(config.tags)) {
    const taken = reserved.find((r) => r.toLowerCase() === name.toLowerCase());
    if (taken)
      issues.push({
        path: `tags.${name}`,
        message: `the platform sets the ${taken} tag itself (tag names are case-insensitive); remove it or use another tag name`,
      });
  }
  // The most a resource carries: a deployment, with its own tags besides the platform's.
  const placeholder = Object.fromEntries(DEPLOYMENT_TAG_NAMES.map((t) => [t, "x"]));
  for (const problem of tagProblems({ ...platformTags(config.environment, config.tags), ...placeholder })) {
    issues.push({
      path: problem.tag && problem.tag in config.tags ? `tags.${problem.tag}` : "tags",
      message: problem.message,
    });
  }
}

function checkTargets(config: PlatformConfig, issues: ConfigIssue[]): void {
  const accountKeys = Object.keys(config.accounts);
  const seenNames = new Map<string, string>();
  for (const spec of openAiDeploymentSpecs(config)) {
    if (!hasOwn(config.accounts, spec.account)) {
      issues.push({
        path: `${spec.path}.account`,
        message: `"${spec.account}" is not a configured account; allowed: ${accountKeys.join(", ")}`,
      });
    }
    const name = deploymentName(spec);
    const nameIssue = nameProblem("openAiDeployment", name);
    if (nameIssue) issues.push({ path: spec.path, message: nameIssue });
    const owner = seenNames.get(`${spec.account}/${name}`);
    if (owner) {
      issues.push({
        path: spec.path,
        message: `deployment "${name}" on account ${spec.account} is also planned by ${owner}: one target per model and deployment type per slot and account`,
      });
    }
    seenNames.set(`${spec.account}/${name}`, spec.path);
  }
}

function checkQuotaAndCaps(config: PlatformConfig, issues: ConfigIssue[]): void {
  const seen = new Map<string, number>();
  config.quota.forEach((q, i) => {
    const key = `${q.region}|${q.model ?? "*"}|${q.deploymentType}`;
    const first = seen.get(key);
    if (first !== undefined)
      issues.push({
        path: `quota[${i}]`,
        message: `repeats quota[${first}] (${q.region} ${q.model ?? ""} ${q.deploymentType}): declare each quota once`,
      });
    else seen.set(key, i);
  });
  const deployments = plannedDeployments(config);
  issues.push(...quotaLedger(deployments, config.quota).problems);
  const ptuDeployments = deployments.filter((d) => d.ptu);
  const totalPtu = ptuDeployments.reduce((sum, d) => sum + d.capacity, 0);
  if (totalPtu > config.ptuCap) {
    issues.push({
      path: "ptuCap",
      message: `the plan reserves ${totalPtu} PTU but ptuCap is ${config.ptuCap}: ${ptuDeployments.map((d) => `${d.name} on ${d.account} (${d.path}) ${d.capacity} PTU`).join("; ")}; raise ptuCap or reduce capacity`,
    });
  }
}

/** The private DNS zones the accounts and the cache resolve through. */
export function requiredDnsZones(
  config: Pick<PlatformConfig, "accounts" | "cache" | "gateway" | "models">,
): Set<PrivateDnsZoneKey> {
  const zones = new Set<PrivateDnsZoneKey>(Object.values(config.accounts).flatMap((a) => accountDnsZones(a.kind)));
  if (config.cache) zones.add("redis");
  // The gateway's Content Safety account answers on <subdomain>.cognitiveservices.azure.com.
  if (safetyRoutes(config).length > 0 || piiRoutes(config).length > 0) zones.add("cognitiveServices");
  // An injected gateway runs in internal mode: its host names resolve in the network through azure-api.net.
  if (config.gateway && GATEWAY_TIERS[config.gateway.sku].vnetInjection) zones.add("apiManagement");
  return zones;
}

/** Public access is off whenever private networking is on; otherwise what the config says. */
export function effectivePublicNetworkAccess(
  config: Pick<PlatformConfig, "network" | "publicNetworkAccess">,
): "Disabled" | "Enabled" {
  return config.network ? "Disabled" : config.publicNetworkAccess;
}

function checkNetwork(config: PlatformConfig, issues: ConfigIssue[]): void {
  if (config.environment === "prod" && !config.network) {
    issues.push({
      path: "network",
      message: "prod needs private networking: give addressSpace + subnets, or an existing network",
    });
  }
  if (config.network?.existing) {
    const missing = [...requiredDnsZones(config)].filter((zone) => !config.network!.privateDnsZoneIds[zone]);
    if (missing.length > 0) {
      issues.push({
        path: "network.privateDnsZoneIds",
        message: `an existing network resolves through its own private DNS zones: name ${missing.join(", ")} by id (creating duplicates would break its DNS)`,
      });
    }
  }
  if (config.cache?.accessKeysForGateway && effectivePublicNetworkAccess(config) === "Enabled") {
    issues.push({
      path: "cache.accessKeysForGateway",
      message:
        "access keys on a cache reachable from the internet: configure network (private endpoints), or set accessKeysForGateway: false",
    });
  }
  if (config.cache && config.cache.dataAccess.length === 0 && !config.cache.accessKeysForGateway) {
    issues.push({
      path: "cache.dataAccess",
      message:
        "no workload can reach the cache: access keys are off and no workload has Entra ID data access; name the workloads (e.g. [gateway]) or remove cache",
    });
  }
  if (config.network && config.publicNetworkAccess === "Enabled") {
    issues.push({
      path: "publicNetworkAccess",
      message:
        "Enabled conflicts with private networking (network is set), which turns public access off: remove publicNetworkAccess",
    });
  }
  if (config.publicNetworkAccess === "Disabled" && config.allowedIpRanges.length > 0) {
    issues.push({
      path: "allowedIpRanges",
      message: `IP ranges (${config.allowedIpRanges.join(", ")}) only apply with publicNetworkAccess: Enabled; remove them or opt in explicitly`,
    });
  }
}

/** The cluster's general-purpose pools use VM sizes the price table knows (or the stack prices), so the cost table and the size both hold. */
function checkVmSizes(config: PlatformConfig, issues: ConfigIssue[]): void {
  if (!config.cluster) return;
  const priced = { ...PRICES.vmHour, ...config.prices?.vmHour };
  for (const [path, vmSize] of [
    ["cluster.systemPool.vmSize", config.cluster.systemPool.vmSize],
    ["cluster.generalPool.vmSize", config.cluster.generalPool.vmSize],
  ] as const) {
    if (!hasOwn(priced, vmSize))
      issues.push({
        path,
        message: `"${vmSize}" is not a VM size of the price table of ${PRICE_TABLE_DATE} (components/cost/prices.ts): use one of ${Object.keys(
          PRICES.vmHour,
        )
          .filter((v) => !/^Standard_N/.test(v))
          .join(", ")}, or price it under prices.vmHour`,
      });
  }
}

/** A team's monthly budget becomes a token quota only where its endpoints have a price per token. */
function checkTeamBudgets(config: PlatformConfig, issues: ConfigIssue[]): void {
  for (const [name, t] of Object.entries(config.gateway?.teams ?? {})) {
    if (t.monthlyBudget === undefined) continue;
    const quota = budgetQuota(t.monthlyBudget, t.endpoints, config.models, withOverrides(PRICES, config.prices));
    if ("problem" in quota) issues.push({ path: `gateway.teams.${name}.monthlyBudget`, message: quota.problem });
  }
}

/** A team's monthly token quota: its own, or what its monthly budget buys at the price table's prices. */
export function teamTokenQuota(
  config: PlatformConfig,
  team: string,
): { readonly tokens: number; readonly budget?: BudgetQuota & { readonly usd: number } } | undefined {
  const t = config.gateway?.teams[team];
  if (!t) return undefined;
  if (t.monthlyTokenQuota !== undefined) return { tokens: t.monthlyTokenQuota };
  if (t.monthlyBudget === undefined) return undefined;
  const quota = budgetQuota(t.monthlyBudget, t.endpoints, config.models, withOverrides(PRICES, config.prices));
  if ("problem" in quota) throw new Error(`gateway.teams.${team}.monthlyBudget: ${quota.problem}`);
  return { tokens: quota.tokens, budget: { ...quota, usd: t.monthlyBudget } };
}

/** Validates raw stack config; returns the typed config or every problem at once. */
export function parsePlatformConfig(
  raw: unknown,
): { ok: true; config: PlatformConfig } | { ok: false; issues: ConfigIssue[] } {
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    return {
      ok: false,
      issues: parsed.error.issues.map((issue) => {
        // A bad record key: say what the key must be and show the key, not the subtree under it.
        if (issue.code === "invalid_key") {
          const keyName = String(issue.path[issue.path.length - 1]);
          return {
            path: formatPath(issue.path),
            message: `the key ${JSON.stringify(keyName)} is not allowed here: ${issue.issues[0]?.message ?? issue.message}`,
          };
        }
        const value = valueAt(raw, issue.path);
        // A required key left out: say what to put there.
        const hint = value === undefined && issue.code === "invalid_type" ? requiredKeyHint(issue.path) : undefined;
        if (hint) return { path: formatPath(issue.path), message: `required: ${hint}` };
        // Custom messages already name the value; zod's own say only what was expected.
        const showValue = issue.code !== "unrecognized_keys" && issue.code !== "custom";
        return {
          path: formatPath(issue.path) || "(stack config)",
          message: showValue ? `${issue.message} (${describeValue(value)})` : issue.message,
        };
      }),
    };
  }
  const config = parsed.data;
  const issues: ConfigIssue[] = [];
  checkNames(config, issues);
  checkRegions(config, issues);
  checkTags(config, issues);
  checkTargets(config, issues);
  checkNetwork(config, issues);
  issues.push(...gatewayIssues(config));
  issues.push(...safetyIssues(config));
  issues.push(...clusterIssues(config).issues);
  checkVmSizes(config, issues);
  checkTeamBudgets(config, issues);
  if (config.environment === "prod" && !config.budget)
    issues.push({
      path: "budget",
      message: "prod needs a cost budget: {monthlyAmount, startDate: YYYY-MM-01, contactEmails}",
    });
  // The ledger needs every target's account (for its region); otherwise it runs with the rest.
  const accountsKnown = openAiDeploymentSpecs(config).every((spec) => hasOwn(config.accounts, spec.account));
  if (accountsKnown) checkQuotaAndCaps(config, issues);
  return issues.length === 0 ? { ok: true, config } : { ok: false, issues };
}

// The `gateway` key of a stack: the API Management tier, who may call and with what budget, how long a
// throttled backend stays out, and the semantic cache. Checks that need the rest of the stack (tier
// against environment and network, team endpoints, the cache) are in `gatewayIssues`.
import { z } from "zod";
import { GATEWAY_SKUS, tierProblem } from "./tiers";
import { MAX_CACHE_SCORE_THRESHOLD } from "./apiPolicy";
import { DEFAULT_MAX_TRIP, type TargetRef } from "./backends";
import type { PlannedDeployment } from "../openai/deployments";
import { COLOURS, type Colour } from "../core/colours";
import { gatewaySafetySchema } from "../safety/config";
import { MAX_LLM_MESSAGE_BYTES } from "./logs";

const guid = (what: string) =>
  z.string().regex(/^[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$/, `${what} (a GUID)`);

/** ISO 8601 durations API Management accepts for a trip, from 1 second to 1 hour. */
const TRIP = /^PT(?:(?:[1-9]\d?)S|(?:[1-9]\d?)M|1H)$/;
/** Seconds of a single-unit ISO 8601 duration (PT10S, PT1M, PT1H): the shape of trips and breaker intervals. */
export const tripSeconds = (d: string): number => {
  const m = /^PT(\d+)([SMH])$/.exec(d)!;
  return Number(m[1]) * { S: 1, M: 60, H: 3600 }[m[2] as "S" | "M" | "H"];
};

const team = z.strictObject({
  /** Entra ID client applications (app ids) of the team: the gateway admits their tokens. */
  applications: z.array(guid("a client application id")).default([]),
  /** Subscription keys for this team, as secret outputs: an explicit opt-in; Entra ID is the default. */
  subscriptionKeys: z.boolean().default(false),
  /** The model endpoints the team may call. */
  endpoints: z.array(z.string()).min(1, "name the endpoints the team may call"),
  /** The token budget per minute (429 over it), per calling application or shared by the team (`budgetPer`). */
  tokensPerMinute: z.number().int().positive(),
  /** `application` (default): each of the team's applications has the budget; `team`: they share one. */
  budgetPer: z.enum(["application", "team"]).default("application"),
  /** Tokens per calendar month (403 when spent), if capped. */
  monthlyTokenQuota: z.number().int().positive().optional(),
  /** A monthly spend ceiling in USD: the gateway enforces it as the token quota it buys (components/cost/teamBudget.ts). */
  monthlyBudget: z.number().positive().optional(),
});

/**
 * A token audience as the gateway's policy document may carry it: an application ID URI `api://…` or a
 * client id. Nothing that API Management would evaluate (`@(…)`, `{{named value}}`) or XML would break on.
 */
const AUDIENCE =
  /^(?:api:\/\/[A-Za-z0-9][A-Za-z0-9._\/-]{0,199}|[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12})$/;

const semanticCache = z.strictObject({
  /** The platform endpoint whose embeddings the cache compares prompts with. */
  embeddingsEndpoint: z.string(),
  /** Lower is stricter; above 0.2 a cache answers other questions. */
  scoreThreshold: z
    .number()
    .min(0)
    .max(
      MAX_CACHE_SCORE_THRESHOLD,
      `at most ${MAX_CACHE_SCORE_THRESHOLD} (above it a semantic cache returns answers to other questions)`,
    )
    .default(0.05),
  /** How long an answer stays cached. */
  ttlSeconds: z.number().int().min(1).max(86_400).default(3600),
  /** Calls per minute per team that get past the cache: bounds the backends if the cache is down. */
  callsPerMinute: z.number().int().positive().default(600),
});

export const gatewaySchema = z.strictObject({
  sku: z.enum(GATEWAY_SKUS, `an API Management tier: ${GATEWAY_SKUS.join(", ")}`),
  /** Scale units. */
  capacity: z.number().int().min(1).max(12).default(1),
  publisher: z.strictObject({
    name: z
      .string()
      .trim()
      .min(1)
      .max(100)
      .refine((v) => !/[\u0000-\u001f\u007f-\u009f]/.test(v), "a publisher name holds no control characters"),
    email: z.email("an e-mail address"),
  }),
  /** The Entra ID tenant whose tokens the gateway accepts. */
  tenantId: guid("the Entra ID tenant id"),
  /** Audiences a caller's token may carry (the gateway's app registration). */
  audiences: z
    .array(
      z.string().refine((a) => AUDIENCE.test(a), {
        error: (issue) =>
          `${JSON.stringify(issue.input)} is not a token audience: an application ID URI api://<name or client id> (letters, digits, . _ - / only) or an application (client) id GUID`,
      }),
    )
    .min(1, "name the audience of the gateway's app registration, e.g. api://genai-gateway"),
  teams: z
    .record(
      z
        .string()
        .regex(
          /^[a-z][a-z0-9-]{1,31}$/,
          "team names are 2-32 lower-case letters, digits and hyphens, starting with a letter",
        ),
      team,
    )
    .refine((t) => Object.keys(t).length > 0, "at least one team is required: nobody could call the gateway"),
  /** The longest a throttled backend stays out (Azure OpenAI may ask for a day). */
  maxTripDuration: z
    .string()
    .regex(TRIP, "an ISO 8601 duration from PT1S to PT1H, such as PT30S or PT1M")
    .default(DEFAULT_MAX_TRIP),
  /** Log prompts and completions (the LLM log in Log Analytics): an explicit opt-in the policy pack reports. */
  logBodies: z.boolean().default(false),
  /** With logBodies: the most bytes of each prompt and completion logged (longer ones are cut). */
  logBodyBytes: z.number().int().min(1).max(MAX_LLM_MESSAGE_BYTES).default(32_768),
  /**
   * Share of calls (percent) whose trace (the gateway's request and backend spans, W3C trace context passed
   * on to every backend) Application Insights keeps; failed and throttled calls are always kept. 0 turns
   * tracing off, which the policy pack reports.
   */
  traceSamplingPercent: z.number().min(0).max(100).default(100),
  /** Let a prod gateway answer on the internet (a tier without VNet injection): an explicit opt-out the policy pack reports. */
  allowPublicAccess: z.boolean().default(false),
  semanticCache: semanticCache.optional(),
  /** The gateway's content checks with Azure AI Content Safety (every route to a self-hosted model has one). */
  contentSafety: gatewaySafetySchema.prefault({}),
});

export type GatewayConfig = z.infer<typeof gatewaySchema>;

/** Seconds a client is asked to wait when every backend of a slot is tripped. */
export const retryAfterSeconds = (gateway: Pick<GatewayConfig, "maxTripDuration">): number =>
  tripSeconds(gateway.maxTripDuration);

interface StackView {
  readonly environment: "dev" | "prod";
  readonly network?: unknown;
  readonly models: Readonly<Record<string, unknown>>;
  readonly cache?: { readonly accessKeysForGateway: boolean };
  readonly gateway?: GatewayConfig;
}

/**
 * Whether the semantic cache can call the endpoint: its first live slot (the one cacheEmbeddingsTarget
 * picks) has Azure OpenAI targets, all of them embedding models.
 */
function servesEmbeddings(endpoint: unknown): boolean {
  const slots =
    (
      endpoint as
        | {
            slots?: Partial<Record<Colour, { weight?: number; targets?: { kind?: string; model?: string }[] }>>;
          }
        | undefined
    )?.slots ?? {};
  const live = COLOURS.map((c) => slots[c]).find((s) => (s?.weight ?? 0) > 0);
  const azure = (live?.targets ?? []).filter((t) => t.kind === "azure-openai");
  return azure.length > 0 && azure.every((t) => typeof t.model === "string" && EMBEDDING_MODEL.test(t.model));
}

/** Azure OpenAI's embedding models (text-embedding-ada-002, text-embedding-3-small, -large). */
const EMBEDDING_MODEL = /^text-embedding-/;

/** What the gateway config cannot be in this stack, with key paths. */
export function gatewayIssues(config: StackView): { path: string; message: string }[] {
  const gateway = config.gateway;
  if (!gateway)
    return config.environment === "prod"
      ? [
          {
            path: "gateway",
            message:
              "prod serves its models through the gateway: configure gateway (sku, publisher, tenantId, audiences, teams)",
          },
        ]
      : [];
  const issues: { path: string; message: string }[] = [];
  const tier = tierProblem(gateway.sku, config.environment, Boolean(config.network), gateway.allowPublicAccess);
  if (tier) issues.push({ path: "gateway.sku", message: tier });
  if (gateway.allowPublicAccess && config.environment !== "prod")
    issues.push({
      path: "gateway.allowPublicAccess",
      message: "only prod's gateway is kept off the internet; remove the key in dev",
    });
  // Entra ID puts the identifier URI in v1 access tokens' aud and the client id in v2 tokens': with one, the other version gets 401.
  const uri = gateway.audiences.some((a) => a.startsWith("api://"));
  const clientId = gateway.audiences.some((a) => !a.startsWith("api://"));
  if (!uri || !clientId)
    issues.push({
      path: "gateway.audiences",
      message: `name both audiences of the gateway's app registration: its identifier URI (api://…, the aud of v1 access tokens) and its client id (a GUID, the aud of v2 tokens); missing: ${!uri ? "the identifier URI" : "the client id"}`,
    });
  const endpoints = Object.keys(config.models);
  const owner = new Map<string, string>();
  for (const [name, t] of Object.entries(gateway.teams)) {
    t.endpoints.forEach((e, i) => {
      if (!endpoints.includes(e))
        issues.push({
          path: `gateway.teams.${name}.endpoints[${i}]`,
          message: `"${e}" is not a model endpoint; allowed: ${endpoints.join(", ")}`,
        });
    });
    if (t.applications.length === 0 && !t.subscriptionKeys) {
      issues.push({
        path: `gateway.teams.${name}`,
        message: "the team cannot call: list its Entra ID applications (or opt in to subscriptionKeys)",
      });
    }
    if (t.monthlyBudget !== undefined && t.monthlyTokenQuota !== undefined)
      issues.push({
        path: `gateway.teams.${name}.monthlyBudget`,
        message:
          "give monthlyBudget (a spend ceiling the gateway turns into a token quota) or monthlyTokenQuota, not both",
      });
    t.applications.forEach((app, i) => {
      const other = owner.get(app.toLowerCase());
      if (other)
        issues.push({
          path: `gateway.teams.${name}.applications[${i}]`,
          message: `${app} already belongs to team ${other}: an application has one team and one budget`,
        });
      else owner.set(app.toLowerCase(), name);
    });
  }
  const cache = gateway.semanticCache;
  if (cache) {
    const embeddingEndpoints = endpoints.filter((e) => servesEmbeddings(config.models[e]));
    if (!embeddingEndpoints.includes(cache.embeddingsEndpoint)) {
      const why = endpoints.includes(cache.embeddingsEndpoint)
        ? "is not an endpoint whose live slot serves Azure OpenAI embedding models (the cache calls its deployment with the gateway's identity)"
        : "is not a model endpoint";
      issues.push({
        path: "gateway.semanticCache.embeddingsEndpoint",
        message: `"${cache.embeddingsEndpoint}" ${why}; allowed: ${embeddingEndpoints.join(", ") || "none (add an endpoint with a text-embedding model)"}`,
      });
    }
    if (!config.cache)
      issues.push({
        path: "gateway.semanticCache",
        message:
          "the semantic cache is stored in the platform's Redis: configure cache, or remove gateway.semanticCache",
      });
    else if (!config.cache.accessKeysForGateway) {
      issues.push({
        path: "gateway.semanticCache",
        message:
          "API Management's external cache connects with an access key only: set cache.accessKeysForGateway: true (with private networking), or remove gateway.semanticCache",
      });
    }
  }
  return issues;
}

/** A gateway backend for one planned Azure OpenAI deployment: which account and deployment it pins. */
export interface PlannedGatewayTarget extends TargetRef {
  readonly account: string;
  readonly deployment: string;
}

/** One backend per planned deployment, keyed by what the deployment name adds to its slot, and its account. */
export function gatewayTargets(deployments: readonly PlannedDeployment[]): PlannedGatewayTarget[] {
  return deployments.map((d) => ({
    endpoint: d.endpoint,
    slot: d.slot,
    key: `${d.name.slice(`${d.endpoint}-${d.slot}-`.length)}-${d.account}`,
    priority: d.priority,
    kind: "azure-openai",
    account: d.account,
    deployment: d.name,
  }));
}

/** The target the semantic cache computes embeddings with: the first live slot's first member of that endpoint. */
export function cacheEmbeddingsTarget(
  targets: readonly PlannedGatewayTarget[],
  models: Readonly<Record<string, { slots: Partial<Record<Colour, { weight: number }>> }>>,
  endpoint: string,
): PlannedGatewayTarget | undefined {
  const live = COLOURS.find((slot) => (models[endpoint]?.slots[slot]?.weight ?? 0) > 0);
  return targets.filter((t) => t.endpoint === endpoint && t.slot === live).sort((a, b) => a.priority - b.priority)[0];
}

/** A gateway backend for one vLLM target: the slot's model servers behind their internal address. */
export interface VllmGatewayTarget extends TargetRef {
  /** The target's index within its slot (the serving component's order). */
  readonly index: number;
  readonly serviceIp: string;
}

/** One backend per vLLM target, keyed by its pool and index in the slot. */
export function vllmGatewayTargets(
  models: Readonly<
    Record<
      string,
      {
        slots: Partial<
          Record<Colour, { targets: readonly { kind: string; pool?: string; priority: number; serviceIp?: string }[] }>
        >;
      }
    >
  >,
): VllmGatewayTarget[] {
  return Object.entries(models).flatMap(([endpoint, e]) =>
    COLOURS.flatMap((slot) =>
      (e.slots[slot]?.targets ?? []).flatMap((t, index) =>
        t.kind === "vllm"
          ? [
              {
                endpoint,
                slot,
                key: `vllm-${t.pool}-${index}`,
                priority: t.priority,
                kind: "vllm" as const,
                index,
                serviceIp: t.serviceIp!,
              },
            ]
          : [],
      ),
    ),
  );
}

// The policy of the gateway's model API: who may call, how many tokens, which slot and pool serve the
// call, how the backend is authenticated and retried, and what the response tells the client.
// Pure: it builds a policy document from the routes; the gateway component renders and deploys it.
import { DATA_PLANE_API_VERSION } from "../openai/apiVersions";
import {
  authenticationManagedIdentity,
  choose,
  csString,
  emitMetric,
  expression,
  llmContentSafety,
  sendRequest,
  setBody,
  forwardRequest,
  llmEmitTokenMetric,
  llmSemanticCacheLookup,
  llmSemanticCacheStore,
  llmTokenLimit,
  rateLimitByKey,
  retry,
  returnResponse,
  rewriteUri,
  setBackendService,
  setHeader,
  setQueryParameter,
  setVariable,
  trace,
  validateAzureAdToken,
  type PolicyDocument,
  type PolicyNode,
} from "./policyXml";
import { type Colour } from "../core/colours";
import type { SafetyRoute } from "../safety/config";
import {
  LANGUAGE_API_VERSION,
  LANGUAGE_ENDPOINT_VALUE,
  PII_LIMITS,
  PII_REDACTED_BODY_EXPRESSION,
  PII_REQUEST_EXPRESSION,
  PII_STATUS_EXPRESSION,
  PII_TIMEOUT_SECONDS,
  PII_VARIABLES,
  type PiiMode,
} from "../safety/pii";
import { TRACE_METADATA, TRACE_SOURCE } from "./logs";

/**
 * The model operations, each in both URL shapes: `<id>` at /openai/deployments/{deployment-id}/<path>
 * (Azure OpenAI SDKs) and `v1-<id>` at /openai/v1/<path> (OpenAI SDKs, the endpoint named as `model`).
 */
export const MODEL_OPERATIONS = [
  { id: "chat-completions", path: "chat/completions" },
  { id: "completions", path: "completions" },
  { id: "embeddings", path: "embeddings" },
] as const;

/** Operation ids and URL templates (relative to the API's `openai` path) of both shapes. */
export function operationTemplates(): { id: string; urlTemplate: string; shape: "azure-openai" | "v1" }[] {
  return MODEL_OPERATIONS.flatMap((op) => [
    { id: op.id, urlTemplate: `/deployments/{deployment-id}/${op.path}`, shape: "azure-openai" as const },
    { id: `v1-${op.id}`, urlTemplate: `/v1/${op.path}`, shape: "v1" as const },
  ]);
}

/** Entra ID's resource for Azure OpenAI data-plane tokens. */
export const COGNITIVE_SERVICES_RESOURCE = "https://cognitiveservices.azure.com";

/** The API ids of the gateway: Entra ID callers, and (for teams that opt in) subscription keys. */
export const GATEWAY_API_IDS = { "entra-id": "openai", "subscription-key": "openai-keys" } as const;

/** A slot of an endpoint as the gateway routes it: its weight and its own backend pool. */
export interface SlotRoute {
  readonly slot: Colour;
  readonly weight: number;
  /** The backend id of the slot's pool. */
  readonly poolId: string;
  /** How many backends the pool holds (a retry can try each once). */
  readonly members: number;
  /** What serves the slot: Azure OpenAI (the gateway signs in with its identity) or vLLM in the cluster. */
  readonly kind: "azure-openai" | "vllm";
}

export interface EndpointRoute {
  /** The name clients call: the deployment id in the Azure OpenAI path, `model` in the v1 body. */
  readonly endpoint: string;
  readonly slots: readonly SlotRoute[];
  /** LoRA adapters served by the endpoint's vLLM slots: clients call each by its name, and only its slots answer it. */
  readonly adapters?: readonly { readonly name: string; readonly slots: readonly Colour[] }[];
}

/** A consuming team as the policy sees it: who it is, what it may call, its budget. */
export interface TeamRoute {
  readonly name: string;
  /** Entra ID client application ids of the team. */
  readonly applicationIds: readonly string[];
  readonly endpoints: readonly string[];
  readonly tokensPerMinute: number;
  readonly monthlyTokenQuota?: number;
  /** Whose counter the budget is: each calling application's (the default) or the team's, shared. */
  readonly budgetPer?: "application" | "team";
}

export interface ApiPolicySpec {
  /** `entra-id`: callers present an Entra ID token; `subscription-key`: a product's key (the team is the product). */
  readonly auth: "entra-id" | "subscription-key";
  readonly tenantId: string;
  readonly audiences: readonly string[];
  readonly teams: readonly TeamRoute[];
  /** The gateway identity's client id, as a named-value reference (`{{...}}`). */
  readonly identityClientId: string;
  readonly endpoints: readonly EndpointRoute[];
  /** Seconds a client waits when every member of its slot's pool is tripped. */
  readonly retryAfterSeconds: number;
  /** The content check (Azure AI Content Safety behind `backendId`) of the routes that need one. */
  readonly contentSafety?: { readonly backendId: string; readonly routes: readonly SafetyRoute[] };
  /** The endpoints whose prompts are checked for PII (Azure AI Language, its endpoint in a named value), by mode. */
  readonly pii?: readonly { readonly endpoint: string; readonly mode: Exclude<PiiMode, "off"> }[];
}

/** Above this score distance a semantic cache returns answers to other questions. */
export const MAX_CACHE_SCORE_THRESHOLD = 0.2;

export interface CachePolicySpec {
  readonly scoreThreshold: number;
  readonly ttlSeconds: number;
  /** The backend that computes embeddings of prompts (a single Azure OpenAI embeddings deployment). */
  readonly embeddingsBackendId: string;
  /** Calls per minute per team that get past the cache. */
  readonly callsPerMinute: number;
}

const JWT = "jwt";
const variable = (name: string) => `context.Variables.GetValueOrDefault<string>(${csString(name)}, "")`;
/** The calling application: `appid` (v1 tokens) or `azp` (v2 tokens). */
const CALLER = `((Jwt)context.Variables[${csString(JWT)}]).Claims.GetValueOrDefault("appid", ((Jwt)context.Variables[${csString(JWT)}]).Claims.GetValueOrDefault("azp", ""))`;

/**
 * The endpoint a request names, in either shape: the deployment id of the Azure OpenAI path
 * (/openai/deployments/{endpoint}/...), or `model` in the body of the v1 shape (/openai/v1/...).
 */
export const ENDPOINT_OF_REQUEST = `context.Request.MatchedParameters.ContainsKey("deployment-id") ? context.Request.MatchedParameters["deployment-id"] : ((string)(context.Request.Body?.As<JObject>(preserveContent: true)?["model"]) ?? "")`;

/**
 * The C# expression that picks a live slot from the request's draw (0..99, in variable `draw`) against
 * the cumulative weights, so an endpoint at blue 90 / green 10 sends about one call in ten to green.
 */
export function slotDraw(slots: readonly Pick<SlotRoute, "slot" | "weight">[]): string {
  const thresholds = slotThresholds(slots);
  const branches = thresholds
    .slice(0, -1)
    .map((t) => `(int)context.Variables["draw"] < ${t.below} ? ${csString(t.slot)} : `);
  return expression(`${branches.join("")}${csString(thresholds[thresholds.length - 1]!.slot)}`);
}

/**
 * The live slots in draw order, each taken when the draw (0..99) is below its cumulative weight: what
 * `slotDraw` renders, and what the capacity simulator draws with (cli/simulate).
 */
export function slotThresholds(
  slots: readonly Pick<SlotRoute, "slot" | "weight">[],
): { readonly slot: Colour; readonly below: number }[] {
  const live = slots.filter((s) => s.weight > 0);
  if (live.length === 0) throw new Error("an endpoint needs a slot with weight above 0");
  let cumulative = 0;
  return live.map((s) => ({ slot: s.slot, below: (cumulative += s.weight) }));
}

/** The slot a draw (0..99) picks, as the rendered expression does: the last live slot takes what is left. */
export function drawnSlot(
  thresholds: readonly { readonly slot: Colour; readonly below: number }[],
  draw: number,
): Colour {
  for (let i = 0; i < thresholds.length - 1; i++) if (draw < thresholds[i]!.below) return thresholds[i]!.slot;
  return thresholds[thresholds.length - 1]!.slot;
}

function endpointRouting(route: EndpointRoute, identityClientId: string): PolicyNode[] {
  const live = route.slots.filter((s) => s.weight > 0);
  // An adapter that not every live slot serves (a new one in a rollout's colour) is drawn among its own slots.
  const partial = (route.adapters ?? []).filter((a) => !live.every((s) => a.slots.includes(s.slot)));
  return [
    ...(live.length > 1 ? [setVariable("draw", expression("new Random().Next(100)"))] : []),
    setVariable("slot", slotDraw(route.slots)),
    ...(partial.length > 0
      ? [
          choose(
            partial.map((a) => {
              const serving = route.slots.filter((s) => a.slots.includes(s.slot) && s.weight > 0);
              return {
                condition: expression(`${variable(ADAPTER_VARIABLE)} == ${csString(a.name)}`),
                then:
                  serving.length > 0
                    ? [setVariable("slot", slotDraw(serving))]
                    : [
                        jsonError(
                          404,
                          "Not Found",
                          "AdapterNotServed",
                          `The adapter ${a.name} is staged on a colour that takes no traffic yet`,
                        ),
                      ],
              };
            }),
          ),
        ]
      : []),
    choose(
      live.map((s) => ({
        condition: expression(`${variable("slot")} == ${csString(s.slot)}`),
        // Azure OpenAI gets the gateway identity's token; a vLLM server in the cluster never sees it.
        then: [
          setBackendService(s.poolId),
          ...(s.kind === "azure-openai"
            ? [authenticationManagedIdentity(COGNITIVE_SERVICES_RESOURCE, identityClientId)]
            : []),
        ],
      })),
    ),
  ];
}

export const ADAPTER_BODY_EXPRESSION = [
  "@{",
  "var body = context.Request.Body?.As<JObject>(preserveContent: true) ?? new JObject();",
  `body["model"] = ${variable("adapter")};`,
  "return body.ToString();",
  "}",
].join("\n");

/** The variable that holds the LoRA adapter a request names ("" for an endpoint's base model). */
export const ADAPTER_VARIABLE = "adapter";

/**
 * A request that names a LoRA adapter is a call of the endpoint that serves it: the endpoint's team
 * rights, limits, checks and slots apply, and the adapter's name reaches vLLM unchanged in the body.
 */
function adapterNames(endpoints: readonly EndpointRoute[]): PolicyNode[] {
  const adapters = endpoints.flatMap((e) => (e.adapters ?? []).map((a) => ({ name: a.name, endpoint: e.endpoint })));
  if (adapters.length === 0) return [];
  return [
    setVariable(ADAPTER_VARIABLE, ""),
    choose(
      adapters.map((a) => ({
        condition: expression(`${variable("endpoint")} == ${csString(a.name)}`),
        then: [
          setVariable(ADAPTER_VARIABLE, a.name),
          setVariable("endpoint", a.endpoint),
          // Called as /deployments/<adapter>/..., the body may not name it: vLLM would answer with the base model.
          setBody(ADAPTER_BODY_EXPRESSION),
        ],
      })),
    ),
  ];
}

/** The most members any pool has, minus one: a retry tries each other member once. */
export function retryCount(endpoints: readonly EndpointRoute[]): number {
  return Math.max(0, ...endpoints.flatMap((e) => e.slots.filter((s) => s.weight > 0).map((s) => s.members - 1)));
}

const jsonError = (
  status: number,
  reason: string,
  code: string,
  message: string,
  headers: readonly PolicyNode[] = [],
) =>
  returnResponse(
    status,
    reason,
    [setHeader("Content-Type", "override", "application/json"), ...headers],
    JSON.stringify({ error: { code, message } }),
  );

/** Which team calls: by Entra ID application, or by the product whose key was presented. */
function identifyTeam(spec: ApiPolicySpec): PolicyNode[] {
  if (spec.auth === "subscription-key")
    return [
      setVariable("caller", expression("context.Subscription.Id")),
      setVariable("team", expression(`context.Product?.Id ?? ""`)),
    ];
  return [
    validateAzureAdToken({
      tenantId: spec.tenantId,
      audiences: spec.audiences,
      clientApplicationIds: spec.teams.flatMap((t) => t.applicationIds),
      tokenVariable: JWT,
    }),
    setVariable("caller", expression(CALLER)),
    choose(
      spec.teams
        .filter((t) => t.applicationIds.length > 0)
        .map((t) => ({
          condition: expression(
            `new [] { ${t.applicationIds.map(csString).join(", ")} }.Contains(${variable("caller")})`,
          ),
          then: [setVariable("team", t.name)],
        })),
      [jsonError(403, "Forbidden", "NoTeam", "The calling application belongs to no team of this gateway")],
    ),
  ];
}

/**
 * Each backend is pinned to its deployment (its URL ends in /openai/deployments/<name>): the call keeps
 * only the operation's own path, and a v1-shaped call gets the API version it does not carry.
 */
function backendPath(): PolicyNode[] {
  return [
    choose(
      MODEL_OPERATIONS.map((op) => ({
        condition: expression(
          `context.Operation.Id == ${csString(op.id)} || context.Operation.Id == ${csString(`v1-${op.id}`)}`,
        ),
        then: [rewriteUri(`/${op.path}`)],
      })),
    ),
    setQueryParameter("api-version", "skip", DATA_PLANE_API_VERSION),
  ];
}

/** Per team: the endpoints it may call (403 otherwise) and its token budget (429 over the rate, 403 over the quota). */
function teamLimits(spec: ApiPolicySpec): PolicyNode {
  return choose(
    spec.teams.map((t) => ({
      condition: expression(`${variable("team")} == ${csString(t.name)}`),
      then: [
        choose([
          {
            condition: expression(
              `!new [] { ${t.endpoints.map(csString).join(", ")} }.Contains(${variable("endpoint")})`,
            ),
            then: [
              jsonError(403, "Forbidden", "EndpointNotAllowed", `Team ${t.name} may call: ${t.endpoints.join(", ")}`),
            ],
          },
        ]),
        llmTokenLimit({
          counterKey:
            t.budgetPer === "team"
              ? `team-${t.name}`
              : expression(`${csString(`team-${t.name}/`)} + ${variable("caller")}`),
          tokensPerMinute: t.tokensPerMinute,
          ...(t.monthlyTokenQuota
            ? {
                tokenQuota: {
                  tokens: t.monthlyTokenQuota,
                  period: "Monthly" as const,
                  remainingVariable: QUOTA_REMAINING_VARIABLE,
                },
              }
            : {}),
        }),
        // How much of its monthly quota the counter has used: the 80% alert reads this metric.
        ...(t.monthlyTokenQuota ? [quotaUsedMetric(t.monthlyTokenQuota)] : []),
      ],
    })),
    [jsonError(403, "Forbidden", "NoTeam", "The caller belongs to no team of this gateway")],
  );
}

/** The variable that is "checking" while the content check runs: an error then is the check's refusal. */
export const SAFETY_VARIABLE = "safety";

/** The namespace of the gateway's custom metrics (token usage, refusals). */
export const METRIC_NAMESPACE = "genai-gateway";

/**
 * The content check of each route that needs one, after the team's limits (a refused call costs no check):
 * prompts (and chat completions) of the endpoint's covered slots go through `llm-content-safety`.
 */
function contentCheck(spec: ApiPolicySpec): PolicyNode[] {
  const safety = spec.contentSafety;
  if (!safety || safety.routes.length === 0) return [];
  const check = (route: SafetyRoute): PolicyNode[] => [
    setVariable(SAFETY_VARIABLE, "checking"),
    llmContentSafety({
      backendId: safety.backendId,
      shieldPrompt: route.check.shieldPrompt,
      enforceOnCompletions: true,
      thresholds: route.check.thresholds,
    }),
    setVariable(SAFETY_VARIABLE, "passed"),
  ];
  return [
    choose(
      safety.routes.map((route) => {
        const slots = spec.endpoints.find((e) => e.endpoint === route.endpoint)?.slots.map((s) => s.slot) ?? [];
        const everySlot = slots.every((s) => route.slots.includes(s));
        return {
          condition: expression(`${variable("endpoint")} == ${csString(route.endpoint)}`),
          then: everySlot
            ? check(route)
            : [
                choose([
                  {
                    condition: expression(route.slots.map((s) => `${variable("slot")} == ${csString(s)}`).join(" || ")),
                    then: check(route),
                  },
                ]),
              ],
        };
      }),
    ),
  ];
}

/** The dimensions of the gateway's refusal and detection metrics: who called, where to. */
const callDimensions = () => [
  { name: "Team", value: expression(variable("team")) },
  { name: "Endpoint", value: expression(variable("endpoint")) },
  { name: "Slot", value: expression(variable("slot")) },
];
/** ...and why it was refused. */
const refusalDimensions = (reason: string) => [...callDimensions(), { name: "Reason", value: reason }];

/** A refusal by the gateway itself, counted with its reason. */
function refuse(status: number, reasonPhrase: string, code: string, message: string, reason: string): PolicyNode[] {
  return [
    emitMetric({
      name: "Refused requests",
      namespace: METRIC_NAMESPACE,
      value: 1,
      dimensions: refusalDimensions(reason),
    }),
    jsonError(status, reasonPhrase, code, message, status === 503 ? [setHeader("Retry-After", "override", "10")] : []),
  ];
}

/**
 * The PII check of each endpoint that has one, before the content check: the prompt's texts go to Azure
 * AI Language's PII detection with the gateway identity's token; what it finds is counted (`detect`),
 * masked in the request (`redact`) or refused (`refuse`). A prompt the service cannot take (over its
 * limits) or a check that fails is let through only in `detect` mode; otherwise refused (fails closed).
 */
function piiCheck(spec: ApiPolicySpec): PolicyNode[] {
  if (!spec.pii || spec.pii.length === 0) return [];
  const status = variable(PII_VARIABLES.status);
  const is = (value: string) => expression(`${status} == ${csString(value)}`);
  const notChecked = (): { condition: string; then: PolicyNode[] }[] => [
    {
      condition: is("unchecked"),
      then: refuse(
        400,
        "Bad Request",
        "pii_unchecked",
        `The prompt cannot be checked for personal data (PII): at most ${PII_LIMITS.documents} texts of ${PII_LIMITS.characters} characters each`,
        "pii-unchecked",
      ),
    },
    {
      condition: is("failed"),
      then: refuse(
        503,
        "Service Unavailable",
        "pii_check_unavailable",
        "The personal data (PII) check is unavailable; retry after the Retry-After interval",
        "pii-check-failed",
      ),
    },
  ];
  const detected = (mode: string) =>
    emitMetric({
      name: "PII detected",
      namespace: METRIC_NAMESPACE,
      value: 1,
      dimensions: [...callDimensions(), { name: "Mode", value: mode }],
    });
  const byMode = (mode: Exclude<PiiMode, "off">): PolicyNode => {
    if (mode === "detect") return choose([{ condition: is("found"), then: [detected(mode)] }]);
    if (mode === "redact")
      return choose([
        { condition: is("found"), then: [setBody(PII_REDACTED_BODY_EXPRESSION), detected(mode)] },
        ...notChecked(),
      ]);
    return choose([
      {
        condition: is("found"),
        then: refuse(
          400,
          "Bad Request",
          "pii_detected",
          "The prompt contains personal data (PII), which this endpoint does not accept",
          "pii-found",
        ),
      },
      ...notChecked(),
    ]);
  };
  return [
    choose(
      spec.pii.map((route) => ({
        condition: expression(`${variable("endpoint")} == ${csString(route.endpoint)}`),
        then: [
          setVariable(PII_VARIABLES.request, PII_REQUEST_EXPRESSION),
          choose([
            {
              // A request (JSON), not one of the answers that say there is nothing to send.
              condition: expression(`${variable(PII_VARIABLES.request)}.StartsWith("{")`),
              then: [
                sendRequest({
                  url: `{{${LANGUAGE_ENDPOINT_VALUE}}}language/:analyze-text?api-version=${LANGUAGE_API_VERSION}`,
                  body: expression(variable(PII_VARIABLES.request)),
                  responseVariable: PII_VARIABLES.response,
                  timeoutSeconds: PII_TIMEOUT_SECONDS,
                  ignoreError: true,
                  resource: COGNITIVE_SERVICES_RESOURCE,
                  clientId: spec.identityClientId,
                }),
              ],
            },
          ]),
          setVariable(PII_VARIABLES.status, PII_STATUS_EXPRESSION),
          byMode(route.mode),
        ],
      })),
    ),
  ];
}

/**
 * What Azure OpenAI answers a filtered prompt (400, code `content_filter`, inner code
 * `ResponsibleAIPolicyViolation`), so a client handles the gateway's refusal and a deployment's alike.
 */
export const CONTENT_FILTER_RESPONSE = {
  error: {
    message:
      "The prompt was filtered by the gateway's content safety check (Azure AI Content Safety), which applies the platform's content filtering policy to this model. Please modify your prompt and retry.",
    type: null,
    param: "prompt",
    code: "content_filter",
    status: 400,
    innererror: { code: "ResponsibleAIPolicyViolation" },
  },
};

/** A refusal of the content check: counted with its reason, answered as Azure OpenAI's content filter does. */
function contentRefusal(): PolicyNode {
  return choose([
    {
      condition: expression(`${variable(SAFETY_VARIABLE)} == "checking"`),
      then: [
        emitMetric({
          name: "Refused requests",
          namespace: METRIC_NAMESPACE,
          value: 1,
          // API Management's reason for the error: a blocked prompt and an outage of the check are told apart here.
          dimensions: refusalDimensions(expression(`"content-safety/" + context.LastError.Reason`)),
        }),
        returnResponse(
          400,
          "Bad Request",
          [setHeader("Content-Type", "override", "application/json")],
          JSON.stringify(CONTENT_FILTER_RESPONSE),
        ),
      ],
    },
  ]);
}

/** The variable llm-token-limit leaves the tokens left of the monthly quota in. */
export const QUOTA_REMAINING_VARIABLE = "remainingQuotaTokens";

/** The custom metric of the share of a monthly token quota used, per team and calling application. */
export const QUOTA_USED_METRIC = "Token quota used percent";

/** Emits the share of the quota the counter has used (0-100), with the team and the calling application. */
function quotaUsedMetric(quota: number): PolicyNode {
  return emitMetric({
    name: QUOTA_USED_METRIC,
    namespace: METRIC_NAMESPACE,
    value: expression(
      `100.0 - 100.0 * Convert.ToDouble(context.Variables.GetValueOrDefault<object>(${csString(QUOTA_REMAINING_VARIABLE)}, ${quota})) / ${quota}`,
    ),
    dimensions: [
      { name: "Team", value: expression(variable("team")) },
      { name: "Client", value: expression(variable("caller")) },
    ],
  });
}

/** Every member of the slot's pool tripped (or still saturated after the retries): 429 with Retry-After, never a bare 503. */
function busyInsteadOf503(retryAfterSeconds: number): PolicyNode {
  return choose([
    {
      condition: expression("context.Response != null && context.Response.StatusCode == 503"),
      then: [
        jsonError(
          429,
          "Too Many Requests",
          "AllBackendsBusy",
          "Every backend of this endpoint is busy; retry after the Retry-After interval",
          [setHeader("Retry-After", "override", String(retryAfterSeconds))],
        ),
      ],
    },
  ]);
}

export function apiPolicy(spec: ApiPolicySpec): PolicyDocument {
  const known = spec.endpoints.map((e) => e.endpoint);
  const forward = forwardRequest({ bufferRequestBody: true, bufferResponse: false });
  const count = retryCount(spec.endpoints);
  return {
    inbound: [
      ...identifyTeam(spec),
      // A client's key never reaches a backend: the gateway authenticates with its own identity.
      setHeader("api-key", "delete"),
      setVariable("endpoint", expression(ENDPOINT_OF_REQUEST)),
      ...adapterNames(spec.endpoints),
      choose(
        spec.endpoints.map((e) => ({
          condition: expression(`${variable("endpoint")} == ${csString(e.endpoint)}`),
          then: endpointRouting(e, spec.identityClientId),
        })),
        [jsonError(404, "Not Found", "UnknownEndpoint", `This gateway serves: ${known.join(", ")}`)],
      ),
      // Who called which endpoint and slot, in the gateway log (the audit trail joins it to the LLM log).
      trace({
        source: TRACE_SOURCE,
        severity: "information",
        message: expression(`"model call: team " + ${variable("team")} + ", endpoint " + ${variable("endpoint")}`),
        metadata: TRACE_METADATA.map((name) => ({
          name,
          value: expression(variable(name)),
        })),
      }),
      teamLimits(spec),
      ...piiCheck(spec),
      ...contentCheck(spec),
      ...backendPath(),
      llmEmitTokenMetric(METRIC_NAMESPACE, [
        { name: "API ID" },
        { name: "Team", value: expression(variable("team")) },
        { name: "Client", value: expression(variable("caller")) },
        { name: "Endpoint", value: expression(variable("endpoint")) },
        { name: "Slot", value: expression(variable("slot")) },
      ]),
    ],
    // 429 and 503 from a member move to the pool's next member; the gateway's own 429 (token limit)
    // happens inbound and never reaches this retry. A pool whose every member is tripped does not answer
    // 503 to this retry: forward-request raises an error, the retry stops and on-error turns it into the
    // 429 with Retry-After (the structure of Azure-Samples/Apim-Samples' load-balancing policies). Telling
    // that 503 apart by its reason text is what Azure-Samples/AI-Gateway#262 (2026-01) retired: the text changed.
    backend:
      count > 0
        ? [
            retry(
              {
                condition: expression("context.Response.StatusCode == 429 || context.Response.StatusCode == 503"),
                count,
              },
              [forward],
            ),
          ]
        : [forward],
    outbound: [
      busyInsteadOf503(spec.retryAfterSeconds),
      setHeader("x-genai-slot", "override", expression(variable("slot"))),
      setHeader("x-genai-backend", "override", expression("context.Request.Url.Host")),
    ],
    onError: [
      ...(spec.contentSafety && spec.contentSafety.routes.length > 0 ? [contentRefusal()] : []),
      busyInsteadOf503(spec.retryAfterSeconds),
    ],
  };
}

/**
 * The policy of the chat-completions operations when the semantic cache is on: after the API policy
 * (`<base />`: identity, limits, routing), a prompt close to a cached one (same endpoint, same team) is
 * answered from the cache; a miss passes a per-team call limit before any backend, so a cache outage
 * cannot flood them; answers are stored for the TTL.
 */
export function chatCachePolicy(cache: CachePolicySpec): PolicyDocument {
  if (!(cache.scoreThreshold > 0 && cache.scoreThreshold <= MAX_CACHE_SCORE_THRESHOLD))
    throw new Error(`score threshold ${cache.scoreThreshold} is outside (0, ${MAX_CACHE_SCORE_THRESHOLD}]`);
  return {
    inbound: [
      llmSemanticCacheLookup({
        scoreThreshold: cache.scoreThreshold,
        embeddingsBackendId: cache.embeddingsBackendId,
        // An adapter answers differently from its base model: a prompt is matched within the name called.
        varyBy: [expression(variable("endpoint")), expression(variable("adapter")), expression(variable("team"))],
      }),
      rateLimitByKey({
        calls: cache.callsPerMinute,
        renewalPeriodSeconds: 60,
        counterKey: expression(`"cache-miss-" + ${variable("team")}`),
      }),
    ],
    backend: [],
    outbound: [llmSemanticCacheStore(cache.ttlSeconds)],
    onError: [],
  };
}

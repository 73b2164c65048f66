// The policy of the gateway's model API: who may call, how many tokens, which slot and pool serve the
// call, how the backend is authenticated and retried, and what the response tells the client.
// Pure: it builds a policy document from the routes; the gateway component renders and deploys it.
import {
  authenticationManagedIdentity,
  choose,
  csString,
  expression,
  forwardRequest,
  llmEmitTokenMetric,
  llmTokenLimit,
  retry,
  returnResponse,
  setBackendService,
  setHeader,
  setVariable,
  validateAzureAdToken,
  type PolicyDocument,
  type PolicyNode,
} from "./policyXml";

/** Entra ID's resource for Azure OpenAI data-plane tokens. */
export const COGNITIVE_SERVICES_RESOURCE = "https://cognitiveservices.azure.com";

/** A slot of an endpoint as the gateway routes it: its weight and its own backend pool. */
export interface SlotRoute {
  readonly slot: "blue" | "green";
  readonly weight: number;
  /** The backend id of the slot's pool. */
  readonly poolId: string;
  /** How many backends the pool holds (a retry can try each once). */
  readonly members: number;
}

export interface EndpointRoute {
  /** The name clients call: the deployment id in the Azure OpenAI path, `model` in the v1 body. */
  readonly endpoint: string;
  readonly slots: readonly SlotRoute[];
}

export interface ApiPolicySpec {
  /** `azure-openai`: /openai/deployments/{endpoint}/...; `v1`: /openai/v1/... with the endpoint as `model`. */
  readonly shape: "azure-openai" | "v1";
  readonly tenantId: string;
  readonly audiences: readonly string[];
  readonly clientApplicationIds: readonly string[];
  /** Tokens per minute per calling application. */
  readonly tokensPerMinute: number;
  /** Tokens per calling application per month, if capped. */
  readonly monthlyTokenQuota?: number;
  /** The gateway identity's client id, as a named-value reference (`{{...}}`). */
  readonly identityClientId: string;
  readonly endpoints: readonly EndpointRoute[];
}

const JWT = "jwt";
/** The calling application: `appid` (v1 tokens) or `azp` (v2 tokens). */
const CALLER = `((Jwt)context.Variables[${csString(JWT)}]).Claims.GetValueOrDefault("appid", ((Jwt)context.Variables[${csString(JWT)}]).Claims.GetValueOrDefault("azp", "unknown"))`;
const variable = (name: string) => `context.Variables.GetValueOrDefault<string>(${csString(name)}, "")`;

/** Where the endpoint name is in a request of each shape. */
const ENDPOINT_OF: Readonly<Record<ApiPolicySpec["shape"], string>> = {
  "azure-openai": `context.Request.MatchedParameters.GetValueOrDefault("deployment-id", "")`,
  v1: `(string)(context.Request.Body?.As<JObject>(preserveContent: true)?["model"]) ?? ""`,
};

/**
 * The C# expression that picks a live slot from the request's draw (0..99, in variable `draw`) against
 * the cumulative weights, so an endpoint at blue 90 / green 10 sends about one call in ten to green.
 */
export function slotDraw(slots: readonly SlotRoute[]): string {
  const live = slots.filter((s) => s.weight > 0);
  if (live.length === 0) throw new Error("an endpoint needs a slot with weight above 0");
  let cumulative = 0;
  const branches = live.slice(0, -1).map((s) => `(int)context.Variables["draw"] < ${(cumulative += s.weight)} ? ${csString(s.slot)} : `);
  return expression(`${branches.join("")}${csString(live[live.length - 1]!.slot)}`);
}

function endpointRouting(route: EndpointRoute): PolicyNode[] {
  const live = route.slots.filter((s) => s.weight > 0);
  return [
    ...(live.length > 1 ? [setVariable("draw", expression("new Random().Next(100)"))] : []),
    setVariable("slot", slotDraw(route.slots)),
    choose(live.map((s) => ({ condition: expression(`${variable("slot")} == ${csString(s.slot)}`), then: [setBackendService(s.poolId)] }))),
  ];
}

/** The most members any pool has, minus one: a retry tries each other member once. */
export function retryCount(endpoints: readonly EndpointRoute[]): number {
  return Math.max(0, ...endpoints.flatMap((e) => e.slots.filter((s) => s.weight > 0).map((s) => s.members - 1)));
}

export function apiPolicy(spec: ApiPolicySpec): PolicyDocument {
  const known = spec.endpoints.map((e) => e.endpoint);
  const forward = forwardRequest({ bufferRequestBody: true, bufferResponse: false });
  const count = retryCount(spec.endpoints);
  return {
    inbound: [
      validateAzureAdToken({ tenantId: spec.tenantId, audiences: spec.audiences, clientApplicationIds: spec.clientApplicationIds, tokenVariable: JWT }),
      // A client's key never reaches a backend: the gateway authenticates with its own identity.
      setHeader("api-key", "delete"),
      setVariable("endpoint", expression(ENDPOINT_OF[spec.shape])),
      llmTokenLimit({
        counterKey: expression(CALLER),
        tokensPerMinute: spec.tokensPerMinute,
        ...(spec.monthlyTokenQuota ? { tokenQuota: { tokens: spec.monthlyTokenQuota, period: "Monthly" as const } } : {}),
      }),
      choose(
        spec.endpoints.map((e) => ({ condition: expression(`${variable("endpoint")} == ${csString(e.endpoint)}`), then: endpointRouting(e) })),
        [returnResponse(404, "Unknown model endpoint", [setHeader("Content-Type", "override", "application/json")], JSON.stringify({ error: { code: "UnknownEndpoint", message: `This gateway serves: ${known.join(", ")}` } }))],
      ),
      authenticationManagedIdentity(COGNITIVE_SERVICES_RESOURCE, spec.identityClientId),
      llmEmitTokenMetric("genai-gateway", [
        { name: "API ID" },
        { name: "Client", value: expression(CALLER) },
        { name: "Endpoint", value: expression(variable("endpoint")) },
        { name: "Slot", value: expression(variable("slot")) },
      ]),
    ],
    // 429 and 503 from a member move to the pool's next member; the gateway's own 429 (token limit)
    // happens inbound and never reaches this retry.
    backend: count > 0 ? [retry({ condition: expression("context.Response.StatusCode == 429 || context.Response.StatusCode == 503"), count }, [forward])] : [forward],
    outbound: [setHeader("x-genai-slot", "override", expression(variable("slot"))), setHeader("x-genai-backend", "override", expression("context.Request.Url.Host"))],
    onError: [],
  };
}

// A typed builder for API Management policy documents. Each function returns one policy element with
// the attributes API Management documents for it; `renderPolicy` turns a document into XML through an
// XML library, which escapes every attribute and text (policy expressions hold `&&`, `<` and quotes).
import { renderXml, type XmlNode } from "../core/xml";

/** One element of a policy document. */
export type PolicyNode = XmlNode;

/** The four sections of a policy document; `<base />` comes first in each, so product and global policies run. */
export interface PolicyDocument {
  readonly inbound: readonly PolicyNode[];
  readonly backend: readonly PolicyNode[];
  readonly outbound: readonly PolicyNode[];
  readonly onError: readonly PolicyNode[];
}

const node = (
  tag: string,
  attributes: PolicyNode["attributes"] = {},
  children: readonly PolicyNode[] = [],
): PolicyNode => ({ tag, attributes, children });

/** A C# policy expression: `@(...)`. */
export const expression = (code: string): string => `@(${code})`;

/** A C# string literal for use inside an expression. */
export const csString = (value: string): string => JSON.stringify(value);

export const base = (): PolicyNode => node("base");

/**
 * The message of the gateway's own 401 when a caller has no valid Entra ID token: a smoke test tells the
 * gateway's refusal from a backend's 401 by it (the body is `{"statusCode":401,"message":...}`).
 */
export const ENTRA_ID_REFUSAL =
  "The gateway requires an Entra ID token for its audience from an allowed client application.";

/** Entra ID tokens only: issuer tenant, audiences and the client applications allowed to call. */
export function validateAzureAdToken(spec: {
  tenantId: string;
  audiences: readonly string[];
  clientApplicationIds: readonly string[];
  tokenVariable: string;
}): PolicyNode {
  return node(
    "validate-azure-ad-token",
    {
      "tenant-id": spec.tenantId,
      "header-name": "Authorization",
      "failed-validation-httpcode": 401,
      "failed-validation-error-message": ENTRA_ID_REFUSAL,
      "output-token-variable-name": spec.tokenVariable,
    },
    [
      // API Management wants the children in its documented order: client applications, then audiences.
      node(
        "client-application-ids",
        {},
        spec.clientApplicationIds.map((id) => ({ tag: "application-id", text: id })),
      ),
      node(
        "audiences",
        {},
        spec.audiences.map((a) => ({ tag: "audience", text: a })),
      ),
    ],
  );
}

export function setHeader(name: string, action: "override" | "delete" | "skip" | "append", value?: string): PolicyNode {
  return node(
    "set-header",
    { name, "exists-action": action },
    value === undefined ? [] : [{ tag: "value", text: value }],
  );
}

export function setVariable(name: string, value: string): PolicyNode {
  return node("set-variable", { name, value });
}

/** Tokens per minute (429 over the rate) and an optional quota per period (403 when spent), per counter key. */
export function llmTokenLimit(spec: {
  counterKey: string;
  tokensPerMinute: number;
  tokenQuota?: {
    tokens: number;
    period: "Hourly" | "Daily" | "Weekly" | "Monthly" | "Yearly";
    /** The variable that receives the tokens left of the quota (the quota's metric reads it). */
    remainingVariable: string;
  };
}): PolicyNode {
  return node("llm-token-limit", {
    "counter-key": spec.counterKey,
    "tokens-per-minute": spec.tokensPerMinute,
    ...(spec.tokenQuota
      ? {
          "token-quota": spec.tokenQuota.tokens,
          "token-quota-period": spec.tokenQuota.period,
          // The client reads what is left of its quota; the policy counts it as a share used.
          "remaining-quota-tokens-header-name": "x-ratelimit-remaining-quota-tokens",
          "remaining-quota-tokens-variable-name": spec.tokenQuota.remainingVariable,
        }
      : {}),
    // Streamed requests carry no usage until the end: the limit counts estimated prompt tokens up front.
    "estimate-prompt-tokens": true,
    "remaining-tokens-header-name": "x-ratelimit-remaining-tokens",
    "retry-after-header-name": "Retry-After",
  });
}

/** Token usage as custom metrics (App Insights), with at most five custom dimensions. */
export function llmEmitTokenMetric(
  namespace: string,
  dimensions: readonly { name: string; value?: string }[],
): PolicyNode {
  if (dimensions.length > 5)
    throw new Error(`llm-emit-token-metric takes at most 5 custom dimensions, got ${dimensions.length}`);
  return node(
    "llm-emit-token-metric",
    { namespace },
    dimensions.map((d) => ({ tag: "dimension", attributes: { name: d.name, ...(d.value ? { value: d.value } : {}) } })),
  );
}

/**
 * Checks the prompt (and, in inbound, the completion) with Azure AI Content Safety through `backendId`:
 * a category at or above its threshold (FourSeverityLevels: 0, 2, 4, 6) or, with Prompt Shields, an
 * attack blocks the request with an error (the on-error section answers it).
 */
export function llmContentSafety(spec: {
  backendId: string;
  shieldPrompt: boolean;
  enforceOnCompletions: boolean;
  thresholds: Readonly<Record<string, number>>;
}): PolicyNode {
  return node(
    "llm-content-safety",
    {
      "backend-id": spec.backendId,
      "shield-prompt": spec.shieldPrompt,
      "enforce-on-completions": spec.enforceOnCompletions,
    },
    [
      node(
        "categories",
        { "output-type": "FourSeverityLevels" },
        Object.entries(spec.thresholds).map(([name, threshold]) => node("category", { name, threshold })),
      ),
    ],
  );
}

/** A custom metric (App Insights) with its value and up to five dimensions. */
export function emitMetric(spec: {
  name: string;
  namespace: string;
  /** A number, or a policy expression that yields one. */
  value: number | string;
  dimensions: readonly { name: string; value: string }[];
}): PolicyNode {
  if (spec.dimensions.length > 5)
    throw new Error(`emit-metric takes at most 5 custom dimensions, got ${spec.dimensions.length}`);
  return node(
    "emit-metric",
    { name: spec.name, namespace: spec.namespace, value: spec.value },
    spec.dimensions.map((d) => node("dimension", { name: d.name, value: d.value })),
  );
}

/** A trace record (resource logs, Application Insights): a message and named values, at `severity`. */
export function trace(spec: {
  source: string;
  severity: "verbose" | "information" | "error";
  message: string;
  metadata: readonly { name: string; value: string }[];
}): PolicyNode {
  return node("trace", { source: spec.source, severity: spec.severity }, [
    { tag: "message", text: spec.message },
    ...spec.metadata.map((m) => node("metadata", { name: m.name, value: m.value })),
  ]);
}

/**
 * A call of its own (not the backend's): POST of `body` to `url` with the gateway identity's token for
 * `resource`; its response in `responseVariable`. With `ignoreError`, a failed call leaves the variable
 * unset instead of raising an error (the policy decides what a failure means).
 */
export function sendRequest(spec: {
  url: string;
  body: string;
  responseVariable: string;
  timeoutSeconds: number;
  ignoreError: boolean;
  resource: string;
  clientId: string;
}): PolicyNode {
  return node(
    "send-request",
    {
      mode: "new",
      "response-variable-name": spec.responseVariable,
      timeout: spec.timeoutSeconds,
      "ignore-error": spec.ignoreError,
    },
    [
      { tag: "set-url", text: spec.url },
      { tag: "set-method", text: "POST" },
      setHeader("Content-Type", "override", "application/json"),
      { tag: "set-body", text: spec.body },
      authenticationManagedIdentity(spec.resource, spec.clientId),
    ],
  );
}

/** Replaces the request (inbound) or response (outbound) body. */
export function setBody(value: string): PolicyNode {
  return { tag: "set-body", text: value };
}

/** Calls the backend with the gateway's managed identity (a user-assigned one by client id). */
export function authenticationManagedIdentity(resource: string, clientId?: string): PolicyNode {
  return node("authentication-managed-identity", { resource, ...(clientId ? { "client-id": clientId } : {}) });
}

export function setBackendService(backendId: string): PolicyNode {
  return node("set-backend-service", { "backend-id": backendId });
}

/** `choose` with `when` branches in order and an optional `otherwise`. */
export function choose(
  whens: readonly { condition: string; then: readonly PolicyNode[] }[],
  otherwise?: readonly PolicyNode[],
): PolicyNode {
  return node("choose", {}, [
    ...whens.map((w) => node("when", { condition: w.condition }, w.then)),
    ...(otherwise ? [node("otherwise", {}, otherwise)] : []),
  ]);
}

/** Forwards to the backend; the request body is buffered so a retry can send it again; responses stream. */
export function forwardRequest(spec: {
  bufferRequestBody: boolean;
  bufferResponse: boolean;
  timeoutSeconds?: number;
}): PolicyNode {
  return node("forward-request", {
    ...(spec.timeoutSeconds ? { timeout: spec.timeoutSeconds } : {}),
    "buffer-request-body": spec.bufferRequestBody,
    "buffer-response": spec.bufferResponse,
  });
}

/** Retries `body` while `condition` holds: `count` more times, at once (clients' SDKs already back off). */
export function retry(spec: { condition: string; count: number }, body: readonly PolicyNode[]): PolicyNode {
  return node("retry", { condition: spec.condition, count: spec.count, interval: 0, "first-fast-retry": true }, body);
}

export function returnResponse(
  status: number,
  reason: string,
  headers: readonly PolicyNode[] = [],
  body?: string,
): PolicyNode {
  return node("return-response", {}, [
    node("set-status", { code: status, reason }),
    ...headers,
    ...(body === undefined ? [] : [{ tag: "set-body", text: body }]),
  ]);
}

/** The document as API Management reads it, `<base />` first in every section but a backend that forwards itself. */
export function renderPolicy(document: PolicyDocument): string {
  const sections: [string, readonly PolicyNode[]][] = [
    ["inbound", document.inbound],
    ["backend", document.backend],
    ["outbound", document.outbound],
    ["on-error", document.onError],
  ];
  const root: PolicyNode = {
    tag: "policies",
    // A backend section that forwards itself must not also run the global forward-request in <base />.
    children: sections.map(([name, nodes]) => ({
      tag: name,
      children: name === "backend" && nodes.length > 0 ? nodes : [base(), ...nodes],
    })),
  };
  return renderXml(root);
}

/** Calls per renewal period per key (the cache's miss path, so a cache outage cannot flood the backends). */
export function rateLimitByKey(spec: { calls: number; renewalPeriodSeconds: number; counterKey: string }): PolicyNode {
  return node("rate-limit-by-key", {
    calls: spec.calls,
    "renewal-period": spec.renewalPeriodSeconds,
    "counter-key": spec.counterKey,
    "retry-after-header-name": "Retry-After",
  });
}

/** Answers a prompt from the semantic cache when a stored one is within `scoreThreshold`; partitioned by `varyBy`. */
export function llmSemanticCacheLookup(spec: {
  scoreThreshold: number;
  embeddingsBackendId: string;
  varyBy: readonly string[];
}): PolicyNode {
  return node(
    "llm-semantic-cache-lookup",
    {
      "score-threshold": spec.scoreThreshold,
      "embeddings-backend-id": spec.embeddingsBackendId,
      "embeddings-backend-auth": "system-assigned",
    },
    spec.varyBy.map((v) => ({ tag: "vary-by", text: v })),
  );
}

export function llmSemanticCacheStore(durationSeconds: number): PolicyNode {
  return node("llm-semantic-cache-store", { duration: durationSeconds });
}

/** Rewrites the path sent to the backend; the client's query string is kept. */
export function rewriteUri(template: string): PolicyNode {
  return node("rewrite-uri", { template, "copy-unmatched-params": true });
}

export function setQueryParameter(name: string, action: "override" | "skip" | "delete", value?: string): PolicyNode {
  return node(
    "set-query-parameter",
    { name, "exists-action": action },
    value === undefined ? [] : [{ tag: "value", text: value }],
  );
}

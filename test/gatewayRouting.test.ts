// Client-shaped requests through the rendered API policy: an interpreter walks the parsed XML (the
// weighted slot draw, the pool chosen per slot, priorities and breakers, retry) and fails on any
// element or expression it does not model, so a policy change it cannot follow breaks this test. It
// reads the document through the policy pack's own model (policies/policyDocument.ts), the one the
// pack's effective-policy rules walk.
import { describe, expect, it } from "vitest";
import { readPolicyDocument, type PolicyElement } from "../policies/policyDocument";
import {
  apiPolicy,
  CONTENT_FILTER_RESPONSE,
  ENDPOINT_OF_REQUEST,
  ADAPTER_BODY_EXPRESSION,
  ADAPTER_VARIABLE,
  type ApiPolicySpec,
} from "../components/gateway/apiPolicy";
import { piiRoutes, safetyRoutes, type EndpointSafety } from "../components/safety/config";
import {
  LANGUAGE_ENDPOINT_VALUE,
  PII_REDACTED_BODY_EXPRESSION,
  PII_REQUEST_EXPRESSION,
  PII_STATUS_EXPRESSION,
  PII_NOTHING,
  PII_OVER_LIMITS,
  PII_VARIABLES,
  piiDocuments,
  promptTexts,
} from "../components/safety/pii";
import { DATA_PLANE_API_VERSION } from "../components/openai/apiVersions";
import { poolSpecs, type PoolSpec, type TargetRef } from "../components/gateway/backends";
import { renderPolicy } from "../components/gateway/policyXml";
import { endpointRoutes } from "../components/gateway/routes";

/** An Azure OpenAI target, as routing sees it. */
const AOAI = { kind: "azure-openai" as const };

interface Request {
  /** The URL shape: the Azure OpenAI path names the endpoint as deployment id, v1 as `model` in the body. */
  readonly shape: "azure-openai" | "v1";
  readonly operation?: "chat-completions" | "completions" | "embeddings";
  readonly endpoint: string;
  /** The app id in the caller's Entra ID token (entra-id API) or the product of its key (keyed API). */
  readonly callerApp: string;
  readonly draw: number;
  readonly apiKey?: string;
  readonly query?: Readonly<Record<string, string>>;
  /** The request's JSON body (the PII check reads its texts). */
  readonly body?: unknown;
  /** What Azure AI Content Safety finds in the prompt: each category's severity (0, 2, 4, 6) and attacks. */
  readonly content?: { readonly severities?: Readonly<Record<string, number>>; readonly attack?: boolean };
}

interface World {
  readonly pools: readonly PoolSpec[];
  /** Backends whose breaker is open. */
  readonly tripped: ReadonlySet<string>;
  /** Backends that answer 429 (saturated) when called. */
  readonly saturated: ReadonlySet<string>;
  /** Token-limit counters that are spent (the gateway's own 429). */
  readonly spentCounters?: ReadonlySet<string>;
  /** Counters whose monthly quota is spent (the gateway's own 403). */
  readonly spentQuotas?: ReadonlySet<string>;
  /** Azure AI Language's PII detection: what it finds (absent: the service does not answer), or its error status. */
  readonly pii?: { readonly find: RegExp; readonly status?: number };
  /** Backends that fail with 503 (a vLLM server restarting): their breaker trips on 5xx. */
  readonly failing?: ReadonlySet<string>;
}

interface Outcome {
  status: number;
  slot?: string;
  backend?: string;
  tried: string[];
  headers: Record<string, string>;
  auth?: string;
  /** The path and query the backend receives (after its pinned /openai/deployments/<name>). */
  path?: string;
  query: Record<string, string>;
  body?: string;
  /** The thresholds of the content checks that ran (by category), in order. */
  checked: Record<string, number>[];
  /** The metadata of each trace record the policy wrote (the audit trail's who and what). */
  traces: Record<string, string>[];
  /** The body the backend receives, when the policy replaced it (the PII check's masking). */
  requestBody?: unknown;
  /** The analyze-text requests the policy sent (parsed). */
  piiRequests: unknown[];
  /** Custom metrics emitted with emit-metric: name and dimensions. */
  metrics: { name: string; dimensions: Record<string, string> }[];
}

const attr = (n: PolicyElement, name: string) => n.attributes[name];
const textOf = (n: PolicyElement) => n.text ?? "";
const VAR = /^context\.Variables\.GetValueOrDefault<string>\("(\w+)", ""\)$/;

/** The request's body as the policy left it so far (a set-body replaced it) or as the client sent it. */
function outcomeBody(request: Request, vars: Map<string, unknown>): unknown {
  return vars.get("@body") ?? request.body;
}

/** The PII check's C# blocks, as TypeScript that does what each says (components/safety/pii.ts). */
function evaluatePii(code: string, request: Request, vars: Map<string, unknown>): unknown {
  if (code === PII_REQUEST_EXPRESSION) {
    const documents = piiDocuments(promptTexts(request.body));
    if (!Array.isArray(documents)) return documents;
    return JSON.stringify({
      kind: "PiiEntityRecognition",
      parameters: { modelVersion: "latest" },
      analysisInput: { documents: documents.map((text, i) => ({ id: String(i), language: "en", text })) },
    });
  }
  if (code === PII_STATUS_EXPRESSION) {
    const sent = String(vars.get(PII_VARIABLES.request) ?? "");
    if (sent === PII_NOTHING) return "clean";
    if (sent === PII_OVER_LIMITS) return "unchecked";
    const response = vars.get(PII_VARIABLES.response) as
      { status: number; documents: { entities: unknown[]; redactedText: string }[] } | undefined;
    if (!response || response.status !== 200) return "failed";
    const length = (texts: string[]) => texts.reduce((sum, t) => sum + t.length, 0);
    const sentTexts = JSON.parse(sent).analysisInput.documents.map((d: { text: string }) => d.text);
    if (length(response.documents.map((d) => d.redactedText)) !== length(sentTexts)) return "failed";
    return response.documents.some((d) => d.entities.length > 0) ? "found" : "clean";
  }
  if (code === ADAPTER_BODY_EXPRESSION)
    return { ...((outcomeBody(request, vars) as object) ?? {}), model: vars.get(ADAPTER_VARIABLE) };
  if (code === PII_REDACTED_BODY_EXPRESSION) {
    const response = vars.get(PII_VARIABLES.response) as { documents: { id: string; redactedText: string }[] };
    const masked = [...response.documents]
      .sort((a, b) => Number(a.id) - Number(b.id))
      .map((d) => d.redactedText)
      .join("");
    const body = structuredClone(outcomeBody(request, vars)) as Record<string, any>;
    let offset = 0;
    const next = (text: string) => {
      const part = masked.slice(offset, offset + text.length);
      offset += text.length + 1;
      return part;
    };
    for (const m of Array.isArray(body.messages) ? body.messages : []) {
      if (typeof m.content === "string") m.content = next(m.content);
      else if (Array.isArray(m.content))
        for (const part of m.content)
          if (part.type === "text" && typeof part.text === "string") part.text = next(part.text);
    }
    for (const key of ["prompt", "input"]) {
      if (typeof body[key] === "string") body[key] = next(body[key]);
      else if (Array.isArray(body[key]))
        body[key] = body[key].map((item: unknown) => (typeof item === "string" ? next(item) : item));
    }
    return body;
  }
  const starts = code.match(/^@\((.*)\.StartsWith\("\{"\)\)$/s);
  if (starts && VAR.test(starts[1]!)) return String(evaluate(`@(${starts[1]})`, request, vars)).startsWith("{");
  return undefined;
}

/** Evaluates the C# expressions the policy uses; anything else is an error. */
function evaluate(code: string, request: Request, vars: Map<string, unknown>, response?: number): unknown {
  const pii = evaluatePii(code, request, vars);
  if (pii !== undefined) return pii;
  const expr = code.replace(/^@\((.*)\)$/s, "$1").trim();
  let m: RegExpMatchArray | null;
  if ((m = expr.match(/^"([^"]*)"$/))) return m[1];
  if (expr === ENDPOINT_OF_REQUEST) return request.endpoint;
  if (expr === "new Random().Next(100)") return request.draw;
  if (expr.startsWith("((Jwt)context.Variables[")) return request.callerApp;
  if (expr === "context.Subscription.Id") return `subscription-of-${request.callerApp}`;
  if (expr === `context.Product?.Id ?? ""`) return request.callerApp;
  if (expr === "context.Request.Url.Host") return vars.get("@backend");
  if (expr === "context.LastError.Reason") return vars.get("@lastErrorReason");
  if ((m = expr.match(VAR))) return vars.get(m[1]!) ?? "";
  if ((m = expr.match(/^"([^"]*)" \+ (.*)$/s))) return `${m[1]}${evaluate(m[2]!, request, vars)}`;
  if ((m = expr.match(/^(.*) == "([^"]*)"$/s)) && VAR.test(m[1]!)) return evaluate(m[1]!, request, vars) === m[2];
  if ((m = expr.match(/^(.*) != "([^"]*)"$/s)) && VAR.test(m[1]!)) return evaluate(m[1]!, request, vars) !== m[2];
  // `a == "x" || b == "y"`: each side one of the comparisons above.
  const sides = expr.split(" || ");
  if (sides.length > 1 && sides.every((side) => VAR.test(side.replace(/ == "[^"]*"$/, ""))))
    return sides.some((side) => evaluate(side, request, vars) === true);
  if ((m = expr.match(/^(!?)new \[\] \{ (.*) \}\.Contains\((.*)\)$/s))) {
    const members = [...m[2]!.matchAll(/"([^"]*)"/g)].map((x) => x[1]);
    return members.includes(String(evaluate(m[3]!, request, vars))) !== (m[1] === "!");
  }
  if ((m = expr.match(/^context\.Operation\.Id == "([\w-]+)" \|\| context\.Operation\.Id == "([\w-]+)"$/))) {
    const id =
      request.shape === "v1"
        ? `v1-${request.operation ?? "chat-completions"}`
        : (request.operation ?? "chat-completions");
    return id === m[1] || id === m[2];
  }
  if ((m = expr.match(/^\(int\)context\.Variables\["draw"\] < (\d+) \? "(\w+)" : (.*)$/s)))
    return (vars.get("draw") as number) < Number(m[1]) ? m[2] : evaluate(m[3]!, request, vars, response);
  if (expr === "context.Response.StatusCode == 429 || context.Response.StatusCode == 503")
    return response === 429 || response === 503;
  if (expr === "context.Response != null && context.Response.StatusCode == 503") return response === 503;
  throw new Error(`the interpreter does not model the expression ${expr}`);
}

function run(xml: string, request: Request, world: World): Outcome {
  const doc = readPolicyDocument(xml);
  if ("problem" in doc) throw new Error(doc.problem);
  const section = (name: "inbound" | "backend" | "outbound") => doc.sections[name];
  const vars = new Map<string, unknown>();
  const outcome: Outcome = {
    status: 0,
    tried: [],
    headers: {},
    query: { ...request.query },
    checked: [],
    metrics: [],
    traces: [],
    piiRequests: [],
  };
  let backendId: string | undefined;
  let stopped = false;

  const respond = (n: PolicyElement) => {
    const children = n.children;
    outcome.status = Number(
      attr(
        children.find((c) => c.tag === "set-status")!,
        "code",
      ),
    );
    for (const h of children.filter((c) => c.tag === "set-header"))
      outcome.headers[attr(h, "name")!] = textOf(h.children.find((c) => c.tag === "value")!);
    const body = children.find((c) => c.tag === "set-body");
    if (body) outcome.body = textOf(body);
    stopped = true;
  };
  const branchOf = (n: PolicyElement, response?: number) =>
    n.children.find((w) => w.tag === "otherwise" || evaluate(attr(w, "condition")!, request, vars, response) === true);

  // A custom metric: its name and dimensions (its value is API Management's arithmetic, not modelled).
  const emitted = (n: PolicyElement) =>
    outcome.metrics.push({
      name: attr(n, "name")!,
      dimensions: Object.fromEntries(
        n.children.map((d) => {
          const value = attr(d, "value")!;
          return [attr(d, "name")!, String(value.startsWith("@(") ? evaluate(value, request, vars) : value)];
        }),
      ),
    });
  // An error (a refused content check) jumps to on-error; without an answer there, the check's own 403.
  const onError = (nodes: readonly PolicyElement[]): void => {
    for (const n of nodes) {
      if (stopped) return;
      if (n.tag === "base") continue;
      else if (n.tag === "choose") {
        const branch = branchOf(n);
        if (branch) onError(branch.children);
      } else if (n.tag === "emit-metric") emitted(n);
      else if (n.tag === "return-response") respond(n);
      else throw new Error(`the interpreter does not model the on-error element <${n.tag}>`);
    }
  };
  const contentCheck = (n: PolicyElement): void => {
    const categories = n.children.find((c) => c.tag === "categories")!;
    if (attr(categories, "output-type") !== "FourSeverityLevels")
      throw new Error("the interpreter models FourSeverityLevels");
    const thresholds = Object.fromEntries(
      categories.children.map((c) => [attr(c, "name")!, Number(attr(c, "threshold"))]),
    );
    outcome.checked.push(thresholds);
    const harmful = Object.entries(request.content?.severities ?? {}).some(
      ([category, severity]) => thresholds[category] !== undefined && severity >= thresholds[category]!,
    );
    const attack = attr(n, "shield-prompt") === "true" && request.content?.attack === true;
    if (!harmful && !attack) return;
    // The reason API Management gives the error is not documented: the model names it.
    vars.set("@lastErrorReason", attack ? "modelled-attack" : "modelled-harm");
    onError(doc.sections["on-error"]);
    if (!stopped) {
      outcome.status = 403;
      stopped = true;
    }
  };
  const inbound = (nodes: readonly PolicyElement[]): void => {
    for (const n of nodes) {
      if (stopped) return;
      const tag = n.tag;
      if (tag === "base" || tag === "llm-emit-token-metric") continue;
      else if (tag === "llm-content-safety") contentCheck(n);
      else if (tag === "send-request") {
        // Only the PII check calls out: Azure AI Language with the gateway identity's token.
        const url = textOf(n.children.find((c) => c.tag === "set-url")!);
        if (!url.startsWith(`{{${LANGUAGE_ENDPOINT_VALUE}}}language/:analyze-text`))
          throw new Error(`the interpreter models send-request to Azure AI Language only, not ${url}`);
        expect(n.children.find((c) => c.tag === "authentication-managed-identity")?.attributes.resource).toBe(
          "https://cognitiveservices.azure.com",
        );
        const sent = JSON.parse(String(evaluate(textOf(n.children.find((c) => c.tag === "set-body")!), request, vars)));
        outcome.piiRequests.push(sent);
        const service = world.pii;
        if (service)
          vars.set(attr(n, "response-variable-name")!, {
            status: service.status ?? 200,
            documents: sent.analysisInput.documents.map((d: { id: string; text: string }) => ({
              id: d.id,
              entities: d.text.match(new RegExp(service.find.source, "g")) ?? [],
              redactedText: d.text.replace(new RegExp(service.find.source, "g"), (found) => "*".repeat(found.length)),
            })),
          });
      } else if (tag === "set-body") {
        outcome.requestBody = evaluate(textOf(n), request, vars);
        vars.set("@body", outcome.requestBody);
      } else if (tag === "emit-metric") emitted(n);
      else if (tag === "trace")
        outcome.traces.push(
          Object.fromEntries(
            n.children
              .filter((c) => c.tag === "metadata")
              .map((c) => [attr(c, "name")!, String(evaluate(attr(c, "value")!, request, vars))]),
          ),
        );
      else if (tag === "validate-azure-ad-token") {
        const apps = n.children
          .filter((c) => c.tag === "client-application-ids")
          .flatMap((c) => c.children.map(textOf));
        if (!apps.includes(request.callerApp)) {
          outcome.status = 401;
          stopped = true;
        }
      } else if (tag === "llm-token-limit") {
        const key = attr(n, "counter-key")!;
        const counter = key.startsWith("@(") ? String(evaluate(key, request, vars)) : key;
        // A spent monthly quota: 403 until the period ends (Microsoft Learn, llm-token-limit).
        if (attr(n, "token-quota") !== undefined && world.spentQuotas?.has(counter)) {
          outcome.status = 403;
          stopped = true;
        } else if (world.spentCounters?.has(counter)) {
          outcome.status = 429;
          outcome.headers["Retry-After"] = "60";
          stopped = true;
        }
      } else if (tag === "set-header" && attr(n, "exists-action") === "delete")
        delete outcome.headers[attr(n, "name")!];
      else if (tag === "set-variable") {
        const value = attr(n, "value")!;
        vars.set(attr(n, "name")!, /^@[({]/.test(value) ? evaluate(value, request, vars) : value);
      } else if (tag === "choose") {
        const branch = branchOf(n);
        if (branch) inbound(branch.children);
      } else if (tag === "set-backend-service") backendId = attr(n, "backend-id");
      else if (tag === "rewrite-uri") outcome.path = attr(n, "template");
      else if (tag === "set-query-parameter" && attr(n, "exists-action") === "skip")
        outcome.query[attr(n, "name")!] ??= textOf(n.children.find((c) => c.tag === "value")!);
      else if (tag === "return-response") respond(n);
      else if (tag === "authentication-managed-identity") outcome.auth = attr(n, "resource");
      else throw new Error(`the interpreter does not model the inbound element <${tag}>`);
    }
  };
  outcome.headers = request.apiKey ? { "api-key": request.apiKey } : {};
  inbound(section("inbound"));
  if (stopped) return outcome;
  outcome.slot = vars.get("slot") as string;

  // The pool sends each call to its highest-priority member whose breaker is closed; none left: 503.
  const pool = world.pools.find((p) => p.id === backendId);
  if (!pool) throw new Error(`set-backend-service names ${backendId}, which is not a pool`);
  const open = new Set(world.tripped);
  const call = (): number => {
    const member = pool.members.find((m) => !open.has(m.backendId));
    if (!member) return 503;
    outcome.tried.push(member.backendId);
    vars.set("@backend", member.backendId);
    if (world.saturated.has(member.backendId)) {
      open.add(member.backendId); // a 429 trips that member's breaker
      return 429;
    }
    if (world.failing?.has(member.backendId)) {
      open.add(member.backendId);
      return 503;
    }
    return 200;
  };
  for (const n of section("backend")) {
    const tag = n.tag;
    if (tag === "forward-request") outcome.status = call();
    else if (tag === "retry") {
      const body = n.children;
      if (body.length !== 1 || body[0]!.tag !== "forward-request" || attr(body[0]!, "buffer-request-body") !== "true")
        throw new Error("retry must wrap one forward-request that buffers the body");
      let status = call();
      for (
        let i = 0;
        i < Number(attr(n, "count")) && evaluate(attr(n, "condition")!, request, vars, status) === true;
        i++
      )
        status = call();
      outcome.status = status;
    } else throw new Error(`the interpreter does not model the backend element <${tag}>`);
  }
  const outbound = (nodes: readonly PolicyElement[]): void => {
    for (const n of nodes) {
      if (stopped) return;
      const tag = n.tag;
      if (tag === "base") continue;
      else if (tag === "choose") {
        const branch = branchOf(n, outcome.status);
        if (branch) outbound(branch.children);
      } else if (tag === "return-response") respond(n);
      else if (tag === "set-header")
        outcome.headers[attr(n, "name")!] = String(
          evaluate(textOf(n.children.find((c) => c.tag === "value")!), request, vars),
        );
      else throw new Error(`the interpreter does not model the outbound element <${tag}>`);
    }
  };
  outbound(section("outbound"));
  outcome.backend = vars.get("@backend") as string | undefined;
  return outcome;
}

// The prod chat endpoint mid-rollout: blue (PTU, then two pay-as-you-go members) at 90, green at 10.
const targets: TargetRef[] = [
  { endpoint: "chat", slot: "blue", key: "gptu-swc", priority: 1, kind: "azure-openai" },
  { endpoint: "chat", slot: "blue", key: "gstd-swc", priority: 2, kind: "azure-openai" },
  { endpoint: "chat", slot: "blue", key: "gstd-eus2", priority: 2, kind: "azure-openai" },
  { endpoint: "chat", slot: "green", key: "gstd-swc", priority: 1, kind: "azure-openai" },
  { endpoint: "embeddings", slot: "blue", key: "std-swc", priority: 1, kind: "azure-openai" },
];
const models = {
  chat: { slots: { blue: { weight: 90, targets: [AOAI, AOAI, AOAI] }, green: { weight: 10, targets: [AOAI] } } },
  embeddings: { slots: { blue: { weight: 100, targets: [AOAI] } } },
};
const CALLER = "aaaaaaaa-0000-4000-8000-000000000001";
const SEARCH = "bbbbbbbb-0000-4000-8000-000000000001";
const OTHER = "aaaaaaaa-0000-4000-8000-000000000002";
const teams = [
  { name: "assistant", applicationIds: [CALLER, OTHER], endpoints: ["chat", "embeddings"], tokensPerMinute: 50_000 },
  { name: "search", applicationIds: [SEARCH], endpoints: ["embeddings"], tokensPerMinute: 100_000 },
];
const xmlOf = (auth: ApiPolicySpec["auth"] = "entra-id") =>
  renderPolicy(
    apiPolicy({
      auth,
      tenantId: "t",
      audiences: ["api://genai-gateway"],
      teams,
      identityClientId: "{{gateway-identity-client-id}}",
      endpoints: endpointRoutes(models),
      retryAfterSeconds: 60,
    }),
  );
const world = (tripped: string[] = [], saturated: string[] = [], spentCounters: string[] = []): World => ({
  pools: poolSpecs(targets),
  tripped: new Set(tripped),
  saturated: new Set(saturated),
  spentCounters: new Set(spentCounters),
});

describe("client requests through the gateway policy", () => {
  it.each(["azure-openai", "v1"] as const)(
    "%s shape: draws below 90 go to blue's PTU member, the rest to green",
    (shape) => {
      const xml = xmlOf();
      const blue = run(xml, { shape, endpoint: "chat", callerApp: CALLER, draw: 89 }, world());
      expect(blue).toMatchObject({
        status: 200,
        slot: "blue",
        backend: "be-chat-blue-gptu-swc",
        headers: { "x-genai-slot": "blue", "x-genai-backend": "be-chat-blue-gptu-swc" },
      });
      expect(blue.auth).toBe("https://cognitiveservices.azure.com");
      expect(run(xml, { shape, endpoint: "chat", callerApp: CALLER, draw: 90 }, world())).toMatchObject({
        status: 200,
        slot: "green",
        backend: "be-chat-green-gstd-swc",
      });
    },
  );

  it("sends the backend (pinned to its deployment) only the operation's path; a v1 call gets an API version, an Azure OpenAI call keeps its own", () => {
    const xml = xmlOf();
    expect(
      run(
        xml,
        {
          shape: "azure-openai",
          endpoint: "chat",
          callerApp: CALLER,
          draw: 1,
          query: { "api-version": "2025-04-01-preview" },
        },
        world(),
      ),
    ).toMatchObject({ path: "/chat/completions", query: { "api-version": "2025-04-01-preview" } });
    expect(
      run(xml, { shape: "v1", operation: "embeddings", endpoint: "embeddings", callerApp: CALLER, draw: 1 }, world()),
    ).toMatchObject({ path: "/embeddings", query: { "api-version": DATA_PLANE_API_VERSION } });
  });

  it("keeps the weights over every draw: 90 of 100 calls to blue", () => {
    const xml = xmlOf();
    const slots = Array.from(
      { length: 100 },
      (_, draw) => run(xml, { shape: "azure-openai", endpoint: "chat", callerApp: CALLER, draw }, world()).slot,
    );
    expect(slots.filter((s) => s === "blue")).toHaveLength(90);
  });

  it("fails over to the pay-as-you-go members when the PTU member's breaker is open", () => {
    const outcome = run(
      xmlOf(),
      { shape: "azure-openai", endpoint: "chat", callerApp: CALLER, draw: 5 },
      world(["be-chat-blue-gptu-swc"]),
    );
    expect(outcome).toMatchObject({ status: 200, slot: "blue", tried: ["be-chat-blue-gstd-eus2"] });
  });

  it("retries a 429 on the next member at once, up to members - 1 times", () => {
    const outcome = run(
      xmlOf(),
      { shape: "azure-openai", endpoint: "chat", callerApp: CALLER, draw: 5 },
      world([], ["be-chat-blue-gptu-swc", "be-chat-blue-gstd-eus2"]),
    );
    expect(outcome).toMatchObject({
      status: 200,
      tried: ["be-chat-blue-gptu-swc", "be-chat-blue-gstd-eus2", "be-chat-blue-gstd-swc"],
    });
  });

  it("never sends blue's overflow to green", () => {
    const outcome = run(
      xmlOf(),
      { shape: "azure-openai", endpoint: "chat", callerApp: CALLER, draw: 5 },
      world([], ["be-chat-blue-gptu-swc", "be-chat-blue-gstd-eus2", "be-chat-blue-gstd-swc"]),
    );
    expect(outcome.status).toBe(429);
    expect(outcome.tried.every((b) => b.startsWith("be-chat-blue-"))).toBe(true);
  });

  it("answers 429 with Retry-After, never a bare 503, when every member of the slot is tripped", () => {
    const outcome = run(
      xmlOf(),
      { shape: "v1", endpoint: "chat", callerApp: CALLER, draw: 5 },
      world(["be-chat-blue-gptu-swc", "be-chat-blue-gstd-eus2", "be-chat-blue-gstd-swc"]),
    );
    expect(outcome).toMatchObject({ status: 429, tried: [], headers: { "Retry-After": "60" } });
    expect(JSON.parse(outcome.body!).error.code).toBe("AllBackendsBusy");
  });

  it("traces every call of a known caller, served or refused, with its team, application, endpoint, adapter and slot (the audit trail)", () => {
    const xml = xmlOf();
    expect(run(xml, { shape: "v1", endpoint: "chat", callerApp: OTHER, draw: 95 }, world()).traces).toEqual([
      { team: "assistant", caller: OTHER, endpoint: "chat", adapter: "", slot: "green" },
    ]);
    const denied = run(xml, { shape: "azure-openai", endpoint: "chat", callerApp: SEARCH, draw: 1 }, world());
    expect(denied).toMatchObject({ status: 403, traces: [{ team: "search", caller: SEARCH, endpoint: "chat" }] });
    expect(run(xml, { shape: "v1", endpoint: "chat", callerApp: "someone-else", draw: 1 }, world()).traces).toEqual([]);
  });

  it("refuses an unknown caller (401) and an unknown endpoint (404), and strips a client's api-key", () => {
    const xml = xmlOf();
    expect(run(xml, { shape: "v1", endpoint: "chat", callerApp: "someone-else", draw: 1 }, world()).status).toBe(401);
    expect(run(xml, { shape: "v1", endpoint: "gpt-4", callerApp: CALLER, draw: 1 }, world()).status).toBe(404);
    expect(
      run(xml, { shape: "v1", endpoint: "embeddings", callerApp: CALLER, draw: 1, apiKey: "k" }, world()).headers[
        "api-key"
      ],
    ).toBeUndefined();
  });

  it("holds each team to its endpoints (403) and each application to its own token budget (429), not another's", () => {
    const xml = xmlOf();
    const denied = run(xml, { shape: "azure-openai", endpoint: "chat", callerApp: SEARCH, draw: 1 }, world());
    expect(denied.status).toBe(403);
    expect(JSON.parse(denied.body!).error.code).toBe("EndpointNotAllowed");
    const spent = world([], [], [`team-assistant/${CALLER}`]);
    expect(run(xml, { shape: "azure-openai", endpoint: "chat", callerApp: CALLER, draw: 1 }, spent)).toMatchObject({
      status: 429,
      tried: [],
    });
    expect(run(xml, { shape: "azure-openai", endpoint: "chat", callerApp: OTHER, draw: 1 }, spent).status).toBe(200);
    expect(
      run(
        xml,
        { shape: "azure-openai", operation: "embeddings", endpoint: "embeddings", callerApp: SEARCH, draw: 1 },
        spent,
      ).status,
    ).toBe(200);
  });

  it("counts the share of a team's monthly quota each call leaves used (the 80% alert's metric), and answers 403 once it is spent", () => {
    const quota = renderPolicy(
      apiPolicy({
        auth: "entra-id",
        tenantId: "t",
        audiences: ["a"],
        teams: teams.map((t) => (t.name === "assistant" ? { ...t, monthlyTokenQuota: 1_000_000 } : t)),
        identityClientId: "{{x}}",
        endpoints: endpointRoutes(models),
        retryAfterSeconds: 60,
      }),
    );
    expect(quota).toContain('remaining-quota-tokens-header-name="x-ratelimit-remaining-quota-tokens"');
    const call = run(quota, { shape: "azure-openai", endpoint: "chat", callerApp: CALLER, draw: 1 }, world());
    expect(call.metrics).toEqual([
      { name: "Token quota used percent", dimensions: { Team: "assistant", Client: CALLER } },
    ]);
    // A team without a quota has no share to count.
    const search = run(
      quota,
      { shape: "azure-openai", operation: "embeddings", endpoint: "embeddings", callerApp: SEARCH, draw: 1 },
      world(),
    );
    expect(search).toMatchObject({ status: 200, metrics: [] });
    const spent = { ...world(), spentQuotas: new Set([`team-assistant/${CALLER}`]) };
    expect(run(quota, { shape: "azure-openai", endpoint: "chat", callerApp: CALLER, draw: 1 }, spent)).toMatchObject({
      status: 403,
      tried: [],
    });
    expect(run(quota, { shape: "azure-openai", endpoint: "chat", callerApp: OTHER, draw: 1 }, spent).status).toBe(200);
  });

  it("shares one counter among a team's applications when its budget is per team", () => {
    const shared = renderPolicy(
      apiPolicy({
        auth: "entra-id",
        tenantId: "t",
        audiences: ["a"],
        teams: teams.map((t) => ({ ...t, budgetPer: "team" as const })),
        identityClientId: "{{x}}",
        endpoints: endpointRoutes(models),
        retryAfterSeconds: 60,
      }),
    );
    const spent = world([], [], ["team-assistant"]);
    expect(run(shared, { shape: "azure-openai", endpoint: "chat", callerApp: OTHER, draw: 1 }, spent).status).toBe(429);
    expect(
      run(
        shared,
        { shape: "azure-openai", operation: "embeddings", endpoint: "embeddings", callerApp: SEARCH, draw: 1 },
        spent,
      ).status,
    ).toBe(200);
  });

  it("on the keyed API, the product of the key is the team; no Entra ID token is asked for", () => {
    const xml = xmlOf("subscription-key");
    expect(
      run(
        xml,
        { shape: "azure-openai", endpoint: "chat", callerApp: "assistant", draw: 1, apiKey: "product-key" },
        world(),
      ),
    ).toMatchObject({ status: 200, slot: "blue", headers: {} });
    expect(run(xml, { shape: "azure-openai", endpoint: "chat", callerApp: "search", draw: 1 }, world()).status).toBe(
      403,
    );
  });

  it("fails on a policy element it does not model", () => {
    const xml = xmlOf().replace(
      "<base/>\n    <validate-azure-ad-token",
      '<base/>\n    <cache-lookup vary-by-developer="false"/>\n    <validate-azure-ad-token',
    );
    expect(() => run(xml, { shape: "azure-openai", endpoint: "chat", callerApp: CALLER, draw: 1 }, world())).toThrow(
      "does not model the inbound element <cache-lookup>",
    );
  });
});

describe("a self-hosted (vLLM) slot through the gateway", () => {
  // qwen mid-move from Azure OpenAI (blue) to vLLM (green): green has two vLLM targets on two GPU pools.
  const mixedTargets: TargetRef[] = [
    { endpoint: "qwen", slot: "blue", key: "gstd-swc", priority: 1, kind: "azure-openai" },
    { endpoint: "qwen", slot: "green", key: "vllm-a100-0", priority: 1, kind: "vllm" },
    { endpoint: "qwen", slot: "green", key: "vllm-h100-1", priority: 2, kind: "vllm" },
  ];
  const VLLM = { kind: "vllm" as const };
  const mixed = {
    qwen: { slots: { blue: { weight: 50, targets: [AOAI] }, green: { weight: 50, targets: [VLLM, VLLM] } } },
  };
  const xml = renderPolicy(
    apiPolicy({
      auth: "entra-id",
      tenantId: "t",
      audiences: ["a"],
      teams: [{ name: "assistant", applicationIds: [CALLER], endpoints: ["qwen"], tokensPerMinute: 1000 }],
      identityClientId: "{{x}}",
      endpoints: endpointRoutes(mixed),
      retryAfterSeconds: 60,
    }),
  );
  const mixedWorld = (failing: string[] = []): World => ({
    pools: poolSpecs(mixedTargets),
    tripped: new Set(),
    saturated: new Set(),
    failing: new Set(failing),
  });

  it("sends the vLLM slot's calls to its pool, without the gateway identity's token", () => {
    const green = run(xml, { shape: "v1", endpoint: "qwen", callerApp: CALLER, draw: 50 }, mixedWorld());
    expect(green).toMatchObject({
      status: 200,
      slot: "green",
      backend: "be-qwen-green-vllm-a100-0",
      path: "/chat/completions",
    });
    expect(green.auth).toBeUndefined();
    const blue = run(xml, { shape: "v1", endpoint: "qwen", callerApp: CALLER, draw: 49 }, mixedWorld());
    expect(blue).toMatchObject({ status: 200, slot: "blue", auth: "https://cognitiveservices.azure.com" });
  });

  it("fails over to the second GPU pool when the first target's servers answer 503", () => {
    expect(
      run(
        xml,
        { shape: "azure-openai", endpoint: "qwen", callerApp: CALLER, draw: 99 },
        mixedWorld(["be-qwen-green-vllm-a100-0"]),
      ),
    ).toMatchObject({
      status: 200,
      slot: "green",
      tried: ["be-qwen-green-vllm-a100-0", "be-qwen-green-vllm-h100-1"],
    });
  });

  it("answers 429 with Retry-After when every vLLM target is down", () => {
    expect(
      run(
        xml,
        { shape: "azure-openai", endpoint: "qwen", callerApp: CALLER, draw: 99 },
        mixedWorld(["be-qwen-green-vllm-a100-0", "be-qwen-green-vllm-h100-1"]),
      ),
    ).toMatchObject({ status: 429, headers: { "Retry-After": "60" } });
  });
});

describe("LoRA adapters: a model name routes to the slots serving it", () => {
  // qwen on vLLM: blue serves the adapter support; green, rolling out at `greenWeight`, serves support and billing.
  const lora: TargetRef[] = [
    { endpoint: "qwen", slot: "blue", key: "vllm-a100-0", priority: 1, kind: "vllm" },
    { endpoint: "qwen", slot: "green", key: "vllm-a100-0", priority: 1, kind: "vllm" },
  ];
  const adapters = (...names: string[]) => [{ kind: "vllm" as const, adapters: names.map((name) => ({ name })) }];
  const xmlAt = (greenWeight: number) =>
    renderPolicy(
      apiPolicy({
        auth: "entra-id",
        tenantId: "t",
        audiences: ["a"],
        teams: [
          { name: "assistant", applicationIds: [CALLER], endpoints: ["qwen"], tokensPerMinute: 1000 },
          { name: "search", applicationIds: [SEARCH], endpoints: ["embeddings"], tokensPerMinute: 1000 },
        ],
        identityClientId: "{{x}}",
        endpoints: endpointRoutes({
          qwen: {
            slots: {
              blue: { weight: 100 - greenWeight, targets: adapters("support") },
              green: { weight: greenWeight, targets: adapters("support", "billing") },
            },
          },
        }),
        retryAfterSeconds: 60,
      }),
    );
  const loraWorld: World = { pools: poolSpecs(lora), tripped: new Set(), saturated: new Set() };
  const call = (xml: string, model: string, draw: number, shape: Request["shape"] = "v1") =>
    run(
      xml,
      { shape, endpoint: model, callerApp: CALLER, draw, body: { model, messages: [{ role: "user", content: "hi" }] } },
      loraWorld,
    );

  it("calls an adapter as the endpoint that serves it: its slots' draw, the team's rights, the name kept for vLLM", () => {
    const xml = xmlAt(25);
    expect(call(xml, "support", 10)).toMatchObject({ status: 200, slot: "blue", backend: "be-qwen-blue-vllm-a100-0" });
    expect(call(xml, "support", 80)).toMatchObject({ status: 200, slot: "green" });
    expect(call(xml, "support", 80).requestBody).toMatchObject({ model: "support" });
    // The audit trail names the adapter beside its endpoint.
    expect(call(xml, "support", 80).traces).toEqual([
      { team: "assistant", caller: CALLER, endpoint: "qwen", adapter: "support", slot: "green" },
    ]);
    // Called by the Azure OpenAI path, the body gets the adapter's name: vLLM picks the adapter by it.
    const byPath = run(
      xml,
      { shape: "azure-openai", endpoint: "support", callerApp: CALLER, draw: 10, body: { messages: [] } },
      loraWorld,
    );
    expect(byPath).toMatchObject({ status: 200, slot: "blue", requestBody: { model: "support", messages: [] } });
    // The base model keeps its own name and body.
    expect(call(xml, "qwen", 10)).toMatchObject({ status: 200, slot: "blue" });
    expect(call(xml, "qwen", 10).requestBody).toBeUndefined();
  });

  it("sends a new adapter only to the colour that serves it, whatever the draw; 404 while that colour is at 0", () => {
    for (const draw of [0, 50, 99])
      expect(call(xmlAt(25), "billing", draw)).toMatchObject({ status: 200, slot: "green" });
    expect(call(xmlAt(0), "billing", 50)).toMatchObject({ status: 404 });
    expect(call(xmlAt(0), "support", 50)).toMatchObject({ status: 200, slot: "blue" });
  });

  it("refuses a name that is neither an endpoint nor an adapter, and a team without the endpoint", () => {
    expect(call(xmlAt(25), "other", 10)).toMatchObject({ status: 404 });
    const stranger = run(
      xmlAt(25),
      { shape: "v1", endpoint: "support", callerApp: SEARCH, draw: 10, body: { model: "support" } },
      loraWorld,
    );
    expect(stranger.status).toBe(403);
  });
});

describe("content checks: every route is filtered, by its deployment or by the gateway", () => {
  // chat on Azure OpenAI; qwen mid-move from Azure OpenAI (blue) to vLLM (green).
  const safetyTargets: TargetRef[] = [
    ...targets.filter((t) => t.endpoint === "chat"),
    { endpoint: "qwen", slot: "blue", key: "gstd-swc", priority: 1, kind: "azure-openai" },
    { endpoint: "qwen", slot: "green", key: "vllm-a100-0", priority: 1, kind: "vllm" },
  ];
  const slotsOf = {
    chat: models.chat,
    qwen: {
      slots: { blue: { weight: 50, targets: [AOAI] }, green: { weight: 50, targets: [{ kind: "vllm" as const }] } },
    },
  };
  const policyOf = (
    options: { azureOpenAi?: boolean; qwen?: EndpointSafety; accountThreshold?: "Low" | "Medium" } = {},
  ) => {
    const stack = {
      accounts: { swc: { contentFilterThreshold: options.accountThreshold ?? ("Medium" as const) } },
      models: {
        chat: slotsOf.chat,
        qwen: { ...slotsOf.qwen, ...(options.qwen ? { contentSafety: options.qwen } : {}) },
      },
      gateway: { contentSafety: { azureOpenAi: options.azureOpenAi ?? false } },
    };
    return renderPolicy(
      apiPolicy({
        auth: "entra-id",
        tenantId: "t",
        audiences: ["a"],
        teams: [{ name: "assistant", applicationIds: [CALLER], endpoints: ["chat", "qwen"], tokensPerMinute: 1000 }],
        identityClientId: "{{x}}",
        endpoints: endpointRoutes(slotsOf),
        retryAfterSeconds: 60,
        contentSafety: { backendId: "be-content-safety", routes: safetyRoutes(stack) },
        pii: piiRoutes(stack),
      }),
    );
  };
  const safetyWorld: World = { pools: poolSpecs(safetyTargets), tripped: new Set(), saturated: new Set() };
  const ask = (xml: string, endpoint: string, draw: number, content?: Request["content"]) =>
    run(xml, { shape: "v1", endpoint, callerApp: CALLER, draw, ...(content ? { content } : {}) }, safetyWorld);
  const MEDIUM = { Hate: 4, Sexual: 4, SelfHarm: 4, Violence: 4 };

  it("checks every call the gateway sends to a vLLM slot, and leaves Azure OpenAI calls to their deployments' filter", () => {
    for (const endpoint of ["chat", "qwen"])
      for (let draw = 0; draw < 100; draw++) {
        const outcome = ask(policyOf(), endpoint, draw);
        expect(outcome.status).toBe(200);
        const vllm = outcome.backend!.includes("-vllm-");
        expect(outcome.checked, `${endpoint} draw ${draw} to ${outcome.backend}`).toEqual(vllm ? [MEDIUM] : []);
      }
  });

  it("with gateway.contentSafety.azureOpenAi, checks every call to every slot", () => {
    const xml = policyOf({ azureOpenAi: true });
    for (const endpoint of ["chat", "qwen"])
      for (let draw = 0; draw < 100; draw++) expect(ask(xml, endpoint, draw).checked).toEqual([MEDIUM]);
  });

  it("answers a harmful prompt as Azure OpenAI's content filter does (400, content_filter), counts it with its reason, and calls no model", () => {
    const outcome = ask(policyOf(), "qwen", 99, { severities: { Violence: 6 } });
    expect(outcome).toMatchObject({
      status: 400,
      tried: [],
      headers: { "Content-Type": "application/json" },
      metrics: [
        {
          name: "Refused requests",
          dimensions: { Team: "assistant", Endpoint: "qwen", Slot: "green", Reason: "content-safety/modelled-harm" },
        },
      ],
    });
    expect(JSON.parse(outcome.body!)).toEqual(CONTENT_FILTER_RESPONSE);
    expect(JSON.parse(outcome.body!).error).toMatchObject({
      code: "content_filter",
      innererror: { code: "ResponsibleAIPolicyViolation" },
    });
  });

  it("blocks from the stack's Azure OpenAI filter threshold by default, and from the endpoint's own where set", () => {
    const low = { severities: { Hate: 2 } };
    expect(ask(policyOf(), "qwen", 99, low).status).toBe(200);
    expect(ask(policyOf(), "qwen", 99, { severities: { Hate: 4 } }).status).toBe(400);
    expect(ask(policyOf({ accountThreshold: "Low" }), "qwen", 99, low).status).toBe(400);
    const hateLow = policyOf({ qwen: { thresholds: { hate: "Low" }, shieldPrompt: true, pii: "off" } });
    expect(ask(hateLow, "qwen", 99, low).status).toBe(400);
    expect(ask(hateLow, "qwen", 99, { severities: { Sexual: 2 } }).status).toBe(200);
  });

  it("blocks a jailbreak with Prompt Shields on (the default), not with the explicit opt-out", () => {
    const attack = { attack: true };
    expect(ask(policyOf(), "qwen", 99, attack).status).toBe(400);
    expect(
      ask(policyOf({ qwen: { thresholds: {}, shieldPrompt: false, pii: "off" } }), "qwen", 99, attack).status,
    ).toBe(200);
  });

  it("leaves a harmful prompt to an Azure OpenAI slot to its deployment's filter (the gateway forwards it)", () => {
    expect(ask(policyOf(), "qwen", 0, { severities: { Hate: 6 } })).toMatchObject({
      status: 200,
      backend: "be-qwen-blue-gstd-swc",
      checked: [],
    });
  });

  describe("PII in prompts (Azure AI Language)", () => {
    const withPii = (pii: "detect" | "redact" | "refuse") =>
      policyOf({ qwen: { thresholds: {}, shieldPrompt: true, pii } });
    const PHONE = /\+?\d[\d -]{7,}\d/;
    const body = {
      model: "qwen",
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: [{ type: "text", text: "Call me on +46 70 123 45 67 tomorrow" }] },
      ],
    };
    const send = (xml: string, pii: World["pii"], requestBody: unknown = body, draw = 99) =>
      run(
        xml,
        { shape: "v1", endpoint: "qwen", callerApp: CALLER, draw, body: requestBody },
        { ...safetyWorld, ...(pii ? { pii } : {}) },
      );

    it("sends the prompt's texts, in order, to the PII detection of every slot of the endpoint, and none of other endpoints", () => {
      for (const draw of [0, 99]) {
        const outcome = send(withPii("detect"), { find: PHONE }, body, draw);
        expect(outcome.status).toBe(200);
        expect(outcome.piiRequests).toEqual([
          {
            kind: "PiiEntityRecognition",
            parameters: { modelVersion: "latest" },
            analysisInput: {
              // The texts in order, joined by line breaks, in as few documents as the service's limits allow.
              documents: [{ id: "0", language: "en", text: "Be brief.\nCall me on +46 70 123 45 67 tomorrow" }],
            },
          },
        ]);
      }
      expect(
        run(withPii("refuse"), { shape: "v1", endpoint: "chat", callerApp: CALLER, draw: 1, body }, safetyWorld)
          .piiRequests,
      ).toEqual([]);
    });

    it("detect: counts what it finds and forwards the prompt as it is", () => {
      const outcome = send(withPii("detect"), { find: PHONE });
      expect(outcome).toMatchObject({ status: 200, backend: "be-qwen-green-vllm-a100-0" });
      expect(outcome.requestBody).toBeUndefined();
      expect(outcome.metrics).toEqual([
        { name: "PII detected", dimensions: { Team: "assistant", Endpoint: "qwen", Slot: "green", Mode: "detect" } },
      ]);
    });

    it("redact: forwards the prompt with the service's masked text in place of each text", () => {
      const outcome = send(withPii("redact"), { find: PHONE });
      expect(outcome.status).toBe(200);
      expect(outcome.requestBody).toEqual({
        model: "qwen",
        messages: [
          { role: "system", content: "Be brief." },
          {
            role: "user",
            content: [{ type: "text", text: `Call me on ${"*".repeat("+46 70 123 45 67".length)} tomorrow` }],
          },
        ],
      });
    });

    it("refuse: answers 400 pii_detected, counted with its reason, and calls no model", () => {
      const outcome = send(withPii("refuse"), { find: PHONE });
      expect(outcome).toMatchObject({ status: 400, tried: [] });
      expect(JSON.parse(outcome.body!).error.code).toBe("pii_detected");
      expect(outcome.metrics).toEqual([
        {
          name: "Refused requests",
          dimensions: { Team: "assistant", Endpoint: "qwen", Slot: "green", Reason: "pii-found" },
        },
      ]);
      expect(send(withPii("refuse"), { find: /no such thing/ }).status).toBe(200);
    });

    it("checks a whole conversation and array inputs, packed into the service's documents", () => {
      const turns = Array.from({ length: 9 }, (_, i) => ({
        role: i % 2 ? "assistant" : "user",
        content: i === 8 ? "my number is +46 70 123 45 67" : `turn ${i}`,
      }));
      const conversation = send(withPii("redact"), { find: PHONE }, { model: "qwen", messages: turns });
      expect(conversation.status).toBe(200);
      expect(conversation.piiRequests).toHaveLength(1);
      expect((conversation.requestBody as any).messages.map((m: any) => m.content)).toEqual([
        ...turns.slice(0, 8).map((t) => t.content),
        `my number is ${"*".repeat(16)}`,
      ]);
      // Texts longer than one document are cut across documents and put back together.
      const long = `${"a".repeat(5118)} +46 70 123 45 67 b`;
      const arrays = send(withPii("redact"), { find: PHONE }, { model: "qwen", input: ["x", long] });
      expect((arrays.piiRequests[0] as any).analysisInput.documents).toHaveLength(2);
      expect((arrays.requestBody as any).input[0]).toBe("x");
      expect((arrays.requestBody as any).input[1]).toHaveLength(long.length);
      // A prompt with no text (an image only) has nothing to check.
      const image = {
        model: "qwen",
        messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "u" } }] }],
      };
      expect(send(withPii("refuse"), { find: PHONE }, image)).toMatchObject({ status: 200, piiRequests: [] });
    });

    it("fails closed when it cannot check (redact, refuse) and lets the call through only to detect", () => {
      const long = { model: "qwen", input: "x".repeat(5 * 5120 + 1) };
      for (const mode of ["redact", "refuse"] as const) {
        const tooLong = send(withPii(mode), { find: PHONE }, long);
        expect(tooLong).toMatchObject({ status: 400, piiRequests: [] });
        expect(JSON.parse(tooLong.body!).error.code).toBe("pii_unchecked");
        const down = send(withPii(mode), undefined);
        expect(down).toMatchObject({ status: 503, headers: { "Retry-After": "10" } });
        expect(send(withPii(mode), { find: PHONE, status: 500 }).status).toBe(503);
      }
      expect(send(withPii("detect"), undefined).status).toBe(200);
      expect(send(withPii("detect"), { find: PHONE }, long)).toMatchObject({ status: 200, piiRequests: [] });
    });

    it("sends at most five documents of 5,120 characters, as Azure AI Language's synchronous limits", () => {
      expect(piiDocuments([])).toBe(PII_NOTHING);
      expect(piiDocuments([""])).toBe(PII_NOTHING);
      expect(piiDocuments(["a".repeat(5120)])).toEqual(["a".repeat(5120)]);
      expect(piiDocuments(["a".repeat(5120), "b"])).toEqual(["a".repeat(5120), "\nb"]);
      expect(piiDocuments(["a".repeat(5 * 5120)])).toHaveLength(5);
      expect(piiDocuments(["a".repeat(5 * 5120 + 1)])).toBe(PII_OVER_LIMITS);
    });
  });
});

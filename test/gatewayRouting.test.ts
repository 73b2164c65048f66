// Client-shaped requests through the rendered API policy: an interpreter walks the parsed XML (the
// weighted slot draw, the pool chosen per slot, priorities and breakers, retry) and fails on any
// element or expression it does not model, so a policy change it cannot follow breaks this test.
import { describe, expect, it } from "vitest";
import { XMLParser } from "fast-xml-parser";
import { apiPolicy, type ApiPolicySpec } from "../components/gateway/apiPolicy";
import { poolSpecs, type PoolSpec, type TargetRef } from "../components/gateway/backends";
import { renderPolicy } from "../components/gateway/policyXml";
import { endpointRoutes } from "../components/gateway/routes";

type XmlNode = Record<string, unknown> & { ":@"?: Record<string, string> };

interface Request {
  readonly shape: ApiPolicySpec["shape"];
  readonly endpoint: string;
  readonly callerApp: string;
  readonly draw: number;
  readonly apiKey?: string;
}

interface World {
  readonly pools: readonly PoolSpec[];
  /** Backends whose breaker is open. */
  readonly tripped: ReadonlySet<string>;
  /** Backends that answer 429 (saturated) when called. */
  readonly saturated: ReadonlySet<string>;
}

interface Outcome {
  status: number;
  slot?: string;
  backend?: string;
  tried: string[];
  headers: Record<string, string>;
  auth?: string;
}

const tagOf = (n: XmlNode) => Object.keys(n).find((k) => k !== ":@")!;
const childrenOf = (n: XmlNode) => n[tagOf(n)] as XmlNode[];
const attr = (n: XmlNode, name: string) => n[":@"]?.[name];

/** Evaluates the C# expressions the policy uses; anything else is an error. */
function evaluate(code: string, request: Request, vars: Map<string, unknown>, response?: number): unknown {
  const expr = code.replace(/^@\((.*)\)$/s, "$1").trim();
  let m: RegExpMatchArray | null;
  if ((m = expr.match(/^"([^"]*)"$/))) return m[1];
  if (expr === `context.Request.MatchedParameters.GetValueOrDefault("deployment-id", "")`) return request.shape === "azure-openai" ? request.endpoint : "";
  if (expr === `(string)(context.Request.Body?.As<JObject>(preserveContent: true)?["model"]) ?? ""`) return request.shape === "v1" ? request.endpoint : "";
  if (expr === "new Random().Next(100)") return request.draw;
  if (expr.startsWith("((Jwt)context.Variables[")) return request.callerApp;
  if (expr === "context.Request.Url.Host") return vars.get("@backend");
  if ((m = expr.match(/^context\.Variables\.GetValueOrDefault<string>\("(\w+)", ""\)$/))) return vars.get(m[1]!) ?? "";
  if ((m = expr.match(/^context\.Variables\.GetValueOrDefault<string>\("(\w+)", ""\) == "([^"]*)"$/))) return (vars.get(m[1]!) ?? "") === m[2];
  if ((m = expr.match(/^\(int\)context\.Variables\["draw"\] < (\d+) \? "(\w+)" : (.*)$/s))) return (vars.get("draw") as number) < Number(m[1]) ? m[2] : evaluate(m[3]!, request, vars, response);
  if (expr === "context.Response.StatusCode == 429 || context.Response.StatusCode == 503") return response === 429 || response === 503;
  throw new Error(`the interpreter does not model the expression ${expr}`);
}

function run(xml: string, request: Request, world: World): Outcome {
  const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "", preserveOrder: true, parseAttributeValue: false }).parse(xml) as XmlNode[];
  const sections = childrenOf(doc[0]!);
  const section = (name: string) => childrenOf(sections.find((s) => tagOf(s) === name)!);
  const vars = new Map<string, unknown>();
  const outcome: Outcome = { status: 0, tried: [], headers: {} };
  let backendId: string | undefined;
  let stopped = false;

  const inbound = (nodes: XmlNode[]): void => {
    for (const n of nodes) {
      if (stopped) return;
      const tag = tagOf(n);
      if (tag === "base" || tag === "llm-token-limit" || tag === "llm-emit-token-metric") continue;
      else if (tag === "validate-azure-ad-token") {
        const apps = childrenOf(n).filter((c) => tagOf(c) === "client-application-ids").flatMap((c) => childrenOf(c).map((a) => String((childrenOf(a)[0] as { "#text": unknown })["#text"])));
        if (!apps.includes(request.callerApp)) {
          outcome.status = 401;
          stopped = true;
        }
      } else if (tag === "set-header" && attr(n, "exists-action") === "delete") delete outcome.headers[attr(n, "name")!];
      else if (tag === "set-variable") vars.set(attr(n, "name")!, evaluate(attr(n, "value")!, request, vars));
      else if (tag === "choose") {
        const branch = childrenOf(n).find((w) => tagOf(w) === "otherwise" || evaluate(attr(w, "condition")!, request, vars) === true);
        if (branch) inbound(childrenOf(branch));
      } else if (tag === "set-backend-service") backendId = attr(n, "backend-id");
      else if (tag === "return-response") {
        outcome.status = Number(attr(childrenOf(n).find((c) => tagOf(c) === "set-status")!, "code"));
        stopped = true;
      } else if (tag === "authentication-managed-identity") outcome.auth = attr(n, "resource");
      else throw new Error(`the interpreter does not model the inbound element <${tag}>`);
    }
  };
  outcome.headers = request.apiKey ? { "api-key": request.apiKey } : {};
  inbound(section("inbound"));
  if (stopped) return outcome;
  outcome.slot = vars.get("slot") as string;

  // The pool sends each call to its highest-priority member whose breaker is closed.
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
    return 200;
  };
  for (const n of section("backend")) {
    const tag = tagOf(n);
    if (tag === "forward-request") outcome.status = call();
    else if (tag === "retry") {
      const body = childrenOf(n);
      if (body.length !== 1 || tagOf(body[0]!) !== "forward-request" || attr(body[0]!, "buffer-request-body") !== "true") throw new Error("retry must wrap one forward-request that buffers the body");
      let status = call();
      for (let i = 0; i < Number(attr(n, "count")) && evaluate(attr(n, "condition")!, request, vars, status) === true; i++) status = call();
      outcome.status = status;
    } else throw new Error(`the interpreter does not model the backend element <${tag}>`);
  }
  for (const n of section("outbound")) {
    const tag = tagOf(n);
    if (tag === "base") continue;
    if (tag !== "set-header") throw new Error(`the interpreter does not model the outbound element <${tag}>`);
    const value = childrenOf(n).find((c) => tagOf(c) === "value")!;
    outcome.headers[attr(n, "name")!] = String(evaluate(String((childrenOf(value)[0] as { "#text": unknown })["#text"]), request, vars));
  }
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
  chat: { slots: { blue: { weight: 90, targets: [1, 2, 3] }, green: { weight: 10, targets: [1] } } },
  embeddings: { slots: { blue: { weight: 100, targets: [1] } } },
};
const CALLER = "aaaaaaaa-0000-4000-8000-000000000001";
const xmlOf = (shape: ApiPolicySpec["shape"]) =>
  renderPolicy(apiPolicy({ shape, tenantId: "t", audiences: ["api://genai-gateway"], clientApplicationIds: [CALLER], tokensPerMinute: 50_000, identityClientId: "{{gateway-identity-client-id}}", endpoints: endpointRoutes(models) }));
const world = (tripped: string[] = [], saturated: string[] = []): World => ({ pools: poolSpecs(targets), tripped: new Set(tripped), saturated: new Set(saturated) });

describe("client requests through the gateway policy", () => {
  it.each(["azure-openai", "v1"] as const)("%s shape: draws below 90 go to blue's PTU member, the rest to green", (shape) => {
    const xml = xmlOf(shape);
    const blue = run(xml, { shape, endpoint: "chat", callerApp: CALLER, draw: 89 }, world());
    expect(blue).toMatchObject({ status: 200, slot: "blue", backend: "be-chat-blue-gptu-swc", headers: { "x-genai-slot": "blue", "x-genai-backend": "be-chat-blue-gptu-swc" } });
    expect(blue.auth).toBe("https://cognitiveservices.azure.com");
    expect(run(xml, { shape, endpoint: "chat", callerApp: CALLER, draw: 90 }, world())).toMatchObject({ status: 200, slot: "green", backend: "be-chat-green-gstd-swc" });
  });

  it("keeps the weights over every draw: 90 of 100 calls to blue", () => {
    const xml = xmlOf("azure-openai");
    const slots = Array.from({ length: 100 }, (_, draw) => run(xml, { shape: "azure-openai", endpoint: "chat", callerApp: CALLER, draw }, world()).slot);
    expect(slots.filter((s) => s === "blue")).toHaveLength(90);
  });

  it("fails over to the pay-as-you-go members when the PTU member's breaker is open", () => {
    const outcome = run(xmlOf("azure-openai"), { shape: "azure-openai", endpoint: "chat", callerApp: CALLER, draw: 5 }, world(["be-chat-blue-gptu-swc"]));
    expect(outcome).toMatchObject({ status: 200, slot: "blue", tried: ["be-chat-blue-gstd-eus2"] });
  });

  it("retries a 429 on the next member at once, up to members - 1 times", () => {
    const outcome = run(xmlOf("azure-openai"), { shape: "azure-openai", endpoint: "chat", callerApp: CALLER, draw: 5 }, world([], ["be-chat-blue-gptu-swc", "be-chat-blue-gstd-eus2"]));
    expect(outcome).toMatchObject({ status: 200, tried: ["be-chat-blue-gptu-swc", "be-chat-blue-gstd-eus2", "be-chat-blue-gstd-swc"] });
  });

  it("never sends blue's overflow to green", () => {
    const outcome = run(xmlOf("azure-openai"), { shape: "azure-openai", endpoint: "chat", callerApp: CALLER, draw: 5 }, world([], ["be-chat-blue-gptu-swc", "be-chat-blue-gstd-eus2", "be-chat-blue-gstd-swc"]));
    expect(outcome.status).toBe(429);
    expect(outcome.tried.every((b) => b.startsWith("be-chat-blue-"))).toBe(true);
  });

  it("refuses an unknown caller (401) and an unknown endpoint (404), and strips a client's api-key", () => {
    const xml = xmlOf("v1");
    expect(run(xml, { shape: "v1", endpoint: "chat", callerApp: "someone-else", draw: 1 }, world()).status).toBe(401);
    expect(run(xml, { shape: "v1", endpoint: "gpt-4", callerApp: CALLER, draw: 1 }, world()).status).toBe(404);
    expect(run(xml, { shape: "v1", endpoint: "embeddings", callerApp: CALLER, draw: 1, apiKey: "k" }, world()).headers["api-key"]).toBeUndefined();
  });

  it("fails on a policy element it does not model", () => {
    const xml = xmlOf("azure-openai").replace("<base/>\n    <validate-azure-ad-token", "<base/>\n    <cache-lookup vary-by-developer=\"false\"/>\n    <validate-azure-ad-token");
    expect(() => run(xml, { shape: "azure-openai", endpoint: "chat", callerApp: CALLER, draw: 1 }, world())).toThrow("does not model the inbound element <cache-lookup>");
  });
});

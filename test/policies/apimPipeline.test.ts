// The effective APIM pipeline of an operation (<base/> resolved across global → product → API → operation)
// and the execution paths through its inbound and backend sections.
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import {
  effectivePipeline,
  executionPaths,
  firstStep,
  type ExecutionPath,
  type ScopeDocuments,
  type Sections,
} from "../../policies/apimPipeline";
import { readPolicyDocument, type PolicySection } from "../../policies/policyDocument";

/** A policy document; a section not given is `<base/>`. */
const doc = (sections: Partial<Record<PolicySection, string>>): string =>
  `<policies>${(["inbound", "backend", "outbound", "on-error"] as const).map((s) => `<${s}>${sections[s] ?? "<base/>"}</${s}>`).join("")}</policies>`;

const pipeline = (docs: ScopeDocuments): Sections => {
  const result = effectivePipeline(docs);
  if ("problem" in result) throw new Error(result.problem);
  return result.sections;
};
const paths = (docs: ScopeDocuments, limit?: number): ExecutionPath[] => {
  const result = executionPaths(pipeline(docs), limit);
  if ("problem" in result) throw new Error(result.problem);
  return result.paths;
};
/** Each path as its step tags and its end, e.g. "a b forward-request → backend". */
const shapes = (docs: ScopeDocuments): string[] =>
  paths(docs).map((p) => `${p.steps.map((s) => s.tag).join(" ")} → ${p.end}`);
const inbound = (xml: string): ScopeDocuments => ({ operation: doc({ inbound: xml }) });
const when = (condition: string, body: string) => `<when condition="${condition}">${body}</when>`;
const choose = (...branches: string[]) => `<choose>${branches.join("")}</choose>`;
const LIMIT = `<llm-token-limit tokens-per-minute="1000"/>`;
const q = (s: string) => `&quot;${s}&quot;`;
const varRef = (name: string) => `context.Variables.GetValueOrDefault&lt;string&gt;(${q(name)}, ${q("")})`;

describe("effectivePipeline: <base/> resolution", () => {
  const api = doc({ inbound: `<base/><api-step/>${LIMIT}` });
  const cases: { name: string; docs: ScopeDocuments; inbound: string[]; backend: string[] }[] = [
    { name: "no documents: the global default forwards", docs: {}, inbound: [], backend: ["forward-request"] },
    {
      name: "operation <base/> first runs the API's inbound first",
      docs: { api, operation: doc({ inbound: "<base/><op-step/>" }) },
      inbound: ["api-step", "llm-token-limit", "op-step"],
      backend: ["forward-request"],
    },
    {
      name: "operation without <base/> drops the API's inbound",
      docs: { api, operation: doc({ inbound: "<op-step/>" }) },
      inbound: ["op-step"],
      backend: ["forward-request"],
    },
    {
      name: "a missing operation scope acts as <base/>",
      docs: { api },
      inbound: ["api-step", "llm-token-limit"],
      backend: ["forward-request"],
    },
    {
      name: "a missing API scope acts as <base/>",
      docs: { operation: doc({ inbound: "<base/><op-step/>" }) },
      inbound: ["op-step"],
      backend: ["forward-request"],
    },
    {
      name: "product runs between global and API",
      docs: {
        global: doc({ inbound: "<global-step/>", backend: "<forward-request/>" }),
        product: doc({ inbound: "<base/><product-step/>" }),
        api,
        operation: doc({ inbound: "<base/><op-step/>" }),
      },
      inbound: ["global-step", "product-step", "api-step", "llm-token-limit", "op-step"],
      backend: ["forward-request"],
    },
    {
      name: "a backend section without <base/> drops the global forward",
      docs: { api: doc({ backend: "<set-header name='x'/>" }) },
      inbound: [],
      backend: ["set-header"],
    },
    {
      name: "a nested <base/> is resolved too",
      docs: { api: doc({ backend: "<retry count='1'><base/></retry>" }) },
      inbound: [],
      backend: ["retry"],
    },
  ];
  it.each(cases)("$name", ({ docs, inbound: expectedInbound, backend }) => {
    const sections = pipeline(docs);
    expect(sections.inbound.map((e) => e.tag)).toEqual(expectedInbound);
    expect(sections.backend.map((e) => e.tag)).toEqual(backend);
  });
  it("the nested <base/> holds the broader forward-request", () => {
    expect(
      pipeline({ api: doc({ backend: "<retry count='1'><base/></retry>" }) }).backend[0]!.children.map((e) => e.tag),
    ).toEqual(["forward-request"]);
  });
  it("names the scope whose XML is unreadable", () => {
    expect(effectivePipeline({ api: doc({}), operation: "<policies><inbound>" })).toEqual({
      problem: expect.stringMatching(/^operation scope: the policy is not well-formed XML/),
    });
  });
  it("without the operation's <base/> the API's token limit is on no path", () => {
    const docs = { api: doc({ inbound: `<base/>${LIMIT}` }), operation: doc({ inbound: "<op-step/>" }) };
    expect(paths(docs).every((p) => !firstStep(p, new Set(["llm-token-limit"])))).toBe(true);
  });
});

describe("executionPaths: constant conditions", () => {
  const cases: { condition: string; paths: string[] }[] = [
    { condition: "@(false)", paths: ["forward-request → backend"] },
    { condition: "@(true)", paths: ["llm-token-limit forward-request → backend"] },
    { condition: "@(1 == 2)", paths: ["forward-request → backend"] },
    { condition: "@(2 &gt; 1)", paths: ["llm-token-limit forward-request → backend"] },
    { condition: `@(${q("a")} == ${q("b")})`, paths: ["forward-request → backend"] },
    { condition: "@(!true)", paths: ["forward-request → backend"] },
    { condition: "@(true &amp;&amp; (1 &lt;= 2 || false))", paths: ["llm-token-limit forward-request → backend"] },
    {
      condition: "@(false &amp;&amp; context.Request.Headers.ContainsKey(&quot;x&quot;))",
      paths: ["forward-request → backend"],
    },
    {
      condition: "@(context.Request.Method == &quot;POST&quot;)",
      paths: ["llm-token-limit forward-request → backend", "forward-request → backend"],
    },
    {
      condition: "@(context.Request.Body.As&lt;JObject&gt;(preserveContent: true)[&quot;stream&quot;] != null)",
      paths: ["llm-token-limit forward-request → backend", "forward-request → backend"],
    },
    { condition: "@(-1 &lt; 0 &amp;&amp; null == null)", paths: ["llm-token-limit forward-request → backend"] },
    {
      condition: `@(new [] { ${q("a")} }.Any(x =&gt; x == ${q("a")}))`,
      paths: ["llm-token-limit forward-request → backend", "forward-request → backend"],
    },
    {
      condition: "@{ return true; }",
      paths: ["llm-token-limit forward-request → backend", "forward-request → backend"],
    },
  ];
  it.each(cases)('<when condition="$condition"> holding the limit', ({ condition, paths: expected }) => {
    expect(shapes(inbound(choose(when(condition, LIMIT))))).toEqual(expected);
  });
  it("takes the first true <when> only, and never the otherwise after it", () => {
    expect(
      shapes(inbound(choose(when("@(1 == 1)", "<a/>"), when("@(true)", "<b/>"), "<otherwise><c/></otherwise>"))),
    ).toEqual(["a forward-request → backend"]);
  });
  it("names the branches taken", () => {
    const result = paths(
      inbound(
        choose(when("@(context.Request.Method == &quot;GET&quot;)", "<a/>")) +
          choose(when("@(false)", "<b/>"), "<otherwise><c/></otherwise>"),
      ),
    );
    expect(result.map((p) => p.branches)).toEqual([
      ['when @(context.Request.Method == "GET")', "otherwise"],
      ["no branch of <choose> #1", "otherwise"],
    ]);
  });
});

describe("executionPaths: variables", () => {
  const blueGreen = choose(
    when(`@(${varRef("slot")} == ${q("blue")})`, "<set-backend-service backend-id='pool-blue'/>"),
    when(
      `@((string)context.Variables[${q("slot")}] == ${q("green")})`,
      "<set-backend-service backend-id='pool-green'/>",
    ),
  );
  const cases: { name: string; xml: string; backends: (string | undefined)[] }[] = [
    { name: "a literal value", xml: `<set-variable name="slot" value="green"/>${blueGreen}`, backends: ["pool-green"] },
    {
      name: "a constant expression",
      xml: `<set-variable name="slot" value="@(${q("blue")})"/>${blueGreen}`,
      backends: ["pool-blue"],
    },
    {
      name: "a ternary of two literals (no 'no branch' path)",
      xml: `<set-variable name="slot" value="@((int)context.Variables[${q("draw")}] &lt; 90 ? ${q("blue")} : ${q("green")})"/>${blueGreen}`,
      backends: ["pool-blue", "pool-green"],
    },
    {
      name: "nested ternaries",
      xml: `<set-variable name="slot" value="@(context.Request.Method == ${q("GET")} ? ${q("blue")} : context.Request.Method == ${q("PUT")} ? ${q("green")} : ${q("red")})"/>${blueGreen}`,
      backends: ["pool-blue", "pool-green", undefined],
    },
    {
      name: "an unknown value",
      xml: `<set-variable name="slot" value="@(context.Request.Headers.GetValueOrDefault(${q("x-slot")}, ${q("")}))"/>${blueGreen}`,
      backends: ["pool-blue", "pool-green", undefined],
    },
    { name: "a variable never set", xml: blueGreen, backends: ["pool-blue", "pool-green", undefined] },
    {
      name: "a value another policy overwrote",
      xml: `<set-variable name="slot" value="blue"/><send-request mode="new" response-variable-name="slot"/>${blueGreen}`,
      backends: ["pool-blue", "pool-green", undefined],
    },
    {
      name: "a named value",
      xml: `<set-variable name="slot" value="{{slot}}"/>${blueGreen}`,
      backends: ["pool-blue", "pool-green", undefined],
    },
  ];
  it.each(cases)("$name", ({ xml, backends }) => {
    const result = paths(inbound(xml));
    expect(result.every((p) => p.end === "backend")).toBe(true);
    expect(result.map((p) => p.backend)).toEqual(backends);
  });
  it("refines an unknown variable: != after == is decided on both sides", () => {
    const xml =
      `<set-variable name="e" value="@(context.Request.Method)"/>` +
      choose(when(`@(${varRef("e")} == ${q("chat")})`, "<a/>"), "<otherwise><b/></otherwise>") +
      choose(when(`@(${varRef("e")} != ${q("chat")})`, "<c/>"));
    expect(shapes(inbound(xml))).toEqual([
      "set-variable a forward-request → backend",
      "set-variable b c forward-request → backend",
    ]);
  });
  it("refines a known set: the branch taken narrows it, the rest excludes it", () => {
    const xml =
      `<set-variable name="slot" value="@(context.Request.Method == ${q("GET")} ? ${q("blue")} : ${q("green")})"/>` +
      choose(when(`@(${varRef("slot")} == ${q("blue")})`, "<a/>"), "<otherwise><b/></otherwise>") +
      choose(when(`@(${varRef("slot")} == ${q("green")})`, "<c/>"), "<otherwise><d/></otherwise>");
    expect(shapes(inbound(xml))).toEqual([
      "set-variable a d forward-request → backend",
      "set-variable b c forward-request → backend",
    ]);
  });
  it("decides && and || over variables", () => {
    const xml =
      `<set-variable name="a" value="x"/><set-variable name="b" value="y"/>` +
      choose(
        when(`@(${varRef("a")} == ${q("x")} &amp;&amp; ${varRef("b")} == ${q("z")})`, "<never/>"),
        when(`@(${varRef("a")} == ${q("q")} || ${varRef("b")} == ${q("y")})`, "<always/>"),
      );
    expect(shapes(inbound(xml))).toEqual(["set-variable set-variable always forward-request → backend"]);
  });
  it("reads conditions whose quotes are still entities", () => {
    const result = executionPaths({
      inbound: [
        { tag: "set-variable", attributes: { name: "s", value: "a" }, children: [] },
        {
          tag: "choose",
          attributes: {},
          children: [
            {
              tag: "when",
              attributes: { condition: `@(${varRef("s")} == ${q("b")})` },
              children: [{ tag: "x", attributes: {}, children: [] }],
            },
          ],
        },
      ],
      backend: [{ tag: "forward-request", attributes: {}, children: [] }],
    });
    expect("paths" in result && result.paths.map((p) => p.steps.map((s) => s.tag))).toEqual([
      ["set-variable", "forward-request"],
    ]);
  });
});

describe("executionPaths: ends", () => {
  const cases: { name: string; docs: ScopeDocuments; shapes: string[] }[] = [
    {
      name: "return-response ends a path as a response",
      docs: inbound(
        choose(
          when(
            "@(context.Request.Method == &quot;GET&quot;)",
            "<return-response><set-status code='200'/></return-response>",
          ),
        ) + "<a/>",
      ),
      shapes: ["return-response → response", "a forward-request → backend"],
    },
    {
      name: "mock-response ends a path as a response",
      docs: inbound("<mock-response status-code='200'/><a/>"),
      shapes: ["mock-response → response"],
    },
    {
      name: "retry + forward-request ends at the backend",
      docs: {
        operation: doc({ backend: "<retry count='2' interval='0' condition='@(true)'><forward-request/></retry>" }),
      },
      shapes: ["retry forward-request → backend"],
    },
    {
      name: "a backend that forwards nothing",
      docs: { operation: doc({ backend: "<set-header name='x'/>" }) },
      shapes: ["set-header → no-forward"],
    },
    {
      name: "a forward only on one branch",
      docs: {
        operation: doc({ backend: choose(when("@(context.Request.Method == &quot;GET&quot;)", "<forward-request/>")) }),
      },
      shapes: ["forward-request → backend", " → no-forward"],
    },
    {
      name: "limit-concurrency and wait run their children",
      docs: {
        operation: doc({
          inbound: "<wait for='all'><send-request mode='new'/></wait>",
          backend: "<limit-concurrency key='k' max-count='1'><forward-request/></limit-concurrency>",
        }),
      },
      shapes: ["wait send-request limit-concurrency forward-request → backend"],
    },
  ];
  it.each(cases)("$name", ({ docs, shapes: expected }) => {
    expect(shapes(docs)).toEqual(expected);
  });
  it("records the last set-backend-service before the forward", () => {
    const result = paths(
      inbound("<set-backend-service backend-id='a'/><set-backend-service base-url='https://b.example'/>"),
    );
    expect(result.map((p) => p.backend)).toEqual(["https://b.example"]);
  });
  it("include-fragment is a problem naming the fragment", () => {
    expect(executionPaths(pipeline(inbound("<include-fragment fragment-id='auth'/>")))).toEqual({
      problem: '<include-fragment fragment-id="auth"> cannot be resolved offline',
    });
  });
  it("past the limit is a problem, not a hang", () => {
    const unknown = (i: number) =>
      choose(
        when(`@(context.Request.Headers.ContainsKey(${q(`h${i}`)}))`, `<a${i}/>`),
        `<otherwise><b${i}/></otherwise>`,
      );
    const sections = pipeline(inbound(Array.from({ length: 40 }, (_, i) => unknown(i)).join("")));
    expect(executionPaths(sections)).toEqual({ problem: "more than 20000 execution paths" });
    expect(executionPaths(sections, 100)).toEqual({ problem: "more than 100 execution paths" });
    expect(
      "paths" in executionPaths(pipeline(inbound(Array.from({ length: 6 }, (_, i) => unknown(i)).join(""))), 64),
    ).toBe(true);
  });
});

describe("the generated gateway policies (test/fixtures/apim-pipeline, copied from out/prod/gateway)", () => {
  const fixture = (name: string) => fs.readFileSync(path.join(__dirname, "../fixtures/apim-pipeline", name), "utf8");
  const docs = { api: fixture("api-openai.xml"), operation: fixture("api-openai-chat-completions.xml") };
  const result = paths(docs);
  const backendPaths = result.filter((p) => p.end === "backend");

  it("the fixtures are readable policy documents", () => {
    expect("sections" in readPolicyDocument(docs.api) && "sections" in readPolicyDocument(docs.operation)).toBe(true);
  });
  it("has a bounded, non-zero number of backend paths, each to a known pool", () => {
    expect(backendPaths.length).toBeGreaterThan(0);
    expect(result.length).toBeLessThan(200);
    expect(new Set(backendPaths.map((p) => p.backend))).toEqual(
      new Set(["pool-chat-blue", "pool-embeddings-blue", "pool-qwen-blue"]),
    );
    expect(result.some((p) => p.end === "no-forward")).toBe(false);
  });
  it.each(["validate-azure-ad-token", "llm-token-limit", "llm-emit-token-metric", "llm-semantic-cache-lookup"])(
    "every backend path runs %s before the forward",
    (tag) => {
      for (const p of backendPaths) {
        const found = firstStep(p, new Set([tag]));
        expect(found, p.branches.join(" / ")).toBeDefined();
        expect(found!.index).toBeLessThan(firstStep(p, new Set(["forward-request"]))!.index);
      }
    },
  );
  it("finds the backend paths that skip a limit when one team's limit is removed", () => {
    const api = docs.api.replace(/<llm-token-limit counter-key="@\(&quot;team-search\/[^>]*\/>/, "");
    const unlimited = paths({ ...docs, api }).filter(
      (p) => p.end === "backend" && !firstStep(p, new Set(["llm-token-limit"])),
    );
    expect(unlimited.length).toBe(12);
    expect(unlimited.every((p) => p.branches.some((b) => b.includes(`== "search"`)))).toBe(true);
  });
  it("validates the token first on every path", () => {
    for (const p of result) expect(p.steps[0]!.tag).toBe("validate-azure-ad-token");
  });
  it("decides the variables it can: team and slot are known, so only unknown conditions fork", () => {
    // Backend: 2 teams × 3 endpoints × 4 rewrite-uri branches (operation id unknown). Responses: no team (1),
    // unknown endpoint per team (2), endpoint not allowed per team and endpoint (6, `.Contains` is unknown).
    // The token-limit choose's "NoTeam" otherwise and the slot choose's "no branch" are never taken.
    expect([backendPaths.length, result.filter((p) => p.end === "response").length]).toEqual([24, 9]);
  });
});

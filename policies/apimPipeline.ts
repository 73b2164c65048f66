// The effective policy pipeline of one API Management operation (global → product → API → operation,
// each `<base/>` replaced by the broader scope's same section) and every execution path through its
// inbound and backend sections, so rules can check "on every path that reaches a backend, X ran before".
// Conditions are C# expressions; they are evaluated abstractly: constants and variables set to known
// string literals decide branches, anything else keeps both sides (an over-approximation, safe for checks).
import { readPolicyDocument, type PolicyElement, type PolicySection } from "./policyDocument";

export type Sections = Record<PolicySection, readonly PolicyElement[]>;

/** Policy XML per scope; undefined means "no document" (every section just `<base/>`; global: the default). */
export interface ScopeDocuments {
  readonly global?: string;
  readonly product?: string;
  readonly api?: string;
  readonly operation?: string;
}

export interface ExecutionPath {
  /** The elements that ran, in order (inbound, then backend); choose/when/otherwise are left out, block elements (retry, …) are kept before their children, and the ending element (forward-request, return-response, mock-response) is the last step. */
  readonly steps: readonly PolicyElement[];
  /** The branches taken, for messages: `when @(…)`, `otherwise`, `no branch of <choose> #n` (n: 1-based pre-order number of the choose in inbound then backend). */
  readonly branches: readonly string[];
  /** "backend": a forward-request ran; "response": return-response or mock-response ended it; "no-forward": the backend section forwarded nothing. */
  readonly end: "backend" | "response" | "no-forward";
  /** For "backend" paths: the backend-id (or base-url) of the last set-backend-service that ran, if any. */
  readonly backend?: string;
}

const NONE: Sections = { inbound: [], backend: [], outbound: [], "on-error": [] };
const DEFAULT_GLOBAL: Sections = { ...NONE, backend: [{ tag: "forward-request", attributes: {}, children: [] }] };

const splice = (elements: readonly PolicyElement[], outer: readonly PolicyElement[]): PolicyElement[] =>
  elements.flatMap((e) => (e.tag === "base" ? outer : [{ ...e, children: splice(e.children, outer) }]));

/** The effective sections of an operation, every `<base/>` resolved; or a problem naming the unreadable scope. A section missing from a document counts as empty (it drops the broader scope's). */
export function effectivePipeline(docs: ScopeDocuments): { sections: Sections } | { problem: string } {
  let sections = DEFAULT_GLOBAL;
  for (const scope of ["global", "product", "api", "operation"] as const) {
    if (docs[scope] === undefined) continue;
    const doc = readPolicyDocument(docs[scope]);
    if ("problem" in doc) return { problem: `${scope} scope: ${doc.problem}` };
    const outer = scope === "global" ? NONE : sections;
    sections = Object.fromEntries(
      (Object.keys(NONE) as PolicySection[]).map((s) => [s, splice(doc.sections[s], outer[s])]),
    ) as unknown as Sections;
  }
  return { sections };
}

/** The first step of `path` whose tag is one of `tags`, with its index; undefined if none ran. */
export function firstStep(
  path: ExecutionPath,
  tags: ReadonlySet<string>,
): { index: number; element: PolicyElement } | undefined {
  const index = path.steps.findIndex((s) => tags.has(s.tag));
  return index < 0 ? undefined : { index, element: path.steps[index]! };
}

// ---- The abstract evaluator: a value is a finite list of possibilities, or TOP (unknown). ----
const OTHER = Object.freeze({ other: true }); // an open variable's "any value not named in the condition"
type Value = string | number | boolean | null | typeof OTHER;
type Abstract = Value[] | "top";
type Node =
  | { k: "lit"; v: Value }
  | { k: "var"; name: string }
  | { k: "top" }
  | { k: "not"; e: Node }
  | { k: "bin"; op: string; l: Node; r: Node }
  | { k: "tern"; c: Node; t: Node; f: Node };
/** What is known of a variable: one of `values`, or anything but `excluded`. */
type VarState = { values: Value[] } | { excluded: Value[] };
type Vars = Map<string, VarState>;

const decode = (s: string) =>
  /&(quot|apos|lt|gt|amp);/.test(s)
    ? s
        .replace(/&quot;/g, '"')
        .replace(/&apos;/g, "'")
        .replace(/&lt;/g, "<")
        .replace(/&gt;/g, ">")
        .replace(/&amp;/g, "&")
    : s;
const TOKEN =
  /\s*(?:("(?:[^"\\]|\\.)*")|(\d+(?:\.\d+)?)[a-zA-Z]?|([A-Za-z_]\w*)|(\?\?|\?\.|==|!=|<=|>=|&&|\|\||=>|[<>!?:()[\]{},.+\-*/%]))/y;

function tokenize(src: string): string[] | undefined {
  // Drop generic type arguments of calls (GetValueOrDefault<string>(…)) so `<` is only ever a comparison.
  const text = src.replace(/(\w)\s*<\s*[A-Za-z_][\w.]*(?:\s*,\s*[A-Za-z_][\w.]*)*(?:\[\])?\s*>(?=\s*\()/g, "$1");
  const tokens: string[] = [];
  for (TOKEN.lastIndex = 0; !/^\s*$/.test(text.slice(TOKEN.lastIndex));) {
    const m = TOKEN.exec(text);
    if (!m) return undefined;
    tokens.push((m[1] ?? m[2] ?? m[3] ?? m[4])!);
  }
  return tokens;
}

/** Parses a C# expression into the small AST; undefined when it is outside the subset (then: unknown). */
function parse(src: string): Node | undefined {
  const t = tokenize(src);
  if (!t) return undefined;
  let i = 0;
  const peek = () => t[i];
  const eat = (tok: string) => (t[i] === tok ? (i++, true) : false);
  const fail = (): never => {
    throw new SyntaxError();
  };
  const skipBalanced = () => {
    // from an opening bracket to its match
    for (let depth = 0; i < t.length;) {
      const tok = t[i++]!;
      if ("([{".includes(tok)) depth++;
      else if (")]}".includes(tok) && --depth === 0) return;
    }
    fail();
  };
  const isIdent = (tok?: string) => tok !== undefined && /^[A-Za-z_]/.test(tok);
  const isString = (tok?: string) => tok?.startsWith('"') === true;
  const str = (tok: string) => JSON.parse(tok.replace(/\\'/g, "'")) as string;
  const binary = (ops: string[], next: () => Node) => (): Node => {
    let l = next();
    for (let op = peek(); op !== undefined && ops.includes(op); op = peek()) {
      i++;
      l = { k: "bin", op, l, r: next() };
    }
    return l;
  };
  const postfix = (node: Node): Node => {
    // member access, calls, indexing after a value: unknown
    while (peek() === "." || peek() === "?." || peek() === "(" || peek() === "[") {
      if (peek() === "(" || peek() === "[") skipBalanced();
      else {
        i++;
        if (!isIdent(peek())) fail();
        i++;
      }
      node = { k: "top" };
    }
    return node;
  };
  const primary = (): Node => {
    const tok = t[i++];
    if (tok === undefined) return fail();
    if (isString(tok)) return postfix({ k: "lit", v: str(tok) });
    if (/^\d/.test(tok)) return { k: "lit", v: Number(tok) };
    if (tok === "true" || tok === "false") return { k: "lit", v: tok === "true" };
    if (tok === "null") return { k: "lit", v: null };
    if (tok === "(") {
      const start = i;
      if (isIdent(peek())) {
        // a cast such as (string) or (Jwt): ignored
        while (isIdent(peek()) || peek() === ".") i++;
        if (eat(")") && (isIdent(peek()) || isString(peek()) || peek() === "(")) return unary();
        i = start;
      }
      const e = expr();
      return eat(")") ? postfix(e) : fail();
    }
    if (tok === "new") {
      // new [] { … }, new T(…): unknown
      while (isIdent(peek()) || peek() === ".") i++;
      while (peek() === "[" || peek() === "(" || peek() === "{") skipBalanced();
      return postfix({ k: "top" });
    }
    if (!isIdent(tok)) return fail();
    let chain = tok;
    while ((peek() === "." || peek() === "?.") && isIdent(t[i + 1])) {
      chain += "." + t[i + 1];
      i += 2;
    }
    if (chain === "context.Variables" && peek() === "[" && isString(t[i + 1]) && t[i + 2] === "]") {
      i += 3;
      return postfix({ k: "var", name: str(t[i - 2]!) });
    }
    if (chain === "context.Variables.GetValueOrDefault" && peek() === "(" && isString(t[i + 1])) {
      const name = str(t[i + 1]!);
      i += 2;
      if (eat(",")) expr();
      return eat(")") ? postfix({ k: "var", name }) : fail();
    }
    return postfix({ k: "top" });
  };
  const negate = (n: Node): Node => (n.k === "lit" && typeof n.v === "number" ? { k: "lit", v: -n.v } : { k: "top" });
  const unary = (): Node => (eat("!") ? { k: "not", e: unary() } : eat("-") ? negate(unary()) : primary());
  const mul = binary(["*", "/", "%"], unary);
  const add = binary(["+", "-"], mul);
  const rel = binary(["<", ">", "<=", ">="], add);
  const eq = binary(["==", "!="], rel);
  const and = binary(["&&"], eq);
  const or = binary(["||"], and);
  const coalesce = binary(["??"], or);
  const expr = (): Node => {
    const c = coalesce();
    if (!eat("?")) return c;
    const tr = expr();
    return eat(":") ? { k: "tern", c, t: tr, f: expr() } : fail();
  };
  try {
    return ((node) => (i === t.length ? node : undefined))(expr());
  } catch (e) {
    if (e instanceof SyntaxError) return undefined;
    throw e;
  }
}

const uniq = <T>(vs: T[]): T[] => [...new Set(vs)];
const bools = (a: Abstract): boolean[] =>
  a === "top" || a.some((v) => typeof v !== "boolean") ? [true, false] : (a as boolean[]);

function evaluate(n: Node, lookup: (name: string) => Abstract): Abstract {
  switch (n.k) {
    case "lit":
      return [n.v];
    case "var":
      return lookup(n.name);
    case "top":
      return "top";
    case "not":
      return uniq(bools(evaluate(n.e, lookup)).map((b) => !b));
    case "tern": {
      const out: Value[] = [];
      for (const b of uniq(bools(evaluate(n.c, lookup)))) {
        const v = evaluate(b ? n.t : n.f, lookup);
        if (v === "top") return "top";
        out.push(...v);
      }
      return uniq(out);
    }
    case "bin": {
      if (n.op === "&&" || n.op === "||") {
        const short = n.op === "||"; // the left value that decides alone
        const l = uniq(bools(evaluate(n.l, lookup)));
        return uniq([
          ...(l.includes(short) ? [short] : []),
          ...(l.includes(!short) ? bools(evaluate(n.r, lookup)) : []),
        ]);
      }
      const l = evaluate(n.l, lookup),
        r = evaluate(n.r, lookup);
      if (l === "top" || r === "top" || l.length * r.length > 64) return "top";
      const out: Value[] = [];
      for (const a of l)
        for (const b of r) {
          if (n.op === "==" || n.op === "!=") {
            // OTHER differs from every literal and known value; booleans may be computed, so stay undecided there
            if (a === OTHER || b === OTHER)
              out.push(
                ...(a === b || typeof a === "boolean" || typeof b === "boolean" ? [true, false] : [n.op === "!="]),
              );
            else if (typeof a !== typeof b)
              out.push(true, false); // a cast we ignored may make them comparable
            else out.push((a === b) === (n.op === "=="));
          } else if (typeof a === "number" && typeof b === "number" && ["<", ">", "<=", ">="].includes(n.op)) {
            out.push(n.op === "<" ? a < b : n.op === ">" ? a > b : n.op === "<=" ? a <= b : a >= b);
          } else return "top";
        }
      return uniq(out);
    }
  }
}

const nodes = (n: Node): Node[] => [
  n,
  ...(n.k === "not"
    ? nodes(n.e)
    : n.k === "bin"
      ? [...nodes(n.l), ...nodes(n.r)]
      : n.k === "tern"
        ? [...nodes(n.c), ...nodes(n.t), ...nodes(n.f)]
        : []),
];
const expression = (raw: string): Node | undefined => {
  const s = decode(raw).trim();
  return s.startsWith("@(") && s.endsWith(")") ? parse(s.slice(2, -1)) : undefined;
};
const known =
  (vars: Vars) =>
  (name: string): Abstract => {
    const s = vars.get(name);
    return s && "values" in s ? s.values : "top";
  };

/** What `<set-variable value=…>` makes the variable: a literal, a known set of literals, or unknown. */
function assign(raw: string | undefined, vars: Vars): VarState {
  if (raw === undefined) return { excluded: [] };
  const s = decode(raw);
  if (!s.startsWith("@")) return s.includes("{{") ? { excluded: [] } : { values: [s] };
  const node = expression(s);
  const v = node ? evaluate(node, known(vars)) : "top";
  return v === "top" ? { excluded: [] } : { values: v };
}

/**
 * The variables when the condition holds and when it does not (undefined: that side is impossible).
 * Every variable it reads is split into its possible values (an open one: each constant in play, plus OTHER),
 * the condition is evaluated per combination, and each side keeps the values of the combinations it allows.
 */
function decide(condition: string, vars: Vars): [Vars | undefined, Vars | undefined] {
  const node = expression(condition);
  const all = node ? nodes(node) : [];
  const names = uniq(all.flatMap((n) => (n.k === "var" ? [n.name] : [])));
  const state = (name: string): VarState => vars.get(name) ?? { excluded: [] };
  const finite = (name: string) => {
    const s = state(name);
    return "values" in s ? s.values : undefined;
  };
  const excluded = (name: string) => {
    const s = state(name);
    return "excluded" in s ? s.excluded : [];
  };
  const consts = uniq([...all.flatMap((n) => (n.k === "lit" ? [n.v] : [])), ...names.flatMap((n) => finite(n) ?? [])]);
  const options: Value[][] = names.map((n) => finite(n) ?? [...consts.filter((c) => !excluded(n).includes(c)), OTHER]);
  if (!node || options.reduce((p, o) => p * o.length, 1) > 256) {
    const b = node ? bools(evaluate(node, known(vars))) : [true, false];
    return [b.includes(true) ? vars : undefined, b.includes(false) ? vars : undefined];
  }
  let combos: Value[][] = [[]];
  for (const o of options) combos = combos.flatMap((c) => o.map((v) => [...c, v]));
  const side = (outcome: boolean): Vars | undefined => {
    const allowed = combos.filter((c) =>
      bools(evaluate(node, (name) => [c[names.indexOf(name)] as Value])).includes(outcome),
    );
    if (allowed.length === 0) return undefined;
    const next = new Map(vars);
    names.forEach((name, k) => {
      const values = uniq(allowed.map((c) => c[k] as Value));
      next.set(
        name,
        values.includes(OTHER)
          ? { excluded: uniq([...excluded(name), ...options[k]!.filter((v) => !values.includes(v))]) }
          : { values },
      );
    });
    return next;
  };
  return [side(true), side(false)];
}

// ---- Paths ----
interface State {
  steps: PolicyElement[];
  branches: string[];
  vars: Vars;
  backend?: string | undefined;
}
class Stop extends Error {}
interface Walk {
  done: ExecutionPath[];
  limit: number;
  chooseIds: Map<PolicyElement, number>;
}

const fork = (s: State, vars: Vars, branch: string): State => ({
  steps: [...s.steps],
  branches: [...s.branches, branch],
  vars: new Map(vars),
  backend: s.backend,
});
function finish(s: State, end: ExecutionPath["end"], w: Walk): void {
  w.done.push({
    steps: s.steps,
    branches: s.branches,
    end,
    ...(end === "backend" && s.backend !== undefined ? { backend: s.backend } : {}),
  });
}

function run(elements: readonly PolicyElement[], states: State[], w: Walk): State[] {
  for (const e of elements) {
    if (states.length === 0) break;
    states = states.flatMap((s) => step(e, s, w));
    if (states.length + w.done.length > w.limit) throw new Stop(`more than ${w.limit} execution paths`);
  }
  return states;
}

function step(e: PolicyElement, s: State, w: Walk): State[] {
  // Policies that write a variable (validate-jwt output-token-variable-name, send-request response-variable-name, …)
  for (const [k, v] of Object.entries(e.attributes)) if (k.endsWith("variable-name")) s.vars.set(v, { excluded: [] });
  switch (e.tag) {
    case "choose": {
      const out: State[] = [];
      let rest: State | undefined = s;
      for (const branch of e.children) {
        if (!rest) break;
        if (branch.tag === "when") {
          const condition = decode(branch.attributes.condition ?? "");
          const [taken, notTaken] = decide(condition, rest.vars);
          if (taken) out.push(...run(branch.children, [fork(rest, taken, `when ${condition}`)], w));
          rest = notTaken ? { ...rest, vars: notTaken } : undefined;
        } else if (branch.tag === "otherwise") {
          out.push(...run(branch.children, [fork(rest, rest.vars, "otherwise")], w));
          rest = undefined;
        }
      }
      if (rest) out.push(fork(rest, rest.vars, `no branch of <choose> #${w.chooseIds.get(e)}`));
      return out;
    }
    case "include-fragment":
      throw new Stop(
        `<include-fragment fragment-id="${e.attributes["fragment-id"] ?? ""}"> cannot be resolved offline`,
      );
    case "retry":
    case "limit-concurrency":
    case "wait":
      s.steps.push(e);
      return run(e.children, [s], w);
    case "return-response":
    case "mock-response":
    case "forward-request":
      s.steps.push(e);
      finish(s, e.tag === "forward-request" ? "backend" : "response", w);
      return [];
    case "set-variable":
      if (e.attributes.name !== undefined) s.vars.set(e.attributes.name, assign(e.attributes.value, s.vars));
      break;
    case "set-backend-service":
      s.backend = e.attributes["backend-id"] ?? e.attributes["base-url"];
  }
  s.steps.push(e);
  return [s];
}

/** Every path through inbound then backend, or a problem (an include-fragment, or more than `limit` paths). Variables not yet set on a path are unknown. */
export function executionPaths(
  sections: Pick<Sections, "inbound" | "backend">,
  limit = 20_000,
): { paths: ExecutionPath[] } | { problem: string } {
  const chooseIds = new Map<PolicyElement, number>();
  const number = (es: readonly PolicyElement[]): void =>
    es.forEach((e) => {
      if (e.tag === "choose") chooseIds.set(e, chooseIds.size + 1);
      number(e.children);
    });
  number([...sections.inbound, ...sections.backend]);
  const w: Walk = { done: [], limit, chooseIds };
  try {
    const live = run(sections.backend, run(sections.inbound, [{ steps: [], branches: [], vars: new Map() }], w), w);
    live.forEach((s) => finish(s, "no-forward", w));
    return w.done.length > limit ? { problem: `more than ${limit} execution paths` } : { paths: w.done };
  } catch (e) {
    if (e instanceof Stop) return { problem: e.message };
    throw e;
  }
}

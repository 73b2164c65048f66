// The README is the landing page and the guides live in docs/: every relative link in them reaches a
// file that exists and, with an anchor, a heading that exists there (GitHub's slugs); every guide is
// linked from the README; the README stays short; the configuration reference is the schema's.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import GithubSlugger from "github-slugger";
import { Lexer, type Token, type Tokens } from "marked";
import { describe, expect, it } from "vitest";
import { CONFIG_KEYS } from "../stacks/config";
import { configReferenceMarkdown, configReferenceRows } from "../cli/reports/configReference";
import { PROJECT_DIR, matchesGoldenFile } from "./configHelpers";

const DOCS = [
  "README.md",
  ...readdirSync(join(PROJECT_DIR, "docs"))
    .filter((f) => f.endsWith(".md"))
    .map((f) => `docs/${f}`),
];

/** Every token of a markdown document, nested ones included. */
function tokensOf(markdown: string): Token[] {
  const all: Token[] = [];
  const walk = (tokens: readonly Token[]) => {
    for (const t of tokens) {
      all.push(t);
      const nested = t as Token & {
        tokens?: Token[];
        items?: Token[];
        header?: { tokens: Token[] }[];
        rows?: { tokens: Token[] }[][];
      };
      if (nested.tokens) walk(nested.tokens);
      if (nested.items) walk(nested.items);
      if (nested.header) for (const cell of nested.header) walk(cell.tokens);
      if (nested.rows) for (const row of nested.rows) for (const cell of row) walk(cell.tokens);
    }
  };
  walk(new Lexer().lex(markdown));
  return all;
}

/** The anchors GitHub gives a document's headings. */
function anchorsOf(markdown: string): Set<string> {
  const slugger = new GithubSlugger();
  return new Set(
    tokensOf(markdown)
      .filter((t): t is Tokens.Heading => t.type === "heading")
      .map((h) => slugger.slug(h.text)),
  );
}

const text = (doc: string) => readFileSync(join(PROJECT_DIR, doc), "utf8");

describe("the README and the guides", () => {
  it.each(DOCS.map((d) => [d]))("every relative link in %s reaches a file and, with an anchor, a heading", (doc) => {
    const broken: string[] = [];
    for (const link of tokensOf(text(doc)).filter((t): t is Tokens.Link => t.type === "link")) {
      if (/^[a-z]+:/i.test(link.href)) continue;
      const [path, anchor] = link.href.split("#") as [string, string | undefined];
      const target = path === "" ? join(PROJECT_DIR, doc) : resolve(PROJECT_DIR, dirname(doc), path);
      const exists = existsSync(target);
      if (!exists) broken.push(`${link.href}: no file ${relative(PROJECT_DIR, target)}`);
      else if (anchor && target.endsWith(".md") && !anchorsOf(readFileSync(target, "utf8")).has(anchor))
        broken.push(`${link.href}: no heading #${anchor}`);
    }
    expect(broken).toEqual([]);
  });

  it("links every guide in docs/ from the README", () => {
    const linked = new Set(
      tokensOf(text("README.md"))
        .filter((t): t is Tokens.Link => t.type === "link")
        .map((l) => l.href.split("#")[0]),
    );
    expect(DOCS.filter((d) => d !== "README.md" && !linked.has(d))).toEqual([]);
  });

  it("keeps the README a landing page (under 15 KB; the guides hold the rest)", () => {
    expect(Buffer.byteLength(text("README.md"))).toBeLessThan(15 * 1024);
  });

  it("finds a broken link and a missing anchor (the check can fail)", () => {
    const links = tokensOf("[a](docs/none.md) [b](README.md#no-such-heading)").filter(
      (t): t is Tokens.Link => t.type === "link",
    );
    expect(links.map((l) => l.href)).toEqual(["docs/none.md", "README.md#no-such-heading"]);
    expect(anchorsOf(text("README.md")).has("no-such-heading")).toBe(false);
    expect(anchorsOf(text("README.md")).has("where-to-go-next")).toBe(true);
  });
});

describe("the configuration reference (docs/configuration-reference.md)", () => {
  it("is what the schema says today: regenerated and compared (UPDATE_GOLDEN=1 rewrites it)", () => {
    matchesGoldenFile(join(PROJECT_DIR, "docs", "configuration-reference.md"), configReferenceMarkdown());
  });

  it("lists every key the loader accepts, with the defaults it applies", () => {
    const rows = configReferenceRows();
    const keys = new Set(rows.map((r) => r.key));
    for (const key of CONFIG_KEYS) expect(keys, key).toContain(key);
    expect(rows.find((r) => r.key === "logRetentionDays")).toMatchObject({
      required: false,
      default: "`30`",
      allowed: "30–730",
    });
    expect(rows.find((r) => r.key === "environment")).toMatchObject({ required: true, allowed: '`"dev"`, `"prod"`' });
    // A slot's two colours share one schema and are described once; a target's two kinds each.
    expect(keys).toContain("models.<name>.slots.<blue|green>.targets[] (kind: vllm).revision");
    expect(keys).toContain("models.<name>.slots.<blue|green>.targets[] (kind: azure-openai).capacity");
  });
});

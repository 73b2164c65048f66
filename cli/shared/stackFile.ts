import { parseDocument } from "yaml";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { closest, distance } from "fastest-levenshtein";
import { join } from "node:path";
import { InputFileError, readInputFile } from "./inputFile";
import { quoted } from "./terminalText";

/** What a `secure:` value becomes offline: its ciphertext cannot be decrypted without the stack's key. */
export const SECRET_PLACEHOLDER = "[secret: encrypted in the stack file, not decrypted offline]";

/** A stack file larger than this is refused: no platform config comes near it, and a huge one makes a huge plan. */
export const MAX_STACK_FILE_BYTES = 1024 * 1024;

/** YAML alias expansions a stack file may make in all: enough for shared anchors, far too few for a "billion laughs" file. */
export const MAX_YAML_ALIASES = 100;

export interface StackConfig {
  /** Pulumi config map as the engine hands it to a program: `namespace:key` -> text (JSON for structured values). */
  readonly config: Record<string, string>;
  /** Keys whose value (or part of it) was a `secure:` value. */
  readonly secretKeys: string[];
}

export class StackFileError extends Error {}

function isSecure(value: unknown): value is { secure: string } {
  return (
    typeof value === "object" &&
    value !== null &&
    Object.keys(value).length === 1 &&
    typeof (value as { secure?: unknown }).secure === "string"
  );
}

/** Replaces every `{secure: ...}` leaf with the placeholder; reports whether there was one. */
function replaceSecure(value: unknown): { value: unknown; secret: boolean } {
  if (isSecure(value)) return { value: SECRET_PLACEHOLDER, secret: true };
  if (Array.isArray(value)) {
    const items = value.map(replaceSecure);
    return { value: items.map((i) => i.value), secret: items.some((i) => i.secret) };
  }
  if (typeof value === "object" && value !== null) {
    let secret = false;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const replaced = replaceSecure(v);
      out[k] = replaced.value;
      secret ||= replaced.secret;
    }
    return { value: out, secret };
  }
  return { value, secret: false };
}

/** Key paths of numbers JSON cannot carry (`.inf`, `.nan`): they would silently become null. */
function nonFiniteNumbers(value: unknown, path: string): string[] {
  if (typeof value === "number")
    return Number.isFinite(value) ? [] : [`${path} is ${value} (YAML .inf or .nan): give a finite number`];
  if (Array.isArray(value)) return value.flatMap((v, i) => nonFiniteNumbers(v, `${path}[${i}]`));
  if (typeof value === "object" && value !== null)
    return Object.entries(value).flatMap(([k, v]) => nonFiniteNumbers(v, `${path}.${k}`));
  return [];
}

/** Turns the parsed `config:` block of a stack file into the engine's config map. */
export function stackConfigFromDocument(document: unknown, source: string): StackConfig {
  if (document === null || document === undefined) return { config: {}, secretKeys: [] };
  if (typeof document !== "object" || Array.isArray(document))
    throw new StackFileError(`${source}: expected a mapping with a "config:" key`);
  const block = (document as { config?: unknown }).config ?? {};
  if (typeof block !== "object" || block === null || Array.isArray(block))
    throw new StackFileError(`${source}: "config:" must be a mapping of namespace:key to value`);
  const config: Record<string, string> = {};
  const secretKeys: string[] = [];
  const problems: string[] = [];
  for (const [key, raw] of Object.entries(block)) {
    if (!key.includes(":")) {
      problems.push(`config key "${key}" has no namespace; write it as genai-platform:${key}`);
      continue;
    }
    problems.push(...nonFiniteNumbers(raw, key));
    const { value, secret } = replaceSecure(raw);
    config[key] = typeof value === "string" ? value : JSON.stringify(value);
    if (secret) secretKeys.push(key);
  }
  if (problems.length > 0) throw new StackFileError(`${source}:\n${problems.map((p) => `  ${p}`).join("\n")}`);
  return { config, secretKeys };
}

/** Decodes UTF-8 strictly: a file in another encoding is refused, not silently mis-read. */
function decodeUtf8(bytes: Buffer, path: string): string {
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    const lenient = bytes.toString("utf8");
    const line = lenient.slice(0, lenient.indexOf("\uFFFD")).split("\n").length;
    throw new StackFileError(
      `${path} is not UTF-8 (line ${line} has bytes of another encoding, such as Latin-1): save it as UTF-8`,
    );
  }
}

/** The keys enclosing line `line` (1-based) of a YAML text, outermost first: where a syntax error sits. */
export function keysAround(text: string, line: number): string[] {
  const lines = text.split(/\r?\n/).slice(0, line);
  const path: string[] = [];
  let indent = Infinity;
  for (let i = lines.length - 1; i >= 0; i--) {
    const match = /^([ \t]*)(?:-\s+)?("[^"]*"|'[^']*'|[^\s#][^#]*?):(?:\s|$)/.exec(lines[i]!);
    if (!match) continue;
    const own = match[1]!.length;
    if (own < indent) {
      path.unshift(match[2]!.replace(/^["']|["']$/g, ""));
      indent = own;
      if (own === 0) break;
    }
  }
  return path;
}

/** A YAML problem as `file:line:column: message (under key > key)`. */
function located(
  source: string,
  text: string,
  problem: { message: string; linePos?: [{ line: number; col: number }, ...unknown[]] },
): string {
  const at = problem.linePos?.[0];
  const message = problem.message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "");
  if (!at) return `${source}: ${message}`;
  const keys = keysAround(text, at.line);
  return `${source}:${at.line}:${at.col}: ${message}${keys.length ? ` (under ${keys.join(" > ")})` : ""}`;
}

/** Key paths of `__proto__` keys: a JavaScript object cannot carry them as data. */
function prototypeKeys(value: unknown, path: string): string[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => prototypeKeys(v, `${path}[${i}]`));
  if (typeof value !== "object" || value === null) return [];
  return Object.keys(value).flatMap((k) =>
    k === "__proto__"
      ? [`${path ? `${path}.` : ""}${k}`]
      : prototypeKeys((value as Record<string, unknown>)[k], path ? `${path}.${k}` : k),
  );
}

/** Parses YAML text with duplicate keys refused, unknown tags refused and alias expansion bounded. */
export function parseYaml(text: string, source: string): unknown {
  // Merge keys (`<<: *base`) as Pulumi's own YAML reader resolves them.
  const document = parseDocument(text, { uniqueKeys: true, prettyErrors: true, merge: true });
  // Warnings include unresolved tags (`!Ref genai`), whose value would otherwise be read as plain text.
  const problems = [...document.errors, ...document.warnings];
  if (problems.length > 0)
    throw new StackFileError(
      `${source} is not valid YAML:\n${problems
        .slice(0, 5)
        .map((p) => `  ${located(source, text, p as never)}`)
        .join("\n")}`,
    );
  let value: unknown;
  try {
    value = document.toJS({ maxAliasCount: MAX_YAML_ALIASES });
  } catch (failure) {
    if (!(failure instanceof ReferenceError)) throw failure;
    throw new StackFileError(
      `${source}: its YAML aliases (*name) are used or expanded more than ${MAX_YAML_ALIASES} times (nested anchors multiply, as in a "billion laughs" file): write the values out instead`,
    );
  }
  const reserved = prototypeKeys(value, "");
  if (reserved.length > 0)
    throw new StackFileError(
      `${source}: the key __proto__ is not allowed (at ${reserved.join(", ")}): it names no setting and would vanish`,
    );
  return value;
}

/** The bytes of a stack file, given as `option` (`--config-file`, or `stack file` for `Pulumi.<stack>.yaml`), read as every input file is (cli/shared/inputFile.ts). */
export function readStackBytes(path: string, option = "stack file"): Buffer {
  try {
    return readInputFile(option, path, MAX_STACK_FILE_BYTES);
  } catch (error) {
    if (error instanceof InputFileError) throw new StackFileError(error.message);
    throw error;
  }
}

/** The stack configuration in a stack file's bytes (`path` names it in messages). */
export function stackConfigOf(bytes: Buffer, path: string): StackConfig {
  return stackConfigFromDocument(parseYaml(decodeUtf8(bytes, path), path), path);
}

/** Reads `Pulumi.<stack>.yaml`, given as `option`. */
export function readStackFile(path: string, option = "stack file"): StackConfig {
  return stackConfigOf(readStackBytes(path, option), path);
}

/** Why `name` is not a Pulumi stack name (1-100 letters, digits, -, _ and .; never . or ..), or undefined. */
export function stackNameProblem(name: string): string | undefined {
  if (!/^[A-Za-z0-9_.-]{1,100}$/.test(name))
    return `--stack ${quoted(name)} is not a stack name: 1-100 letters, digits, -, _ and .`;
  if (name === "." || name === "..")
    return `--stack ${quoted(name)} is not a stack name: it would name a folder outside --out`;
  return undefined;
}

/** The project's name, from its Pulumi.yaml. */
export function projectName(projectDir: string): string {
  const project = parseYaml(readFileSync(join(projectDir, "Pulumi.yaml"), "utf8"), "Pulumi.yaml") as { name?: string };
  if (!project?.name) throw new StackFileError("Pulumi.yaml has no project name");
  return project.name;
}

/**
 * For a stack whose file Pulumi.<stack>.yaml is not in `projectDir`: the stacks that are, and the
 * closest to the one asked for; undefined when the file is there.
 */
export function missingStackHint(projectDir: string, stack: string): string | undefined {
  if (existsSync(join(projectDir, `Pulumi.${stack}.yaml`))) return undefined;
  const stacks = readdirSync(projectDir)
    .map((f) => /^Pulumi\.([^.]+)\.yaml$/.exec(f)?.[1])
    .filter((s): s is string => s !== undefined)
    .sort();
  if (stacks.length === 0) return `there is no Pulumi.<stack>.yaml in ${projectDir}`;
  const near = closest(stack, stacks);
  return `the stacks here are ${stacks.join(", ")}${distance(stack, near) <= 2 ? ` (did you mean ${near}?)` : ""}; a new stack starts from a stack file of its own (docs/your-own-stack.md)`;
}

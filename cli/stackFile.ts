import { readFileSync } from "node:fs";
import { load as parse } from "js-yaml";

/** What a `secure:` value becomes offline: its ciphertext cannot be decrypted without the stack's key. */
export const SECRET_PLACEHOLDER = "[secret: encrypted in the stack file, not decrypted offline]";

export interface StackConfig {
  /** Pulumi config map as the engine hands it to a program: `namespace:key` -> text (JSON for structured values). */
  readonly config: Record<string, string>;
  /** Keys whose value (or part of it) was a `secure:` value. */
  readonly secretKeys: string[];
}

export class StackFileError extends Error {}

function isSecure(value: unknown): value is { secure: string } {
  return typeof value === "object" && value !== null && Object.keys(value).length === 1 && typeof (value as { secure?: unknown }).secure === "string";
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

/** Turns the parsed `config:` block of a stack file into the engine's config map. */
export function stackConfigFromDocument(document: unknown, source: string): StackConfig {
  if (document === null || document === undefined) return { config: {}, secretKeys: [] };
  if (typeof document !== "object" || Array.isArray(document)) throw new StackFileError(`${source}: expected a mapping with a "config:" key`);
  const block = (document as { config?: unknown }).config ?? {};
  if (typeof block !== "object" || block === null || Array.isArray(block)) throw new StackFileError(`${source}: "config:" must be a mapping of namespace:key to value`);
  const config: Record<string, string> = {};
  const secretKeys: string[] = [];
  for (const [key, raw] of Object.entries(block)) {
    if (!key.includes(":")) throw new StackFileError(`${source}: config key "${key}" has no namespace; write it as genai-platform:${key}`);
    const { value, secret } = replaceSecure(raw);
    config[key] = typeof value === "string" ? value : JSON.stringify(value);
    if (secret) secretKeys.push(key);
  }
  return { config, secretKeys };
}

/** Reads `Pulumi.<stack>.yaml`. */
export function readStackFile(path: string): StackConfig {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    throw new StackFileError(`cannot read stack file ${path}`);
  }
  let document: unknown;
  try {
    document = parse(text);
  } catch (error) {
    throw new StackFileError(`${path} is not valid YAML: ${(error as Error).message.split("\n")[0]}`);
  }
  return stackConfigFromDocument(document, path);
}

// The stack file's reference, generated from the zod schema the loader checks it with (stacks/config.ts),
// through zod's JSON Schema: every key path with its type, whether it is required, its default and what
// is allowed. docs/configuration-reference.md is this text; test/docs.test.ts keeps the two equal.
import { z } from "zod";
import { markdownTable } from "markdown-table";
import { CONFIG_NAMESPACE, configSchema } from "../../stacks/config";

/** The part of JSON Schema that zod writes for this config. */
interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: JsonSchema | boolean;
  propertyNames?: JsonSchema;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  pattern?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
}

export interface ReferenceRow {
  readonly key: string;
  readonly type: string;
  readonly required: boolean;
  readonly default?: string;
  readonly allowed: string;
}

const code = (text: string) => `\`${text.replaceAll("`", "'")}\``;
const json = (value: unknown) => code(JSON.stringify(value));

/** What a leaf allows beyond its type: values, pattern, bounds, lengths. */
function allowed(s: JsonSchema): string {
  const parts: string[] = [];
  if (s.const !== undefined) parts.push(json(s.const));
  if (s.enum) parts.push(s.enum.map(json).join(", "));
  if (s.pattern) parts.push(`matches ${code(s.pattern)}`);
  if (s.format) parts.push(s.format);
  const bound = (low?: number, high?: number, what = "") =>
    low !== undefined && high !== undefined
      ? `${what}${low}–${high}`
      : low !== undefined
        ? `${what}at least ${low}`
        : high !== undefined
          ? `${what}at most ${high}`
          : undefined;
  // zod writes an integer's own range as its bound: not a limit a person needs to read.
  const high = s.maximum === Number.MAX_SAFE_INTEGER ? undefined : (s.maximum ?? s.exclusiveMaximum);
  const low = s.minimum === Number.MIN_SAFE_INTEGER ? undefined : (s.minimum ?? s.exclusiveMinimum);
  const value = bound(low, high);
  if (value) parts.push(s.exclusiveMinimum !== undefined ? `more than ${s.exclusiveMinimum}` : value);
  const length = bound(s.minLength, s.maxLength, "length ");
  if (length) parts.push(length);
  const items = bound(s.minItems, s.maxItems, "items ");
  if (items) parts.push(items);
  return parts.join("; ");
}

function typeOf(s: JsonSchema): string {
  if (s.anyOf ?? s.oneOf) return [...new Set((s.anyOf ?? s.oneOf)!.map(typeOf))].join(" or ");
  if (s.type === "object" && s.additionalProperties && typeof s.additionalProperties === "object" && !s.properties)
    return `map of ${typeOf(s.additionalProperties)}`;
  if (s.type === "array") return `list of ${s.items ? typeOf(s.items) : "values"}`;
  return Array.isArray(s.type) ? s.type.join(" or ") : (s.type ?? "any");
}

/** The discriminator of a union of objects (`kind`), when every option has one. */
function discriminator(options: JsonSchema[]): string | undefined {
  const keys = Object.keys(options[0]?.properties ?? {}).filter((k) =>
    options.every((o) => o.properties?.[k]?.const !== undefined),
  );
  return keys[0];
}

function walk(s: JsonSchema, key: string, required: boolean, rows: ReferenceRow[]): void {
  const options = s.anyOf ?? s.oneOf;
  const tag = options && discriminator(options);
  if (options && tag) {
    for (const option of options)
      walk(
        { ...option, ...(s.default !== undefined ? { default: s.default } : {}) },
        `${key} (${tag}: ${String(option.properties![tag]!.const)})`,
        required,
        rows,
      );
    return;
  }
  rows.push({
    key,
    type: typeOf(s),
    required,
    ...(s.default !== undefined ? { default: json(s.default) } : {}),
    allowed: options ? options.map(allowed).filter(Boolean).join(" or ") : allowed(s),
  });
  if (s.type === "array" && s.items && (s.items.properties || s.items.anyOf || s.items.oneOf))
    walk(s.items, `${key}[]`, false, rows);
  if (s.properties) {
    // Keys whose schemas are the same object (the two colours of a slot) are described once.
    const groups = new Map<string, string[]>();
    for (const [name, child] of Object.entries(s.properties)) {
      const shape = child.properties ? JSON.stringify(child) : `${name}`;
      groups.set(shape, [...(groups.get(shape) ?? []), name]);
    }
    for (const names of groups.values()) {
      const name = names.length > 1 ? `<${names.join("|")}>` : names[0]!;
      walk(s.properties[names[0]!]!, key ? `${key}.${name}` : name, (s.required ?? []).includes(names[0]!), rows);
    }
  }
  if (s.additionalProperties && typeof s.additionalProperties === "object" && !s.properties) {
    const value = s.additionalProperties;
    if (value.properties || value.anyOf || value.oneOf || value.additionalProperties)
      walk(value, `${key}.<name>`, false, rows);
  }
}

/** Every key path of the stack file's `genai-platform:` namespace, in the schema's order. */
export function configReferenceRows(): ReferenceRow[] {
  const schema = z.toJSONSchema(configSchema, { io: "input", unrepresentable: "any" }) as JsonSchema;
  const rows: ReferenceRow[] = [];
  for (const [name, child] of Object.entries(schema.properties ?? {}))
    walk(child, name, (schema.required ?? []).includes(name), rows);
  return rows;
}

export function configReferenceMarkdown(): string {
  const rows = configReferenceRows();
  const escape = (text: string) => text.replaceAll("|", "\\|");
  return `# Configuration reference

<!-- Generated from the zod schema in stacks/config.ts by cli/reports/configReference.ts; test/docs.test.ts
     fails when it differs (UPDATE_GOLDEN=1 npx vitest run test/docs.test.ts rewrites it). -->

Every key of a stack file's \`${CONFIG_NAMESPACE}:\` namespace, as the loader checks it: its type, whether
it must be given, its default and what it allows. \`<name>\` is a name you choose (an account, endpoint,
team or pool); \`[]\` is an item of a list. A key's meaning and the checks that span keys (regions in the
dated table, quota, address plans, a rollout's steps) are in [Configuration](configuration.md).

${markdownTable(
  [
    ["key", "type", "required", "default", "allowed"],
    ...rows.map((r) => [code(r.key), r.type, r.required ? "yes" : "", r.default ?? "", r.allowed].map(escape)),
  ],
  { padding: false, alignDelimiters: false },
)}
`;
}

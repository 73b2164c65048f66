// Reads an API Management policy document (the `value` of an apimanagement policy resource) so rules
// can check what it does: which elements each section holds, with their attributes, in order.
import { XMLParser, XMLValidator } from "fast-xml-parser";
import type { ReportViolation, ResourceValidationArgs } from "@pulumi/policy";
import { TYPES, baseType } from "./lib";

export interface PolicyElement {
  readonly tag: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly children: readonly PolicyElement[];
  /** The element's own text (a `<value>`, a `<set-body>`, an `<application-id>`), when it has any. */
  readonly text?: string;
}

export type PolicySection = "inbound" | "backend" | "outbound" | "on-error";

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: "",
  preserveOrder: true,
  parseAttributeValue: false,
  parseTagValue: false,
});

type Raw = Record<string, unknown> & { ":@"?: Record<string, string> };

function toElement(raw: Raw): PolicyElement | undefined {
  const tag = Object.keys(raw).find((k) => k !== ":@");
  if (!tag || tag === "#text") return undefined;
  const content = (raw[tag] as Raw[]) ?? [];
  const children = content.flatMap((c) => toElement(c) ?? []);
  const text = content.map((c) => (c["#text"] === undefined ? "" : String(c["#text"]))).join("");
  return { tag, attributes: raw[":@"] ?? {}, children, ...(text ? { text } : {}) };
}

type ReadDocument = { sections: Record<PolicySection, readonly PolicyElement[]> } | { problem: string };

/** Documents already read: several rules read each policy of a stack (the parsed model is never mutated). */
const readDocuments = new Map<string, ReadDocument>();
const READ_CACHE_SIZE = 64;

/** The document's sections, or a reason it cannot be read. */
export function readPolicyDocument(xml: string): ReadDocument {
  let read = readDocuments.get(xml);
  if (!read) {
    if (readDocuments.size >= READ_CACHE_SIZE) readDocuments.delete(readDocuments.keys().next().value!);
    readDocuments.set(xml, (read = parsePolicyDocument(xml)));
  }
  return read;
}

function parsePolicyDocument(xml: string): ReadDocument {
  const valid = XMLValidator.validate(xml);
  if (valid !== true)
    return { problem: `the policy is not well-formed XML: ${valid.err.msg} (line ${valid.err.line})` };
  const root = (parser.parse(xml) as Raw[]).flatMap((r) => toElement(r) ?? []).find((e) => e.tag === "policies");
  if (!root) return { problem: "the policy has no <policies> root" };
  const section = (name: PolicySection) => root.children.find((c) => c.tag === name)?.children ?? [];
  return {
    sections: {
      inbound: section("inbound"),
      backend: section("backend"),
      outbound: section("outbound"),
      "on-error": section("on-error"),
    },
  };
}

/** Every element of `elements` and their descendants, depth first. */
export function allElements(elements: readonly PolicyElement[]): PolicyElement[] {
  return elements.flatMap((e) => [e, ...allElements(e.children)]);
}

/**
 * A resource rule on policy documents (API policies unless `types` says otherwise): `check` sees the
 * parsed sections; an unreadable document is itself a violation.
 */
export function forApiPolicy(
  check: (sections: Record<PolicySection, readonly PolicyElement[]>, report: (message: string) => void) => void,
  types: readonly string[] = [TYPES.apimApiPolicy],
) {
  return (args: ResourceValidationArgs, report: ReportViolation): void => {
    if (!types.includes(baseType(args.type))) args.notApplicable(`applies only to ${types.join(", ")}`);
    const document = readPolicyDocument(String(args.props.value ?? ""));
    if ("problem" in document) report(document.problem);
    else check(document.sections, (message) => report(message));
  };
}

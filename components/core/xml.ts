// An XML element tree and its rendering through an XML library, which escapes every attribute value
// and text: the gateway's policy documents and the SVG charts (dashboard previews, load-test charts)
// are built with it.
import { XMLBuilder } from "fast-xml-parser";

/** One element: its tag, attributes, children and text. */
export interface XmlNode {
  readonly tag: string;
  readonly attributes?: Readonly<Record<string, string | number | boolean>>;
  readonly children?: readonly XmlNode[];
  readonly text?: string;
}

/** fast-xml-parser's ordered form: `{ [tag]: children, ":@": attributes }`, text as `{ "#text": ... }`. */
type Ordered = Record<string, unknown>;

function ordered(policy: XmlNode): Ordered {
  const children: Ordered[] = [
    ...(policy.text !== undefined ? [{ "#text": policy.text }] : []),
    ...(policy.children ?? []).map(ordered),
  ];
  const attributes = Object.entries(policy.attributes ?? {});
  return {
    [policy.tag]: children,
    ...(attributes.length > 0 ? { ":@": Object.fromEntries(attributes.map(([k, v]) => [k, String(v)])) } : {}),
  };
}

// The library escapes every attribute value and text (`&`, `<`, `>`, quotes) as it renders.
const builder = new XMLBuilder({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: "",
  format: true,
  indentBy: "  ",
  suppressEmptyNode: true,
});

/** An element with attributes, children and optional text. */
export const element = (
  tag: string,
  attributes: Readonly<Record<string, string | number>> = {},
  children: readonly XmlNode[] = [],
  text?: string,
): XmlNode => ({
  tag,
  attributes,
  children,
  ...(text !== undefined ? { text } : {}),
});

/** An element tree as indented XML. */
export function renderXml(root: XmlNode): string {
  return `${(builder.build([ordered(root)]) as string).trim()}\n`;
}

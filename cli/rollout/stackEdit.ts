// Edits one endpoint of a stack file in place: the YAML library parses the file and gives each node's
// source range, and each change is spliced into the text there, so comments, key order, quoting and
// layout of everything else stay byte for byte: a weight is one scalar replaced, a new colour one block
// inserted (targets as flow maps, as the stack files write them), a finished colour one block removed.
import { createTwoFilesPatch } from "diff";
import { Document, isMap, isScalar, parseDocument, type YAMLMap } from "yaml";
import { type RawEndpoint, type RawSlot } from "./machine";
import { COLOURS } from "../../components/core/colours";

export const MODELS_KEY = "genai-platform:models";

export class StackEditError extends Error {}

/** The stack file's document, refusing one the YAML library cannot read without loss. */
export function stackDocument(text: string, source: string): Document {
  const doc = parseDocument(text, { keepSourceTokens: true });
  if (doc.errors.length > 0) throw new StackEditError(`${source}: ${doc.errors.map((e) => e.message).join("; ")}`);
  return doc;
}

/** The endpoint's value as plain data. */
export function readEndpoint(doc: Document, endpoint: string): RawEndpoint | undefined {
  const node = doc.getIn(["config", MODELS_KEY, endpoint], true);
  return isMap(node) ? (node.toJSON() as RawEndpoint) : undefined;
}

/** Every endpoint name of the stack file. */
export function endpointNames(doc: Document): string[] {
  const models = doc.getIn(["config", MODELS_KEY], true);
  return isMap(models) ? models.items.map((pair) => String((pair.key as { value?: unknown })?.value ?? pair.key)) : [];
}

interface Edit {
  readonly from: number;
  readonly to: number;
  readonly text: string;
}
type Ranged = { range?: [number, number, number] | null };

const lineStart = (text: string, at: number) => text.lastIndexOf("\n", at - 1) + 1;
const lineEnd = (text: string, at: number) => {
  const next = text.indexOf("\n", at);
  return next === -1 ? text.length : next + 1;
};

/** The comment lines right above and right below the key line at `keyLine` that speak of weight 0 (the colour staged), as ranges. */
function stagedComments(text: string, keyLine: number): { from: number; to: number }[] {
  const isComment = (from: number, to: number) => /^\s*#/.test(text.slice(from, to));
  let above = keyLine;
  while (above > 0 && isComment(lineStart(text, above - 1), above)) above = lineStart(text, above - 1);
  const firstChild = lineEnd(text, keyLine);
  let below = firstChild;
  while (below < text.length && isComment(below, lineEnd(text, below))) below = lineEnd(text, below);
  return [
    { from: above, to: keyLine },
    { from: firstChild, to: below },
  ].filter((r) => r.from < r.to && /weight 0/i.test(text.slice(r.from, r.to)));
}

/** A target as one flow map, padded as the stack files write them: `{ kind: vllm, ... }`. */
function flowMap(value: unknown): string {
  const doc = new Document(value);
  (doc.contents as { flow?: boolean }).flow = true;
  return doc.toString({ lineWidth: 0 }).trimEnd();
}

/** The text of a slot as a block, its key at `indent` columns. */
function slotBlock(colour: string, slot: RawSlot, indent: number): string {
  const pad = " ".repeat(indent);
  const { weight, targets, ...rest } = slot;
  return (
    [
      `${pad}${colour}:`,
      `${pad}  weight: ${weight}`,
      ...Object.entries(rest).map(([k, v]) => `${pad}  ${k}: ${flowMap(v)}`),
      `${pad}  targets:`,
      ...targets.map((t) => `${pad}    - ${flowMap(t)}`),
    ].join("\n") + "\n"
  );
}

/**
 * The stack file's text after writing `after` over `before` for one endpoint. Each change is spliced into
 * the original text at the node's source range, so every other byte (comments, quoting, flow or block
 * style, blank lines) stays as it was.
 */
export function editEndpoint(
  text: string,
  doc: Document,
  endpoint: string,
  before: RawEndpoint,
  after: RawEndpoint,
): string {
  const at = ["config", MODELS_KEY, endpoint];
  const edits: Edit[] = [];
  const slots = doc.getIn([...at, "slots"], true) as YAMLMap | undefined;
  if (!isMap(slots)) throw new StackEditError(`${endpoint}: no slots mapping to edit`);
  // Lines are spliced into block mappings; a flow-style endpoint or slots map (`slots: { ... }`) would break.
  const flowAt = [
    at.slice(0, 2),
    at,
    [...at, "slots"],
    ...COLOURS.filter((c) => before.slots[c]).map((c) => [...at, "slots", c]),
  ].find((path) => (doc.getIn(path, true) as { flow?: boolean } | undefined)?.flow);
  if (flowAt)
    throw new StackEditError(
      `${flowAt.slice(1).join(".")} is written in flow style ({ ... }); write it as a block mapping (one key per line) so a rollout step can edit it line by line`,
    );
  const eol = text.includes("\r\n") ? "\r\n" : "\n";
  const pairOf = (map: YAMLMap, key: string) =>
    map.items.find((p) => String((p.key as { value?: unknown }).value) === key);
  const blockEnd = (pair: { key: unknown; value: unknown }) => {
    const value = (pair.value as Ranged).range!;
    return lineEnd(text, Math.max(value[1] - 1, (pair.key as Ranged).range![1]));
  };
  const keyIndent = (pair: { key: unknown }) =>
    (pair.key as Ranged).range![0] - lineStart(text, (pair.key as Ranged).range![0]);
  const firstSlot = slots.items[0];
  if (!firstSlot) throw new StackEditError(`${endpoint}: no slot to edit`);
  const lastSlot = slots.items[slots.items.length - 1]!;
  for (const colour of COLOURS) {
    const was = before.slots[colour];
    const now = after.slots[colour];
    const pair = pairOf(slots, colour);
    if (was && !now && pair)
      edits.push({ from: lineStart(text, (pair.key as Ranged).range![0]), to: blockEnd(pair), text: "" });
    else if (!was && now) {
      const end = blockEnd(lastSlot);
      edits.push({
        from: end,
        to: end,
        text: `${end > 0 && text[end - 1] !== "\n" ? eol : ""}${slotBlock(colour, now, keyIndent(firstSlot)).replaceAll("\n", eol)}`,
      });
    } else if (was && now && was.weight !== now.weight) {
      const weight = doc.getIn([...at, "slots", colour, "weight"], true) as Ranged | undefined;
      if (!isScalar(weight)) throw new StackEditError(`${endpoint}.slots.${colour}.weight is not a plain number`);
      edits.push({ from: weight.range![0], to: weight.range![1], text: String(now.weight) });
      // A comment above the colour that describes it as staged at weight 0 is no longer true once it serves everything.
      if (now.weight === 100 && pair) {
        for (const range of stagedComments(text, lineStart(text, (pair.key as Ranged).range![0])))
          edits.push({ ...range, text: "" });
      }
    }
  }
  const endpointMap = doc.getIn(at, true) as YAMLMap;
  const rollout = pairOf(endpointMap, "rollout");
  const slotsPair = pairOf(endpointMap, "slots")!;
  if (before.rollout && !after.rollout && rollout)
    edits.push({ from: lineStart(text, (rollout.key as Ranged).range![0]), to: blockEnd(rollout), text: "" });
  else if (after.rollout && JSON.stringify(after.rollout) !== JSON.stringify(before.rollout)) {
    const line = () => `${" ".repeat(keyIndent(slotsPair))}rollout: ${flowMap(after.rollout)}${eol}`;
    if (rollout) {
      // Rewritten where it stands (a removal and an insert at one offset would cut each other).
      const from = lineStart(text, (rollout.key as Ranged).range![0]);
      edits.push({ from, to: blockEnd(rollout), text: line() });
    } else {
      const end = blockEnd(slotsPair);
      edits.push({ from: end, to: end, text: `${end > 0 && text[end - 1] !== "\n" ? eol : ""}${line()}` });
    }
  }
  // Splice from the end of the file, so earlier offsets stay valid; inserts at one point keep their order.
  return edits
    .map((e, i) => ({ ...e, i }))
    .sort((a, b) => b.from - a.from || b.i - a.i)
    .reduce((out, e) => out.slice(0, e.from) + e.text + out.slice(e.to), text);
}

/** A unified diff of the stack file, for the person running the step. */
export function stackDiff(path: string, before: string, after: string): string {
  return createTwoFilesPatch(path, path, before, after, "", "", { context: 2 });
}

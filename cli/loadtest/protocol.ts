// What counts as an answer. A request succeeds only when the response is the protocol's: without
// streaming, Content-Type application/json and well-formed JSON of a chat completion (a non-empty
// `choices` list of messages) with a usage block; streaming, text/event-stream whose events are JSON
// chunks (each with a `choices` list), a usage chunk when stream_options.include_usage asked for one, and
// `data: [DONE]` at the end. Anything else is a failure of one kind, with a reason a person can read (every
// part a server wrote passed through `printable`): a gateway serving an HTML error page with status 200,
// an empty body, or a stream cut after two chunks must not pass for a healthy colour.
import { printable } from "../shared/terminalText";

/** Why a request failed, one word each: counted per kind in the summary. */
export type FailureKind =
  | `http-${number}`
  | "connect-failed"
  | "timeout-connect"
  | "timeout-first-byte"
  | "timeout-idle"
  | "content-type"
  | "malformed-json"
  | "not-a-completion"
  | "no-usage"
  | "no-done"
  | "error-event"
  | "stream-broken"
  | "too-large"
  | "request-failed";

/** A response that is not the protocol's, or a body that could not be read. */
export class ProtocolFailure extends Error {
  constructor(
    readonly kind: FailureKind,
    message: string,
  ) {
    super(message);
  }
}

/** The largest non-streaming body read: a chat completion of tens of thousands of tokens is well under it. */
export const MAX_BODY_BYTES = 4 * 1024 * 1024;

/** The media type of a Content-Type header, lower case, without parameters ("" when absent). */
export function mediaType(header: string | null | undefined): string {
  return (header ?? "").split(";")[0]!.trim().toLowerCase();
}

/** Fails unless the response's media type is `expected`. */
export function expectMediaType(header: string | null | undefined, expected: string): void {
  if (mediaType(header) !== expected)
    throw new ProtocolFailure(
      "content-type",
      `content type ${header ? JSON.stringify(printable(header, 80)) : "missing"}, not ${expected}`,
    );
}

/** A whole body as text, refusing one longer than `maxBytes`. */
export async function readBody(body: AsyncIterable<Uint8Array> | null, maxBytes = MAX_BODY_BYTES): Promise<string> {
  if (!body) return "";
  const chunks: Uint8Array[] = [];
  let bytes = 0;
  for await (const chunk of body) {
    bytes += chunk.byteLength;
    if (bytes > maxBytes) throw new ProtocolFailure("too-large", `a body longer than ${maxBytes} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, bytes).toString("utf8");
}

/** `text` parsed as JSON, or a malformed-json failure naming `what`. */
export function parseJson(text: string, what: string): unknown {
  if (text.trim() === "") throw new ProtocolFailure("malformed-json", `${what} is empty, not JSON`);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ProtocolFailure("malformed-json", `${what} is not well-formed JSON`);
  }
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);
const isCount = (value: unknown): value is number => typeof value === "number" && Number.isInteger(value) && value >= 0;

export interface Usage {
  readonly prompt_tokens: number;
  readonly completion_tokens?: number;
  readonly completion_tokens_details?: { readonly reasoning_tokens?: number };
}

/** The usage block of a completion, chunk or embeddings answer, when it has a well-formed one (completion tokens required unless `promptOnly`). */
export function usageOf(value: Record<string, unknown>, promptOnly = false): Usage | undefined {
  const usage = value.usage;
  if (!isObject(usage) || !isCount(usage.prompt_tokens) || (!promptOnly && !isCount(usage.completion_tokens)))
    return undefined;
  return usage as unknown as Usage;
}

/** The error an answer carries instead of content (`{"error": {...}}`), as printable text. */
function errorOf(value: Record<string, unknown>): string | undefined {
  if (value.error === undefined || value.error === null) return undefined;
  const message = isObject(value.error) ? value.error.message : value.error;
  return printable(typeof message === "string" ? message : (JSON.stringify(message) ?? ""), 300);
}

/** A non-streaming chat completion: its usage, or a failure. */
export function completionOf(value: unknown): Usage {
  if (!isObject(value)) throw new ProtocolFailure("not-a-completion", "the JSON is not an object");
  const error = errorOf(value);
  if (error !== undefined) throw new ProtocolFailure("error-event", `the answer is an error: ${error}`);
  const choices = value.choices;
  if (!Array.isArray(choices) || choices.length === 0 || !choices.every((c) => isObject(c) && isObject(c.message)))
    throw new ProtocolFailure("not-a-completion", "the JSON is not a chat completion (no choices with a message)");
  const usage = usageOf(value);
  if (!usage)
    throw new ProtocolFailure("no-usage", "the chat completion has no usage block (prompt_tokens, completion_tokens)");
  return usage;
}

/** One streamed chunk: whether it carries content, and its usage block; or a failure. `n` counts events from 1. */
export function chunkOf(value: unknown, n: number): { readonly content: boolean; readonly usage?: Usage } {
  if (!isObject(value)) throw new ProtocolFailure("not-a-completion", `event ${n} is not a JSON object`);
  const error = errorOf(value);
  if (error !== undefined) throw new ProtocolFailure("error-event", `event ${n} is an error: ${error}`);
  const choices = value.choices;
  if (!Array.isArray(choices))
    throw new ProtocolFailure("not-a-completion", `event ${n} is not a chat-completion chunk (no choices)`);
  let content = false;
  for (const choice of choices) {
    const delta = isObject(choice) ? choice.delta : undefined;
    if (isObject(delta) && typeof delta.content === "string" && delta.content.length > 0) content = true;
  }
  const usage = value.usage === undefined || value.usage === null ? undefined : usageOf(value);
  if (value.usage !== undefined && value.usage !== null && !usage)
    throw new ProtocolFailure("no-usage", `event ${n} has a malformed usage block`);
  return usage ? { content, usage } : { content };
}

/** An embeddings answer: its usage, or a failure. */
export function embeddingsOf(value: unknown): Usage {
  if (!isObject(value)) throw new ProtocolFailure("not-a-completion", "the JSON is not an object");
  const error = errorOf(value);
  if (error !== undefined) throw new ProtocolFailure("error-event", `the answer is an error: ${error}`);
  if (
    !Array.isArray(value.data) ||
    value.data.length === 0 ||
    !value.data.every((d) => isObject(d) && d.embedding !== undefined)
  )
    throw new ProtocolFailure("not-a-completion", "the JSON is not an embeddings answer (no data with an embedding)");
  const usage = usageOf(value, true);
  if (!usage) throw new ProtocolFailure("no-usage", "the embeddings answer has no usage block (prompt_tokens)");
  return usage;
}

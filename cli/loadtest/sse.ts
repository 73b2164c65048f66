// Server-sent events, read in one pass: each byte is looked at once (the line ends are found with
// Buffer#indexOf from where the last line ended, never from the start of a buffered line again), and a
// line spread over several chunks is joined once, when its end arrives. A line, or an event's data, over
// the limit fails the stream instead of growing without bound. Per the EventSource specification: lines
// end in CR, LF or CRLF; a blank line dispatches the event; `data:` lines join with a newline; `:` starts
// a comment; one space after the colon is dropped; a leading byte order mark is skipped.

/** The longest line, and the most data of one event, a stream may send: a chat-completion chunk is a few hundred bytes. */
export const MAX_LINE_BYTES = 1024 * 1024;

/** A line or an event longer than the limit. */
export class SseTooLarge extends Error {}

export interface SseEvent {
  /** The `event:` field, when the server named one. */
  readonly event?: string;
  readonly data: string;
}

const LF = 0x0a;
const CR = 0x0d;

/** Incremental decoder: push the body's chunks in order, get the events each completes. */
export class SseDecoder {
  private parts: Buffer[] = [];
  private partBytes = 0;
  private afterCr = false;
  private started = false;
  private data: string[] | undefined;
  private dataBytes = 0;
  private event: string | undefined;

  constructor(private readonly maxBytes = MAX_LINE_BYTES) {}

  push(chunk: Uint8Array): SseEvent[] {
    const buf = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const events: SseEvent[] = [];
    let start = 0;
    if (this.afterCr && start < buf.length) {
      // A CR ended the previous chunk: an LF first in this one belongs to it.
      if (buf[start] === LF) start++;
      this.afterCr = false;
    }
    let lf = buf.indexOf(LF, start);
    let cr = buf.indexOf(CR, start);
    while (lf !== -1 || cr !== -1) {
      let next: number;
      const end = cr !== -1 && (lf === -1 || cr < lf) ? cr : lf;
      if (end === cr) {
        if (cr + 1 < buf.length) next = buf[cr + 1] === LF ? cr + 2 : cr + 1;
        else {
          next = cr + 1;
          this.afterCr = true;
        }
      } else next = lf + 1;
      const bytes = this.partBytes + end - start;
      this.line(this.take(buf, start, end), bytes, events);
      start = next;
      if (lf !== -1 && lf < start) lf = buf.indexOf(LF, start);
      if (cr !== -1 && cr < start) cr = buf.indexOf(CR, start);
    }
    if (start < buf.length) {
      this.grow(buf.length - start);
      this.parts.push(buf.subarray(start));
    }
    return events;
  }

  private grow(bytes: number): void {
    this.partBytes += bytes;
    if (this.partBytes > this.maxBytes)
      throw new SseTooLarge(`an event-stream line longer than ${this.maxBytes} bytes`);
  }

  /** The line ending at `end`, with whatever earlier chunks held of it. */
  private take(buf: Buffer, start: number, end: number): string {
    if (this.parts.length === 0) {
      if (end - start > this.maxBytes) throw new SseTooLarge(`an event-stream line longer than ${this.maxBytes} bytes`);
      return buf.toString("utf8", start, end);
    }
    this.grow(end - start);
    this.parts.push(buf.subarray(start, end));
    const line = Buffer.concat(this.parts, this.partBytes).toString("utf8");
    this.parts = [];
    this.partBytes = 0;
    return line;
  }

  private line(text: string, bytes: number, events: SseEvent[]): void {
    if (!this.started) {
      this.started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    if (text === "") {
      if (this.data !== undefined) {
        const data = this.data.join("\n");
        if (data !== "" || this.data.length > 1)
          events.push({ ...(this.event !== undefined ? { event: this.event } : {}), data });
      }
      this.data = undefined;
      this.dataBytes = 0;
      this.event = undefined;
      return;
    }
    if (text.charCodeAt(0) === 0x3a) return; // a comment
    const colon = text.indexOf(":");
    const field = colon === -1 ? text : text.slice(0, colon);
    const value = colon === -1 ? "" : text.slice(text.charCodeAt(colon + 1) === 0x20 ? colon + 2 : colon + 1);
    if (field === "data") {
      this.dataBytes += bytes;
      if (this.dataBytes > this.maxBytes)
        throw new SseTooLarge(`an event-stream event with more than ${this.maxBytes} bytes of data`);
      (this.data ??= []).push(value);
    } else if (field === "event") this.event = value;
  }
}

/** The events of a body, as each completes; throws SseTooLarge past the limit. An event left open at the end is dropped, as the specification says. */
export async function* sseEvents(body: AsyncIterable<Uint8Array>, maxBytes = MAX_LINE_BYTES): AsyncGenerator<SseEvent> {
  const decoder = new SseDecoder(maxBytes);
  for await (const chunk of body) yield* decoder.push(chunk);
}

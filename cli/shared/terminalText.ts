// Text on its way to a terminal, in one place for every command.
// - What a remote server or a file sent (error bodies, header values, resource names, messages) is made
//   `printable`: escape sequences (CSI, OSC, DCS and the other ESC forms, in their 7-bit and 8-bit C1
//   spellings) removed whole, then every other control character, so a crafted answer can neither move
//   the cursor, retitle the terminal nor reorder what a person reads.
// - What a person gave (an option's value, a path) is echoed `quoted`: every control, invisible format
//   character and line separator shown escaped (`"dev\u001b]0;x"`), so the input stays recognisable.
import { CONTROL } from "../../stacks/config";

/** Escape sequences, whole: CSI (ESC [ or 0x9B), OSC / DCS / SOS / PM / APC strings up to their terminator (or the end), and two-byte ESC forms. */
const SEQUENCE =
  /(?:\u001b\[|\u009b)[0-?]*[ -/]*[@-~]?|(?:\u001b[\]PX^_]|[\u0090\u0098\u009d\u009e\u009f])[^\u0007\u001b\u009c]*(?:\u0007|\u001b\\|\u009c)?|\u001b[ -/]*[0-~]?/g;
/** Control characters but newline (C0, DEL, C1) and the bidirectional embeddings, overrides and isolates that reorder what a person reads. */
const STRIPPED = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;
/** Characters that change or hide how text reads: controls, format characters (Cf) and the Unicode line and paragraph separators. */
const UNSAFE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu;
const INVISIBLE = /[\p{Cf}\p{Zl}\p{Zp}]/u;
/** UNSAFE but the newline, the tab and the carriage return of a CRLF line end. */
const UNSAFE_IN_LINES = /\r(?!\n)|[^\P{Cc}\n\t\r]|[\p{Cf}\p{Zl}\p{Zp}]/gu;
/** What JSON.stringify leaves unescaped that a terminal may still act on: DEL, C1 and the format characters. */
const JSON_UNSAFE = /[\u007f-\u009f\p{Cf}\p{Zl}\p{Zp}]/gu;

const escaped = (c: string): string => {
  const code = c.codePointAt(0)!;
  return code > 0xffff ? `\\u{${code.toString(16)}}` : `\\u${code.toString(16).padStart(4, "0")}`;
};

/** Untrusted `text` without escape sequences and control characters (newline kept, tab as a space), at most `max` characters then an ellipsis. */
export function printable(text: string, max = Number.POSITIVE_INFINITY): string {
  const clean = text.replace(SEQUENCE, "").replace(/\t/g, " ").replace(STRIPPED, "");
  return clean.length > max ? `${clean.slice(0, max)}… (${clean.length - max} more characters)` : clean;
}

/** Untrusted `text` on one line, printable (a table cell). */
export function oneLine(text: string): string {
  return printable(text).replace(/\r?\n/g, " ");
}

/** `value` in double quotes, JSON-escaped, with every other unsafe character as `\uXXXX` (or `\u{XXXXX}`). */
export function quoted(value: string): string {
  return JSON.stringify(value).replace(UNSAFE, escaped);
}

/** `text` (a message naming what a user gave) as printed: lines kept, every other control, format or separator character escaped. */
export function printed(text: string): string {
  return text.replace(UNSAFE_IN_LINES, escaped);
}

/** `value` as JSON whose text a terminal shows as it is: every character it could act on escaped, so the values are unchanged. */
export function terminalJson(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(JSON_UNSAFE, escaped);
}

/** A name as it is when it is plain (letters, digits, `.-_/:@`), else quoted and escaped. */
export function safeName(value: unknown): string {
  const text = String(value);
  return /^[\w.\-/:@]+$/.test(text) ? text : quoted(text);
}

/** Why option `name`'s value cannot be used: it holds a control or invisible format character; undefined when it is plain text. */
export function textProblem(name: string, value: string): string | undefined {
  if (!CONTROL.test(value) && !INVISIBLE.test(value)) return undefined;
  return `${name} ${quoted(value)} holds a control character or an invisible format character (newline, escape, zero-width, bidirectional override): give the value as plain text on one line`;
}

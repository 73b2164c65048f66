// Text a person or a file gave the rollout, made safe to print: control characters, invisible format
// characters (bidirectional overrides, zero-width characters) and line or paragraph separators are
// escaped, so a message can neither move the terminal's cursor, retitle it, reorder what is read, nor
// hide part of a value.
import { CONTROL } from "../../stacks/config";

/** Characters that change or hide how text reads: format characters (Cf) and the Unicode line and paragraph separators. */
const INVISIBLE = /[\p{Cf}\p{Zl}\p{Zp}]/u;
const UNSAFE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu;
/** UNSAFE but the newline, the tab and the carriage return of a CRLF line end. */
const UNSAFE_IN_LINES = /\r(?!\n)|[^\P{Cc}\n\t\r]|[\p{Cf}\p{Zl}\p{Zp}]/gu;

const escaped = (c: string) => {
  const code = c.codePointAt(0)!;
  return code > 0xffff ? `\\u{${code.toString(16)}}` : `\\u${code.toString(16).padStart(4, "0")}`;
};

/** `value` in double quotes, JSON-escaped, with every other unsafe character as `\uXXXX` (or `\u{XXXXX}`). */
export function shown(value: string): string {
  return JSON.stringify(value).replace(UNSAFE, escaped);
}

/** `text` as printed: lines kept, every other control, format or separator character escaped. */
export function printed(text: string): string {
  return text.replace(UNSAFE_IN_LINES, escaped);
}

/** A name as it is when it is plain (letters, digits, `.-_/:@`), else shown quoted and escaped. */
export function safeName(value: unknown): string {
  const text = String(value);
  return /^[\w.\-/:@]+$/.test(text) ? text : shown(text);
}

/** Why the text of option `--name` cannot be used: it holds a control or invisible format character. */
export function textProblem(name: string, value: string): string | undefined {
  if (!CONTROL.test(value) && !INVISIBLE.test(value)) return undefined;
  return `--${name} ${shown(value)} holds a control character or an invisible format character (newline, escape, zero-width, bidirectional override): give the value as plain text on one line`;
}

// Text a remote server sent (error bodies, header values, reasons quoting them), made safe to print on a
// terminal: escape sequences (CSI, OSC, DCS and the other ESC forms, in their 7-bit and 8-bit C1
// spellings) are removed whole, then every other control character (C0 but tab and newline, DEL, C1) and
// the bidirectional overrides that reorder what a person reads. The load test and the smoke test pass
// everything a server says through it before it reaches a table, a message or the results file.

/** Escape sequences, whole: CSI (ESC [ or 0x9B), OSC / DCS / SOS / PM / APC strings up to their terminator (or the end), and two-byte ESC forms. */
const SEQUENCE = /(?:\u001b\[|\u009b)[0-?]*[ -/]*[@-~]?|(?:\u001b[\]PX^_]|[\u0090\u0098\u009d\u009e\u009f])[^\u0007\u001b\u009c]*(?:\u0007|\u001b\\|\u009c)?|\u001b[ -/]*[0-~]?/g;
/** Control characters left after the sequences: C0 but tab and newline, DEL, C1, and the bidirectional embeddings, overrides and isolates. */
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/** `text` without escape sequences and control characters (tab and newline kept), at most `max` characters then an ellipsis. */
export function printable(text: string, max = Number.POSITIVE_INFINITY): string {
  const clean = text.replace(SEQUENCE, "").replace(CONTROL, "");
  return clean.length > max ? `${clean.slice(0, max)}… (${clean.length - max} more characters)` : clean;
}

// The load and smoke tests' arguments, checked before anything is sent: numbers written in decimal digits
// and in range (`''` is not 0, `0x19` is not 25), string options without control characters, the
// gateway's base URL, an endpoint name, the --timeout limits, and every path a file will be written to.
// Each refusal names the option, the value (a secret never) and what is allowed; the commands exit 2.
import { accessSync, constants, lstatSync, realpathSync, statSync, type Stats } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { CONTROL } from "../../stacks/config";
import { fsReason, kernelFileSystem } from "../shared/outWriter";
import { quoted } from "../shared/terminalText";
import { DEFAULT_TIMEOUTS, type Timeouts } from "./transport";
import { UsageError } from "../shared/io";

/** A number written in decimal digits (with `fraction`, optionally a point and more digits), from `min` to `max`. */
export function decimal(
  option: string,
  raw: string,
  range: { readonly min: number; readonly max: number; readonly fraction?: boolean },
): number {
  const written = range.fraction ? /^\d{1,9}(?:\.\d{1,6})?$/ : /^\d{1,12}$/;
  const n = Number(raw);
  if (!written.test(raw) || n < range.min || n > range.max) {
    throw new UsageError(
      `--${option} ${quoted(raw)}: give ${range.fraction ? "a number" : "a whole number"} from ${range.min} to ${range.max} in decimal digits${range.fraction ? " (a fraction with a point, as 0.5)" : ""}`,
    );
  }
  return n;
}

/** Refuses a string option (or environment variable, named as `what`) holding a control character; a secret is never echoed. */
export function plainText(what: string, value: string, secret = false): string {
  if (CONTROL.test(value))
    throw new UsageError(
      `${what} ${secret ? "" : `${quoted(value)} `}holds a control character (a newline, tab or escape): give the value on one line`,
    );
  return value;
}

/** The gateway's base URL: http(s), a host, no credentials, query, fragment, space or control character. */
export function gatewayUrl(raw: string | undefined): string {
  const allowed = "the gateway's base URL, https://<host>[:port][/path] (pulumi stack output gatewayUrl)";
  if (!raw) throw new UsageError(`--gateway is required: ${allowed}`);
  if (/\s/.test(raw) || CONTROL.test(raw))
    throw new UsageError(`--gateway ${quoted(raw)} holds a space or a control character: give ${allowed}`);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`--gateway ${quoted(raw)} is not a URL: give ${allowed}`);
  }
  if (!/^https?:\/\//i.test(raw) || (url.protocol !== "https:" && url.protocol !== "http:"))
    throw new UsageError(`--gateway ${quoted(raw)}: give ${allowed} (http or https)`);
  if (!url.hostname) throw new UsageError(`--gateway ${quoted(raw)} names no host: give ${allowed}`);
  if (url.username || url.password)
    throw new UsageError(
      "--gateway holds credentials (user:password@): give the URL without them, and a key with --api-key",
    );
  if (raw.includes("?") || raw.includes("#"))
    throw new UsageError(`--gateway ${quoted(raw)} holds a query or a fragment: give ${allowed}`);
  return raw;
}

/**
 * The stack configuration's endpoint name rule (stacks/config.ts ENDPOINT_NAME, the keys of `models:`;
 * not exported there, and a test holds the two to the same names): the name ends up in the request path
 * (`/openai/deployments/<name>/...`), so nothing but a name gets there.
 */
const ENDPOINT_NAME = /^(?=.{1,24}$)[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;

export function endpointName(raw: string | undefined): string {
  if (!raw) throw new UsageError("--endpoint is required: a model endpoint name of the stack (a key of models:)");
  if (!ENDPOINT_NAME.test(raw))
    throw new UsageError(
      `--endpoint ${quoted(raw)} is not an endpoint name: 1-24 lower-case ASCII letters, digits and single hyphens, starting with a letter and not ending with a hyphen (a key of the stack's models:)`,
    );
  return raw;
}

/** --timeout's limits by the name a person gives them. */
const PHASES = new Map<string, keyof Timeouts>([
  ["connect", "connectMs"],
  ["first-byte", "firstByteMs"],
  ["idle", "idleMs"],
]);
const TIMEOUT_RANGE = { min: 1, max: 3600 } as const;

/** How --timeout is written, with its defaults, for the usage line and messages. */
/** --timeout's line in a command's --help. */
export const TIMEOUT_HELP = `limits in seconds, each or all (default connect=${DEFAULT_TIMEOUTS.connectMs / 1000},first-byte=${DEFAULT_TIMEOUTS.firstByteMs / 1000},idle=${DEFAULT_TIMEOUTS.idleMs / 1000})`;
export const TIMEOUT_USAGE = `--timeout S | connect=S,first-byte=S,idle=S (seconds, default connect=${DEFAULT_TIMEOUTS.connectMs / 1000},first-byte=${DEFAULT_TIMEOUTS.firstByteMs / 1000},idle=${DEFAULT_TIMEOUTS.idleMs / 1000})`;

/** `--timeout S` (every limit) or `connect=S,first-byte=S,idle=S` (any of them; the others keep their defaults), in whole seconds. */
export function timeouts(raw: string | undefined): Timeouts {
  if (raw === undefined) return DEFAULT_TIMEOUTS;
  if (!raw.includes("=")) {
    const ms = decimal("timeout", raw, TIMEOUT_RANGE) * 1000;
    return { connectMs: ms, firstByteMs: ms, idleMs: ms };
  }
  const set = new Map<keyof Timeouts, number>();
  for (const part of raw.split(",")) {
    const [name = "", value, extra] = part.split("=");
    const key = PHASES.get(name);
    if (key === undefined || value === undefined || extra !== undefined)
      throw new UsageError(`--timeout ${quoted(raw)}: ${quoted(part)} is not a limit; give ${TIMEOUT_USAGE}`);
    if (set.has(key)) throw new UsageError(`--timeout ${quoted(raw)}: ${name} is given twice`);
    set.set(key, decimal(`timeout ${name}`, value, TIMEOUT_RANGE) * 1000);
  }
  return {
    connectMs: set.get("connectMs") ?? DEFAULT_TIMEOUTS.connectMs,
    firstByteMs: set.get("firstByteMs") ?? DEFAULT_TIMEOUTS.firstByteMs,
    idleMs: set.get("idleMs") ?? DEFAULT_TIMEOUTS.idleMs,
  };
}

function stat(path: string, follow: boolean): Stats | undefined {
  try {
    return follow ? statSync(path) : lstatSync(path);
  } catch {
    return undefined;
  }
}

/**
 * Why a file (`kind` file) or a folder of files (`kind` folder) cannot be written at `path`, or undefined:
 * something else in the way, a file where a folder must be on the way to it, a kernel file system, or a
 * folder the user may not write in. Checked before a run, so no result is lost to a path that was wrong.
 */
export function outputProblem(path: string, kind: "file" | "folder"): string | undefined {
  const absolute = resolve(path);
  const here = kind === "file" ? stat(absolute, false) : stat(absolute, true);
  if (here) {
    if (kind === "folder" && !here.isDirectory()) return `${absolute} is a file, not a folder`;
    if (kind === "file" && here.isDirectory()) return `${absolute} is a folder, not a file`;
    if (kind === "file" && !here.isFile()) return `${absolute} is not a regular file (a link, device or socket)`;
  }
  // The nearest folder that exists: the file or folders are created in it.
  let existing = kind === "folder" && here ? absolute : dirname(absolute);
  for (;;) {
    const s = stat(existing, true);
    if (s) {
      if (!s.isDirectory()) return `${existing} is a file, so nothing can be written under it`;
      break;
    }
    if (dirname(existing) === existing) break;
    existing = dirname(existing);
  }
  let realExisting: string;
  try {
    realExisting = realpathSync(existing);
  } catch (error) {
    return `cannot read ${existing}: ${fsReason(error)}`;
  }
  // By where the path leads (/proc, /sys, /dev), or by the type of the file system it would be written on.
  const kernel =
    kernelFileSystem(join(realExisting, absolute.slice(existing.length))) ?? kernelFileSystem(realExisting);
  if (kernel) return `${absolute} is on ${kernel}, a kernel file system, not a disk`;
  try {
    accessSync(existing, constants.W_OK | constants.X_OK);
  } catch (error) {
    return `cannot write in ${existing}: ${fsReason(error)}`;
  }
  return undefined;
}

/** The largest prompt set read: one prompt a line, far more than a run sends. */
export const MAX_PROMPT_SET_BYTES = 16 * 1024 * 1024;

/** The data-plane api-version of the Azure path shape: it goes into the query string as given. */
export function apiVersion(raw: string): string {
  if (!/^(?:\d{4}-\d{2}-\d{2}(?:-preview)?|preview|latest)$/.test(raw))
    throw new UsageError(
      `--api-version ${quoted(raw)}: give an api-version such as 2025-04-01-preview (YYYY-MM-DD, optionally -preview; or preview, latest)`,
    );
  return raw;
}

/** The Entra ID audience whose token is asked for (`<audience>/.default`): a URI or an application id, without spaces. */
export function audience(raw: string): string {
  plainText("--audience", raw);
  if (!/^\S{1,200}$/.test(raw))
    throw new UsageError(
      `--audience ${quoted(raw)}: give the gateway's audience, a URI such as api://genai-gateway or an application id, without spaces`,
    );
  return raw;
}

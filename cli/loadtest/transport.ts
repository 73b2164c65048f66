// The HTTP transport under the `openai` client: its documented `fetch` hook, served by undici's
// `request` API instead of the global `fetch`. Node's global fetch (undici's Fetch-standard path) clones
// every request body and registers every response stream and abort signal for finalization; V8's
// young-generation collector keeps those alive, so at a few hundred streaming requests a second the
// load generator spent ~5 ms pauses copying them. Measured on the benchmark
// (docs/load-and-smoke-tests.md). The client builds the requests (auth, headers, errors on a status other than 2xx); the
// load test reads and checks the bodies itself (cli/loadtest/request.ts).
//
// As the global fetch: asks for and decodes gzip and deflate; an abort stops the request and frees the
// socket. Three limits, each `--timeout`: connecting (TCP, and TLS for https), the first byte of the
// answer through its last header (so a server that trickles its headers is cut off too), and the
// silence between two body chunks. Unlike the global fetch: follows no redirect (a gateway answers, it
// does not redirect; a 3xx reaches the client as an error) and uses no proxy (Node 24's
// NODE_USE_ENV_PROXY does not apply). Bodies other than strings and bytes, and Request objects, go to the
// global fetch (the client sends JSON strings).
import { Readable, pipeline } from "node:stream";
import { createGunzip, createInflate } from "node:zlib";
import { Agent, request } from "undici";
import { hasOwn } from "../../components/core/own";

/** How long a request may take to connect, to start answering (through its headers), and fall silent between body chunks. */
export interface Timeouts {
  readonly connectMs: number;
  readonly firstByteMs: number;
  readonly idleMs: number;
}

/** The limits when `--timeout` does not set them: a gateway connects in well under a second and starts a stream at once; a non-streaming answer of --max-tokens 256 takes seconds. */
export const DEFAULT_TIMEOUTS: Timeouts = { connectMs: 10_000, firstByteMs: 60_000, idleMs: 60_000 };

export interface TransportOptions {
  readonly timeouts?: Timeouts;
}

/**
 * Where the transport leaves the error that ended a request before its response, for the caller: the
 * `openai` client replaces a timeout by its own error without a cause. The caller passes an ErrorSlot
 * under this key in the client's per-request `fetchOptions`.
 */
export const TRANSPORT_ERROR = Symbol("loadtest.transportError");
export interface ErrorSlot {
  error?: unknown;
}

/** The transport's limits by the error code undici ends a request with. */
const LIMITS = new Map<string, { readonly phase: string; readonly of: (t: Timeouts) => number }>([
  ["UND_ERR_CONNECT_TIMEOUT", { phase: "connect", of: (t) => t.connectMs }],
  ["UND_ERR_HEADERS_TIMEOUT", { phase: "first byte", of: (t) => t.firstByteMs }],
  ["UND_ERR_BODY_TIMEOUT", { phase: "idle", of: (t) => t.idleMs }],
]);

/** "timeout (first byte after 60 s)" when `error`, or an error it wraps, is one of the transport's limits; else undefined. */
export function timeoutReason(
  error: unknown,
  timeouts: Timeouts,
): { readonly phase: string; readonly reason: string } | undefined {
  for (let e = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    const limit = typeof code === "string" ? LIMITS.get(code) : undefined;
    if (limit) return { phase: limit.phase, reason: `timeout (${limit.phase} after ${limit.of(timeouts) / 1000} s)` };
  }
  return undefined;
}

/** Statuses whose response has no body (a Response with one would throw). */
const NULL_BODY = new Set([101, 103, 204, 205, 304]);
/** Request headers the transport sets itself (as fetch forbids callers to). */
const OWN_HEADERS = new Set(["host", "connection", "keep-alive", "content-length", "transfer-encoding"]);
const DECODERS: Readonly<Record<string, () => NodeJS.ReadWriteStream>> = {
  gzip: createGunzip,
  "x-gzip": createGunzip,
  deflate: createInflate,
};

function responseHeaders(raw: Record<string, string | string[] | undefined>): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(raw)) {
    for (const one of Array.isArray(value) ? value : value === undefined ? [] : [value]) headers.append(name, one);
  }
  return headers;
}

/** The body decoded per its content-encoding (gzip, deflate, in order), or as it came. */
function decoded(body: Readable, encoding: string | null): Readable {
  const codings = (encoding ?? "")
    .split(",")
    .map((c) => c.trim().toLowerCase())
    .filter((c) => c && c !== "identity");
  if (codings.length === 0 || !codings.every((c) => hasOwn(DECODERS, c))) return body;
  const stages = codings.reverse().map((c) => DECODERS[c]!());
  return pipeline([body, ...stages], () => undefined) as unknown as Readable;
}

/** A `fetch` for the `openai` client's `fetch` option. */
export function createFetch(
  options: TransportOptions = {},
): (input: string | URL | Request, init?: RequestInit) => Promise<Response> {
  // Keep-alive connections, as many as the load needs.
  const timeouts = options.timeouts ?? DEFAULT_TIMEOUTS;
  const agent = new Agent({
    keepAliveTimeout: 60_000,
    connect: { timeout: timeouts.connectMs },
    headersTimeout: timeouts.firstByteMs,
    bodyTimeout: timeouts.idleMs,
  });
  return async (input, init = {}) => {
    const body = init.body ?? undefined;
    if (input instanceof Request || (body !== undefined && typeof body !== "string" && !(body instanceof Uint8Array)))
      return fetch(input, init);
    const headers: Record<string, string> = { "accept-encoding": "gzip, deflate" };
    new Headers(init.headers).forEach((value, name) => {
      if (!OWN_HEADERS.has(name)) headers[name] = value;
    });
    let response;
    try {
      response = await request(typeof input === "string" ? input : input.href, {
        method: (init.method ?? "GET") as "GET",
        headers,
        ...(body !== undefined ? { body } : {}),
        ...(init.signal ? { signal: init.signal } : {}),
        dispatcher: agent,
      });
    } catch (error) {
      const slot = (init as { [TRANSPORT_ERROR]?: ErrorSlot })[TRANSPORT_ERROR];
      if (slot) slot.error = error;
      throw error;
    }
    try {
      const status = response.statusCode;
      const headersOut = responseHeaders(response.headers);
      if (NULL_BODY.has(status) || init.method === "HEAD") {
        await response.body.dump();
        return new Response(null, { status, headers: headersOut });
      }
      const stream = decoded(response.body, headersOut.get("content-encoding"));
      return new Response(Readable.toWeb(stream) as ReadableStream<Uint8Array>, { status, headers: headersOut });
    } catch (error) {
      // A status the Response constructor refuses (outside 200-599): free the socket, then fail.
      response.body.destroy();
      throw error;
    }
  };
}

/** The transport with the default limits (each client builds its own with the run's: cli/loadtest/request.ts). */
export const fetchForClient = createFetch();

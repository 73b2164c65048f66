// The HTTP transport under the `openai` client: its documented `fetch` hook, served by undici's
// `request` API instead of the global `fetch`. Node's global fetch (undici's Fetch-standard path) clones
// every request body and registers every response stream and abort signal for finalization; V8's
// young-generation collector keeps those alive, so at a few hundred streaming requests a second the
// load generator spent ~5 ms pauses copying them. Measured on the benchmark (README, "Verify what you
// deployed"). The client itself (SSE parsing, auth, headers, errors) is unchanged.
//
// As the global fetch: asks for and decodes gzip and deflate; a stream silent for 300 s fails (the
// client's own timeout stops at the headers); an abort stops the request and frees the socket. Unlike
// it: follows no redirect (a gateway answers, it does not redirect; a 3xx reaches the client as an
// error) and uses no proxy (Node 24's NODE_USE_ENV_PROXY does not apply). Bodies other than strings and
// bytes, and Request objects, go to the global fetch (the client sends JSON strings).
import { Readable, pipeline } from "node:stream";
import { createGunzip, createInflate } from "node:zlib";
import { Agent, request } from "undici";
import { hasOwn } from "../../components/core/own";

export interface TransportOptions {
  /** Longest silence between two body chunks before the response fails (Node's fetch: 300 s). */
  readonly bodyTimeoutMs?: number;
}

/** Statuses whose response has no body (a Response with one would throw). */
const NULL_BODY = new Set([101, 103, 204, 205, 304]);
/** Request headers the transport sets itself (as fetch forbids callers to). */
const OWN_HEADERS = new Set(["host", "connection", "keep-alive", "content-length", "transfer-encoding"]);
const DECODERS: Readonly<Record<string, () => NodeJS.ReadWriteStream>> = { gzip: createGunzip, "x-gzip": createGunzip, deflate: createInflate };

function responseHeaders(raw: Record<string, string | string[] | undefined>): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(raw)) {
    for (const one of Array.isArray(value) ? value : value === undefined ? [] : [value]) headers.append(name, one);
  }
  return headers;
}

/** The body decoded per its content-encoding (gzip, deflate, in order), or as it came. */
function decoded(body: Readable, encoding: string | null): Readable {
  const codings = (encoding ?? "").split(",").map((c) => c.trim().toLowerCase()).filter((c) => c && c !== "identity");
  if (codings.length === 0 || !codings.every((c) => hasOwn(DECODERS, c))) return body;
  const stages = codings.reverse().map((c) => DECODERS[c]!());
  return pipeline([body, ...stages], () => undefined) as unknown as Readable;
}

/** A `fetch` for the `openai` client's `fetch` option. */
export function createFetch(options: TransportOptions = {}): (input: string | URL | Request, init?: RequestInit) => Promise<Response> {
  // Keep-alive connections, as many as the load needs; the time to the headers is the client's timeout.
  const agent = new Agent({ keepAliveTimeout: 60_000, headersTimeout: 0, bodyTimeout: options.bodyTimeoutMs ?? 300_000 });
  return async (input, init = {}) => {
    const body = init.body ?? undefined;
    if (input instanceof Request || (body !== undefined && typeof body !== "string" && !(body instanceof Uint8Array))) return fetch(input, init);
    const headers: Record<string, string> = { "accept-encoding": "gzip, deflate" };
    new Headers(init.headers).forEach((value, name) => {
      if (!OWN_HEADERS.has(name)) headers[name] = value;
    });
    const response = await request(typeof input === "string" ? input : input.href, {
      method: (init.method ?? "GET") as "GET",
      headers,
      ...(body !== undefined ? { body } : {}),
      ...(init.signal ? { signal: init.signal } : {}),
      dispatcher: agent,
    });
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

/** The transport every load test, smoke test and rollout gate uses. */
export const fetchForClient = createFetch();

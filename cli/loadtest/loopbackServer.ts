// An OpenAI-compatible chat-completions server on loopback with controlled timing and failures: the
// instrument's tests and its benchmark drive it instead of a cloud. It answers both URL shapes the
// gateway serves (`/openai/deployments/<name>/chat/completions` and `/openai/v1/chat/completions`),
// streams server-sent events as the OpenAI API does (a usage chunk last when asked), and reports a slot
// and backend in `x-genai-slot` / `x-genai-backend` as the gateway does.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { ENTRA_ID_REFUSAL } from "../../components/gateway/policyXml";
import { type Colour } from "../../components/core/colours";

export interface LoopbackBehaviour {
  /** Milliseconds from the request's arrival to the first content token. */
  readonly firstTokenDelayMs: number;
  /** Milliseconds between content tokens. */
  readonly interTokenDelayMs: number;
  /** Content tokens per answer. */
  readonly outputTokens: number;
  /** Per request number (from 0): answer with this status instead, optionally with Retry-After seconds. */
  readonly fail?: (request: number) => { readonly status: number; readonly retryAfterSeconds?: number } | undefined;
  /** The slot a request is reported as served by (default blue). */
  readonly slotOf?: (request: number, path: string) => Colour;
  /** Like the gateway: the Entra ID API answers 401 without a bearer token, the keyed API (`/keys/...`) without an api-key. */
  readonly requireAuth?: boolean;
  /** The message of the Entra ID API's 401 (default: the gateway's own, ENTRA_ID_REFUSAL). */
  readonly refusalMessage?: string;
  /** A different first-token delay for a slot (a slower or faster colour). */
  readonly firstTokenDelayMsBySlot?: Partial<Record<Colour, number>>;
}

export interface Loopback {
  readonly url: string;
  /** Requests received, in arrival order, with their arrival times (performance.now()). */
  readonly arrivals: {
    readonly at: number;
    readonly path: string;
    readonly authorization?: string;
    readonly apiKey?: string;
    /** The W3C trace context the request carried. */
    readonly traceparent?: string;
  }[];
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

async function body(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}") as Record<string, unknown>;
  } catch {
    return {};
  }
}

function promptTokensOf(request: Record<string, unknown>): number {
  const messages = (request.messages ?? []) as { content?: unknown }[];
  // About four characters a token, as the OpenAI tokenizers average on English.
  return Math.max(1, Math.round(messages.map((m) => String(m.content ?? "")).join(" ").length / 4));
}

export async function startLoopback(behaviour: LoopbackBehaviour): Promise<Loopback> {
  const arrivals: { at: number; path: string; authorization?: string; apiKey?: string }[] = [];
  let count = 0;
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const at = performance.now();
    const n = count++;
    const path = (req.url ?? "").split("?")[0]!;
    arrivals.push({
      at,
      path,
      ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
      ...(req.headers["api-key"] ? { apiKey: String(req.headers["api-key"]) } : {}),
      ...(req.headers.traceparent ? { traceparent: String(req.headers.traceparent) } : {}),
    });
    const request = await body(req);
    if (
      req.method !== "POST" ||
      !/^(\/keys)?\/openai\/(deployments\/[^/]+|v1)\/(chat\/completions|embeddings)$/.test(path)
    ) {
      res
        .writeHead(404, { "content-type": "application/json" })
        .end(JSON.stringify({ error: { message: `no route ${req.method} ${path}` } }));
      return;
    }
    if (
      behaviour.requireAuth &&
      (path.startsWith("/keys/") ? !req.headers["api-key"] : !/^Bearer \S+/.test(req.headers.authorization ?? ""))
    ) {
      const message = path.startsWith("/keys/")
        ? "Access denied due to missing subscription key."
        : (behaviour.refusalMessage ?? ENTRA_ID_REFUSAL);
      res.writeHead(401, { "content-type": "application/json" }).end(JSON.stringify({ statusCode: 401, message }));
      return;
    }
    const slot = behaviour.slotOf?.(n, path) ?? "blue";
    const headers = { "x-genai-slot": slot, "x-genai-backend": `loopback-${slot}` };
    const failure = behaviour.fail?.(n);
    if (failure) {
      res.writeHead(failure.status, {
        ...headers,
        "content-type": "application/json",
        ...(failure.retryAfterSeconds !== undefined ? { "retry-after": String(failure.retryAfterSeconds) } : {}),
      });
      res.end(
        JSON.stringify({
          error: {
            code: String(failure.status),
            message: failure.status === 429 ? "Rate limit is exceeded." : "Backend failure.",
          },
        }),
      );
      return;
    }
    const model = String(request.model ?? "loopback");
    if (path.endsWith("/embeddings")) {
      const tokens = Math.max(1, Math.round(String(request.input ?? "").length / 4));
      res.writeHead(200, { ...headers, "content-type": "application/json" });
      res.end(
        JSON.stringify({
          object: "list",
          model,
          data: [{ object: "embedding", index: 0, embedding: [0.1, 0.2, 0.3] }],
          usage: { prompt_tokens: tokens, total_tokens: tokens },
        }),
      );
      return;
    }
    const usage = {
      prompt_tokens: promptTokensOf(request),
      completion_tokens: behaviour.outputTokens,
      total_tokens: promptTokensOf(request) + behaviour.outputTokens,
    };
    const id = `chatcmpl-loopback-${n}`;
    const created = Math.floor(Date.now() / 1000);
    if (request.stream !== true) {
      await sleep(behaviour.firstTokenDelayMs + behaviour.interTokenDelayMs * Math.max(0, behaviour.outputTokens - 1));
      res.writeHead(200, { ...headers, "content-type": "application/json" });
      res.end(
        JSON.stringify({
          id,
          object: "chat.completion",
          created,
          model,
          choices: [
            {
              index: 0,
              message: { role: "assistant", content: "tok ".repeat(behaviour.outputTokens).trim() },
              finish_reason: "length",
            },
          ],
          usage,
        }),
      );
      return;
    }
    res.writeHead(200, {
      ...headers,
      "content-type": "text/event-stream",
      "cache-control": "no-cache",
      connection: "keep-alive",
    });
    const chunk = (delta: Record<string, unknown>, finish: string | null = null) =>
      res.write(
        `data: ${JSON.stringify({ id, object: "chat.completion.chunk", created, model, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`,
      );
    // The role chunk goes out at once (as the service does); content starts after the first-token delay.
    chunk({ role: "assistant", content: "" });
    const firstTokenDelay = behaviour.firstTokenDelayMsBySlot?.[slot] ?? behaviour.firstTokenDelayMs;
    if (firstTokenDelay > 0) await sleep(firstTokenDelay);
    for (let t = 0; t < behaviour.outputTokens; t++) {
      if (t > 0 && behaviour.interTokenDelayMs > 0) await sleep(behaviour.interTokenDelayMs);
      chunk({ content: t === 0 ? "tok" : " tok" });
    }
    chunk({}, "length");
    if ((request.stream_options as { include_usage?: boolean } | undefined)?.include_usage) {
      res.write(
        `data: ${JSON.stringify({ id, object: "chat.completion.chunk", created, model, choices: [], usage })}\n\n`,
      );
    }
    res.end("data: [DONE]\n\n");
  };
  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500);
      res.end(String(error));
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    arrivals,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}

// `node --import tsx cli/loadtest/loopbackServer.ts [firstTokenMs] [interTokenMs] [tokens]`: serves until
// killed and prints its URL (the benchmark runs it in its own process, apart from the generator).
if (require.main === module) {
  const [first = "0", inter = "0", tokens = "16"] = process.argv.slice(2);
  startLoopback({
    firstTokenDelayMs: Number(first),
    interTokenDelayMs: Number(inter),
    outputTokens: Number(tokens),
  }).then((s) => {
    process.stdout.write(`${s.url}\n`);
    // A normal exit on SIGTERM, so `--cpu-prof` and other exit hooks still run.
    process.once("SIGTERM", () => void s.close().then(() => process.exit(0)));
  });
}

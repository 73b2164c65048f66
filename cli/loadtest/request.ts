// One timed chat completion through the official `openai` client, as an application calls the gateway:
// the Azure OpenAI path shape (`/openai/deployments/<endpoint>/...`, AzureOpenAI client) or the v1 shape
// (`/openai/v1/...`, the endpoint in `model`). Entra ID tokens by default, a key only if given. The
// client builds and sends the request and turns a status other than 2xx into an error; the body of a 2xx
// is read here, in one pass, and checked against the protocol (cli/loadtest/protocol.ts, sse.ts). The
// client's own retries are off: the loop here retries 429, 5xx and failures before any answer (refused
// connections, the connect and first-byte limits) with exponential backoff and full jitter, honouring
// Retry-After, at most `attempts` times and never longer than `maxWaitMs` a wait. A 2xx whose body fails
// is not retried: an application would have shown it.
import { APIConnectionTimeoutError, APIError, AzureOpenAI, OpenAI } from "openai";
import {
  DEFAULT_TIMEOUTS,
  TRANSPORT_ERROR,
  createFetch,
  timeoutReason,
  type ErrorSlot,
  type Timeouts,
} from "./transport";
import { DATA_PLANE_API_VERSION } from "../../components/openai/apiVersions";
import {
  ProtocolFailure,
  chunkOf,
  completionOf,
  embeddingsOf,
  expectMediaType,
  parseJson,
  readBody,
  type FailureKind,
  type Usage,
} from "./protocol";
import { printable } from "../shared/terminalText";
import { newTraceId, traceparent } from "./traceContext";
import { MAX_LINE_BYTES, SseTooLarge, sseEvents } from "./sse";

export interface Target {
  readonly gateway: string;
  readonly endpoint: string;
  readonly shape: "azure" | "v1";
  /** A key (`api-key` header) instead of Entra ID. */
  readonly apiKey?: string;
  /** An Entra ID token provider (DefaultAzureCredential), when no key is given. */
  readonly token?: () => Promise<string>;
  /** The api-version of the Azure shape. */
  readonly apiVersion?: string;
  /** The transport's limits (default DEFAULT_TIMEOUTS). */
  readonly timeouts?: Timeouts;
}

export interface RetryPolicy {
  readonly attempts: number;
  readonly baseMs: number;
  readonly maxWaitMs: number;
  /** Jitter source (0..1); a test fixes it. */
  readonly random?: () => number;
}

export interface RequestResult {
  /** When the request was meant to start and did start (ms on the run's clock). */
  readonly scheduledAt: number;
  readonly startedAt: number;
  /** First content token, from the start of the attempt that succeeded. */
  readonly ttftMs?: number;
  /** (end - first token) / (output tokens - 1). */
  readonly tpotMs?: number;
  /** From the first attempt's start to the end, waits included. */
  readonly e2eMs: number;
  readonly promptTokens?: number;
  readonly completionTokens?: number;
  readonly status: number;
  readonly slot?: string;
  readonly backend?: string;
  readonly retries: number;
  /** Total time spent waiting between attempts. */
  readonly waitedMs: number;
  /** Set when the request failed (of the last attempt): the kind, counted in the summary, and the reason. */
  readonly failure?: FailureKind;
  readonly error?: string;
  /** The W3C trace id every attempt of the request carried (`traceparent`): the gateway's and backends' spans join it. */
  readonly traceId?: string;
}

/** Whether a request got the protocol's answer (status 2xx and a body that is what was asked for). */
export const succeeded = (r: Pick<RequestResult, "failure">): boolean => r.failure === undefined;

export function client(target: Target): OpenAI {
  const auth = target.apiKey
    ? { apiKey: target.apiKey }
    : {
        [target.shape === "azure" ? "azureADTokenProvider" : "apiKey"]:
          target.token ?? (() => Promise.reject(new Error("no key and no Entra ID token provider"))),
      };
  const timeouts = target.timeouts ?? DEFAULT_TIMEOUTS;
  // The transport's limits end a request first; the client's own timeout (to the headers) is a backstop.
  const common = {
    maxRetries: 0,
    timeout: timeouts.connectMs + timeouts.firstByteMs + 5_000,
    fetch: createFetch({ timeouts }),
  };
  if (target.shape === "azure") {
    return new AzureOpenAI({
      endpoint: target.gateway,
      deployment: target.endpoint,
      apiVersion: target.apiVersion ?? DATA_PLANE_API_VERSION,
      ...common,
      ...auth,
    });
  }
  // The gateway's keyed API reads `api-key`, as the Azure SDKs send it.
  return new OpenAI({
    baseURL: `${target.gateway.replace(/\/$/, "")}/openai/v1`,
    ...common,
    ...(target.apiKey ? { apiKey: target.apiKey, defaultHeaders: { "api-key": target.apiKey } } : auth),
  });
}

/** Seconds or an HTTP date in Retry-After, as milliseconds; undefined when absent or unreadable. */
export function retryAfterMs(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** The wait before retry number `retry` (1-based): Retry-After when the server sent one, else backoff with full jitter; capped. */
export function backoffMs(retry: number, policy: RetryPolicy, retryAfter?: number): number {
  const wait = retryAfter ?? (policy.random ?? Math.random)() * policy.baseMs * 2 ** (retry - 1);
  return Math.min(policy.maxWaitMs, wait);
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

interface Failure {
  readonly kind: FailureKind;
  readonly reason: string;
  readonly status: number;
  readonly headers?: Headers;
}

/** What ended a request before its answer: a status other than 2xx, a limit, a failed connection. */
export function failureBeforeAnswer(error: unknown, slot: ErrorSlot, timeouts: Timeouts): Failure {
  if (error instanceof APIError && typeof error.status === "number") {
    // The client's message starts with the status again ("503 Backend failure.").
    const message = error.message.startsWith(`${error.status} `)
      ? error.message.slice(`${error.status} `.length)
      : error.message;
    return {
      kind: `http-${error.status}`,
      reason: `status ${error.status}: ${printable(message, 300)}`,
      status: error.status,
      headers: error.headers,
    };
  }
  const timeout = timeoutReason(slot.error, timeouts) ?? timeoutReason(error, timeouts);
  if (timeout)
    return { kind: `timeout-${timeout.phase.replace(" ", "-")}` as FailureKind, reason: timeout.reason, status: 0 };
  if (error instanceof APIConnectionTimeoutError)
    return {
      kind: "timeout-first-byte",
      reason: `timeout (no answer after ${(timeouts.connectMs + timeouts.firstByteMs) / 1000 + 5} s)`,
      status: 0,
    };
  const cause = slot.error ?? (error instanceof Error ? error.cause : undefined);
  if (cause instanceof Error)
    return { kind: "connect-failed", reason: `connection failed: ${printable(cause.message, 300)}`, status: 0 };
  return { kind: "request-failed", reason: printable((error as Error)?.message ?? String(error), 300), status: 0 };
}

/** What ended a request while its body was read: the protocol, the idle limit, a broken stream. */
export function failureInBody(
  error: unknown,
  timeouts: Timeouts,
  events?: number,
): { readonly kind: FailureKind; readonly reason: string } {
  if (error instanceof ProtocolFailure) return { kind: error.kind, reason: error.message };
  if (error instanceof SseTooLarge) return { kind: "too-large", reason: error.message };
  const timeout = timeoutReason(error, timeouts);
  if (timeout)
    return {
      kind: `timeout-${timeout.phase.replace(" ", "-")}` as FailureKind,
      reason: `${timeout.reason}${events !== undefined ? ` after ${events} events` : ""}`,
    };
  return {
    kind: "stream-broken",
    reason: `the body broke${events !== undefined ? ` after ${events} events` : ""}: ${printable((error as Error)?.message ?? String(error), 300)}`,
  };
}

const retryable = (f: Failure) => f.status === 0 || f.status === 429 || f.status >= 500;

async function* emptyBody(): AsyncGenerator<Uint8Array> {}

/** A streamed answer, read as it arrives: the time of the first content token, the usage, the events seen; throws on anything not the protocol's. */
async function readStream(
  response: Response,
  clock: () => number,
  includeUsage: boolean,
  timeouts: Timeouts,
): Promise<{ first?: number; usage?: Usage }> {
  expectMediaType(response.headers.get("content-type"), "text/event-stream");
  let first: number | undefined;
  let usage: Usage | undefined;
  let events = 0;
  let done = false;
  try {
    for await (const event of sseEvents(response.body ?? emptyBody(), MAX_LINE_BYTES)) {
      if (done) continue;
      events++;
      if (event.data === "[DONE]") {
        done = true;
        continue;
      }
      if (event.event === "error")
        throw new ProtocolFailure("error-event", `event ${events} is an error: ${printable(event.data, 300)}`);
      const chunk = chunkOf(parseJson(event.data, `event ${events}`), events);
      if (first === undefined && chunk.content) first = clock();
      if (chunk.usage) usage = chunk.usage;
    }
  } catch (error) {
    const failure = failureInBody(error, timeouts, events);
    throw new ProtocolFailure(failure.kind, failure.reason);
  }
  if (!done) throw new ProtocolFailure("no-done", `the stream ended after ${events} events without data: [DONE]`);
  if (includeUsage && !usage)
    throw new ProtocolFailure(
      "no-usage",
      "the stream ended without a usage chunk (stream_options.include_usage asked for one)",
    );
  return { ...(first !== undefined ? { first } : {}), ...(usage ? { usage } : {}) };
}

/** A whole JSON answer: checked by `check`, which returns its usage. */
async function readJson(response: Response, check: (value: unknown) => Usage, timeouts: Timeouts): Promise<Usage> {
  expectMediaType(response.headers.get("content-type"), "application/json");
  let text: string;
  try {
    text = await readBody(response.body);
  } catch (error) {
    const failure = failureInBody(error, timeouts);
    throw new ProtocolFailure(failure.kind, failure.reason);
  }
  return check(parseJson(text, "the body"));
}

/** The request options that let the transport report the error that ended a request, and carry the trace context. */
const reporting = (slot: ErrorSlot, traceId?: string): OpenAI.RequestOptions => ({
  fetchOptions: { [TRANSPORT_ERROR]: slot } as NonNullable<OpenAI.RequestOptions["fetchOptions"]>,
  ...(traceId ? { headers: { traceparent: traceparent(traceId) } } : {}),
});

export async function timedRequest(
  openai: OpenAI,
  target: Target,
  request: {
    readonly messages: { role: "user" | "system"; content: string }[];
    readonly maxTokens: number;
    readonly stream: boolean;
  },
  policy: RetryPolicy,
  clock: () => number,
  scheduledAt: number,
): Promise<RequestResult> {
  const timeouts = target.timeouts ?? DEFAULT_TIMEOUTS;
  const startedAt = clock();
  // One trace per request: each attempt (a retry included) is a new span of it.
  const traceId = newTraceId();
  let waitedMs = 0;
  for (let attempt = 1; ; attempt++) {
    const attemptStart = clock();
    const slot: ErrorSlot = {};
    // max_completion_tokens: reasoning models (gpt-5, o-series) refuse max_tokens.
    const params = { model: target.endpoint, messages: request.messages, max_completion_tokens: request.maxTokens };
    let response: Response;
    try {
      response = request.stream
        ? await openai.chat.completions
            .create({ ...params, stream: true, stream_options: { include_usage: true } }, reporting(slot, traceId))
            .asResponse()
        : await openai.chat.completions.create(params, reporting(slot, traceId)).asResponse();
    } catch (error) {
      const failure = failureBeforeAnswer(error, slot, timeouts);
      if (attempt >= policy.attempts || !retryable(failure)) {
        return {
          scheduledAt,
          startedAt,
          e2eMs: clock() - startedAt,
          status: failure.status,
          ...(failure.headers ? headersOf(failure.headers) : {}),
          retries: attempt - 1,
          waitedMs,
          failure: failure.kind,
          error: failure.reason,
          traceId,
        };
      }
      const wait = backoffMs(attempt, policy, retryAfterMs(failure.headers?.get("retry-after")));
      waitedMs += wait;
      await sleep(wait);
      continue;
    }
    const answered = {
      scheduledAt,
      startedAt,
      status: response.status,
      ...headersOf(response.headers),
      retries: attempt - 1,
      waitedMs,
      traceId,
    };
    try {
      if (request.stream) {
        const { first, usage } = await readStream(response, clock, true, timeouts);
        const end = clock();
        // Reasoning tokens are generated before the first content token: TPOT counts the visible ones.
        const tokens =
          usage?.completion_tokens !== undefined
            ? usage.completion_tokens - (usage.completion_tokens_details?.reasoning_tokens ?? 0)
            : undefined;
        return {
          ...answered,
          ...(first !== undefined ? { ttftMs: first - attemptStart } : {}),
          ...(first !== undefined && tokens !== undefined && tokens > 1
            ? { tpotMs: (end - first) / (tokens - 1) }
            : {}),
          e2eMs: end - startedAt,
          ...(usage ? { promptTokens: usage.prompt_tokens } : {}),
          ...(usage?.completion_tokens !== undefined ? { completionTokens: usage.completion_tokens } : {}),
        };
      }
      const usage = await readJson(response, completionOf, timeouts);
      return {
        ...answered,
        e2eMs: clock() - startedAt,
        promptTokens: usage.prompt_tokens,
        ...(usage.completion_tokens !== undefined ? { completionTokens: usage.completion_tokens } : {}),
      };
    } catch (error) {
      const failure = failureInBody(error, timeouts);
      return { ...answered, e2eMs: clock() - startedAt, failure: failure.kind, error: failure.reason };
    }
  }
}

/** One embeddings request (the smoke test's, no retry): status, the slot the gateway names, prompt tokens; a failure as for chat. */
export async function embeddingsRequest(openai: OpenAI, target: Target, clock: () => number): Promise<RequestResult> {
  const timeouts = target.timeouts ?? DEFAULT_TIMEOUTS;
  const startedAt = clock();
  const slot: ErrorSlot = {};
  const traceId = newTraceId();
  let response: Response;
  try {
    response = await openai.embeddings
      .create({ model: target.endpoint, input: "ok" }, reporting(slot, traceId))
      .asResponse();
  } catch (error) {
    const failure = failureBeforeAnswer(error, slot, timeouts);
    return {
      scheduledAt: startedAt,
      startedAt,
      e2eMs: clock() - startedAt,
      status: failure.status,
      ...(failure.headers ? headersOf(failure.headers) : {}),
      retries: 0,
      waitedMs: 0,
      failure: failure.kind,
      error: failure.reason,
      traceId,
    };
  }
  const answered = {
    scheduledAt: startedAt,
    startedAt,
    status: response.status,
    ...headersOf(response.headers),
    retries: 0,
    waitedMs: 0,
    traceId,
  };
  try {
    const usage = await readJson(response, embeddingsOf, timeouts);
    return { ...answered, e2eMs: clock() - startedAt, promptTokens: usage.prompt_tokens };
  } catch (error) {
    const failure = failureInBody(error, timeouts);
    return { ...answered, e2eMs: clock() - startedAt, failure: failure.kind, error: failure.reason };
  }
}

/** The slot and backend the gateway names, as printable text. */
function headersOf(headers: Headers): { slot?: string; backend?: string } {
  const slot = headers.get("x-genai-slot");
  const backend = headers.get("x-genai-backend");
  return { ...(slot ? { slot: printable(slot, 64) } : {}), ...(backend ? { backend: printable(backend, 200) } : {}) };
}

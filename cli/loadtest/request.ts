// One timed chat completion through the official `openai` client, as an application calls the gateway:
// the Azure OpenAI path shape (`/openai/deployments/<endpoint>/...`, AzureOpenAI client) or the v1 shape
// (`/openai/v1/...`, the endpoint in `model`). Entra ID tokens by default, a key only if given. The
// client's own retries are off: the loop here retries 429 and 5xx with exponential backoff and full
// jitter, honouring Retry-After, at most `attempts` times and never longer than `maxWaitMs` a wait.
import { APIError, AzureOpenAI, OpenAI } from "openai";
import { fetchForClient } from "./transport";
import { DATA_PLANE_API_VERSION } from "../../components/openai/apiVersions";

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
  readonly error?: string;
}

export function client(target: Target): OpenAI {
  const auth = target.apiKey
    ? { apiKey: target.apiKey }
    : { [target.shape === "azure" ? "azureADTokenProvider" : "apiKey"]: target.token ?? (() => Promise.reject(new Error("no key and no Entra ID token provider"))) };
  const common = { maxRetries: 0, timeout: 600_000, fetch: fetchForClient };
  if (target.shape === "azure") {
    return new AzureOpenAI({ endpoint: target.gateway, deployment: target.endpoint, apiVersion: target.apiVersion ?? DATA_PLANE_API_VERSION, ...common, ...auth });
  }
  // The gateway's keyed API reads `api-key`, as the Azure SDKs send it.
  return new OpenAI({ baseURL: `${target.gateway.replace(/\/$/, "")}/openai/v1`, ...common, ...(target.apiKey ? { apiKey: target.apiKey, defaultHeaders: { "api-key": target.apiKey } } : auth) });
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

const retryable = (status: number) => status === 429 || status >= 500;
const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

export async function timedRequest(
  openai: OpenAI,
  target: Target,
  request: { readonly messages: { role: "user" | "system"; content: string }[]; readonly maxTokens: number; readonly stream: boolean },
  policy: RetryPolicy,
  clock: () => number,
  scheduledAt: number,
): Promise<RequestResult> {
  const startedAt = clock();
  let waitedMs = 0;
  for (let attempt = 1; ; attempt++) {
    const attemptStart = clock();
    try {
      // max_completion_tokens: reasoning models (gpt-5, o-series) refuse max_tokens.
      const params = { model: target.endpoint, messages: request.messages, max_completion_tokens: request.maxTokens };
      if (request.stream) {
        const { data: stream, response } = await openai.chat.completions.create({ ...params, stream: true, stream_options: { include_usage: true } }).withResponse();
        let first: number | undefined;
        let usage: { prompt_tokens?: number; completion_tokens?: number; completion_tokens_details?: { reasoning_tokens?: number } } | undefined;
        for await (const chunk of stream) {
          if (first === undefined && chunk.choices?.some((c) => (c.delta?.content ?? "").length > 0)) first = clock();
          if (chunk.usage) usage = chunk.usage;
        }
        const end = clock();
        // Reasoning tokens are generated before the first content token: TPOT counts the visible ones.
        const tokens = usage?.completion_tokens !== undefined ? usage.completion_tokens - (usage.completion_tokens_details?.reasoning_tokens ?? 0) : undefined;
        return {
          scheduledAt,
          startedAt,
          ...(first !== undefined ? { ttftMs: first - attemptStart } : {}),
          ...(first !== undefined && tokens !== undefined && tokens > 1 ? { tpotMs: (end - first) / (tokens - 1) } : {}),
          e2eMs: end - startedAt,
          ...(usage?.prompt_tokens !== undefined ? { promptTokens: usage.prompt_tokens } : {}),
          ...(usage?.completion_tokens !== undefined ? { completionTokens: usage.completion_tokens } : {}),
          status: response.status,
          ...headersOf(response.headers),
          retries: attempt - 1,
          waitedMs,
        };
      }
      const { data, response } = await openai.chat.completions.create(params).withResponse();
      const end = clock();
      return {
        scheduledAt,
        startedAt,
        e2eMs: end - startedAt,
        ...(data.usage ? { promptTokens: data.usage.prompt_tokens, completionTokens: data.usage.completion_tokens } : {}),
        status: response.status,
        ...headersOf(response.headers),
        retries: attempt - 1,
        waitedMs,
      };
    } catch (error) {
      const status = error instanceof APIError && typeof error.status === "number" ? error.status : 0;
      const headers = error instanceof APIError ? error.headers : undefined;
      if (attempt >= policy.attempts || !(status === 0 || retryable(status))) {
        return { scheduledAt, startedAt, e2eMs: clock() - startedAt, status, ...(headers ? headersOf(headers) : {}), retries: attempt - 1, waitedMs, error: (error as Error).message };
      }
      const wait = backoffMs(attempt, policy, retryAfterMs(headers?.get("retry-after")));
      waitedMs += wait;
      await sleep(wait);
    }
  }
}

function headersOf(headers: Headers): { slot?: string; backend?: string } {
  const slot = headers.get("x-genai-slot");
  const backend = headers.get("x-genai-backend");
  return { ...(slot ? { slot } : {}), ...(backend ? { backend } : {}) };
}

// `npm run loadtest -- --gateway URL --endpoint NAME [--concurrency N | --rps R] [--requests N | --duration S]
//   [--ramp S] [--no-stream] [--shape azure|v1] [--prompt-set FILE] [--slot blue|green] [--max-tokens N]
//   [--warmup N] [--attempts N] [--max-wait S] [--timeout S | connect=S,first-byte=S,idle=S]
//   [--api-key KEY] [--audience URI] [--json FILE] [--out DIR]`
// Measures the gateway as an application sees it: per request TTFT, TPOT, end-to-end latency, tokens,
// status, slot and retries; per slot p50/p90/p95/p99/max, RPS, output tokens/s, error and 429 rates, and
// the failures by kind (a request succeeds only with the protocol's answer: cli/loadtest/protocol.ts).
// Writes a latency histogram and a TTFT/TPOT-over-time chart (SVG) and, with --json, every number.
// Every argument and output path is checked before anything is sent.
// Exit codes: 0 ran; 2 invalid arguments, unreadable files or outputs that cannot be written.
import "../shared/startup";
import { InputFileError, readInputText } from "../shared/inputFile";
import { basename, dirname, join, resolve } from "node:path";
import { type CommandSpec, helpText, parseCommandLine, wantsHelp } from "../shared/args";
import { TOKEN_ENV, gatewayToken } from "../shared/credential";
import { SingleBar } from "cli-progress";
import { type CommandIo, EXIT, UsageError, quietOnClosedPipe } from "../shared/io";
import { ArtifactWriteError, writeArtifacts } from "../shared/outWriter";
import { table } from "../shared/table";
import { client, succeeded, type RequestResult, type Target } from "../loadtest/request";
import { DATA_PLANE_API_VERSION } from "../../components/openai/apiVersions";
import { failuresByKind, openLoopRequests, runLoad, summarize, type LoadMode, type LoadRun } from "../loadtest/run";
import { renderTraces, tracesToLookUp } from "../loadtest/traceContext";
import { latencyHistogram, overTime } from "../loadtest/charts";
import {
  MAX_PROMPT_SET_BYTES,
  TIMEOUT_HELP,
  apiVersion,
  audience,
  decimal,
  endpointName,
  gatewayUrl,
  outputProblem,
  plainText,
  timeouts,
} from "../loadtest/args";
import { type Colour } from "../../components/core/colours";

/** The prompt set's text, or an UsageError naming --prompt-set (cli/shared/inputFile.ts). */
function readPromptSet(path: string): string {
  try {
    return readInputText("--prompt-set", path, MAX_PROMPT_SET_BYTES);
  } catch (error) {
    if (error instanceof InputFileError) throw new UsageError(error.message);
    throw error;
  }
}

/** The charts written under --out, by file name. */
const CHARTS = ["latency-histogram.svg", "ttft-histogram.svg", "ttft-over-time.svg", "tpot-over-time.svg"] as const;

export interface LoadtestIo extends CommandIo {
  /** Draw a progress bar (a terminal). */
  progress?: boolean;
}

export const LOADTEST_SPEC: CommandSpec = {
  command: "loadtest",
  summary:
    "Measures a gateway as an application sees it: per request TTFT, TPOT, end-to-end latency, tokens, status, slot and retries; per slot percentiles, RPS, output tokens/s, error and 429 rates. Writes charts (SVG) under --out and, with --json, every number. Credentials: --api-key or $GENAI_GATEWAY_KEY (a subscription key), $GENAI_GATEWAY_TOKEN (a bearer token), else Entra ID through the Azure credential chain (az login).",
  options: {
    gateway: { type: "string", value: "URL", help: "the gateway's base URL (https, or http on loopback)" },
    endpoint: { type: "string", value: "NAME", help: "the model endpoint (the stack's models.<name>)" },
    concurrency: { type: "string", value: "N", help: "closed loop: N requests in flight (default 4)" },
    rps: { type: "string", value: "R", help: "open loop: R requests started per second" },
    requests: { type: "string", value: "N", help: "how many requests (default 100)" },
    duration: { type: "string", value: "S", help: "run for S seconds instead of a request count" },
    ramp: { type: "string", value: "S", default: "0", help: "open loop: reach --rps linearly over S seconds" },
    "no-stream": { type: "boolean", default: false, help: "ask for whole answers (TTFT is then the whole answer)" },
    shape: {
      type: "string",
      value: "azure|v1",
      default: "azure",
      help: "the URL shape: /openai/deployments/<name>/... or /openai/v1/...",
    },
    "prompt-set": { type: "string", value: "FILE", help: "prompts to send, one per line (default a built-in set)" },
    slot: { type: "string", value: "blue|green", help: "ask the gateway for one slot (its x-genai-slot header)" },
    "max-tokens": { type: "string", value: "N", default: "256", help: "max_tokens of each request" },
    "api-version": { type: "string", value: "V", default: DATA_PLANE_API_VERSION, help: "the data-plane api-version" },
    warmup: { type: "string", value: "N", default: "0", help: "requests sent first and left out of the numbers" },
    attempts: { type: "string", value: "N", default: "4", help: "tries per request, retrying 429 and 5xx" },
    "max-wait": { type: "string", value: "S", default: "30", help: "the longest Retry-After honoured, in seconds" },
    timeout: { type: "string", value: "S|connect=S,first-byte=S,idle=S", help: TIMEOUT_HELP },
    "api-key": {
      type: "string",
      value: "KEY",
      help: "a subscription key (or $GENAI_GATEWAY_KEY), for teams that opted in to keys",
    },
    audience: {
      type: "string",
      value: "URI",
      default: "api://genai-gateway",
      help: "the Entra ID audience of the token",
    },
    json: {
      type: "string",
      value: "FILE",
      help: "write every request and the summary as JSON (the rollout's --loadtest reads it)",
    },
    out: { type: "string", value: "DIR", default: "out/loadtest", help: "where the charts are written" },
  },
  examples: [
    "npm run loadtest -- --gateway https://apim-x.azure-api.net --endpoint chat --rps 5 --duration 60 --json results.json",

    "npm run demo   # the loopback gateway, a load test and a smoke test, offline",
  ],
  notes: ["exit codes: 0 ran; 2 invalid arguments, unreadable files, outputs that cannot be written, or no credential"],
};

function parse(argv: string[]) {
  if (wantsHelp(argv)) return undefined;
  const { values } = parseCommandLine(LOADTEST_SPEC, argv);
  const gateway = gatewayUrl(values.gateway);
  for (const [option, value] of Object.entries(values))
    if (typeof value === "string") plainText(`--${option}`, value, option === "api-key");
  const endpoint = endpointName(values.endpoint);
  if (values.concurrency !== undefined && values.rps !== undefined)
    throw new UsageError("give --concurrency (closed loop) or --rps (open loop), not both");
  if (values.requests !== undefined && values.duration !== undefined)
    throw new UsageError("give --requests or --duration, not both");
  if (values.shape !== "azure" && values.shape !== "v1")
    throw new UsageError(`--shape ${JSON.stringify(values.shape)}: azure or v1`);
  if (values.slot !== undefined && values.slot !== "blue" && values.slot !== "green")
    throw new UsageError(`--slot ${JSON.stringify(values.slot)}: blue or green`);
  const number = (key: keyof typeof values, min: number, max: number, fraction = false) => {
    const raw = values[key];
    return typeof raw === "string" ? decimal(key, raw, { min, max, fraction }) : undefined;
  };
  const rps = number("rps", 0.01, 10_000, true);
  const mode: LoadMode =
    rps !== undefined ? { kind: "open", rps } : { kind: "closed", concurrency: number("concurrency", 1, 1000) ?? 4 };
  const requests = number("requests", 1, 10_000_000);
  const duration = number("duration", 1, 86_400, true);
  const rampSeconds = number("ramp", 0, 86_400, true)!;
  const warmup = number("warmup", 0, 100_000)!;
  const maxTokens = number("max-tokens", 1, 1_000_000)!;
  const attempts = number("attempts", 1, 100)!;
  const maxWait = number("max-wait", 0, 3600, true)!;
  const limits = timeouts(values.timeout);
  const version = apiVersion(values["api-version"]);
  const aud = audience(values.audience);
  const apiKey = values["api-key"] ?? process.env.GENAI_GATEWAY_KEY;
  if (values["api-key"] === undefined && apiKey !== undefined) plainText("GENAI_GATEWAY_KEY", apiKey, true);
  if (process.env[TOKEN_ENV]) plainText(TOKEN_ENV, process.env[TOKEN_ENV], true);
  let prompts = ["Write two sentences about the sea."];
  const promptSet = values["prompt-set"];
  if (promptSet !== undefined) {
    prompts = readPromptSet(promptSet)
      .split("\n")
      .map((l) => l.trim())
      .filter(Boolean);
    if (prompts.length === 0) throw new UsageError(`--prompt-set ${promptSet}: no prompts (one per line)`);
  }
  // Every file the run writes, checked now: a path that cannot take it would lose the run's results.
  const out = resolve(values.out);
  const outProblem = outputProblem(out, "folder");
  if (outProblem) throw new UsageError(`--out ${values.out}: ${outProblem}; nothing was sent`);
  const json = values.json !== undefined ? resolve(values.json) : undefined;
  if (json !== undefined && CHARTS.some((c) => join(out, c) === json))
    throw new UsageError(`--json ${values.json}: --json names one of the charts --out writes; give another file`);
  for (const chart of CHARTS) {
    const problem = outputProblem(join(out, chart), "file");
    if (problem) throw new UsageError(`--out ${values.out}: ${problem}; nothing was sent`);
  }
  const jsonProblem = json !== undefined ? outputProblem(json, "file") : undefined;
  if (jsonProblem) throw new UsageError(`--json ${values.json}: ${jsonProblem}; nothing was sent`);
  return {
    target: {
      gateway,
      endpoint,
      shape: values.shape,
      apiVersion: version,
      timeouts: limits,
      ...(apiKey !== undefined ? { apiKey } : {}),
    } as Target,
    audience: aud,
    mode,
    ...(requests !== undefined ? { requests } : duration === undefined ? { requests: 100 } : {}),
    ...(duration !== undefined ? { durationSeconds: duration } : {}),
    rampSeconds,
    warmup,
    stream: !values["no-stream"],
    maxTokens,
    prompts,
    retry: { attempts, baseMs: 500, maxWaitMs: maxWait * 1000 },
    slot: values.slot as Colour | undefined,
    json,
    out,
  };
}

const ms = (v?: number) => (v === undefined ? "-" : `${Math.round(v)}`);

/** The per-slot table a person reads. */
export function renderSummary(run: LoadRun, slot?: string): string {
  const summary = summarize(run);
  const rows = Object.entries(summary).filter(([name]) => !slot || name === slot || name === "all");
  const lines = rows.flatMap(([name, s]) => [
    [name, "TTFT ms", ms(s.ttftMs.p50), ms(s.ttftMs.p90), ms(s.ttftMs.p95), ms(s.ttftMs.p99), ms(s.ttftMs.max)],
    ["", "TPOT ms", ms(s.tpotMs.p50), ms(s.tpotMs.p90), ms(s.tpotMs.p95), ms(s.tpotMs.p99), ms(s.tpotMs.max)],
    ["", "e2e ms", ms(s.e2eMs.p50), ms(s.e2eMs.p90), ms(s.e2eMs.p95), ms(s.e2eMs.p99), ms(s.e2eMs.max)],
  ]);
  const rates = rows.map(([name, s]) => [
    name,
    s.requests,
    s.rps.toFixed(1),
    Math.round(s.outputTokensPerSecond),
    `${(s.errorRate * 100).toFixed(1)}%`,
    `${(s.throttledRate * 100).toFixed(1)}%`,
    s.retries,
  ]);
  return `${table(["slot", "metric", "p50", "p90", "p95", "p99", "max"], lines)}\n${table(["slot", "requests", "RPS", "output tokens/s", "errors", "429", "retries"], rates)}\n${renderFailures(run.results)}${run.lateStarts > 0 ? `${run.lateStarts} requests started late (the generator could not keep the schedule)\n` : ""}`;
}

/** The failed requests by kind, with the first one's reason (remote text already made printable); empty when none failed. */
export function renderFailures(results: readonly RequestResult[]): string {
  const counts = failuresByKind(results);
  const kinds = Object.keys(counts);
  if (kinds.length === 0) return "";
  const first = new Map<string, string>();
  for (const r of results) if (r.failure !== undefined && !first.has(r.failure)) first.set(r.failure, r.error ?? "");
  return `failures by kind\n${table(
    ["kind", "requests", "first reason"],
    kinds.map((k) => [k, counts[k]!, first.get(k) ?? ""]),
  )}\n`;
}

export async function loadtest(argv: string[], io: LoadtestIo): Promise<number> {
  let args;
  try {
    args = parse(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.err(`loadtest: ${error.message}\n`);
    return EXIT.invalid;
  }
  if (args === undefined) {
    io.out(helpText(LOADTEST_SPEC));
    return EXIT.ok;
  }
  let target = args.target;
  if (!target.apiKey) {
    // $GENAI_GATEWAY_TOKEN or Entra ID through the Azure credential chain; the first token is fetched before the clock starts.
    const source = await gatewayToken(args.audience);
    if (!source.ok) {
      io.err(`loadtest: ${source.problem}\n`);
      return EXIT.invalid;
    }
    target = { ...target, token: source.token };
  }
  const openai = client(target);
  // Warm-up requests open connections and compile the client's code; they are sent (ramped like the run,
  // and counted by the gateway's token limits), then left out of the results.
  if (args.warmup > 0) {
    const warm = (await runLoad(openai, target, { ...args, requests: args.warmup, durationSeconds: undefined }))
      .results;
    const failed = warm.filter((r) => !succeeded(r));
    io.out(
      `warm-up: ${warm.length} requests, ${failed.length} failed, ${failed.filter((r) => r.status === 429).length} answered 429 (left out of the results)\n`,
    );
  }
  // An open loop's count is known from its schedule (its ramp included); a closed loop over a duration's is not.
  const total =
    args.requests ??
    (args.mode.kind === "open"
      ? openLoopRequests(args.mode.rps, args.rampSeconds, args.durationSeconds ?? 0)
      : Math.round((args.durationSeconds ?? 0) * 10));
  io.out(`${runHeading(args)}\n`);
  const bar = io.progress
    ? new SingleBar({
        format: "{bar} {value}/{total} requests | {rps} RPS | {errors} errors",
        stream: process.stderr,
        hideCursor: true,
      })
    : undefined;
  bar?.start(total, 0, { rps: "0", errors: 0 });
  let errors = 0;
  const started = performance.now();
  const run = await runLoad(openai, target, {
    ...args,
    onResult: (r, done) => {
      if (!succeeded(r)) errors++;
      bar?.update(done, { rps: (done / ((performance.now() - started) / 1000)).toFixed(1), errors });
    },
  });
  // A closed loop over a duration ends where it ends: the bar does too.
  bar?.setTotal(run.results.length);
  bar?.update(run.results.length);
  bar?.stop();
  const results = args.slot ? run.results.filter((r) => r.slot === args.slot) : run.results;
  const shown: LoadRun = { ...run, results };
  io.out(renderSummary(shown, args.slot));
  io.out(renderTraces(results));
  if (args.slot)
    io.out(
      `--slot ${args.slot}: ${results.length} of ${run.results.length} requests were served by it (the gateway draws the slot by weight)\n`,
    );
  // The results first: a chart is drawn again from them, a lost result is not measured again.
  let code: number = EXIT.ok;
  if (args.json) {
    const document = {
      endpoint: args.target.endpoint,
      shape: args.target.shape,
      mode: args.mode,
      stream: args.stream,
      warmup: args.warmup,
      wallMs: run.wallMs,
      lateStarts: run.lateStarts,
      summary: summarize(shown),
      traces: tracesToLookUp(results),
      requests: results,
    };
    code = write(
      io,
      "--json",
      () =>
        writeArtifacts(dirname(args.json!), [
          { path: basename(args.json!), content: `${JSON.stringify(document, null, 2)}\n` },
        ]),
      `results in ${args.json}`,
    );
  }
  const charts: Record<(typeof CHARTS)[number], string> = {
    "latency-histogram.svg": latencyHistogram(results, "e2eMs", `End-to-end latency, ${args.target.endpoint}`),
    "ttft-histogram.svg": latencyHistogram(results, "ttftMs", `Time to first token, ${args.target.endpoint}`),
    "ttft-over-time.svg": overTime(results, "ttftMs", `Time to first token over the run, ${args.target.endpoint}`),
    "tpot-over-time.svg": overTime(results, "tpotMs", `Time per output token over the run, ${args.target.endpoint}`),
  };
  const chartsCode = write(
    io,
    "--out",
    () =>
      writeArtifacts(
        args.out,
        CHARTS.map((path) => ({ path, content: charts[path] })),
      ),
    `charts in ${args.out}`,
  );
  return code === EXIT.ok ? chartsCode : code;
}

/** What the run is, above its tables: endpoint, path shape, mode and rate, length, streaming. */
function runHeading(args: NonNullable<ReturnType<typeof parse>>): string {
  const mode =
    args.mode.kind === "open"
      ? `open loop at ${args.mode.rps} req/s${args.rampSeconds > 0 ? ` after a ${args.rampSeconds} s ramp` : ""}`
      : `closed loop, ${args.mode.concurrency} in flight`;
  const length = args.requests !== undefined ? `${args.requests} requests` : `${args.durationSeconds} s`;
  return `load test of ${args.target.endpoint} (${args.target.shape} path): ${mode}, ${length}, ${args.stream ? "streaming" : "not streaming"}`;
}

/** Writes through the atomic writer; a failure (the disk filled during the run) is named by its option, exit 2. */
function write(io: LoadtestIo, option: string, writing: () => void, done: string): number {
  try {
    writing();
  } catch (error) {
    if (!(error instanceof ArtifactWriteError)) throw error;
    io.err(`loadtest: ${option}: ${error.message}\n`);
    return EXIT.invalid;
  }
  io.out(`${done}\n`);
  return EXIT.ok;
}

if (require.main === module) {
  quietOnClosedPipe();
  loadtest(process.argv.slice(2), {
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t),
    progress: process.stderr.isTTY,
  }).then(
    (code) => (process.exitCode = code),
    (error) => {
      process.stderr.write(`loadtest: ${(error as Error).stack ?? error}\n`);
      process.exitCode = EXIT.programFailed;
    },
  );
}

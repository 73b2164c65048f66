// `npm run loadtest -- --gateway URL --endpoint NAME [--concurrency N | --rps R] [--requests N | --duration S]
//   [--ramp S] [--no-stream] [--shape azure|v1] [--prompt-set FILE] [--slot blue|green] [--max-tokens N]
//   [--warmup N] [--attempts N] [--max-wait S] [--api-key KEY] [--audience URI] [--json FILE] [--out DIR]`
// Measures the gateway as an application sees it: per request TTFT, TPOT, end-to-end latency, tokens,
// status, slot and retries; per slot p50/p90/p95/p99/max, RPS, output tokens/s, error and 429 rates.
// Writes a latency histogram and a TTFT/TPOT-over-time chart (SVG) and, with --json, every number.
// Exit codes: 0 ran; 2 invalid arguments or unreadable files.
import "./startup";
import { readFileSync } from "node:fs";
import { basename, dirname, resolve } from "node:path";
import { parseArgs } from "node:util";
import { SingleBar } from "cli-progress";
import { EXIT } from "./exitCodes";
import { writeArtifacts } from "./outWriter";
import { table } from "./report";
import { client, type Target } from "./loadtest/request";
import { DATA_PLANE_API_VERSION } from "../components/openai/apiVersions";
import { runLoad, summarize, type LoadMode, type LoadRun } from "./loadtest/run";
import { latencyHistogram, overTime } from "./loadtest/charts";

const USAGE = "usage: npm run loadtest -- --gateway URL --endpoint NAME [--concurrency N | --rps R] [--requests N | --duration S] [--ramp S] [--no-stream] [--shape azure|v1] [--prompt-set FILE] [--slot blue|green] [--max-tokens N] [--api-version V] [--warmup N] [--attempts N] [--max-wait S] [--api-key KEY] [--audience URI] [--json FILE] [--out DIR]";
class UsageError extends Error {}

export interface LoadtestIo { out(text: string): void; err(text: string): void; progress?: boolean }

function parse(argv: string[]) {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      options: {
        gateway: { type: "string" },
        endpoint: { type: "string" },
        concurrency: { type: "string" },
        rps: { type: "string" },
        requests: { type: "string" },
        duration: { type: "string" },
        ramp: { type: "string", default: "0" },
        "no-stream": { type: "boolean", default: false },
        shape: { type: "string", default: "azure" },
        "prompt-set": { type: "string" },
        slot: { type: "string" },
        "max-tokens": { type: "string", default: "256" },
        "api-version": { type: "string", default: DATA_PLANE_API_VERSION },
        warmup: { type: "string", default: "0" },
        attempts: { type: "string", default: "4" },
        "max-wait": { type: "string", default: "30" },
        "api-key": { type: "string" },
        audience: { type: "string", default: "api://genai-gateway" },
        json: { type: "string" },
        out: { type: "string", default: "out/loadtest" },
      },
    }));
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n${USAGE}`);
  }
  const number = (key: keyof typeof values, min: number, integer = true) => {
    const raw = values[key];
    if (raw === undefined) return undefined;
    const n = Number(raw);
    if (!Number.isFinite(n) || n < min || (integer && !Number.isInteger(n))) throw new UsageError(`--${key} ${String(raw)} is not a ${integer ? "whole " : ""}number of at least ${min}`);
    return n;
  };
  if (!values.gateway || !/^https?:\/\//.test(values.gateway)) throw new UsageError(`--gateway must be the gateway's URL (https://...)\n${USAGE}`);
  if (!values.endpoint) throw new UsageError(`--endpoint is required\n${USAGE}`);
  if (values.concurrency && values.rps) throw new UsageError("give --concurrency (closed loop) or --rps (open loop), not both");
  if (values.requests && values.duration) throw new UsageError("give --requests or --duration, not both");
  if (values.shape !== "azure" && values.shape !== "v1") throw new UsageError(`--shape ${values.shape}: azure or v1`);
  if (values.slot !== undefined && values.slot !== "blue" && values.slot !== "green") throw new UsageError(`--slot ${values.slot}: blue or green`);
  const rps = number("rps", 0.01, false);
  const mode: LoadMode = rps !== undefined ? { kind: "open", rps } : { kind: "closed", concurrency: number("concurrency", 1) ?? 4 };
  const requests = number("requests", 1);
  const duration = number("duration", 1, false);
  const prompts = values["prompt-set"] ? readFileSync(values["prompt-set"], "utf8").split("\n").map((l) => l.trim()).filter(Boolean) : ["Write two sentences about the sea."];
  if (prompts.length === 0) throw new UsageError(`--prompt-set ${values["prompt-set"]}: no prompts (one per line)`);
  return {
    target: { gateway: values.gateway, endpoint: values.endpoint, shape: values.shape, apiVersion: values["api-version"], ...(values["api-key"] ?? process.env.GENAI_GATEWAY_KEY ? { apiKey: values["api-key"] ?? process.env.GENAI_GATEWAY_KEY } : {}) } as Target,
    audience: values.audience,
    mode,
    ...(requests !== undefined ? { requests } : duration === undefined ? { requests: 100 } : {}),
    ...(duration !== undefined ? { durationSeconds: duration } : {}),
    rampSeconds: number("ramp", 0, false)!,
    warmup: number("warmup", 0)!,
    stream: !values["no-stream"],
    maxTokens: number("max-tokens", 1)!,
    prompts,
    retry: { attempts: number("attempts", 1)!, baseMs: 500, maxWaitMs: number("max-wait", 0, false)! * 1000 },
    slot: values.slot as "blue" | "green" | undefined,
    json: values.json && resolve(values.json),
    out: resolve(values.out),
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
  const rates = rows.map(([name, s]) => [name, s.requests, s.rps.toFixed(1), Math.round(s.outputTokensPerSecond), `${(s.errorRate * 100).toFixed(1)}%`, `${(s.throttledRate * 100).toFixed(1)}%`, s.retries]);
  return `${table(["slot", "metric", "p50", "p90", "p95", "p99", "max"], lines)}\n${table(["slot", "requests", "RPS", "output tokens/s", "errors", "429", "retries"], rates)}\n${run.lateStarts > 0 ? `${run.lateStarts} requests started late (the generator could not keep the schedule)\n` : ""}`;
}

export async function loadtest(argv: string[], io: LoadtestIo): Promise<number> {
  let args;
  try {
    args = parse(argv);
  } catch (error) {
    if (!(error instanceof UsageError) && !(error as NodeJS.ErrnoException).code) throw error;
    io.err(`loadtest: ${(error as Error).message}\n`);
    return EXIT.invalid;
  }
  let target = args.target;
  if (!target.apiKey) {
    // Entra ID through DefaultAzureCredential (az login, workload or managed identity), for the gateway's audience.
    const { DefaultAzureCredential, getBearerTokenProvider } = await import("@azure/identity");
    const provider = getBearerTokenProvider(new DefaultAzureCredential(), `${args.audience}/.default`);
    // The first token can take seconds (az login, IMDS): fetch it before the clock starts.
    try {
      await provider();
    } catch (error) {
      io.err(`loadtest: no Entra ID token for ${args.audience}: ${(error as Error).message} (sign in with az login, or pass --api-key)\n`);
      return EXIT.invalid;
    }
    target = { ...target, token: provider };
  }
  const openai = client(target);
  // Warm-up requests open connections and compile the client's code; they are sent (ramped like the run,
  // and counted by the gateway's token limits), then left out of the results.
  if (args.warmup > 0) {
    const warm = (await runLoad(openai, target, { ...args, requests: args.warmup, durationSeconds: undefined })).results;
    const failed = warm.filter((r) => r.status < 200 || r.status >= 300);
    io.out(`warm-up: ${warm.length} requests, ${failed.length} failed, ${failed.filter((r) => r.status === 429).length} answered 429 (left out of the results)\n`);
  }
  const total = args.requests ?? Math.round((args.durationSeconds ?? 0) * (args.mode.kind === "open" ? args.mode.rps : 10));
  const bar = io.progress ? new SingleBar({ format: "{bar} {value}/{total} requests | {rps} RPS | {errors} errors", stream: process.stderr, hideCursor: true }) : undefined;
  bar?.start(total, 0, { rps: "0", errors: 0 });
  let errors = 0;
  const started = performance.now();
  const run = await runLoad(openai, target, {
    ...args,
    onResult: (r, done) => {
      if (r.status < 200 || r.status >= 300) errors++;
      bar?.update(done, { rps: (done / ((performance.now() - started) / 1000)).toFixed(1), errors });
    },
  });
  bar?.stop();
  const results = args.slot ? run.results.filter((r) => r.slot === args.slot) : run.results;
  const shown: LoadRun = { ...run, results };
  io.out(renderSummary(shown, args.slot));
  if (args.slot) io.out(`--slot ${args.slot}: ${results.length} of ${run.results.length} requests were served by it (the gateway draws the slot by weight)\n`);
  writeArtifacts(args.out, [
    { path: "latency-histogram.svg", content: latencyHistogram(results, "e2eMs", `End-to-end latency, ${args.target.endpoint}`) },
    { path: "ttft-histogram.svg", content: latencyHistogram(results, "ttftMs", `Time to first token, ${args.target.endpoint}`) },
    { path: "ttft-over-time.svg", content: overTime(results, "ttftMs", `Time to first token over the run, ${args.target.endpoint}`) },
    { path: "tpot-over-time.svg", content: overTime(results, "tpotMs", `Time per output token over the run, ${args.target.endpoint}`) },
  ]);
  io.out(`charts in ${args.out}\n`);
  if (args.json) {
    const document = { endpoint: args.target.endpoint, shape: args.target.shape, mode: args.mode, stream: args.stream, warmup: args.warmup, wallMs: run.wallMs, lateStarts: run.lateStarts, summary: summarize(shown), requests: results };
    writeArtifacts(dirname(args.json), [{ path: basename(args.json), content: `${JSON.stringify(document, null, 2)}\n` }]);
    io.out(`results in ${args.json}\n`);
  }
  return EXIT.ok;
}

if (require.main === module) {
  loadtest(process.argv.slice(2), { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t), progress: process.stderr.isTTY }).then(
    (code) => (process.exitCode = code),
    (error) => {
      process.stderr.write(`loadtest: ${(error as Error).stack ?? error}\n`);
      process.exitCode = EXIT.programFailed;
    },
  );
}

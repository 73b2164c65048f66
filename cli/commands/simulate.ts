// `npm run simulate -- --stack NAME [--trace FILE] [--scale X] [--duration D] [--map team/endpoint=share,...]
//   [--without-team-limits] [--sweep [--target-429 P] [--target-ttft-p95 D]] [--json] [--out DIR]
//   [--config-file FILE] [--as-of YYYY-MM-DD]`
// Replays a request trace through the platform the stack plans (cli/simulate): the gateway's teams, slots,
// pools, breakers and retries; Azure OpenAI's provisioned utilization, native spillover and pay-as-you-go
// limits; vLLM queues. Prints where every request went, latency and cost; --sweep recommends PTU counts.
// Exit codes: 0 simulated; 2 invalid arguments, stack file, trace or --out (nothing written).
import { join, resolve } from "node:path";
import { type CommandSpec, helpText, parseCommandLine, usageLine, wantsHelp } from "../shared/args";
import { type CommandIo, EXIT, UsageError, processIo, quietOnClosedPipe } from "../shared/io";
import { StackFileError, missingStackHint, readStackFile, stackNameProblem } from "../shared/stackFile";
import { textProblem } from "../shared/terminalText";
import { inputFileProblem } from "../shared/inputFile";
import { ArtifactWriteError, outputDirProblem, writeArtifacts } from "../shared/outWriter";
import { table } from "../shared/table";
import { asOfDay, dayProblem } from "../../stacks/asOf";
import { loadStackConfig } from "../../stacks/load";
import { PRICES } from "../../components/cost/prices";
import { withOverrides } from "../../components/cost/monthlyCost";
import { SHARED_TRACE, TraceError, traceRequests, type TraceRequest } from "../simulate/trace";
import { scaleTrace } from "../simulate/scale";
import { defaultRouteMap, parseRouteMap, routeRequests, type RouteShare } from "../simulate/routing";
import { SimulationInputError, platformModel, withoutTeamLimits, type PlatformModel } from "../simulate/platform";
import { simulate, type SimulationResult } from "../simulate/engine";
import { simulatedCost } from "../simulate/cost";
import { percent, renderSummary, summarize, usd, type SimulationSummary } from "../simulate/report";
import { sweep, type DeploymentSweep, type SweepTargets } from "../simulate/sweep";
import { latencyChart, outcomesChart, utilizationChart } from "../simulate/charts";
import { referenceTracePath } from "../simulate/reference";

export const SIMULATE_SPEC: CommandSpec = {
  command: "simulate",
  summary:
    "Replays a request trace through the platform a stack plans, offline: the gateway's team budgets, weighted slots, pools by priority, circuit breakers and retries; Azure OpenAI's provisioned utilization with native spillover and pay-as-you-go TPM and RPM limits; vLLM queues. Prints where every request went, latency per endpoint slot and cost; --sweep recommends a PTU count per provisioned deployment.",
  options: {
    stack: { type: "string", value: "NAME", default: "dev", help: "the stack: reads Pulumi.<NAME>.yaml" },
    trace: {
      type: "string",
      value: "FILE",
      help: "the trace: TIMESTAMP,ContextTokens,GeneratedTokens[,Team,Endpoint] (default: the shared hour of Azure traffic)",
    },
    reference: {
      type: "boolean",
      default: false,
      help: "replay the stack's capacity.referenceTrace at its scale and map, as the plan and its capacity rule do",
    },
    scale: { type: "string", value: "X", help: "replay at X times the trace's arrival rate, up to 1000 (default 1)" },
    duration: { type: "string", value: "D", help: "replay only the first D of the trace (90s, 10m, 1h)" },
    map: {
      type: "string",
      value: "PAIRS",
      help: "assign rows without Team/Endpoint: team/endpoint=share,... (default the first team's first endpoint)",
    },
    "without-team-limits": {
      type: "boolean",
      default: false,
      help: "replay as if no team budget applied: size the backends for the whole trace",
    },
    sweep: { type: "boolean", default: false, help: "simulate a range of PTU counts per provisioned deployment" },
    "target-429": {
      type: "string",
      value: "P",
      default: "0.1%",
      help: "--sweep: the largest acceptable share of client 429s",
    },
    "target-ttft-p95": { type: "string", value: "D", help: "--sweep: the largest acceptable p95 TTFT (2s, 800ms)" },
    json: { type: "boolean", default: false, help: "print the results as JSON" },
    out: { type: "string", value: "DIR", help: "also write simulation.json and the charts (SVG) under DIR" },
    "config-file": { type: "string", value: "FILE", help: "the stack file to simulate instead of Pulumi.<stack>.yaml" },
    "as-of": { type: "string", value: "YYYY-MM-DD", help: "the day model lifecycle is checked for (default today)" },
  },
  examples: [
    "npm run simulate -- --stack prod",
    "npm run simulate -- --stack prod --scale 3 --without-team-limits --sweep --target-429 0.1% --target-ttft-p95 2s",
    "npm run simulate -- --stack prod --trace gateway-export.csv --out out/simulation",
  ],
  notes: [
    "exit codes: 0 simulated; 2 invalid arguments, stack file, trace or --out (nothing written)",
    "The latency, throughput and price figures are dated tables (cli/simulate/figures.ts, components/cost/prices.ts): docs/capacity-simulator.md says where each comes from and what is assumed.",
  ],
};
const USAGE = usageLine(SIMULATE_SPEC);

/** The largest --scale (as capacity.scale in a stack file). */
export const MAX_SCALE = 1_000;

/** The files --out writes. */
export const SIMULATION_FILES = ["simulation.json", "utilization.svg", "ttft.svg", "outcomes.svg"] as const;

interface SimulateArgs {
  readonly stack: string;
  readonly configFile: string;
  readonly configFileOption: string;
  readonly trace: string;
  readonly scale: number;
  readonly durationMs?: number;
  readonly map?: string;
  readonly reference: boolean;
  readonly withoutTeamLimits: boolean;
  readonly sweep: boolean;
  readonly targets: SweepTargets;
  readonly json: boolean;
  readonly out?: string;
  readonly asOf: string;
}

/** A duration written 90s, 10m, 1h, 800ms or plain seconds, in ms; undefined when it is not one. */
export function durationMs(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!m) return undefined;
  const value = Number(m[1]) * { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 }[(m[2] ?? "s") as "ms" | "s" | "m" | "h"];
  return value > 0 ? value : undefined;
}

/** A share written 0.1% or 0.001, as a fraction; undefined when it is not one from 0 to 1. */
export function shareOf(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(%)?$/.exec(text.trim());
  if (!m) return undefined;
  const value = Number(m[1]) / (m[2] ? 100 : 1);
  return value <= 1 ? value : undefined;
}

function parseSimulateArgs(argv: string[], projectDir: string): SimulateArgs {
  const values = parseCommandLine(SIMULATE_SPEC, argv).values as Record<string, string | boolean | undefined>;
  for (const [option, value] of Object.entries(values)) {
    const problem = typeof value === "string" ? textProblem(`--${option}`, value) : undefined;
    if (problem) throw new UsageError(`${problem}\n${USAGE}`);
  }
  const stack = values.stack as string;
  const stackProblem = stackNameProblem(stack);
  if (stackProblem) throw new UsageError(`${stackProblem}\n${USAGE}`);
  const scale = Number(values.scale ?? "1");
  if (!(scale > 0) || scale > MAX_SCALE || !/^\d+(?:\.\d+)?$/.test(String(values.scale ?? "1")))
    throw new UsageError(
      `--scale "${values.scale}" is not a number above 0 and up to ${MAX_SCALE} (such as 0.5 or 3)\n${USAGE}`,
    );
  if (values.reference && (values.trace !== undefined || values.scale !== undefined || values.map !== undefined))
    throw new UsageError(
      `--reference replays the stack's capacity.referenceTrace with its own scale and map: give --trace, --scale and --map without it\n${USAGE}`,
    );
  const duration = values.duration === undefined ? undefined : durationMs(values.duration as string);
  if (values.duration !== undefined && duration === undefined)
    throw new UsageError(`--duration "${values.duration}" is not a duration above 0 (90s, 10m, 1h)\n${USAGE}`);
  const target429 = shareOf(values["target-429"] as string);
  if (target429 === undefined)
    throw new UsageError(
      `--target-429 "${values["target-429"]}" is not a share from 0 to 100% (0.1% or 0.001)\n${USAGE}`,
    );
  const ttft = values["target-ttft-p95"] === undefined ? undefined : durationMs(values["target-ttft-p95"] as string);
  if (values["target-ttft-p95"] !== undefined && ttft === undefined)
    throw new UsageError(
      `--target-ttft-p95 "${values["target-ttft-p95"]}" is not a duration above 0 (2s, 800ms)\n${USAGE}`,
    );
  if (!values.sweep && (values["target-ttft-p95"] !== undefined || argv.some((a) => a.startsWith("--target-429"))))
    throw new UsageError(`--target-429 and --target-ttft-p95 set the sweep's targets: add --sweep\n${USAGE}`);
  const asOfProblem = values["as-of"] !== undefined ? dayProblem(values["as-of"] as string) : undefined;
  if (asOfProblem) throw new UsageError(`--as-of ${asOfProblem}\n${USAGE}`);
  if (values.out === "") throw new UsageError(`--out "" is empty: give a folder\n${USAGE}`);
  return {
    stack,
    configFile: resolve((values["config-file"] as string | undefined) ?? join(projectDir, `Pulumi.${stack}.yaml`)),
    configFileOption: values["config-file"] !== undefined ? "--config-file" : "stack file",
    trace: resolve((values.trace as string | undefined) ?? SHARED_TRACE),
    scale,
    ...(duration !== undefined ? { durationMs: duration } : {}),
    ...(values.map !== undefined ? { map: values.map as string } : {}),
    reference: values.reference === true,
    withoutTeamLimits: values["without-team-limits"] === true,
    sweep: values.sweep === true,
    targets: { client429Share: target429, ...(ttft !== undefined ? { ttftP95Ms: ttft } : {}) },
    json: values.json === true,
    ...(values.out !== undefined ? { out: resolve(values.out as string) } : {}),
    asOf: (values["as-of"] as string | undefined) ?? asOfDay(),
  };
}

/** The first `ms` of a trace. */
async function* firstOf(requests: AsyncIterable<TraceRequest>, ms: number): AsyncGenerator<TraceRequest> {
  for await (const r of requests) {
    if (r.atMs > ms) return;
    yield r;
  }
}

/** One replay of the trace (streamed from the file afresh) through `platform`. */
async function replay(
  args: SimulateArgs,
  platform: PlatformModel,
  shares: readonly RouteShare[],
  prices: Parameters<typeof simulatedCost>[2],
): Promise<{ result: SimulationResult; summary: SimulationSummary }> {
  const trace = traceRequests(args.trace);
  const limited = args.durationMs !== undefined ? firstOf(trace, args.durationMs) : trace;
  const result = await simulate(platform, routeRequests(scaleTrace(limited, args.scale), shares, platform));
  if (result.requests === 0)
    throw new UsageError(
      `no requests to replay: ${args.durationMs !== undefined ? "--duration and " : ""}--scale ${args.scale} keep none of the trace`,
    );
  const summary = summarize(platform, result, simulatedCost(platform, result, prices), {
    trace: args.trace === SHARED_TRACE ? "the shared trace (examples/traces)" : args.trace,
    scale: args.scale,
  });
  return { result, summary };
}

export function renderSweep(sweeps: readonly DeploymentSweep[], targets: SweepTargets): string {
  const goal = `client 429 <= ${percent(targets.client429Share)}${targets.ttftP95Ms !== undefined ? `, p95 TTFT <= ${Math.round(targets.ttftP95Ms)} ms` : ""}`;
  return sweeps
    .map((s) => {
      const rows = s.points.map((p) => [
        `${p.ptu}${p.ptu === s.planned ? " (planned)" : ""}`,
        percent(p.client429Share),
        percent(p.spilloverShare),
        p.ttftP95Ms === undefined ? "-" : Math.round(p.ttftP95Ms).toLocaleString("en-US"),
        usd(p.monthlyCost),
        p.meetsTargets ? "yes" : "no",
      ]);
      const verdict =
        s.recommended !== undefined
          ? `Recommended for ${s.deployment}: ${s.recommended} PTU, the cheapest count that meets ${goal} (planned: ${s.planned}).`
          : `No count from ${s.points[0]!.ptu} to ${s.points[s.points.length - 1]!.ptu} PTU meets ${goal} for ${s.deployment}: raise the team budgets, the pay-as-you-go capacity or the range.`;
      return `PTU sweep of ${s.deployment}:\n${table(["PTU", "client 429", "spillover", "TTFT p95 ms", "per month", "meets"], rows)}\n${verdict}\n`;
    })
    .join("\n");
}

export async function simulateCommand(argv: string[], projectDir: string, io: CommandIo = processIo): Promise<number> {
  if (wantsHelp(argv)) {
    io.out(helpText(SIMULATE_SPEC));
    return EXIT.ok;
  }
  let args: SimulateArgs | undefined;
  try {
    args = parseSimulateArgs(argv, projectDir);
    const traceProblem = inputFileProblem("--trace", args.trace, Number.MAX_SAFE_INTEGER);
    if (traceProblem) throw new UsageError(traceProblem);
    if (args.out !== undefined) {
      const problem = outputDirProblem(args.out);
      if (problem) throw new UsageError(`--out: ${problem}; nothing was simulated`);
    }
    const loaded = loadStackConfig(readStackFile(args.configFile, args.configFileOption), {
      stack: args.stack,
      asOf: args.asOf,
    });
    if (!loaded.ok)
      throw new UsageError(
        `${args.configFile} is not a valid stack configuration; nothing was simulated:\n${loaded.issues.map((i) => `  ${i.path}: ${i.message}`).join("\n")}`,
      );
    if (args.reference) {
      const capacity = loaded.config.capacity;
      if (!capacity)
        throw new UsageError(
          `--reference: stack ${args.stack} declares no capacity.referenceTrace; give --trace instead`,
        );
      args = {
        ...args,
        trace: referenceTracePath(projectDir, capacity),
        scale: capacity.scale,
        ...(capacity.map !== undefined ? { map: capacity.map } : {}),
      };
    }
    let platform = platformModel(args.stack, loaded.config);
    if (args.withoutTeamLimits) platform = withoutTeamLimits(platform);
    const shares = args.map !== undefined ? parseRouteMap(args.map, platform) : defaultRouteMap(platform);
    if (!Array.isArray(shares)) throw new UsageError(shares.problem);
    const prices = withOverrides(PRICES, loaded.config.prices);
    const { result, summary } = await replay(args, platform, shares, prices);
    const sweeps = args.sweep
      ? await sweep(platform, async (p) => (await replay(args!, p, shares, prices)).summary, args.targets)
      : undefined;
    const routed = args.map ?? shares.map((s) => `${s.team}/${s.endpoint}`).join(",");
    if (args.json)
      io.out(`${JSON.stringify({ ...summary, routing: routed, ...(sweeps ? { sweep: sweeps } : {}) }, null, 2)}\n`);
    else {
      io.out(renderSummary(summary));
      io.out(`Trace rows without Team and Endpoint went to: ${routed} (--map to change)\n`);
      if (sweeps) io.out(`\n${renderSweep(sweeps, args.targets)}`);
    }
    if (args.out !== undefined) {
      writeArtifacts(args.out, [
        {
          path: "simulation.json",
          content: `${JSON.stringify({ ...summary, ...(sweeps ? { sweep: sweeps } : {}) }, null, 2)}\n`,
        },
        { path: "utilization.svg", content: utilizationChart(summary) },
        { path: "ttft.svg", content: latencyChart(result) },
        { path: "outcomes.svg", content: outcomesChart(summary) },
      ]);
      if (!args.json) io.out(`Wrote ${SIMULATION_FILES.join(", ")} to ${args.out}\n`);
    }
    return EXIT.ok;
  } catch (error) {
    if (
      error instanceof UsageError ||
      error instanceof StackFileError ||
      error instanceof TraceError ||
      error instanceof SimulationInputError ||
      error instanceof ArtifactWriteError
    ) {
      const hint =
        args?.configFileOption === "stack file" && error instanceof StackFileError
          ? missingStackHint(projectDir, args.stack)
          : undefined;
      io.err(`simulate: ${error.message}${hint ? `\n${hint}` : ""}\n`);
      return EXIT.invalid;
    }
    throw error;
  }
}

if (require.main === module) {
  quietOnClosedPipe();
  simulateCommand(process.argv.slice(2), resolve(__dirname, "../..")).then(
    (code) => (process.exitCode = code),
    (error) => {
      process.stderr.write(`simulate: ${(error as Error).stack ?? error}\n`);
      process.exitCode = EXIT.programFailed;
    },
  );
}

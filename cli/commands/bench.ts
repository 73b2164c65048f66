// `npm run bench [-- --runs N] [--only plans|typecheck|load|simulate]`: median whole-process wall time and peak memory of
// the offline plan (dev, prod, a generated 10 regions x 10 endpoints config) against a bare replay of the
// prod plan's resources through the same mock runtime (cli/engine/replay.ts), of the type check, the
// policy pack's cost per resource on the planned exports, and the load generator against the loopback
// server (rate, late starts, added TTFT), and the capacity simulator's replay of the shared trace, against targets.
import { SHARED_TRACE, wholeTrace } from "../simulate/trace";
import { platformModel, withoutTeamLimits } from "../simulate/platform";
import { simulate, type RoutedRequest } from "../simulate/engine";
import { defaultRouteMap, routeRequests } from "../simulate/routing";
import { loadStackConfig } from "../../stacks/load";
import { readStackFile } from "../shared/stackFile";
import { asOfDay } from "../../stacks/asOf";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { type CommandSpec, helpText, parseCommandLine, wantsHelp } from "../shared/args";
import Table from "cli-table3";
import { largePolicyConfig, largeStackFile } from "../engine/largeConfig";
import { readPolicyConfig } from "../engine/policyReport";
import { checkpointResources, evaluatePolicies } from "../engine/policyRunner";
import { decimal } from "../loadtest/args";
import { quoted } from "../shared/terminalText";
import { policies } from "../../policies/rules";
import { UsageError, quietOnClosedPipe } from "../shared/io";

/**
 * The policy pack's cost per resource, in process (start-up excluded: it is the plan's and the same for
 * every export): the median of CHECK.runs evaluations of each planned export after CHECK.warmup. The
 * targets are what the pack cost per resource before its rules read effective gateway policies, Pod
 * Security controls, NetworkPolicies and Helm values (44 rules; measured on the 2-core machine on
 * 2026-12-05 with this benchmark: prod 196.5 µs, large 204.8 µs per resource). It may not get slower.
 */
const CHECK = { runs: 30, warmup: 5, targetMicroseconds: { prod: 196.5, large: 204.8 } } as const;

/**
 * Replays of the shared trace through the simulator's gateway and Azure OpenAI path (the committed prod
 * stack, no team budget binding, so every request meets the slot draw, the pool, its breakers, provisioned
 * utilization and spillover), and its target (issue: >= 1,000,000 simulated requests/s).
 */
const SIMULATE = { replays: 41, warmup: 5, targetPerSecond: 1_000_000 } as const;

async function simulateBench(projectDir: string): Promise<{ rows: string[][]; failed: number }> {
  const loaded = loadStackConfig(readStackFile(join(projectDir, "Pulumi.prod.yaml")), {
    stack: "prod",
    asOf: asOfDay(),
  });
  if (!loaded.ok)
    throw new Error(`Pulumi.prod.yaml: ${loaded.issues.map((i) => `${i.path}: ${i.message}`).join("; ")}`);
  const platform = withoutTeamLimits(platformModel("prod", loaded.config));
  const requests: RoutedRequest[] = [];
  for await (const r of routeRequests(await wholeTrace(SHARED_TRACE), defaultRouteMap(platform))) requests.push(r);
  const times: number[] = [];
  for (let i = 0; i < SIMULATE.warmup + SIMULATE.replays; i++) {
    const start = performance.now();
    await simulate(platform, requests);
    if (i >= SIMULATE.warmup) times.push(performance.now() - start);
  }
  const ms = median(times);
  const perSecond = (requests.length / ms) * 1000;
  return {
    rows: [
      [
        "simulated requests per second (gateway + Azure OpenAI, prod)",
        Math.round(perSecond).toLocaleString("en-US"),
        `>= ${SIMULATE.targetPerSecond.toLocaleString("en-US")}`,
        perSecond >= SIMULATE.targetPerSecond ? "ok" : "UNDER",
      ],
      [
        `one hour of the shared trace (${requests.length.toLocaleString("en-US")} requests)`,
        `${ms.toFixed(2)} ms`,
        "< 1 s",
        ms < 1000 ? "ok" : "OVER",
      ],
    ],
    failed: (perSecond >= SIMULATE.targetPerSecond ? 0 : 1) + (ms < 1000 ? 0 : 1),
  };
}

async function checkBench(scratch: string): Promise<{ rows: string[][]; failed: number }> {
  const rows: string[][] = [];
  for (const stack of ["prod", "large"] as const) {
    const dir = join(scratch, stack);
    const resources = checkpointResources(JSON.parse(readFileSync(join(dir, "stack.json"), "utf8")), stack);
    const config = readPolicyConfig(join(dir, "policy-config.json"));
    const times: number[] = [];
    for (let i = 0; i < CHECK.warmup + CHECK.runs; i++) {
      const start = process.hrtime.bigint();
      await evaluatePolicies(resources, policies, config);
      if (i >= CHECK.warmup) times.push(Number(process.hrtime.bigint() - start) / 1e3);
    }
    const perResource = median(times) / resources.length;
    const target = CHECK.targetMicroseconds[stack];
    rows.push([
      `policy pack on the ${stack} export (${resources.length} resources)`,
      `${(median(times) / 1000).toFixed(1)} ms, ${perResource.toFixed(1)} µs per resource`,
      `<= ${target} µs per resource`,
      perResource <= target * 1.1 ? "ok" : "OVER",
    ]);
  }
  return { rows, failed: rows.filter((r) => r[3] !== "ok").length };
}

/** Open-loop rate, requests and runs of the load generator's benchmark, and its targets (issue: the instrument must not be the bottleneck). */
const LOAD = { rps: 300, requests: 3000, warmup: 300, runs: 5, lateShare: 0.01, ttftP50Ms: 2, ttftP99Ms: 10 } as const;

interface LoadSample {
  readonly sustained: number;
  readonly ok: number;
  readonly requests: number;
  readonly late: number;
  readonly p50: number;
  readonly p99: number;
}

/** One `npm run loadtest` (the command a person runs, with its node flags) against the server at `url`. */
function loadtestOnce(url: string, scratch: string): LoadSample {
  const json = join(scratch, "loadtest.json");
  const args = [
    "--gateway",
    url,
    "--endpoint",
    "bench",
    "--api-key",
    "bench",
    "--rps",
    String(LOAD.rps),
    "--requests",
    String(LOAD.requests),
    "--warmup",
    String(LOAD.warmup),
    "--max-tokens",
    "16",
    "--attempts",
    "1",
    "--prompt-set",
    join(scratch, "prompts.txt"),
    "--json",
    json,
    "--out",
    join(scratch, "loadtest"),
  ];
  const result = spawnSync("npm", ["run", "--silent", "loadtest", "--", ...args], {
    cwd: projectDir,
    encoding: "utf8",
  });
  if (result.status !== 0) throw new Error(`npm run loadtest exited ${result.status}: ${result.stderr}`);
  const run = JSON.parse(readFileSync(json, "utf8")) as {
    lateStarts: number;
    summary: { all: { ok: number; requests: number; ttftMs: { p50: number; p99: number } } };
    requests: { startedAt: number }[];
  };
  const starts = run.requests.map((r) => r.startedAt).sort((a, b) => a - b);
  const { all } = run.summary;
  return {
    sustained: (starts.length - 1) / ((starts[starts.length - 1]! - starts[0]!) / 1000),
    ok: all.ok,
    requests: all.requests,
    late: run.lateStarts / all.requests,
    p50: all.ttftMs.p50,
    p99: all.ttftMs.p99,
  };
}

/**
 * The load generator against the loopback server in its own process with zero injected delay: the
 * streaming request rate it sustains open-loop, the share of late starts, and the TTFT it adds itself
 * (client and loopback server together). Medians of LOAD.runs runs, each after its warm-up.
 */
async function loadGeneratorBench(scratch: string): Promise<{ rows: string[][]; failed: number }> {
  writeFileSync(join(scratch, "prompts.txt"), "Say hello.\n");
  const server = spawn(
    process.execPath,
    ["--require", "tsx/cjs", join(projectDir, "cli/loadtest/loopbackServer.ts"), "0", "0", "16"],
    { cwd: projectDir, stdio: ["ignore", "pipe", "inherit"] },
  );
  try {
    const url = await new Promise<string>((done, fail) => {
      server.stdout!.once("data", (d: Buffer) => done(d.toString().trim()));
      server.once("exit", (code) => fail(new Error(`the loopback server exited ${code}`)));
    });
    const samples = Array.from({ length: LOAD.runs }, () => loadtestOnce(url, scratch));
    const of = (pick: (s: LoadSample) => number) => ({
      median: median(samples.map(pick)),
      range: `${Math.min(...samples.map(pick)).toFixed(2)}–${Math.max(...samples.map(pick)).toFixed(2)}`,
    });
    const sustained = of((s) => s.sustained);
    const late = of((s) => s.late * 100);
    const p50 = of((s) => s.p50);
    const p99 = of((s) => s.p99);
    const allOk = samples.every((s) => s.ok === s.requests);
    const rows = [
      [
        "open-loop streaming rate",
        `${sustained.median.toFixed(0)} req/s (${allOk ? "all" : "not all"} answered)`,
        `>= ${LOAD.rps} req/s`,
        sustained.median >= LOAD.rps * 0.99 && allOk ? "ok" : "UNDER",
      ],
      [
        "late starts (> 5 ms behind schedule)",
        `${late.median.toFixed(2)}% (${late.range})`,
        `<= ${LOAD.lateShare * 100}%`,
        late.median <= LOAD.lateShare * 100 ? "ok" : "OVER",
      ],
      [
        "added TTFT p50",
        `${p50.median.toFixed(2)} ms (${p50.range})`,
        `<= ${LOAD.ttftP50Ms} ms`,
        p50.median <= LOAD.ttftP50Ms ? "ok" : "OVER",
      ],
      [
        "added TTFT p99",
        `${p99.median.toFixed(2)} ms (${p99.range})`,
        `<= ${LOAD.ttftP99Ms} ms`,
        p99.median <= LOAD.ttftP99Ms ? "ok" : "OVER",
      ],
    ];
    return { rows, failed: rows.filter((r) => r[3] !== "ok").length };
  } finally {
    server.kill();
  }
}

const projectDir = resolve(__dirname, "../..");
const TIME = "/usr/bin/time";

interface Sample {
  readonly seconds: number;
  readonly peakKb?: number;
}

function runOnce(command: string[], expectedExit = 0): Sample {
  const timed = existsSync(TIME);
  const argv = timed ? [TIME, "-f", "%M", ...command] : command;
  const start = process.hrtime.bigint();
  const result = spawnSync(argv[0]!, argv.slice(1), { cwd: projectDir, encoding: "utf8" });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (result.status !== expectedExit) throw new Error(`${command.join(" ")} exited ${result.status}: ${result.stderr}`);
  const peak = timed ? Number(result.stderr.trim().split("\n").pop()) : undefined;
  return { seconds, ...(peak ? { peakKb: peak } : {}) };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export const BENCH_SPEC: CommandSpec = {
  command: "bench",
  summary:
    "Measures the offline plan (dev, prod, a generated 10 x 10 config, against a bare replay of the prod export), the refusal of a YAML bomb, the type check, the policy pack's cost per resource, the load generator's overhead and the capacity simulator's speed, against their targets.",
  options: {
    runs: { type: "string", value: "N", default: "5", help: "runs per case (the median is reported), 1-1000" },
    only: {
      type: "string",
      value: "plans|typecheck|load|simulate",
      help: "run one part: the plans and the policy pack, the type check, the load generator, or the capacity simulator",
    },
  },
  examples: ["npm run bench", "npm run bench -- --only plans --runs 3"],
  notes: ["exit codes: 0 every target met; 1 a target missed; 2 invalid arguments"],
};

/** `--runs` and `--only`, checked; an UsageError names the option and what is allowed. */
function benchArgs(argv: string[]): { runs: number; only?: "plans" | "typecheck" | "load" | "simulate" } {
  const { values } = parseCommandLine(BENCH_SPEC, argv);
  const runs = decimal("runs", values.runs, { min: 1, max: 1000 });
  if (values.only !== undefined && !["plans", "typecheck", "load", "simulate"].includes(values.only))
    throw new UsageError(`--only ${quoted(values.only)}: plans, typecheck, load or simulate`);
  return { runs, ...(values.only !== undefined ? { only: values.only } : {}) };
}

export async function bench(
  argv: string[],
  io: { out(text: string): unknown; err(text: string): unknown },
): Promise<number> {
  if (wantsHelp(argv)) {
    io.out(helpText(BENCH_SPEC));
    return 0;
  }
  let parsed;
  try {
    parsed = benchArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.err(`bench: ${error.message}\n`);
    return 2;
  }
  const { runs } = parsed;
  const benchPlans = parsed.only === undefined || parsed.only === "plans";
  const benchTypecheck = parsed.only === undefined || parsed.only === "typecheck";
  const benchLoad = parsed.only === undefined || parsed.only === "load";
  const benchSimulate = parsed.only === undefined || parsed.only === "simulate";
  const scratch = mkdtempSync(join(tmpdir(), "genai-bench-"));
  const largeFile = join(scratch, "Pulumi.large.yaml");
  writeFileSync(largeFile, largeStackFile(10, 10));
  const largePolicy = join(scratch, "large-policy.json");
  writeFileSync(largePolicy, JSON.stringify(largePolicyConfig(10)));
  // Exactly the command `npm run plan` runs (without npm's own start-up).
  const planScript = (
    JSON.parse(readFileSync(join(projectDir, "package.json"), "utf8")) as { scripts: { plan: string } }
  ).scripts.plan;
  const plan = [...planScript.split(/\s+/), "--out", scratch];
  // A 400-byte "billion laughs" stack file: 9 levels of nested aliases, refused before anything loads.
  const bombFile = join(scratch, "Pulumi.bomb.yaml");
  const levels = "abcdefgh".split("");
  writeFileSync(
    bombFile,
    `config:\n${levels
      .map(
        (l, i) =>
          `  ${l}: &${l} [${Array(9)
            .fill(i === 0 ? '"lol"' : `*${levels[i - 1]}`)
            .join(",")}]`,
      )
      .join("\n")}\n  genai-platform:tags: [${Array(9).fill("*h").join(",")}]\n`,
  );
  // The same node and flags as the plan, on the export the prod plan wrote (its warm-up run writes it first).
  const replay = [
    ...plan.slice(0, plan.indexOf("cli/commands/plan.ts")),
    "cli/engine/replay.ts",
    join(scratch, "prod", "stack.json"),
  ];
  const cases: {
    name: string;
    command: string[];
    expectedExit?: number;
    /** Whether the median wall time `wall` meets the target, given the cases' medians so far. */
    meets: (wall: number, medians: Map<string, number>) => boolean;
    target: string;
  }[] = [
    { name: "plan dev", command: [...plan, "--stack", "dev"], meets: (w) => w <= 2, target: "<= 2 s" },
    { name: "plan prod", command: [...plan, "--stack", "prod"], meets: (w) => w <= 2, target: "<= 2 s" },
    {
      name: "bare replay of the prod export (same SDK classes and inputs, no program)",
      command: replay,
      meets: (w, m) => m.get("plan prod")! <= 1.5 * w,
      target: "plan prod <= 1.5x this",
    },
    {
      name: "plan large (10 regions x 10 endpoints)",
      command: [...plan, "--stack", "large", "--config-file", largeFile, "--policy-config", largePolicy],
      meets: (w, m) => w <= 2 * m.get("plan prod")!,
      target: "<= 2x prod",
    },
    {
      name: "refuse a billion-laughs file (exit 2)",
      command: [...plan, "--stack", "bomb", "--config-file", bombFile],
      expectedExit: 2,
      meets: (w) => w <= 1,
      target: "<= 1 s",
    },
    {
      name: "typecheck",
      command: ["node", "node_modules/typescript/bin/tsc", "--noEmit", "-p", "tsconfig.json"],
      meets: (w) => w <= 30,
      target: "<= 30 s",
    },
  ];
  const medians = new Map<string, number>();
  const table = new Table({
    head: ["case", "median wall", "peak memory", "runs", "target", "result"],
    style: { head: [], border: [] },
  });
  let failed = 0;
  for (const c of cases.filter((c) => (c.name === "typecheck" ? benchTypecheck : benchPlans))) {
    runOnce(c.command, c.expectedExit); // warm the file-system and transform caches
    const samples = Array.from({ length: runs }, () => runOnce(c.command, c.expectedExit));
    const wall = median(samples.map((s) => s.seconds));
    medians.set(c.name, wall);
    const peaks = samples.map((s) => s.peakKb).filter((p): p is number => p !== undefined);
    const ok = c.meets(wall, medians);
    if (!ok) failed++;
    table.push([
      c.name,
      `${wall.toFixed(2)} s`,
      peaks.length ? `${Math.round(Math.max(...peaks) / 1024)} MB` : `n/a (no ${TIME})`,
      String(runs),
      c.target,
      ok ? "ok" : "OVER",
    ]);
  }
  if (benchPlans || benchTypecheck) {
    io.out(`${table.toString()}\n`);
    io.out(
      `node ${process.version}, ${runs} runs per case after one warm-up; wall time is the whole process, as the command line runs it.\n`,
    );
  }
  /** Runs a part of the bench when it is asked for, and prints its table and how it was measured. */
  const section = async (
    wanted: boolean,
    title: string,
    measured: string,
    measure: () => Promise<{ rows: string[][]; failed: number }>,
    how: string,
  ): Promise<number> => {
    if (!wanted) return 0;
    const result = await measure();
    const part = new Table({ head: [title, measured, "target", "result"], style: { head: [], border: [] } });
    part.push(...result.rows);
    io.out(`${part.toString()}\n${how}\n`);
    return result.failed;
  };
  failed += await section(
    benchPlans,
    "policy pack (npm run check's evaluation, in process)",
    "median",
    () => checkBench(scratch),
    `${CHECK.runs} evaluations per export after ${CHECK.warmup} warm-up runs; the target allows 10% for the machine's noise.`,
  );
  failed += await section(
    benchLoad,
    "load generator vs loopback server (separate process, no injected delay)",
    "measured",
    () => loadGeneratorBench(scratch),
    `npm run loadtest, ${LOAD.runs} runs (median, range): ${LOAD.requests} streaming requests of 16 tokens at ${LOAD.rps} req/s open loop after ${LOAD.warmup} warm-up requests; TTFT here is what the client and the loopback server add.`,
  );
  failed += await section(
    benchSimulate,
    "capacity simulator (in process)",
    "measured",
    () => simulateBench(projectDir),
    `the shared hour of Azure traffic (examples/traces, ${SIMULATE.replays} replays after ${SIMULATE.warmup} warm-up ones, median) through the committed prod stack's gateway and Azure OpenAI deployments (npm run simulate's engine, team budgets off).`,
  );
  return failed > 0 ? 1 : 0;
}

if (require.main === module) {
  quietOnClosedPipe();
  bench(process.argv.slice(2), { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) }).then(
    (code) => (process.exitCode = code),
    (error: unknown) => {
      console.error(error);
      process.exitCode = 3;
    },
  );
}

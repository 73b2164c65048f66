// `npm run simulate` in process: the committed prod stack on the shared trace (a golden result), the sweep's
// recommendation, what --out writes, and what it refuses (exit 2, nothing written).
import { describe, expect, it } from "vitest";
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { XMLValidator } from "fast-xml-parser";
import { stringify } from "yaml";
import { SIMULATION_FILES, simulateCommand } from "../cli/commands/simulate";
import { latencyChart } from "../cli/simulate/charts";
import { AS_OF, PROJECT_DIR, matchesGoldenFile, namespaced, rawConfig } from "./configHelpers";
import { planCommand } from "./helpers";

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await simulateCommand([...argv, "--as-of", AS_OF], PROJECT_DIR, {
    out: (t) => ((out += t), true),
    err: (t) => ((err += t), true),
  });
  return { code, out, err };
}

const scratch = () => mkdtempSync(join(tmpdir(), "genai-simulate-"));

describe("npm run simulate on the shared trace against prod", () => {
  it("accounts for every request and matches the reviewed result (golden)", async () => {
    const result = await run("--stack", "prod", "--json");
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.out);
    const total = Object.values(summary.outcomes as Record<string, { count: number }>).reduce((n, o) => n + o.count, 0);
    expect(total).toBe(8_819);
    expect(summary.requests).toBe(8_819);
    // The assistant team's 60,000 tokens a minute is a fifth of the trace's mean rate: its budget decides.
    expect(summary.outcomes.teamLimit.share).toBeGreaterThan(0.8);
    matchesGoldenFile(join(PROJECT_DIR, "test/golden/simulate/prod-shared-trace.json"), result.out);
  });

  it("prints where the requests went, per team, latency, utilization and cost; and repeats exactly", async () => {
    const first = await run("--stack", "prod", "--without-team-limits", "--duration", "20m");
    expect(first.code).toBe(0);
    for (const heading of [
      "Where the requests went:",
      "Per team:",
      "Latency of served requests",
      "Provisioned deployments",
      "Cost of the simulated 20 min and of a month",
      "Trace rows without Team and Endpoint went to: assistant/chat",
    ])
      expect(first.out).toContain(heading);
    expect(first.out).toMatch(/served by native spillover\s*│\s*[1-9]/);
    expect((await run("--stack", "prod", "--without-team-limits", "--duration", "20m")).out).toBe(first.out);
  });

  it("--reference replays what the plan replays: prod's capacity trace at its scale", async () => {
    const result = JSON.parse((await run("--stack", "prod", "--reference", "--json")).out);
    expect(result).toMatchObject({ scale: 0.05, requests: 440, client429Share: 0 });
    expect(result.trace).toBe("the shared trace (examples/traces)");
  });

  it("recommends the cheapest PTU count that meets the targets", async () => {
    // The first 20 minutes keep the sweep short; the whole hour is the guide's example.
    const result = await run(
      "--stack",
      "prod",
      "--without-team-limits",
      "--duration",
      "20m",
      "--sweep",
      "--target-429",
      "0.5%",
      "--target-ttft-p95",
      "2s",
      "--json",
    );
    expect(result.code).toBe(0);
    const [sweep] = JSON.parse(result.out).sweep as {
      deployment: string;
      planned: number;
      recommended?: number;
      points: { ptu: number; client429Share: number; monthlyCost: number; meetsTargets: boolean }[];
    }[];
    expect(sweep!.deployment).toBe("swc/chat-blue-gpt-5-gptu");
    expect(sweep!.recommended).toBeDefined();
    const chosen = sweep!.points.find((p) => p.ptu === sweep!.recommended)!;
    expect(chosen.client429Share).toBeLessThanOrEqual(0.005);
    for (const p of sweep!.points.filter((q) => q.meetsTargets))
      expect(p.monthlyCost).toBeGreaterThanOrEqual(chosen.monthlyCost);
    // Every smaller count misses the targets.
    const below = sweep!.points.filter((p) => p.ptu < sweep!.recommended!);
    expect(below.every((p) => !p.meetsTargets)).toBe(true);
  });

  it("draws a latency chart that says so when nothing was served", () => {
    const svg = latencyChart({
      requests: 1,
      spanMs: 0,
      outcomes: {} as never,
      byTeam: new Map(),
      latency: [],
      deployments: [],
    });
    expect(XMLValidator.validate(svg)).toBe(true);
    expect(svg).toContain("no request was served");
  });

  it("writes the JSON and three charts (well-formed SVG) under --out", async () => {
    const out = join(scratch(), "sim");
    const result = await run("--stack", "prod", "--duration", "10m", "--out", out);
    expect(result.code).toBe(0);
    expect(readdirSync(out).sort()).toEqual([...SIMULATION_FILES].sort());
    for (const svg of SIMULATION_FILES.filter((f) => f.endsWith(".svg")))
      expect(XMLValidator.validate(readFileSync(join(out, svg), "utf8")), svg).toBe(true);
    expect(JSON.parse(readFileSync(join(out, "simulation.json"), "utf8")).requests).toBeGreaterThan(0);
  });
});

describe("what npm run simulate refuses (exit 2, nothing written)", () => {
  it("a trace out of order, naming the file and line", async () => {
    const dir = scratch();
    const trace = join(dir, "t.csv");
    writeFileSync(
      trace,
      "TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:17:05,10,1\n2023-11-16 18:17:04,10,1\n",
    );
    const out = join(dir, "out");
    const result = await run("--stack", "prod", "--trace", trace, "--out", out);
    expect(result.code).toBe(2);
    expect(result.err).toContain(`${trace}:3: TIMESTAMP 2023-11-16 18:17:04 is before the line above`);
    expect(existsSync(out)).toBe(false);
  });

  it.each([
    [["--scale", "0"], '--scale "0" is not a number above 0'],
    [["--duration", "soon"], '--duration "soon" is not a duration above 0'],
    [["--map", "search/chat"], "--map: team search does not call endpoint chat in stack prod; allowed pairs:"],
    [["--target-429", "1%"], "--target-429 and --target-ttft-p95 set the sweep's targets: add --sweep"],
    [["--sweep", "--target-429", "150%"], '--target-429 "150%" is not a share from 0 to 100%'],
    [["--scale", "1001"], '--scale "1001" is not a number above 0 and up to 1000'],
    [["--scale", "0.00001"], "no requests to replay: --scale 0.00001 keep none of the trace"],
    [
      ["--reference", "--scale", "2"],
      "--reference replays the stack's capacity.referenceTrace with its own scale and map",
    ],
  ])("%j", async (args, message) => {
    const result = await run("--stack", "prod", ...args);
    expect(result.code).toBe(2);
    expect(result.err).toContain(message);
    expect(result.out).toBe("");
  });

  it.each([
    [
      "an exponent",
      "2023-11-16 18:17:04,1e3,1\n",
      ':2: ContextTokens "1e3" is not a whole number of tokens from 0 to 10,000,000',
    ],
    [
      "a span over a month",
      "2023-11-16 18:17:04,1,1\n2023-12-18 18:17:04,1,1\n",
      ":3: TIMESTAMP 2023-12-18 18:17:04 is more than 31 days after the first request",
    ],
  ])("a trace with %s, naming the line", async (_what, rows, message) => {
    const trace = join(scratch(), "t.csv");
    writeFileSync(trace, `TIMESTAMP,ContextTokens,GeneratedTokens\n${rows}`);
    const result = await run("--stack", "prod", "--trace", trace);
    expect(result.code).toBe(2);
    expect(result.err).toContain(message);
  });

  it("a stack without a gateway, and --reference on a stack without capacity", async () => {
    const raw = rawConfig("dev");
    delete raw.gateway;
    const file = join(scratch(), "Pulumi.dev.yaml");
    writeFileSync(file, stringify({ config: namespaced(raw) }));
    const none = await run("--stack", "dev", "--config-file", file);
    expect(none.code).toBe(2);
    expect(none.err).toContain("stack dev has no gateway: the simulator replays traffic through the gateway");
    const reference = await run("--stack", "dev", "--reference");
    expect(reference.code).toBe(2);
    expect(reference.err).toContain("--reference: stack dev declares no capacity.referenceTrace; give --trace instead");
  });

  it("a GPU the throughput table has not measured, naming the target", async () => {
    const raw = rawConfig("prod");
    raw.cluster.gpuPools.a100.vmSize = "Standard_NC4as_T4_v3";
    const file = join(scratch(), "Pulumi.t4.yaml");
    writeFileSync(file, stringify({ config: namespaced(raw) }));
    const result = await run("--stack", "prod", "--config-file", file);
    expect(result.code).toBe(2);
    expect(result.err).toContain("models.qwen.slots.blue.targets[0]: no measured vLLM throughput for T4 GPUs");
  });
});

describe("the stack's reference trace in the plan", () => {
  const stackFileOf = (raw: Record<string, unknown>) => {
    const file = join(scratch(), "Pulumi.prod.yaml");
    writeFileSync(file, stringify({ config: namespaced(raw) }));
    return file;
  };
  const plan = (...args: string[]) => planCommand(...args, "--as-of", AS_OF, "--out", scratch());

  it("shows a PTU change's simulated before and after in the PR summary", async () => {
    const raw = rawConfig("prod");
    raw.models.chat.slots.blue.targets[0].capacity = 15;
    const result = await plan(
      "--stack",
      "prod",
      "--config-file",
      stackFileOf(raw),
      "--base-config",
      join(PROJECT_DIR, "Pulumi.prod.yaml"),
      "--format",
      "markdown",
    );
    expect(result.stdout).toContain("### Simulated capacity on the reference trace");
    expect(result.stdout).toContain("| PTU swc/chat-blue-gpt-5-gptu | 50                        | 15       |");
    expect(result.stdout).toMatch(
      /\*\*PTU 50 → 15, client 429 0\.0% → 0\.0%, spillover 0\.0% → 0\.0%, cost -\$25,550\/month\*\*/,
    );
  });

  it("warns when the base replays other traffic than the plan", async () => {
    const base = rawConfig("prod");
    base.capacity = { ...base.capacity, scale: 0.1 };
    const result = await plan(
      "--stack",
      "prod",
      "--config-file",
      join(PROJECT_DIR, "Pulumi.prod.yaml"),
      "--base-config",
      stackFileOf(base),
      "--format",
      "markdown",
    );
    expect(result.stdout).toContain(
      "> [!WARNING]\n> The base replays `examples/traces/azure-llm-inference-2023-code.csv` at 0.1x, this plan `examples/traces/azure-llm-inference-2023-code.csv` at 0.05x",
    );
  });

  it("fails the plan when the trace gets more 429s than the stack's objective", async () => {
    const raw = rawConfig("prod");
    raw.capacity = {
      referenceTrace: "examples/traces/azure-llm-inference-2023-code.csv",
      scale: 0.2,
      maxClient429Share: 0.01,
    };
    const result = await plan("--stack", "prod", "--config-file", stackFileOf(raw), "--json");
    expect(result.code).toBe(1);
    const violation = JSON.parse(result.stdout).policy.violations.find(
      (v: { policy: string }) => v.policy === "capacity-simulated-client-429",
    );
    expect(violation.message).toMatch(
      /^on examples\/traces\/azure-llm-inference-2023-code\.csv \(1763 requests\), \d+\.\d\d% of requests are answered 429, above the stack's objective of 1\.00%$/,
    );
  });

  it("refuses a reference trace it cannot read or a map the stack cannot take, naming the key (exit 2)", async () => {
    const raw = rawConfig("prod");
    raw.capacity = { referenceTrace: "traces/missing.csv" };
    const missing = await plan("--stack", "prod", "--config-file", stackFileOf(raw));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("capacity.referenceTrace");
    expect(missing.stderr).toContain("nothing was planned");
    raw.capacity = { referenceTrace: "examples/traces/azure-llm-inference-2023-code.csv", map: "search/chat" };
    const map = await plan("--stack", "prod", "--config-file", stackFileOf(raw));
    expect(map.code).toBe(2);
    expect(map.stderr).toContain("capacity.map: team search does not call endpoint chat in stack prod");
  });
});

describe("a trace of the platform's own traffic, exported from Log Analytics", () => {
  it("replays rows with an Endpoint column, each endpoint's team from the stack or --map", async () => {
    const trace = join(scratch(), "export.csv");
    const rows = Array.from({ length: 40 }, (_, i) => {
      const at = new Date(Date.UTC(2026, 11, 1, 9, 0, i)).toISOString().replace("T", " ").replace("Z", "");
      return `${at},1200,150,${i % 2 === 0 ? "chat" : "qwen"}`;
    });
    writeFileSync(trace, `TIMESTAMP,ContextTokens,GeneratedTokens,Endpoint\n${rows.join("\n")}\n`);
    const result = JSON.parse((await run("--stack", "prod", "--trace", trace, "--json")).out);
    expect(result.byTeam.assistant.ptu).toBe(20);
    expect(result.byTeam.search.vllm).toBe(20);
    expect(result.latency.find((l: { endpoint: string }) => l.endpoint === "qwen").served).toBe(20);
  });
});

// The observability artifacts, checked by the tools that will read them: every PromQL expression by
// Prometheus' own grammar (@prometheus-io/lezer-promql), the rule file by `promtool check rules`, each
// alert by `promtool test rules` (firing on synthetic faults, silent on a healthy slot, for both vLLM
// metric generations), and every dashboard query by a real Prometheus scraping vLLM /metrics fixtures.
import { kustoDiagnostics } from "./kusto";
import { describe, expect, it, beforeAll, afterAll } from "vitest";
import { execFileSync, spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync, readdirSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parser } from "@prometheus-io/lezer-promql";
import { XMLValidator } from "fast-xml-parser";
import { parse, stringify } from "yaml";
import {
  ALERTS,
  recordingRules,
  ruleGroups,
  type AlertingRule,
  type MonitoredSlot,
  type RuleGroup,
} from "../components/observability/rules";
import { sloSchema } from "../stacks/clusterConfig";
import { GPU_ALERTS, gpuRuleGroup } from "../components/observability/gpuRules";
import { ANOMALY_ALERTS, anomalyRuleGroups } from "../components/observability/anomalyRules";
import { GPU_SLOT_RELABELINGS, GPU_TARGET_LABELDROP, SLOT_NAMESPACE } from "../components/observability/gpuLabels";
import { DCGM_METRICS } from "../components/cluster/gpuSkus";
import { matchesGoldenFile, plannedOutput, PROJECT_DIR } from "./helpers";

const HAVE_PROMETHEUS =
  spawnSync("promtool", ["--version"]).status === 0 && spawnSync("prometheus", ["--version"]).status === 0;
if (!HAVE_PROMETHEUS)
  console.warn(
    "skipping the promtool and Prometheus tests: `promtool`/`prometheus` are not installed here (.ci/run installs Debian's prometheus package)",
  );

/** PromQL syntax errors per lezer-promql, the grammar of Prometheus' own UI. */
function syntaxErrors(expr: string): string[] {
  const errors: string[] = [];
  parser.parse(expr).iterate({
    enter: (node) => {
      if (node.type.isError) errors.push(`at ${node.from}: "${expr.slice(Math.max(0, node.from - 10), node.to + 10)}"`);
    },
  });
  return errors;
}

/** A dashboard query as Grafana sends it: its variables replaced (every slot, a rate window). */
const asSent = (expr: string, rateInterval = "1m") =>
  expr.replaceAll("$__rate_interval", rateInterval).replaceAll("$slot", "blue|green");

interface DashboardJson {
  panels: { type: string; title: string; targets?: { expr?: string; legendFormat?: string }[] }[];
}
/** The prod plan's folder (out/prod), shared by the run: read, never written. */
let outDir = "";
let rulesFile = "";
let dashboards: Record<string, DashboardJson> = {};
/** The autoscalers' queries (KEDA's prometheus triggers) from the prod plan's manifests. */
let scalerQueries: string[] = [];
const promQueries = () =>
  Object.entries(dashboards).flatMap(([file, d]) =>
    d.panels.flatMap((p) =>
      (p.targets ?? [])
        .filter((t) => t.expr)
        .map((t) => ({ where: `${file}: ${p.title}`, expr: t.expr!, legend: t.legendFormat ?? "" })),
    ),
  );

beforeAll(async () => {
  outDir = (await plannedOutput("prod")).dir;
  const dir = join(outDir, "observability");
  rulesFile = join(dir, "rules.yaml");
  dashboards = Object.fromEntries(
    readdirSync(join(dir, "dashboards")).map((f) => [f, JSON.parse(readFileSync(join(dir, "dashboards", f), "utf8"))]),
  );
  const k8s = join(outDir, "k8s");
  scalerQueries = readdirSync(k8s)
    .filter((f) => f.includes(".scaledobject."))
    .flatMap((f) => (parse(readFileSync(join(k8s, f), "utf8")) as any).spec.triggers.map((t: any) => t.metadata.query));
}, 60_000);

describe("the prod plan's observability artifacts", () => {
  it("are the rules, a dashboard and a preview per model endpoint, of the GPU pools and of spend per team, each equal to its reviewed golden file", () => {
    const dir = join(outDir, "observability");
    const files = [
      "rules.yaml",
      ...readdirSync(join(dir, "dashboards")).map((f) => `dashboards/${f}`),
      ...readdirSync(join(dir, "previews")).map((f) => `previews/${f}`),
    ].sort();
    expect(files).toEqual([
      "dashboards/chat.json",
      "dashboards/embeddings.json",
      "dashboards/gpus.json",
      "dashboards/qwen.json",
      "dashboards/team-spend.json",
      "previews/chat.svg",
      "previews/embeddings.svg",
      "previews/gpus.svg",
      "previews/qwen.svg",
      "previews/team-spend.svg",
      "rules.yaml",
    ]);
    for (const file of files)
      matchesGoldenFile(
        join(PROJECT_DIR, "test", "golden", "observability", "prod", file),
        readFileSync(join(dir, file), "utf8"),
      );
  });

  it("previews are well-formed SVG that show every panel of their dashboard", () => {
    const dir = join(outDir, "observability");
    for (const [file, dashboard] of Object.entries(dashboards)) {
      const svg = readFileSync(join(dir, "previews", file.replace(/\.json$/, ".svg")), "utf8");
      expect(XMLValidator.validate(svg), file).toBe(true);
      for (const panel of dashboard.panels) expect(svg, `${file}: ${panel.title}`).toContain(`>${panel.title}<`);
    }
  });
});

describe("the spend dashboard's Log Analytics queries", () => {
  it("read the stack's workspace over this calendar month, and analyze against the documented tables", () => {
    const spend = dashboards["team-spend.json"] as unknown as { panels: { targets?: any[] }[]; time: unknown };
    const targets = spend.panels.flatMap((p) => p.targets ?? []);
    expect(targets).toHaveLength(2);
    for (const t of targets) {
      expect(t).toMatchObject({ queryType: "Azure Log Analytics", datasource: { uid: "azure-monitor" } });
      expect(t.azureLogAnalytics.resources).toEqual([expect.stringMatching(/\/workspaces\/log-genai-prod$/)]);
      expect(kustoDiagnostics(t.azureLogAnalytics.query)).toEqual([]);
    }
    expect(spend.time).toEqual({ from: "now/M", to: "now" });
  });
});

describe("PromQL of the prod plan's rules and dashboards", () => {
  it("parses: every rule and every dashboard query, with Grafana's variables replaced", () => {
    const rules = (parse(readFileSync(rulesFile, "utf8")) as { groups: RuleGroup[] }).groups.flatMap((g) => g.rules);
    expect(rules.length).toBeGreaterThan(10);
    expect(promQueries().length).toBeGreaterThan(10);
    for (const r of rules) expect(syntaxErrors(r.expr), "record" in r ? r.record : r.alert).toEqual([]);
    for (const q of promQueries()) expect(syntaxErrors(asSent(q.expr)), q.where).toEqual([]);
    expect(scalerQueries.length).toBeGreaterThan(0);
    for (const q of scalerQueries) expect(syntaxErrors(q), q).toEqual([]);
  });

  it("the parser finds errors (the check can fail)", () => {
    expect(syntaxErrors("sum by (slot (rate(x[5m]))")).not.toEqual([]);
    expect(syntaxErrors("histogram_quantile(0.95, rate(x_bucket[5m])")).not.toEqual([]);
  });

  it("selects vLLM slots by the slot label, never by model name alone, and reads renamed metrics as new or old", () => {
    const exprs = promQueries()
      .filter((q) => q.expr.includes("vllm:"))
      .map((q) => q.expr);
    expect(exprs.length).toBeGreaterThan(0);
    for (const e of exprs) expect(e).toContain('slot=~"$slot"');
    expect(exprs.find((e) => e.includes("inter_token_latency"))).toContain(
      "or rate(vllm:time_per_output_token_seconds_bucket",
    );
    expect(exprs.find((e) => e.includes("kv_cache_usage"))).toContain("or max by (slot) (vllm:gpu_cache_usage_perc");
  });
});

// ---- promtool: the rule file and each alert's unit tests ------------------------------------------

const HIST = {
  ttft: { name: "vllm:time_to_first_token_seconds", buckets: [0.01, 0.04, 0.1, 0.5, 1, 2.5, 5, 10, 40] },
  itl: { name: "vllm:inter_token_latency_seconds", buckets: [0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1, 5] },
  tpotLegacy: { name: "vllm:time_per_output_token_seconds", buckets: [0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1, 5] },
  e2e: { name: "vllm:e2e_request_latency_seconds", buckets: [0.3, 1, 2.5, 5, 10, 30, 60, 120, 480] },
} as const;

/** What a slot's servers report over the test's 40 minutes. */
interface SlotState {
  up: boolean;
  legacy: boolean;
  requestsPerMinute: number;
  ttft: number;
  tpot: number;
  e2e: number;
  waiting: number;
  kvCache: number;
  errorShare: number;
}
const HEALTHY: SlotState = {
  up: true,
  legacy: false,
  requestsPerMinute: 60,
  ttft: 0.08,
  tpot: 0.03,
  e2e: 4,
  waiting: 1,
  kvCache: 0.4,
  errorShare: 0,
};
const MINUTES = 40;

/** promtool input series for one slot: every observation of a histogram at `value`, counters rising steadily. */
function inputSeries(endpoint: string, slot: string, s: SlotState): { series: string; values: string }[] {
  const at = `model_endpoint="${endpoint}",slot="${slot}",model_name="${endpoint}"`;
  const rising = (perMinute: number) => `0+${perMinute}x${MINUTES}`;
  const flat = (v: number) => `${v}+0x${MINUTES}`;
  const histogram = (h: { name: string; buckets: readonly number[] }, value: number, perMinute: number) => [
    ...[...h.buckets.map(String), "+Inf"].map((le) => ({
      series: `${h.name}_bucket{${at},le="${le}"}`,
      values: rising(le === "+Inf" || Number(le) >= value ? perMinute : 0),
    })),
    { series: `${h.name}_count{${at}}`, values: rising(perMinute) },
    { series: `${h.name}_sum{${at}}`, values: rising(perMinute * value) },
  ];
  if (!s.up) return [{ series: `up{${at}}`, values: flat(0) }];
  const errors = Math.round(s.requestsPerMinute * s.errorShare);
  return [
    { series: `up{${at}}`, values: flat(1) },
    ...histogram(HIST.ttft, s.ttft, s.requestsPerMinute),
    ...histogram(s.legacy ? HIST.tpotLegacy : HIST.itl, s.tpot, s.requestsPerMinute * 50),
    ...histogram(HIST.e2e, s.e2e, s.requestsPerMinute),
    { series: `vllm:num_requests_waiting{${at}}`, values: flat(s.waiting) },
    {
      series: `${s.legacy ? "vllm:gpu_cache_usage_perc" : "vllm:kv_cache_usage_perc"}{${at}}`,
      values: flat(s.kvCache),
    },
    {
      series: `http_requests_total{${at},handler="/v1/chat/completions",method="POST",status="2xx"}`,
      values: rising(s.requestsPerMinute - errors),
    },
    ...(errors > 0
      ? [
          {
            series: `http_requests_total{${at},handler="/v1/chat/completions",method="POST",status="5xx"}`,
            values: rising(errors),
          },
        ]
      : []),
  ];
}

const SLO = sloSchema.parse({});
const SLOTS: MonitoredSlot[] = [
  { endpoint: "qwen", slot: "blue", weight: 90, slo: SLO },
  { endpoint: "qwen", slot: "green", weight: 10, slo: SLO },
  { endpoint: "llama", slot: "blue", weight: 100, slo: { ...SLO, ttftP95Seconds: 0.5 } },
];

/** Each fault of the green slot and the alerts it must fire (blue and llama stay healthy). */
const FAULTS: { name: string; state: Partial<SlotState>; fires: string[] }[] = [
  // Servers that do not answer finish no requests either.
  { name: "servers down", state: { up: false }, fires: [ALERTS.down, ALERTS.noTraffic] },
  { name: "no traffic while weighted", state: { requestsPerMinute: 0 }, fires: [ALERTS.noTraffic] },
  { name: "slow first token", state: { ttft: 4 }, fires: [ALERTS.ttft] },
  { name: "slow output tokens", state: { tpot: 0.4 }, fires: [ALERTS.tpot] },
  { name: "slow output tokens (legacy metric name)", state: { tpot: 0.4, legacy: true }, fires: [ALERTS.tpot] },
  { name: "slow requests", state: { e2e: 100 }, fires: [ALERTS.e2e] },
  { name: "deep queue", state: { waiting: 50 }, fires: [ALERTS.queue] },
  { name: "KV cache full", state: { kvCache: 0.99 }, fires: [ALERTS.kvCache] },
  { name: "KV cache full (legacy metric name)", state: { kvCache: 0.99, legacy: true }, fires: [ALERTS.kvCache] },
  { name: "5xx answers", state: { errorShare: 0.2 }, fires: [ALERTS.errors] },
];

function promtoolTests(rules: RuleGroup[], rulePath: string): { file: string; alertRules: AlertingRule[] } {
  const alertRules = rules.flatMap((g) => g.rules).filter((r): r is AlertingRule => "alert" in r);
  const names = [...new Set(alertRules.map((r) => r.alert))];
  const expected = (fires: readonly string[], endpoint: string, slot: string) =>
    names.map((alertname) => ({
      eval_time: "35m",
      alertname,
      exp_alerts: alertRules
        .filter(
          (r) =>
            r.alert === alertname &&
            fires.includes(r.alert) &&
            r.labels.endpoint === endpoint &&
            r.labels.slot === slot,
        )
        .map((r) => ({ exp_labels: r.labels, exp_annotations: r.annotations })),
    }));
  const healthy = SLOTS.flatMap((s) => inputSeries(s.endpoint, s.slot, HEALTHY));
  const tests = [
    { interval: "1m", input_series: healthy, alert_rule_test: expected([], "", "") },
    // llama's own, tighter threshold: 0.8 s is healthy for qwen and too slow for llama.
    {
      interval: "1m",
      input_series: [
        ...inputSeries("qwen", "blue", { ...HEALTHY, ttft: 0.8 }),
        ...inputSeries("qwen", "green", HEALTHY),
        ...inputSeries("llama", "blue", { ...HEALTHY, ttft: 0.8 }),
      ],
      alert_rule_test: expected([ALERTS.ttft], "llama", "blue"),
    },
    ...FAULTS.map((f) => ({
      interval: "1m",
      input_series: [
        ...inputSeries("qwen", "blue", HEALTHY),
        ...inputSeries("qwen", "green", { ...HEALTHY, ...f.state }),
        ...inputSeries("llama", "blue", HEALTHY),
      ],
      alert_rule_test: expected(f.fires, "qwen", "green"),
    })),
  ];
  return {
    file: stringify({ rule_files: [rulePath], evaluation_interval: "1m", tests }, { lineWidth: 0 }),
    alertRules,
  };
}

/** Writes promtool unit tests of `rules.yaml` in `dir` (every minute) and expects all of them to pass. */
async function expectUnitTestsPass(dir: string, tests: unknown[], evaluationInterval = "1m"): Promise<void> {
  writeFileSync(
    join(dir, "tests.yaml"),
    stringify({ rule_files: ["rules.yaml"], evaluation_interval: evaluationInterval, tests }, { lineWidth: 0 }),
  );
  const run = await promtool(["test", "rules", "tests.yaml"], dir);
  expect(run.output).toContain("SUCCESS");
  expect(run.status).toBe(0);
}

/** promtool run without blocking the worker, so the promtool cases run at once (each is a process of its own). */
function promtool(args: string[], cwd?: string): Promise<{ status: number | null; output: string }> {
  return new Promise((done) => {
    const child = spawn("promtool", args, { cwd, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (c: Buffer) => (output += c.toString()));
    child.stderr.on("data", (c: Buffer) => (output += c.toString()));
    child.on("close", (status) => done({ status, output }));
  });
}

describe.skipIf(!HAVE_PROMETHEUS).concurrent("promtool", () => {
  it("checks the prod plan's rule file", () => {
    const output = execFileSync("promtool", ["check", "rules", rulesFile], { encoding: "utf8" });
    expect(output).toMatch(/SUCCESS: \d+ rules found/);
  });

  it("rejects a broken rule file (the check can fail)", () => {
    const broken = join(mkdtempSync(join(tmpdir(), "genai-obs-")), "broken.yaml");
    writeFileSync(broken, stringify({ groups: [{ name: "x", rules: [{ alert: "X", expr: "sum(rate(x[5m])" }] }] }));
    expect(spawnSync("promtool", ["check", "rules", broken]).status).not.toBe(0);
  });

  it("unit-tests every alert: each fault fires exactly its alert on exactly its slot, a healthy stack fires none", async () => {
    const dir = mkdtempSync(join(tmpdir(), "genai-promtool-"));
    const groups = ruleGroups(SLOTS);
    writeFileSync(join(dir, "rules.yaml"), stringify({ groups }, { lineWidth: 0 }));
    const { file, alertRules } = promtoolTests(groups, "rules.yaml");
    // Every alert kind is exercised by a fault.
    expect(new Set(FAULTS.flatMap((f) => f.fires))).toEqual(new Set(alertRules.map((r) => r.alert)));
    writeFileSync(join(dir, "tests.yaml"), file);
    const run = await promtool(["test", "rules", "tests.yaml"], dir);
    expect(run.output).toContain("SUCCESS");
    expect(run.status).toBe(0);
  });

  it("unit-tests the GPU alerts on DCGM exporter series: each fault fires exactly its alert, healthy GPUs none", async () => {
    const dir = mkdtempSync(join(tmpdir(), "genai-promtool-gpu-"));
    const groups = [...ruleGroups(SLOTS), gpuRuleGroup()];
    writeFileSync(join(dir, "rules.yaml"), stringify({ groups }, { lineWidth: 0 }));
    const gpuAlerts = gpuRuleGroup().rules as AlertingRule[];
    interface Gpu {
      pool: string;
      host: string;
      namespace: string;
      util: number;
      usedMiB: number;
      freeMiB: number;
      xid: number;
    }
    const HEALTHY_GPU = { util: 60, usedMiB: 72_000, freeMiB: 9_000, xid: 0 };
    const gpuSeries = (g: Gpu, points: number) => {
      // The exporter's labels (release 4.5.3-4.8.2), the consumer pod's, and the pool the scrape adds.
      // The scrape's metric relabelings give a vLLM pod's GPU the pod's endpoint and slot.
      const slot = new RegExp(`^${SLOT_NAMESPACE}$`).exec(g.namespace);
      const slotted = slot ? `,model_endpoint="${slot[1]}",slot="${slot[2]}"` : "";
      const at = `gpu="0",UUID="GPU-${g.host}",device="nvidia0",modelName="NVIDIA A100 80GB PCIe",Hostname="${g.host}",gpu_pool="${g.pool}",namespace="${g.namespace}",pod="vllm-0",container="vllm"${slotted}`;
      const flat = (v: number) => `${v}+0x${points}`;
      // The exporter labels the XID gauge with the code: a new code is a new series, from mid-test on.
      const half = Math.floor(points / 2);
      const xid =
        g.xid === 0
          ? [{ series: `${DCGM_METRICS.xid}{${at},err_code="0",err_msg="No Error"}`, values: flat(0) }]
          : [
              { series: `${DCGM_METRICS.xid}{${at},err_code="0",err_msg="No Error"}`, values: `0+0x${half}` },
              {
                series: `${DCGM_METRICS.xid}{${at},err_code="${g.xid}",err_msg="GPU has fallen off the bus"}`,
                values: `_x${half + 1} ${g.xid}+0x${points - half - 1}`,
              },
            ];
      return [
        { series: `${DCGM_METRICS.utilization}{${at}}`, values: flat(g.util) },
        { series: `${DCGM_METRICS.memoryUsed}{${at}}`, values: flat(g.usedMiB) },
        { series: `${DCGM_METRICS.memoryFree}{${at}}`, values: flat(g.freeMiB) },
        ...xid,
      ];
    };
    const blue = { pool: "a100", host: "aks-a100-1-vmss000000", namespace: "vllm-qwen-blue", ...HEALTHY_GPU };
    const green = { pool: "a100", host: "aks-a100-1-vmss000001", namespace: "vllm-qwen-green", ...HEALTHY_GPU };
    const render = (text: string, labels: Record<string, string>, value: string) =>
      text.replace(/\{\{ \$labels\.(\w+) \}\}/g, (_, l: string) => labels[l] ?? "").replaceAll("{{ $value }}", value);
    const fired = (alert: string, labels: Record<string, string>, value = "") => {
      const rule = gpuAlerts.find((r) => r.alert === alert)!;
      const all = { ...rule.labels, ...labels };
      return {
        exp_labels: all,
        exp_annotations: Object.fromEntries(
          Object.entries(rule.annotations).map(([k, v]) => [k, render(v, all, value)]),
        ),
      };
    };
    const perGpu = (g: Gpu) => ({ gpu_pool: g.pool, Hostname: g.host, gpu: "0", UUID: `GPU-${g.host}` });
    const expected = (evalTime: string, firing: Record<string, ReturnType<typeof fired>[]>) =>
      gpuAlerts.map((r) => ({ eval_time: evalTime, alertname: r.alert, exp_alerts: firing[r.alert] ?? [] }));
    const vllmSeries = (waiting: number) => [
      ...inputSeries("qwen", "blue", HEALTHY),
      ...inputSeries("qwen", "green", { ...HEALTHY, waiting }),
    ];
    const minute = (g: Gpu[], waiting = 1) => [...vllmSeries(waiting), ...g.flatMap((x) => gpuSeries(x, MINUTES))];
    const tests = [
      { interval: "1m", input_series: minute([blue, green]), alert_rule_test: expected("35m", {}) },
      {
        interval: "1m",
        input_series: minute([blue, { ...green, usedMiB: 81_000, freeMiB: 100 }]),
        alert_rule_test: expected("35m", { [GPU_ALERTS.memory]: [fired(GPU_ALERTS.memory, perGpu(green))] }),
      },
      {
        interval: "1m",
        input_series: minute([blue, { ...green, xid: 79 }]),
        alert_rule_test: expected("35m", {
          [GPU_ALERTS.xid]: [fired(GPU_ALERTS.xid, { ...perGpu(green), err_code: "79" }, "79")],
        }),
      },
      {
        // The same code for the whole window: the gauge keeps the last XID, which paged when it was new.
        interval: "1m",
        input_series: [
          ...vllmSeries(1),
          ...gpuSeries(blue, MINUTES),
          ...gpuSeries(green, MINUTES).filter((x) => !x.series.startsWith(DCGM_METRICS.xid)),
          {
            series: `${DCGM_METRICS.xid}{gpu="0",UUID="GPU-${green.host}",device="nvidia0",modelName="NVIDIA A100 80GB PCIe",Hostname="${green.host}",gpu_pool="a100",namespace="${green.namespace}",pod="vllm-0",container="vllm",err_code="79",err_msg="GPU has fallen off the bus"}`,
            values: `79+0x${MINUTES}`,
          },
        ],
        alert_rule_test: expected("35m", {}),
      },
      {
        // Requests wait (3, under the queue SLO) while the slot's GPU does nothing: a stuck server.
        interval: "1m",
        input_series: minute([blue, { ...green, util: 0 }], 3),
        alert_rule_test: expected("35m", {
          [GPU_ALERTS.stuck]: [fired(GPU_ALERTS.stuck, { model_endpoint: "qwen", slot: "green" })],
        }),
      },
      {
        // Five hours of a T4 pool doing nothing beside a busy A100 pool: the T4 pool's cost alert only.
        interval: "5m",
        input_series: [
          ...gpuSeries({ ...blue }, 60),
          ...gpuSeries({ pool: "t4", host: "aks-t4-1-vmss000000", namespace: "", ...HEALTHY_GPU, util: 0 }, 60),
        ],
        alert_rule_test: expected("4h30m", { [GPU_ALERTS.idlePool]: [fired(GPU_ALERTS.idlePool, { gpu_pool: "t4" })] }),
      },
    ];
    await expectUnitTestsPass(dir, tests);
  });

  it("unit-tests the anomaly alerts: a day's baseline (quiet spells included), then each change fires exactly its alert; a steady endpoint, a blue-green shift and an idle colour none", async () => {
    const dir = mkdtempSync(join(tmpdir(), "genai-promtool-anomaly-"));
    interface Phase {
      rpm: number;
      ttft: number;
      errors: number;
    }
    const NORMAL: Phase = { rpm: 60, ttft: 0.08, errors: 0 };
    const QUIET: Phase = { rpm: 0, ttft: 0.08, errors: 0 };
    const BASELINE = 24 * 60;
    const AFTER = 60;
    const slot = (endpoint: string, colour: "blue" | "green", extra: Partial<MonitoredSlot> = {}): MonitoredSlot => ({
      endpoint,
      slot: colour,
      weight: 100,
      slo: SLO,
      ...extra,
    });
    // A normal day; and one whose first hours are quiet (no requests: no quantile and no ratio, which must
    // not spoil the TTFT and error baselines). Traffic that went quiet for hours is no anomaly when it does again.
    const day: [Phase, number][] = [[NORMAL, BASELINE]];
    const quietDay: [Phase, number][] = [
      [QUIET, 120],
      [NORMAL, BASELINE - 120],
    ];
    /** One case per slot: its phases (the day, then the last hour) and the alerts it must fire. */
    const CASES: { slot: MonitoredSlot; phases: [Phase, number][]; fires: { alert: string; slot?: boolean }[] }[] = [
      { slot: slot("steady", "blue"), phases: [...day, [NORMAL, AFTER]], fires: [] },
      // A blue-green shift: blue 60 -> 30 a minute, green 0 -> 30; the endpoint's traffic stays.
      { slot: slot("shift", "blue", { weight: 50 }), phases: [...day, [{ ...NORMAL, rpm: 30 }, AFTER]], fires: [] },
      {
        slot: slot("shift", "green", { weight: 50 }),
        phases: [
          [QUIET, BASELINE],
          [{ ...NORMAL, rpm: 30 }, AFTER],
        ],
        fires: [],
      },
      {
        slot: slot("burst", "blue"),
        phases: [...day, [{ ...NORMAL, rpm: 600 }, AFTER]],
        fires: [{ alert: ANOMALY_ALERTS.traffic }],
      },
      {
        slot: slot("gone", "blue"),
        phases: [...day, [{ ...NORMAL, rpm: 1 }, AFTER]],
        fires: [{ alert: ANOMALY_ALERTS.traffic }],
      },
      {
        slot: slot("slow", "blue"),
        phases: [...quietDay, [{ ...NORMAL, ttft: 0.8 }, AFTER]],
        fires: [{ alert: ANOMALY_ALERTS.ttft, slot: true }],
      },
      {
        slot: slot("errors", "blue"),
        phases: [...quietDay, [{ ...NORMAL, errors: 12 }, AFTER]],
        fires: [{ alert: ANOMALY_ALERTS.errors, slot: true }],
      },
      // An idle colour has no anomaly alerts: it serves nothing on purpose.
      { slot: slot("errors", "green", { weight: 0, idle: true }), phases: [[QUIET, BASELINE + AFTER]], fires: [] },
    ];
    const groups = [recordingRules(), ...anomalyRuleGroups(CASES.map((c) => c.slot))];
    writeFileSync(join(dir, "rules.yaml"), stringify({ groups }, { lineWidth: 0 }));
    /** A counter rising `perMinute(phase)` a minute through the phases (promtool's expanding notation). */
    const rising = (phases: [Phase, number][], perMinute: (p: Phase) => number) => {
      let value = 0;
      return phases
        .map(([p, minutes], i) => {
          const step = perMinute(p);
          const start = i === 0 ? 0 : value + step;
          const n = i === 0 ? minutes : minutes - 1;
          value = start + step * n;
          return `${start}+${step}x${n}`;
        })
        .join(" ");
    };
    /** One slot's series: requests (and their first-token histogram, all at `ttft`) and 5xx answers. */
    const slotSeries = ({ endpoint, slot: colour }: MonitoredSlot, phases: [Phase, number][]) => {
      const at = `model_endpoint="${endpoint}",slot="${colour}",model_name="${endpoint}"`;
      const api = `${at},handler="/v1/chat/completions",method="POST"`;
      return [
        { series: `vllm:e2e_request_latency_seconds_count{${at}}`, values: rising(phases, (p) => p.rpm) },
        ...[...HIST.ttft.buckets.map(String), "+Inf"].map((le) => ({
          series: `${HIST.ttft.name}_bucket{${at},le="${le}"}`,
          values: rising(phases, (p) => (le === "+Inf" || Number(le) >= p.ttft ? p.rpm : 0)),
        })),
        { series: `http_requests_total{${api},status="2xx"}`, values: rising(phases, (p) => p.rpm - p.errors) },
        { series: `http_requests_total{${api},status="5xx"}`, values: rising(phases, (p) => p.errors) },
      ];
    };
    const names = Object.values(ANOMALY_ALERTS);
    const alertRules = groups.flatMap((g) => g.rules).filter((r): r is AlertingRule => "alert" in r);
    const tests = [
      {
        interval: "1m",
        input_series: CASES.flatMap((c) => slotSeries(c.slot, c.phases)),
        alert_rule_test: names.map((alertname) => ({
          eval_time: `${BASELINE + AFTER - 1}m`,
          alertname,
          exp_alerts: CASES.flatMap((c) =>
            c.fires
              .filter((f) => f.alert === alertname)
              .map((f) => {
                const rule = alertRules.find(
                  (r) =>
                    r.alert === alertname &&
                    r.labels.endpoint === c.slot.endpoint &&
                    (!f.slot || r.labels.slot === c.slot.slot),
                )!;
                return { exp_labels: rule.labels, exp_annotations: rule.annotations };
              }),
          ),
        })),
      },
    ];
    // Every anomaly alert is exercised by a change.
    expect(new Set(CASES.flatMap((c) => c.fires.map((f) => f.alert)))).toEqual(new Set(names));
    // Every 5 minutes, as the anomaly group runs (promtool evaluates every group at each step).
    await expectUnitTestsPass(dir, tests, "5m");
  });

  it("the unit tests can fail: a fault expected to stay silent is reported", async () => {
    const dir = mkdtempSync(join(tmpdir(), "genai-promtool-"));
    const groups = ruleGroups(SLOTS);
    writeFileSync(join(dir, "rules.yaml"), stringify({ groups }, { lineWidth: 0 }));
    const tests = parse(promtoolTests(groups, "rules.yaml").file);
    // Claim the slow-first-token fault fires nothing (that case alone: the others pass, as the test above shows).
    const slow = tests.tests[2 + FAULTS.findIndex((f) => f.fires.includes(ALERTS.ttft))];
    for (const t of slow.alert_rule_test) t.exp_alerts = [];
    writeFileSync(join(dir, "tests.yaml"), stringify({ ...tests, tests: [slow] }, { lineWidth: 0 }));
    const run = await promtool(["test", "rules", "tests.yaml"], dir);
    expect(run.status).not.toBe(0);
    expect(run.output).toContain(ALERTS.ttft);
  });
});

// ---- a real Prometheus: every dashboard query returns data from vLLM /metrics of both generations ----

/** Serves a fixture exposition, every counter and histogram scaled by the scrape number so rates are positive. */
function exposition(fixture: string, scrape: number): string {
  let type = "";
  return readFileSync(join(PROJECT_DIR, "test", "fixtures", "vllm", fixture), "utf8")
    .split("\n")
    .map((line) => {
      const typed = /^# TYPE \S+ (\w+)/.exec(line);
      if (typed) type = typed[1]!;
      if (line.startsWith("#") || line.trim() === "" || (type !== "counter" && type !== "histogram")) return line;
      const cut = line.lastIndexOf(" ");
      return `${line.slice(0, cut)} ${Number(line.slice(cut + 1)) * scrape}`;
    })
    .join("\n");
}

describe.skipIf(!HAVE_PROMETHEUS)(
  "a real Prometheus scraping vLLM /metrics (current and legacy names, one colour each)",
  () => {
    let server: Server;
    let prometheus: ChildProcess;
    let api = "";

    beforeAll(async () => {
      const scrapes = new Map<string, number>();
      server = createServer((req, res) => {
        if (req.url === "/dcgm") {
          res
            .writeHead(200, { "content-type": "text/plain; version=0.0.4" })
            .end(readFileSync(join(PROJECT_DIR, "test", "fixtures", "dcgm", "metrics-4.5.3-4.8.2.txt"), "utf8"));
          return;
        }
        const fixture = req.url === "/legacy" ? "metrics-legacy.txt" : "metrics-current.txt";
        const n = (scrapes.get(fixture) ?? 0) + 1;
        scrapes.set(fixture, n);
        res.writeHead(200, { "content-type": "text/plain; version=0.0.4" }).end(exposition(fixture, n));
      });
      await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
      const target = `127.0.0.1:${(server.address() as AddressInfo).port}`;
      const dir = mkdtempSync(join(tmpdir(), "genai-prometheus-"));
      // The labels the PodMonitor's relabelings give the samples: one colour per metric generation.
      const job = (name: string, path: string, slot: string) => ({
        job_name: name,
        metrics_path: path,
        scrape_interval: "250ms",
        static_configs: [{ targets: [target], labels: { model_endpoint: "qwen", slot, target: "vllm-a100-0" } }],
      });
      writeFileSync(
        join(dir, "prometheus.yml"),
        stringify({
          global: { scrape_interval: "250ms" },
          scrape_configs: [
            job("current", "/current", "green"),
            job("legacy", "/legacy", "blue"),
            // As the DCGM exporter's PodMonitor scrapes it: the exporter's own labels kept, the node's pool added.
            {
              job_name: "dcgm",
              metrics_path: "/dcgm",
              scrape_interval: "250ms",
              honor_labels: true,
              // The target labels the Prometheus operator gives every pod it scrapes, which the PodMonitor drops.
              static_configs: [
                {
                  targets: [target],
                  labels: {
                    gpu_pool: "a100",
                    namespace: "kube-system",
                    pod: "dcgm-exporter-x7k2p",
                    container: "dcgm-exporter",
                  },
                },
              ],
              relabel_configs: [{ action: "labeldrop", regex: GPU_TARGET_LABELDROP }],
              metric_relabel_configs: GPU_SLOT_RELABELINGS.map((r) => ({
                source_labels: r.sourceLabels,
                regex: r.regex,
                target_label: r.targetLabel,
                replacement: r.replacement,
              })),
            },
          ],
        }),
      );
      const probe = createServer();
      await new Promise<void>((done) => probe.listen(0, "127.0.0.1", done));
      const port = (probe.address() as AddressInfo).port;
      await new Promise<void>((done) => probe.close(() => done()));
      prometheus = spawn(
        "prometheus",
        [
          `--config.file=${join(dir, "prometheus.yml")}`,
          `--storage.tsdb.path=${join(dir, "data")}`,
          `--web.listen-address=127.0.0.1:${port}`,
        ],
        { stdio: "ignore" },
      );
      api = `http://127.0.0.1:${port}`;
      // Ready, then enough scrapes of both targets for rates over a few seconds.
      const deadline = Date.now() + 60_000;
      while (Date.now() < deadline) {
        const ready = await fetch(`${api}/-/ready`).then(
          (r) => r.ok,
          () => false,
        );
        if (ready && (scrapes.get("metrics-current.txt") ?? 0) >= 5 && (scrapes.get("metrics-legacy.txt") ?? 0) >= 5)
          break;
        await new Promise((r) => setTimeout(r, 250));
      }
    }, 90_000);

    afterAll(() => {
      prometheus?.kill();
      server?.close();
    });

    const query = async (expr: string) => {
      const body = (await (await fetch(`${api}/api/v1/query?query=${encodeURIComponent(expr)}`)).json()) as {
        status: string;
        error?: string;
        data: { result: { metric: Record<string, string>; value: [number, string] }[] };
      };
      if (body.status !== "success") throw new Error(`${expr}: ${body.error}`);
      return body.data.result;
    };

    it("returns data for every vLLM query of every dashboard, for both colours", async () => {
      const vllmQueries = promQueries().filter((q) => !q.where.startsWith("gpus.json"));
      expect(vllmQueries.length).toBeGreaterThan(10);
      for (const q of vllmQueries) {
        const result = await query(asSent(q.expr, "10s"));
        const slots = new Set(result.filter((r) => Number.isFinite(Number(r.value[1]))).map((r) => r.metric.slot));
        expect([...slots].sort(), `${q.where}: ${q.legend}`).toEqual(["blue", "green"]);
      }
    });

    it("returns each GPU pool's data for every query of the GPUs dashboard, from DCGM exporter series", async () => {
      const poolQueries = promQueries().filter((q) => q.where.startsWith("gpus.json"));
      expect(poolQueries.length).toBe(8);
      for (const q of poolQueries) {
        const result = await query(asSent(q.expr, "10s"));
        expect(
          result.filter((r) => Number.isFinite(Number(r.value[1]))).map((r) => r.metric.gpu_pool),
          q.where,
        ).toEqual(["a100"]);
      }
      // One of the pool's three GPUs is held by no pod.
      const idle = poolQueries.find((q) => q.where.endsWith("GPUs no pod holds"))!;
      expect(Number((await query(idle.expr))[0]!.value[1])).toBe(1);
      // What it costs an hour: one A100 of a Standard_NC24ads_A100_v4 (one GPU) at the table's $3.67.
      const cost = poolQueries.find((q) => q.where.endsWith("Cost per hour of idle GPUs"))!;
      expect(Number((await query(cost.expr))[0]!.value[1])).toBeCloseTo(3.67, 6);
      // The slots' GPU panels: the GPU each colour's pod holds (and not the idle one).
      const utilization = promQueries().find((q) => q.where === "qwen.json: GPU utilization")!;
      const bySlot = await query(asSent(utilization.expr, "10s"));
      expect(Object.fromEntries(bySlot.map((r) => [r.metric.slot, Number(r.value[1])]))).toEqual({
        blue: 64,
        green: 71,
      });
    });

    it("answers the autoscaler's queue-depth query for its slot", async () => {
      for (const q of scalerQueries) {
        const result = await query(q);
        expect(result, q).toHaveLength(1);
        expect(Number(result[0]!.value[1]), q).toBe(2);
      }
    });

    it("answers an empty result for a query the fixtures cannot satisfy (the check can fail)", async () => {
      expect(
        await query(
          asSent('sum by (slot) (rate(vllm:no_such_metric_total{model_endpoint="qwen",slot=~"$slot"}[10s]))', "10s"),
        ),
      ).toEqual([]);
    });
  },
);

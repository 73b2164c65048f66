// `npm run bench [-- --runs N]`: median whole-process wall time and peak memory of the offline plan
// (dev, prod, a generated 10 regions x 10 endpoints config) and of the type check, against targets.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import Table from "cli-table3";
import { largePolicyConfig, largeStackFile } from "./largeConfig";

const projectDir = resolve(__dirname, "..");
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

function main(): void {
  const { values } = parseArgs({ options: { runs: { type: "string", default: "5" } } });
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs "${values.runs}" must be a whole number of at least 1`);
  const scratch = mkdtempSync(join(tmpdir(), "genai-bench-"));
  const largeFile = join(scratch, "Pulumi.large.yaml");
  writeFileSync(largeFile, largeStackFile(10, 10));
  const largePolicy = join(scratch, "large-policy.json");
  writeFileSync(largePolicy, JSON.stringify(largePolicyConfig(10)));
  // Exactly the command `npm run plan` runs (without npm's own start-up).
  const planScript = (JSON.parse(readFileSync(join(projectDir, "package.json"), "utf8")) as { scripts: { plan: string } }).scripts.plan;
  const plan = [...planScript.split(/\s+/), "--out", scratch];
  // A 400-byte "billion laughs" stack file: 9 levels of nested aliases, refused before anything loads.
  const bombFile = join(scratch, "Pulumi.bomb.yaml");
  const levels = "abcdefgh".split("");
  writeFileSync(bombFile, `config:\n${levels.map((l, i) => `  ${l}: &${l} [${Array(9).fill(i === 0 ? '"lol"' : `*${levels[i - 1]}`).join(",")}]`).join("\n")}\n  genai-platform:tags: [${Array(9).fill("*h").join(",")}]\n`);
  const cases: { name: string; command: string[]; expectedExit?: number; targetSeconds: (medians: Map<string, number>) => number; target: string }[] = [
    { name: "plan dev", command: [...plan, "--stack", "dev"], targetSeconds: () => 2, target: "<= 2 s" },
    { name: "plan prod", command: [...plan, "--stack", "prod"], targetSeconds: () => 2, target: "<= 2 s" },
    { name: "plan large (10 regions x 10 endpoints)", command: [...plan, "--stack", "large", "--config-file", largeFile, "--policy-config", largePolicy], targetSeconds: (m) => 2 * m.get("plan prod")!, target: "<= 2x prod" },
    { name: "refuse a billion-laughs file (exit 2)", command: [...plan, "--stack", "bomb", "--config-file", bombFile], expectedExit: 2, targetSeconds: () => 1, target: "<= 1 s" },
    { name: "typecheck", command: ["node", "node_modules/typescript/bin/tsc", "--noEmit", "-p", "tsconfig.json"], targetSeconds: () => 30, target: "<= 30 s" },
  ];
  const medians = new Map<string, number>();
  const table = new Table({ head: ["case", "median wall", "peak memory", "runs", "target", "result"], style: { head: [], border: [] } });
  let failed = 0;
  for (const c of cases) {
    runOnce(c.command, c.expectedExit); // warm the file-system and transform caches
    const samples = Array.from({ length: runs }, () => runOnce(c.command, c.expectedExit));
    const wall = median(samples.map((s) => s.seconds));
    medians.set(c.name, wall);
    const peaks = samples.map((s) => s.peakKb).filter((p): p is number => p !== undefined);
    const ok = wall <= c.targetSeconds(medians);
    if (!ok) failed++;
    table.push([c.name, `${wall.toFixed(2)} s`, peaks.length ? `${Math.round(Math.max(...peaks) / 1024)} MB` : `n/a (no ${TIME})`, String(runs), c.target, ok ? "ok" : "OVER"]);
  }
  console.log(table.toString());
  console.log(`node ${process.version}, ${runs} runs per case after one warm-up; wall time is the whole process, as the command line runs it.`);
  process.exitCode = failed > 0 ? 1 : 0;
}

main();

// Hostile and careless input, applied alike to every command: an unknown option, a control character
// in any option, a file option naming a kernel file, a pipe, a folder or nothing, an output under a
// file or on /proc. Each must end in exit 2 naming the option, with nothing sent to a gateway, nothing
// written and no raw control character echoed back. A command is registered here once (its options
// and how to run it in-process) and inherits every case; a `cli/*.ts` npm script that is not
// registered fails the suite.
import { spawnSync } from "node:child_process";
import { createServer, type Server } from "node:http";
import { type AddressInfo } from "node:net";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bench } from "../cli/commands/bench";
import { check } from "../cli/commands/check";
import { checklist } from "../cli/commands/checklist";
import { demo } from "../cli/commands/demo";
import { loadtest } from "../cli/commands/loadtest";
import { plan } from "../cli/commands/plan";
import { rollout } from "../cli/commands/rollout";
import { smoke } from "../cli/commands/smoke";
import { simulateCommand } from "../cli/commands/simulate";
import { PROJECT_DIR } from "./helpers";

type Io = { out(text: string): boolean; err(text: string): boolean };

interface Command {
  /** The npm script. */
  readonly script: string;
  /** Runs the command in this process, in `dir` (a scratch folder of its own). */
  run(argv: string[], io: Io, dir: string): Promise<number>;
  /** A valid invocation, by option (a positional action first where the command has one). */
  base(dir: string): { readonly action?: string[]; readonly options: Record<string, string> };
  /** Options naming a file the command reads. */
  readonly inputs: readonly string[];
  /** Options naming where the command writes. */
  readonly outputs: readonly string[];
  /** Options taking text (names, URLs, numbers as written): a control character in any is refused. */
  readonly texts: readonly string[];
}

let gateway = "";
let requestsSeen = 0;
let server: Server;
beforeAll(async () => {
  server = createServer((req, res) => {
    requestsSeen++;
    res.statusCode = 500;
    res.end();
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  gateway = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((done) => server.close(() => done())));

/** A minimal, valid stack export (no resources). */
function emptyExport(dir: string): string {
  const file = join(dir, "export.json");
  writeFileSync(
    file,
    JSON.stringify({ version: 3, deployment: { manifest: { time: "2026-01-01T00:00:00Z" }, resources: [] } }),
  );
  return file;
}

/** A copy of the dev stack file, so nothing a case does can touch the project's own. */
function devStackFile(dir: string): string {
  const file = join(dir, "Pulumi.dev.yaml");
  copyFileSync(join(PROJECT_DIR, "Pulumi.dev.yaml"), file);
  return file;
}

export const COMMANDS: readonly Command[] = [
  {
    script: "plan",
    run: (argv, io) => plan(argv, PROJECT_DIR, io),
    base: (dir) => ({
      options: {
        "--stack": "dev",
        "--config-file": devStackFile(dir),
        "--out": join(dir, "out"),
        "--format": "markdown",
      },
    }),
    inputs: ["--config-file", "--policy-config", "--base", "--base-config"],
    outputs: ["--out"],
    texts: ["--stack", "--format", "--as-of"],
  },
  {
    script: "check",
    run: (argv, io) => check(argv, io),
    base: (dir) => ({ options: { "--state": emptyExport(dir) } }),
    inputs: ["--state", "--policy-config"],
    outputs: [],
    texts: [],
  },
  {
    script: "rollout",
    run: (argv, io) => rollout(argv, PROJECT_DIR, { out: (t) => void io.out(t), err: (t) => void io.err(t) }),
    base: (dir) => ({
      action: ["shift"],
      options: {
        "--stack": "dev",
        "--endpoint": "chat",
        "--weight": "10",
        "--config-file": devStackFile(dir),
        "--dry-run": "",
      },
    }),
    inputs: ["--config-file", "--state", "--loadtest"],
    outputs: [],
    texts: ["--stack", "--endpoint", "--weight"],
  },
  {
    script: "loadtest",
    run: (argv, io) => loadtest(argv, { out: (t) => void io.out(t), err: (t) => void io.err(t) }),
    base: (dir) => ({
      options: {
        "--gateway": gateway,
        "--endpoint": "chat",
        "--api-key": "k",
        "--requests": "1",
        "--out": join(dir, "charts"),
        "--json": join(dir, "r.json"),
      },
    }),
    inputs: ["--prompt-set"],
    outputs: ["--out", "--json"],
    texts: ["--gateway", "--endpoint", "--requests", "--audience", "--api-version", "--timeout", "--shape"],
  },
  {
    script: "smoke",
    run: (argv, io) => smoke(argv, PROJECT_DIR, { out: (t) => void io.out(t), err: (t) => void io.err(t) }),
    base: (dir) => ({
      options: { "--stack": "dev", "--gateway": gateway, "--api-key": "k", "--config-file": devStackFile(dir) },
    }),
    inputs: ["--config-file"],
    outputs: [],
    texts: ["--stack", "--gateway", "--audience", "--attempts", "--timeout"],
  },
  {
    script: "bench",
    run: (argv, io) => bench(argv, io),
    base: () => ({ options: {} }),
    inputs: [],
    outputs: [],
    texts: ["--runs", "--only"],
  },
  {
    script: "checklist",
    run: (argv, io) => checklist(argv, PROJECT_DIR, io),
    base: () => ({ options: { "--check": "" } }),
    inputs: [],
    outputs: [],
    texts: [],
  },
  {
    script: "simulate",
    run: (argv, io) => simulateCommand(argv, PROJECT_DIR, io),
    base: (dir) => ({
      options: {
        "--stack": "dev",
        "--config-file": devStackFile(dir),
        "--duration": "1m",
        "--out": join(dir, "simulation"),
      },
    }),
    inputs: ["--config-file", "--trace"],
    outputs: ["--out"],
    texts: ["--stack", "--scale", "--duration", "--map", "--as-of"],
  },
  {
    script: "demo",
    run: (argv, io) => demo(argv, PROJECT_DIR, io),
    base: (dir) => ({ options: { "--out": join(dir, "demo") } }),
    inputs: [],
    outputs: ["--out"],
    texts: [],
  },
];

/** npm scripts that are not commands of the toolkit. */
const NOT_COMMANDS: Record<string, string> = {
  test: "the test runner",
  typecheck: "the compiler",
  format: "the formatter",
  "format:check": "the formatter",
};

function argvOf(
  base: ReturnType<Command["base"]>,
  override: Record<string, string | undefined> = {},
  extra: string[] = [],
): string[] {
  const options = { ...base.options, ...override };
  const argv = [...(base.action ?? [])];
  for (const [option, value] of Object.entries(options)) {
    if (value === undefined) continue;
    argv.push(option);
    if (value !== "") argv.push(value);
  }
  return [...argv, ...extra];
}

/** Runs `command` with hostile `argv` in a fresh scratch folder; what it printed, its exit code, what it sent and wrote. */
async function attempt(command: Command, make: (dir: string, base: ReturnType<Command["base"]>) => string[]) {
  const dir = mkdtempSync(join(tmpdir(), `genai-hostile-${command.script}-`));
  const base = command.base(dir);
  const argv = make(dir, base);
  const before = new Set(readdirSync(dir));
  const seen = requestsSeen;
  let out = "";
  let err = "";
  const code = await command.run(argv, { out: (t) => ((out += t), true), err: (t) => ((err += t), true) }, dir);
  const written = readdirSync(dir).filter((name) => !before.has(name));
  return { code, out, err, sent: requestsSeen - seen, written, argv };
}

/** The refusal every case expects: exit 2, the option named, nothing sent or written, no raw control character printed. */
function expectRefused(result: Awaited<ReturnType<typeof attempt>>, names: string) {
  const shown = `${result.argv.map((a) => JSON.stringify(a)).join(" ")}\n${result.err}${result.out}`;
  expect(result.code, shown).toBe(2);
  expect(result.err, shown).toContain(names);
  expect(result.sent, shown).toBe(0);
  expect(result.written, shown).toEqual([]);
  expect(`${result.err}${result.out}`, shown).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
}

describe("every command is registered for the hostile-input cases", () => {
  it("each npm script that runs a cli/ file is a registered command (or named as not one)", () => {
    const scripts = (
      JSON.parse(readFileSync(join(PROJECT_DIR, "package.json"), "utf8")) as { scripts: Record<string, string> }
    ).scripts;
    const registered = new Set(COMMANDS.map((c) => c.script));
    const missing = Object.keys(scripts).filter((s) => !registered.has(s) && !(s in NOT_COMMANDS));
    expect(missing, "register the command in test/hostileInput.test.ts").toEqual([]);
  });
});

/** A folder `folder` in `dir` (where a file is expected). */
function folderIn(dir: string): string {
  const folder = join(dir, "folder");
  mkdirSync(folder, { recursive: true });
  return folder;
}

const FIFO = (() => {
  const dir = mkdtempSync(join(tmpdir(), "genai-hostile-fifo-"));
  const path = join(dir, "pipe");
  const made = spawnSync("mkfifo", [path]);
  return made.status === 0 ? path : undefined;
})();

describe.each(COMMANDS.map((c) => [c.script, c] as const))("%s under hostile input", (_name, command) => {
  it("refuses an unknown option, naming it", async () => {
    expectRefused(await attempt(command, (_dir, base) => argvOf(base, {}, ["--stak", "dev"])), "--stak");
  });

  it("answers --help with its options and an example, and a misspelt option with the closest one", async () => {
    let out = "";
    const code = await command.run(
      ["--help"],
      { out: (t) => ((out += t), true), err: () => true },
      mkdtempSync(join(tmpdir(), "genai-help-")),
    );
    expect(code).toBe(0);
    expect(out).toMatch(new RegExp(`^usage: npm run ${command.script} -- `));
    expect(out).toContain("options:");
    expect(out).toMatch(new RegExp(`examples:\\n  npm run ${command.script}`));
    // Its first option with one letter dropped is named back as the option meant.
    const first = /^  (--[a-z-]+)/m.exec(out.slice(out.indexOf("options:")))![1]!;
    const misspelt = first.slice(0, -2) + first.slice(-1);
    let err = "";
    const refused = await command.run(
      [misspelt, "x"],
      { out: () => true, err: (t) => ((err += t), true) },
      mkdtempSync(join(tmpdir(), "genai-help-")),
    );
    expect(refused).toBe(2);
    expect(err).toContain(`unknown option ${misspelt}: did you mean ${first}?`);
  });

  it.each(command.texts.map((o) => [o]))(
    "refuses a control character in %s, naming the option and echoing it escaped",
    async (option) => {
      expectRefused(
        await attempt(command, (_dir, base) => argvOf(base, { [option]: "dev\u001b]0;owned\u0007" })),
        option,
      );
    },
  );

  const inputCases: [string, string, (dir: string) => string][] = command.inputs.flatMap((option) => [
    [option, "a kernel file (/proc/self/environ)", () => "/proc/self/environ"],
    [option, "a folder", (dir: string) => folderIn(dir)],
    [option, "a file that does not exist", (dir: string) => join(dir, "missing.json")],
    ...(FIFO ? [[option, "a named pipe (no hang)", () => FIFO] as [string, string, (dir: string) => string]] : []),
  ]);
  it.each(inputCases)("refuses %s naming %s", async (option, _what, path) => {
    const result = await attempt(command, (dir, base) => argvOf(base, { [option]: path(dir) }));
    result.written = result.written.filter((name) => name !== "folder");
    expectRefused(result, option);
  });

  const outputCases: [string, string, (dir: string) => string][] = command.outputs.flatMap((option) => [
    [
      option,
      "a path under a regular file",
      (dir: string) => (writeFileSync(join(dir, "file"), "x"), join(dir, "file", "below")),
    ],
    [option, "a kernel file system (/proc)", () => "/proc/genai-hostile/x"],
  ]);
  it.each(outputCases)("refuses %s at %s before doing anything", async (option, _what, path) => {
    const result = await attempt(command, (dir, base) => argvOf(base, { [option]: path(dir) }));
    result.written = result.written.filter((name) => name !== "file");
    expectRefused(result, option);
    expect(existsSync("/proc/genai-hostile")).toBe(false);
  });
});

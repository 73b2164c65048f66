// `npm run loadtest` refuses what it cannot use before it sends a request (exit 2, naming the option, the
// value and what is allowed): output paths that cannot be written, a gateway that is not a URL, an
// endpoint that is not a name, numbers not written in decimal digits or out of range, control characters
// in string options, a prompt set that is not a file. Checked against the loopback server, which counts
// what arrives.
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { loadtest } from "../cli/commands/loadtest";
import { endpointName, timeouts } from "../cli/loadtest/args";
import { startLoopback, type Loopback } from "../cli/loadtest/loopbackServer";
import { parsePlatformConfig } from "../stacks/config";
import { rawConfig } from "./helpers";

let server: Loopback | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const quick = { firstTokenDelayMs: 0, interTokenDelayMs: 0, outputTokens: 3 };

/** Runs the command against a fresh loopback server with `args` after the usual ones; what it printed, its exit code and what arrived. */
async function run(
  args: string[],
  options: { gateway?: string; endpoint?: string } = {},
): Promise<{ code: number; out: string; err: string; arrivals: number }> {
  server = await startLoopback(quick);
  const scratch = mkdtempSync(join(tmpdir(), "genai-loadtest-args-"));
  let out = "";
  let err = "";
  const count = args.includes("--requests") || args.includes("--duration") ? [] : ["--requests", "2"];
  const code = await loadtest(
    [
      "--gateway",
      options.gateway ?? server.url,
      "--endpoint",
      options.endpoint ?? "chat",
      "--api-key",
      "k",
      ...count,
      "--attempts",
      "1",
      "--out",
      join(scratch, "charts"),
      ...args,
    ],
    { out: (t) => (out += t), err: (t) => (err += t) },
  );
  return { code, out, err, arrivals: server.arrivals.length };
}

describe("output paths are checked before anything is sent", () => {
  it("refuses --out naming a file, and --json under a file or naming a folder (exit 2, nothing sent)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "genai-loadtest-out-"));
    const file = join(dir, "results.txt");
    writeFileSync(file, "earlier results\n");
    const asFolder = await run(["--out", file]);
    expect(asFolder.code).toBe(2);
    expect(asFolder.err).toContain(`--out ${file}: ${file} is a file, not a folder`);
    expect(asFolder.arrivals).toBe(0);
    const underFile = await run(["--json", join(file, "r.json")]);
    expect(underFile.code).toBe(2);
    expect(underFile.err).toContain(
      `--json ${join(file, "r.json")}: ${file} is a file, so nothing can be written under it`,
    );
    expect(underFile.arrivals).toBe(0);
    const folder = await run(["--json", dir]);
    expect(folder.code).toBe(2);
    expect(folder.err).toContain(`--json ${dir}: ${dir} is a folder, not a file`);
    expect(folder.arrivals).toBe(0);
  });

  it("refuses kernel file systems and a folder where a chart belongs (exit 2, nothing sent)", async () => {
    const proc = await run(["--out", "/proc/self/charts"]);
    expect(proc.code).toBe(2);
    expect(proc.err).toMatch(/--out \/proc\/self\/charts: .* is on \/proc, a kernel file system, not a disk/);
    const sys = await run(["--json", "/sys/kernel/r.json"]);
    expect(sys.code).toBe(2);
    expect(sys.err).toContain("is on /sys, a kernel file system");
    const dir = mkdtempSync(join(tmpdir(), "genai-loadtest-out-"));
    mkdirSync(join(dir, "latency-histogram.svg"));
    const chart = await run(["--out", dir]);
    expect(chart.code).toBe(2);
    expect(chart.err).toContain(`--out ${dir}: ${join(dir, "latency-histogram.svg")} is a folder, not a file`);
    const same = await run(["--out", dir, "--json", join(dir, "ttft-histogram.svg")]);
    expect(same.code).toBe(2);
    expect(same.err).toContain("--json names one of the charts --out writes");
    expect([proc, sys, chart, same].map((r) => r.arrivals)).toEqual([0, 0, 0, 0]);
  });
});

describe("the gateway and the endpoint", () => {
  it.each([
    "http://",
    "http://[::1",
    "http://gate way.example",
    "https://g.example/ path",
    " https://g.example",
    "https://g.example\n",
    "ftp://g.example",
    "g.example",
    "https://g.example/?api-version=1",
    "https://user:secret@g.example",
  ])("refuses --gateway %j (exit 2)", async (gateway) => {
    const { code, err } = await run([], { gateway });
    expect(code).toBe(2);
    expect(err).toMatch(/^loadtest: --gateway /);
    expect(err).toMatch(/https:\/\/<host>|credentials/);
    expect(err).not.toContain("secret");
  });

  it.each(["../x", "a/b", "?x", "chat/../../x", "Chat", "a--b", "chat-", "", "x".repeat(25)])(
    "refuses --endpoint %j, which is no endpoint name (exit 2, nothing sent)",
    async (endpoint) => {
      const { code, err, arrivals } = await run([], { endpoint });
      expect(code).toBe(2);
      expect(err).toMatch(
        endpoint === ""
          ? /--endpoint is required/
          : /--endpoint ".*" is not an endpoint name: 1-24 lower-case ASCII letters/,
      );
      expect(arrivals).toBe(0);
    },
  );

  it("holds --endpoint to the same names the stack configuration accepts as model endpoints", () => {
    const names = [
      "chat",
      "a",
      "gpt-5-mini",
      "e2",
      "a".repeat(24),
      "a".repeat(25),
      "Chat",
      "2chat",
      "a--b",
      "chat-",
      "-chat",
      "../x",
      "a/b",
      "?x",
      "a_b",
      "a.b",
      "chät",
    ];
    const base = rawConfig("dev");
    for (const name of names) {
      const raw = structuredClone(base);
      raw.models = { ...raw.models, [name]: structuredClone(Object.values<unknown>(raw.models)[0]) };
      const parsed = parsePlatformConfig(raw);
      const schemaRefusesName = !parsed.ok && parsed.issues.some((i) => i.message.includes("endpoint names are"));
      let refused = false;
      try {
        endpointName(name);
      } catch {
        refused = true;
      }
      expect(refused, name).toBe(schemaRefusesName);
    }
  });
});

describe("numbers in decimal digits, in range", () => {
  it.each([
    ["--requests", ""],
    ["--requests", "0x19"],
    ["--requests", "1e3"],
    ["--requests", " 5"],
    ["--requests", "0"],
    ["--requests", "20000000"],
    ["--concurrency", "2.5"],
    ["--concurrency", "0b11"],
    ["--rps", "Infinity"],
    ["--rps", "0x10"],
    ["--max-tokens", "25.0"],
    ["--warmup", ""],
    ["--attempts", "0"],
    ["--attempts", "+3"],
    ["--max-wait", "1e2"],
    ["--duration", ""],
    ["--ramp", "-1"],
    ["--timeout", ""],
    ["--timeout", "0x19"],
    ["--timeout", "0"],
    ["--timeout", "3601"],
  ])("refuses %s %j (exit 2, nothing sent)", async (option, value) => {
    // A repeated option: the last value counts; a value starting with a dash is given as --option=value.
    const { code, err, arrivals } = await run(value!.startsWith("-") ? [`${option}=${value}`] : [option!, value!]);
    expect(code).toBe(2);
    expect(err).toContain(`${option} ${JSON.stringify(value)}: give a`);
    expect(err).toMatch(/from [\d.]+ to \d+ in decimal digits/);
    expect(arrivals).toBe(0);
  });

  it("takes --timeout for every limit or for some, and names what is wrong", async () => {
    expect(timeouts("5")).toEqual({ connectMs: 5000, firstByteMs: 5000, idleMs: 5000 });
    expect(timeouts("connect=2,idle=300")).toEqual({ connectMs: 2000, firstByteMs: 60_000, idleMs: 300_000 });
    expect(timeouts(undefined)).toEqual({ connectMs: 10_000, firstByteMs: 60_000, idleMs: 60_000 });
    for (const [value, message] of [
      ["connect=2,connect=3", "connect is given twice"],
      ["bogus=1", '"bogus=1" is not a limit; give --timeout S | connect=S,first-byte=S,idle=S'],
      ["connect=", '--timeout connect "": give a whole number from 1 to 3600'],
      ["idle=0x10", '--timeout idle "0x10": give a whole number from 1 to 3600'],
      ["constructor=1", '"constructor=1" is not a limit'],
    ]) {
      const { code, err, arrivals } = await run(["--timeout", value!]);
      expect(code, value).toBe(2);
      expect(err).toContain(message);
      expect(arrivals).toBe(0);
    }
  });

  it("documents --timeout and its defaults in --help", async () => {
    let out = "";
    expect(await loadtest(["--help"], { out: (t) => (out += t), err: (t) => (out += t) })).toBe(0);
    expect(out).toMatch(
      /--timeout S\|connect=S,first-byte=S,idle=S\s+limits in seconds, each or all \(default connect=10,first-byte=60,idle=60\)/,
    );
  });
});

describe("string options and files read", () => {
  it("refuses control characters in string options and the key variable, naming them and never echoing a key", async () => {
    const key = await run(["--api-key", "team-key\r\nx-injected: 1"]);
    expect(key.code).toBe(2);
    expect(key.err).toContain("--api-key holds a control character");
    expect(key.err).not.toContain("team-key");
    const audience = await run(["--audience", "api://gateway\u001b[2J"]);
    expect(audience.code).toBe(2);
    expect(audience.err).toContain('--audience "api://gateway\\u001b[2J" holds a control character');
    const version = await run(["--api-version", "2025-04-01-preview&x=1"]);
    expect(version.code).toBe(2);
    expect(version.err).toContain(
      '--api-version "2025-04-01-preview&x=1": give an api-version such as 2025-04-01-preview',
    );
    const previous = process.env.GENAI_GATEWAY_KEY;
    process.env.GENAI_GATEWAY_KEY = "secret\n";
    try {
      server = await startLoopback(quick);
      let err = "";
      const code = await loadtest(["--gateway", server.url, "--endpoint", "chat", "--requests", "1"], {
        out: () => undefined,
        err: (t) => (err += t),
      });
      expect(code).toBe(2);
      expect(err).toContain("GENAI_GATEWAY_KEY holds a control character");
      expect(err).not.toContain("secret");
      expect(server.arrivals).toHaveLength(0);
    } finally {
      if (previous === undefined) delete process.env.GENAI_GATEWAY_KEY;
      else process.env.GENAI_GATEWAY_KEY = previous;
    }
    expect([key.arrivals, audience.arrivals, version.arrivals]).toEqual([0, 0, 0]);
  });

  it("reads --prompt-set only from a regular file, and says which option could not be read", async () => {
    const dir = mkdtempSync(join(tmpdir(), "genai-loadtest-prompts-"));
    const device = await run(["--prompt-set", "/dev/zero"]);
    expect(device.code).toBe(2);
    expect(device.err).toContain("--prompt-set /dev/zero is not a regular file (a device)");
    const folder = await run(["--prompt-set", dir]);
    expect(folder.err).toContain(`--prompt-set ${dir} is not a regular file (a folder)`);
    const missing = await run(["--prompt-set", join(dir, "none.txt")]);
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/--prompt-set .*none\.txt: no such file \(ENOENT\)/);
    writeFileSync(join(dir, "empty.txt"), "\n  \n");
    const empty = await run(["--prompt-set", join(dir, "empty.txt")]);
    expect(empty.err).toContain("no prompts (one per line)");
    expect([device, folder, missing, empty].map((r) => r.arrivals)).toEqual([0, 0, 0, 0]);
  });
});

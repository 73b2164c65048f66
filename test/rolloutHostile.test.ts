// `npm run rollout` under careless and hostile input: proof from another stack, options with newlines,
// load tests without their fields, the stack file's mode, lock and concurrent edits.
import { describe, expect, it } from "vitest";
import { chmodSync, existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { rollout } from "../cli/commands/rollout";
import { AS_OF, PROJECT_DIR } from "./helpers";
import { cli, copyOfProd, exportOf, raw, readyCopy } from "./rolloutSteps";

describe("npm run rollout under careless and hostile input", () => {
  const scratchFile = (name: string, content: string) => {
    const path = join(mkdtempSync(join(tmpdir(), "genai-rollout-input-")), name);
    writeFileSync(path, content);
    return path;
  };

  it.each([
    [
      'resources "abc"',
      JSON.stringify({ version: 3, deployment: { resources: "abc" } }),
      "deployment.resources: Invalid input: expected array",
    ],
    [
      "resources [null]",
      JSON.stringify({ version: 3, deployment: { resources: [null] } }),
      "deployment.resources[0]: Invalid input: expected object",
    ],
    ['{"a":1}', JSON.stringify({ a: 1 }), "version: Invalid input: expected number"],
    ["{}", "{}", "is not a pulumi stack export"],
    [
      "an export of nothing",
      JSON.stringify({ version: 3, deployment: { resources: [] } }),
      "no resources: this export proves nothing",
    ],
    ["not JSON", "{", "is not JSON"],
  ])("refuses a --state export with %s, exit 2, naming the field", async (_name, content, expected) => {
    const file = copyOfProd();
    const before = readFileSync(file, "utf8");
    for (const action of [["status"], ["shift", "--weight", "25"]]) {
      const result = await raw(
        ...action,
        "--stack",
        "prod",
        "--config-file",
        file,
        "--endpoint",
        "chat",
        "--state",
        scratchFile("state.json", content),
      );
      expect(result.code, result.err).toBe(2);
      expect(result.err).toContain(expected);
    }
    expect(readFileSync(file, "utf8")).toBe(before);
  });

  it("refuses an export of another stack as proof, and the offline plan's own export unless asked explicitly", async () => {
    const file = copyOfProd();
    const state = await exportOf();
    const other = JSON.parse(readFileSync(state, "utf8"));
    for (const r of other.deployment.resources) r.urn = r.urn.replace("urn:pulumi:prod::", "urn:pulumi:dev::");
    const otherFile = scratchFile("dev.json", JSON.stringify(other));
    const step = (...argv: string[]) =>
      raw("shift", "--stack", "prod", "--config-file", file, "--endpoint", "chat", "--weight", "25", ...argv);
    expect((await raw("start", "--stack", "prod", "--config-file", file, "--endpoint", "chat")).code).toBe(0);
    const foreign = await step("--state", otherFile, "--allow-offline-proof");
    expect(foreign.code).toBe(2);
    expect(foreign.err).toContain(
      "is an export of dev of project genai-platform, not of stack prod of project genai-platform",
    );
    const offline = await step("--state", state);
    expect(offline.code).toBe(2);
    expect(offline.err).toContain("is the offline plan's export (npm run plan), not a deployment's");
  });

  it.each([
    ["''", ""],
    ["0x19", "0x19"],
    ["1e1", "1e1"],
    ["-5", "-5"],
    [" 25", " 25"],
  ])("reads --weight %s as no number, exit 2", async (_name, weight) => {
    const result = await raw(
      "shift",
      "--stack",
      "prod",
      "--config-file",
      copyOfProd(),
      "--endpoint",
      "chat",
      `--weight=${weight}`,
    );
    expect(result.code).toBe(2);
    expect(result.err).toContain(
      `--weight ${JSON.stringify(weight)} is not a whole number from 0 to 100 (decimal digits only, no leading zero)`,
    );
  });

  it("names the option that holds a newline, before planning anything", async () => {
    const result = await raw(
      "start",
      "--stack",
      "prod",
      "--config-file",
      copyOfProd(),
      "--endpoint",
      "qwen",
      "--model",
      "Qwen/Qwen2.5\n--trust-remote-code",
      "--version",
      "abc1234",
      "--service-ip",
      "10.40.31.201",
    );
    expect(result.code).toBe(2);
    expect(result.err).toContain('--model "Qwen/Qwen2.5\\n--trust-remote-code" holds a control character');
  });

  it("refuses a load test whose summary lacks the latency fields, naming the file and field", async () => {
    const file = copyOfProd();
    const state = readyCopy(await exportOf());
    expect((await cli("start", "--stack", "prod", "--config-file", file, "--endpoint", "chat")).code).toBe(0);
    const loadtest = scratchFile(
      "lt.json",
      JSON.stringify({
        endpoint: "chat",
        summary: { blue: { requests: 10, ok: 10 }, green: { requests: 10, ok: 10 } },
      }),
    );
    const result = await cli(
      "shift",
      "--stack",
      "prod",
      "--config-file",
      file,
      "--endpoint",
      "chat",
      "--weight",
      "25",
      "--state",
      state,
      "--loadtest",
      loadtest,
    );
    expect(result.code, result.err).toBe(2);
    expect(result.err).toContain(
      `--loadtest ${loadtest} is not the JSON of npm run loadtest -- --json: summary.blue.errorRate`,
    );
  });

  it("keeps the stack file's mode, refuses while another step holds the lock, and takes over a dead step's lock", async () => {
    const file = copyOfProd();
    chmodSync(file, 0o600);
    writeFileSync(`${file}.lock`, `${process.pid}\n`);
    const held = await raw("start", "--stack", "prod", "--config-file", file, "--endpoint", "chat");
    expect(held.code).toBe(2);
    expect(held.err).toContain(`is locked by another rollout step (process ${process.pid}, ${file}.lock)`);
    writeFileSync(`${file}.lock`, "999999999\n");
    const taken = await raw("start", "--stack", "prod", "--config-file", file, "--endpoint", "chat");
    expect(taken.code, taken.err).toBe(0);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(existsSync(`${file}.lock`)).toBe(false);
  });

  it("refuses to overwrite a line a person saved while the step ran", async () => {
    const file = copyOfProd();
    let saved = "";
    const code = await rollout(
      ["start", "--stack", "prod", "--config-file", file, "--endpoint", "chat", "--as-of", AS_OF],
      PROJECT_DIR,
      {
        out: () => {
          saved = `${readFileSync(file, "utf8")}# saved during the step\n`;
          writeFileSync(file, saved);
        },
        err: () => undefined,
      },
    );
    expect(code).toBe(2);
    expect(readFileSync(file, "utf8")).toBe(saved);
  });
});

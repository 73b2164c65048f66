// `npm run plan`'s inputs and --out under "Hardening, round 2": every input read and checked before
// anything is written, no input that is read forever, no scratch folder left behind, and an --out
// that names its problem (exit 2, nothing written).
import { afterEach, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { inputFileProblem } from "../cli/shared/inputFile";
import { AS_OF, PROJECT_DIR, namespaced, planCommand, rawConfig } from "./helpers";

const scratch = () => mkdtempSync(join(tmpdir(), "genai-plan-round2-"));

const plan = (...args: string[]) => planCommand(...args, "--as-of", AS_OF);

function fifo(): string {
  const path = join(scratch(), "pipe");
  expect(spawnSync("mkfifo", [path]).status).toBe(0);
  return path;
}

describe("an input that is no regular file is refused before it is read (a pipe or a device is read forever)", () => {
  it("names the option, the path and what it is", () => {
    const pipe = fifo();
    const max = 1024 * 1024;
    expect(inputFileProblem("--config-file", pipe, max)).toBe(
      `--config-file ${pipe} is not a regular file (a pipe): give the file itself`,
    );
    expect(inputFileProblem("--base", "/dev/zero", max)).toBe(
      "--base /dev/zero is not a regular file (a device): give the file itself",
    );
    expect(inputFileProblem("--policy-config", "/proc/self/environ", max)).toBe(
      `--policy-config /proc/self/environ is on a kernel file system (/proc: /proc/${process.pid}/environ), not a saved file`,
    );
    const link = join(scratch(), "zero.json");
    symlinkSync("/dev/zero", link);
    expect(inputFileProblem("--base", link, max)).toBe(
      `--base ${link} is not a regular file (a device): give the file itself`,
    );
    const missing = join(scratch(), "missing.json");
    expect(inputFileProblem("--base", missing, max)).toBe(`--base ${missing}: no such file (ENOENT)`);
    const folder = scratch();
    expect(inputFileProblem("--base", folder, max)).toBe(
      `--base ${folder} is not a regular file (a folder): give the file itself`,
    );
    expect(inputFileProblem("--base", join(PROJECT_DIR, "package.json"), max)).toBeUndefined();
    expect(inputFileProblem("--base", join(PROJECT_DIR, "package.json"), 10)).toMatch(
      /^--base .*package.json is [\d,]+ bytes; at most 10 bytes are read$/,
    );
  });

  it.each([
    ["--config-file", []],
    ["--policy-config", []],
    ["--base-config", ["--format", "markdown"]],
    ["--base", ["--format", "markdown"]],
  ])("plan %s <a pipe>: exit 2 at once, nothing written", async (option, extra) => {
    const out = scratch();
    const pipe = fifo();
    const result = await plan("--stack", "dev", "--out", out, ...extra, option, pipe);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`plan: ${option} ${pipe} is not a regular file (a pipe)`);
    expect(readdirSync(out)).toEqual([]);
  });
});

describe("--base and --base-config are read whole and checked before anything is written", () => {
  it.each([
    ["null", "null"],
    ["a list of resources that are not resources", JSON.stringify({ deployment: { resources: [1, "x"] } })],
  ])("--base holding %s: exit 2, not a stack export, nothing written", async (_name, text) => {
    const out = scratch();
    const base = join(scratch(), "export.json");
    writeFileSync(base, text);
    const result = await plan("--stack", "dev", "--out", out, "--format", "markdown", "--base", base);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`plan: --base ${base}: not a pulumi stack export`);
    expect(result.stderr).toContain("nothing was written");
    expect(readdirSync(out)).toEqual([]);
  });

  const tmp = process.env.TMPDIR;
  afterEach(() => {
    if (tmp === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = tmp;
  });

  it("plans --base-config in memory: no scratch folder, even when it does not plan or the temporary folder is unusable", async () => {
    const out = scratch();
    const temporary = scratch();
    const broken = rawConfig("dev");
    broken.subscriptionId = "not-a-guid";
    const file = join(scratch(), "Pulumi.dev.yaml");
    writeFileSync(file, stringify({ config: namespaced(broken) }));
    process.env.TMPDIR = temporary;
    const refused = await plan("--stack", "dev", "--out", out, "--format", "markdown", "--base-config", file);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`--base-config ${file} does not plan`);
    expect(readdirSync(temporary)).toEqual([]);
    expect(readdirSync(out)).toEqual([]);
    process.env.TMPDIR = join(temporary, "missing");
    const compared = await plan(
      "--stack",
      "dev",
      "--out",
      out,
      "--format",
      "markdown",
      "--base-config",
      join(PROJECT_DIR, "Pulumi.dev.yaml"),
    );
    expect(compared.code, compared.stderr).toBe(0);
    expect(compared.stdout).toContain("Changes against");
    expect(existsSync(join(temporary, "missing"))).toBe(false);
  });
});

describe("--out and --stack name their problem (exit 2, nothing written)", () => {
  it("refuses an empty --out rather than writing in the current folder", async () => {
    const here = process.cwd();
    const cwd = scratch();
    process.chdir(cwd);
    try {
      const result = await plan("--stack", "dev", "--out", "");
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('plan: --out "" is empty: give a folder, such as out');
      expect(readdirSync(cwd)).toEqual([]);
    } finally {
      process.chdir(here);
    }
  });

  it("refuses a stack name that starts with a dot: out/<stack> would be hidden among the writer's generations", async () => {
    const out = scratch();
    const result = await plan("--stack", ".dev", "--out", out, "--config-file", join(PROJECT_DIR, "Pulumi.dev.yaml"));
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('plan: --stack ".dev" starts with a dot');
    expect(readdirSync(out)).toEqual([]);
  });

  it("refuses an --out that leads into /proc through a symbolic link", async () => {
    const link = join(scratch(), "proc");
    symlinkSync("/proc/self", link);
    const result = await plan("--stack", "dev", "--out", join(link, "out"));
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      `plan: --out ${join(link, "out")}: ${join(link, "out")} is on a virtual file system (it leads to /proc/`,
    );
  });

  it("never removes a folder at out/<stack> that a plan did not write", async () => {
    const out = scratch();
    mkdirSync(join(out, "dev"));
    writeFileSync(join(out, "dev", "notes.md"), "someone's notes");
    const result = await plan("--stack", "dev", "--out", out);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      `plan: --out ${out}: cannot write ${join(out, "dev")}: it is a folder holding notes.md, which is not part of this output`,
    );
    expect(readFileSync(join(out, "dev", "notes.md"), "utf8")).toBe("someone's notes");
    expect(readdirSync(out)).toEqual(["dev"]);
  });
});

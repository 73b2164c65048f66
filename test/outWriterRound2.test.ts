// The writer of out/ under the failures of "Hardening, round 2": a kill between any two steps of a
// stack folder's switch, replaced files' modes and owners, folders made on a read-only file system,
// under a file or on a kernel file system, and the sweep of generations beside a run in progress.
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import {
  chmodSync,
  chownSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import {
  ArtifactWriteError,
  outputDirProblem,
  writeArtifactTree,
  writeArtifacts,
  type Artifact,
  type TreeFs,
  type WriterFs,
} from "../cli/shared/outWriter";

const scratch = () => mkdtempSync(join(tmpdir(), "genai-out-round2-"));
const errno = (code: string) => Object.assign(new Error(`${code}: injected`), { code });
const isRoot = process.getuid?.() === 0;

/** Every file under `dir` (through a symbolic link at `dir` itself) with its text, or "absent". */
function snapshot(dir: string): Record<string, string> | "absent" {
  if (!existsSync(dir)) return "absent";
  return Object.fromEntries(
    readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => [join(e.parentPath, e.name).slice(dir.length + 1), readFileSync(join(e.parentPath, e.name), "utf8")]),
  );
}
const asSet = (artifacts: readonly Artifact[]) => Object.fromEntries(artifacts.map((a) => [a.path, a.content]));

const OLD: Artifact[] = [
  { path: "stack.json", content: "old stack" },
  { path: "policy-config.json", content: "old config" },
  { path: "gateway/chat.xml", content: "old chat" },
  { path: "gateway/retired.xml", content: "old retired" },
];
const NEW: Artifact[] = [
  { path: "stack.json", content: "new stack" },
  { path: "policy-config.json", content: "new config" },
  { path: "gateway/chat.xml", content: "new chat" },
  { path: "k8s/vllm.yaml", content: "new vllm" },
];
const NEXT: Artifact[] = [{ path: "stack.json", content: "next stack" }];
/** What an earlier set of OLD, NEW or NEXT may have left in a real folder. */
const ADOPT = { adopt: ["stack.json", "policy-config.json", "gateway", "k8s"] };

const MUTATING = [
  "mkdirSync",
  "openSync",
  "writeSync",
  "renameSync",
  "rmSync",
  "linkSync",
  "symlinkSync",
  "fchmodSync",
  "fchownSync",
  "chmodSync",
] as const;

/**
 * The real file system, except that the process "is killed" at its `dieAt`-th change: that change and
 * every later one throw (a killed process runs no cleanup). `observe` runs before every change.
 */
function killedAt(dieAt: number, observe: () => void): { fs: TreeFs; changes: () => number } {
  let changes = 0;
  const wrapped: Record<string, unknown> = { ...fs };
  for (const name of MUTATING) {
    const real = (fs as unknown as Record<string, (...args: unknown[]) => unknown>)[name]!;
    wrapped[name] = (...args: unknown[]) => {
      observe();
      if (++changes >= dieAt) throw errno("EKILLED");
      return real(...args);
    };
  }
  return { fs: wrapped as unknown as TreeFs, changes: () => changes };
}

describe("a stack folder's switch, killed between any two steps", () => {
  const generations = (out: string) => readdirSync(out).filter((e) => e.startsWith(".dev."));

  /** Kills a switch from OLD to NEW at every step in turn; `prepare` lays out the old set. */
  function killEverywhere(prepare: (out: string) => void, allowed: readonly unknown[]) {
    const { fs: counting, changes } = killedAt(Infinity, () => undefined);
    const probe = scratch();
    prepare(probe);
    writeArtifactTree(probe, "dev", NEW, counting, ADOPT);
    const steps = changes();
    expect(steps).toBeGreaterThan(10);
    for (let dieAt = 1; dieAt <= steps; dieAt++) {
      const out = scratch();
      prepare(out);
      const seen: unknown[] = [];
      const look = () => seen.push(snapshot(join(out, "dev")));
      try {
        writeArtifactTree(out, "dev", NEW, killedAt(dieAt, look).fs, ADOPT);
      } catch {
        // Killed: whether the writer noticed does not matter, only what it left.
      }
      look();
      for (const state of seen) expect(allowed, `killed at change ${dieAt}`).toContainEqual(state);
      // The next run finds what the killed one left and ends with the next set alone.
      writeArtifactTree(out, "dev", NEXT, fs, ADOPT);
      expect(snapshot(join(out, "dev"))).toEqual(asSet(NEXT));
      expect(readdirSync(out).sort(), `after a kill at change ${dieAt}`).toEqual([...generations(out), "dev"].sort());
      expect(generations(out)).toHaveLength(1);
    }
  }

  it("shows a reader the old set whole or the new set whole at every step and after a kill at any step; the next run clears what was left", () => {
    killEverywhere((out) => writeArtifactTree(out, "dev", OLD), [asSet(OLD), asSet(NEW)]);
  });

  it("never shows a mix when the old set is a real folder of an earlier writer (absent only while it is moved aside)", () => {
    const prepare = (out: string) => {
      for (const a of OLD) {
        mkdirSync(join(out, "dev", a.path, ".."), { recursive: true });
        writeFileSync(join(out, "dev", a.path), a.content);
      }
    };
    killEverywhere(prepare, [asSet(OLD), asSet(NEW), "absent"]);
  });
});

describe("generations beside the one written", () => {
  /** The pid of a process that has exited. */
  const deadPid = () => spawnSync(process.execPath, ["-e", ""]).pid!;

  it("never removes the generation out/<stack> points to, even when another run switched it meanwhile", () => {
    const out = scratch();
    writeArtifactTree(out, "dev", OLD);
    const other = `.dev.${deadPid()}-0a1b2c3d`;
    // Another run switches out/dev to its own generation just after this run's switch.
    const racing: TreeFs = {
      ...fs,
      renameSync: ((from: fs.PathLike, to: fs.PathLike) => {
        fs.renameSync(from, to);
        if (String(to) === join(out, "dev") && !existsSync(join(out, other))) {
          mkdirSync(join(out, other));
          writeFileSync(join(out, other, "stack.json"), "the other run's");
          symlinkSync(other, join(out, ".dev.racing"));
          fs.renameSync(join(out, ".dev.racing"), join(out, "dev"));
        }
      }) as TreeFs["renameSync"],
    };
    writeArtifactTree(out, "dev", NEW, racing);
    expect(readlinkSync(join(out, "dev"))).toBe(other);
    expect(snapshot(join(out, "dev"))).toEqual({ "stack.json": "the other run's" });
  });

  it("leaves the generation of a run still in progress, removes one of a run that died", () => {
    const out = scratch();
    const live = `.dev.${process.ppid}-0a1b2c3d`;
    const dead = `.dev.${deadPid()}-0a1b2c3d`;
    mkdirSync(join(out, live));
    mkdirSync(join(out, dead));
    writeArtifactTree(out, "dev", NEW);
    expect(existsSync(join(out, live))).toBe(true);
    expect(existsSync(join(out, dead))).toBe(false);
  });

  it("leaves the temporary files and backups of a run still in progress in the same folder, removes those of a run that died", () => {
    const dir = scratch();
    const live = [`.Pulumi.dev.yaml.${process.ppid}-0a1b2c3d.tmp`, `.Pulumi.dev.yaml.${process.ppid}-0a1b2c3d.bak`];
    const dead = [`.Pulumi.dev.yaml.${deadPid()}-0a1b2c3d.tmp`, `.Pulumi.dev.yaml.${deadPid()}-0a1b2c3d.bak`];
    for (const name of [...live, ...dead]) writeFileSync(join(dir, name), "x");
    writeArtifacts(dir, [{ path: "Pulumi.dev.yaml", content: "config: {}\n" }]);
    expect(readdirSync(dir).sort()).toEqual(["Pulumi.dev.yaml", ...live].sort());
  });

  it("removes the half-written generation of a failed run and keeps the last good set", () => {
    const out = scratch();
    writeArtifactTree(out, "dev", OLD);
    const before = readdirSync(out).sort();
    const full: TreeFs = {
      ...fs,
      writeSync: (() => {
        throw errno("ENOSPC");
      }) as TreeFs["writeSync"],
    };
    expect(() => writeArtifactTree(out, "dev", NEW, full)).toThrow(/no space left on the device \(ENOSPC\)/);
    expect(readdirSync(out).sort()).toEqual(before);
    expect(snapshot(join(out, "dev"))).toEqual(asSet(OLD));
  });

  it("adopts a real folder only when it holds nothing but what the set writes: another folder is refused and kept", () => {
    const out = scratch();
    mkdirSync(join(out, "cli"));
    writeFileSync(join(out, "cli", "index.ts"), "someone's code");
    expect(() => writeArtifactTree(out, "cli", NEW)).toThrow(
      `cannot write ${join(out, "cli")}: it is a folder holding index.ts, which is not part of this output: move it away or write to another folder`,
    );
    expect(readFileSync(join(out, "cli", "index.ts"), "utf8")).toBe("someone's code");
    expect(readdirSync(out)).toEqual(["cli"]);
    // What an earlier plan wrote there, including folders this set no longer has, is adopted.
    mkdirSync(join(out, "prod", "observability"), { recursive: true });
    writeFileSync(join(out, "prod", "stack.json"), "old");
    writeArtifactTree(out, "prod", NEW, fs, {
      adopt: ["stack.json", "policy-config.json", "gateway", "k8s", "observability"],
    });
    expect(snapshot(join(out, "prod"))).toEqual(asSet(NEW));
  });

  it("refuses a path of the set that is not plain: two spellings of one file could overwrite each other", () => {
    const dir = scratch();
    expect(() =>
      writeArtifacts(dir, [
        { path: "stack.json", content: "{}" },
        { path: "gateway/../stack.json", content: "<xml/>" },
      ]),
    ).toThrow(`gateway/../stack.json is not a plain path of names inside ${dir} (no empty, "." or ".." parts)`);
    expect(() => writeArtifacts(dir, [{ path: "gateway//a.xml", content: "" }])).toThrow(/is not a plain path/);
    expect(readdirSync(dir)).toEqual([]);
  });

  it("refuses a hidden name: it would be taken for a generation", () => {
    const out = scratch();
    expect(() => writeArtifactTree(out, ".dev.1-0a1b2c3d", NEW)).toThrow(ArtifactWriteError);
    expect(readdirSync(out)).toEqual([]);
  });
});

describe("a replaced file keeps its mode and owner", () => {
  it("keeps a 0600 stack file 0600", () => {
    const dir = scratch();
    writeFileSync(join(dir, "Pulumi.dev.yaml"), "config: {}\n");
    chmodSync(join(dir, "Pulumi.dev.yaml"), 0o600);
    writeArtifacts(dir, [{ path: "Pulumi.dev.yaml", content: "config:\n  a: b\n" }]);
    expect(statSync(join(dir, "Pulumi.dev.yaml")).mode & 0o7777).toBe(0o600);
    expect(readFileSync(join(dir, "Pulumi.dev.yaml"), "utf8")).toBe("config:\n  a: b\n");
  });

  it.skipIf(!isRoot)("keeps its owner and group where permitted (root)", () => {
    const dir = scratch();
    writeFileSync(join(dir, "Pulumi.dev.yaml"), "config: {}\n");
    chownSync(join(dir, "Pulumi.dev.yaml"), 1234, 4321);
    writeArtifacts(dir, [{ path: "Pulumi.dev.yaml", content: "x" }]);
    expect([statSync(join(dir, "Pulumi.dev.yaml")).uid, statSync(join(dir, "Pulumi.dev.yaml")).gid]).toEqual([
      1234, 4321,
    ]);
  });

  it.skipIf(!isRoot)("keeps its group when only the group may be kept (a member of the group, not the owner)", () => {
    const dir = scratch();
    writeFileSync(join(dir, "Pulumi.dev.yaml"), "config: {}\n");
    chownSync(join(dir, "Pulumi.dev.yaml"), 1234, 4321);
    // As for a user who is not root: giving the file away is refused, changing its group to one's own is not.
    const member: WriterFs = {
      ...fs,
      fchownSync: ((fd: number, uid: number, gid: number) => {
        if (uid !== -1 && uid !== process.getuid!()) throw errno("EPERM");
        fs.fchownSync(fd, uid, gid);
      }) as WriterFs["fchownSync"],
    };
    writeArtifacts(dir, [{ path: "Pulumi.dev.yaml", content: "x" }], member);
    expect(statSync(join(dir, "Pulumi.dev.yaml")).gid).toBe(4321);
  });

  it("keeps the modes of a stack folder's files and of the folder across a switch", () => {
    const out = scratch();
    writeArtifactTree(out, "dev", OLD);
    chmodSync(join(out, "dev"), 0o750);
    chmodSync(join(out, "dev", "stack.json"), 0o600);
    chmodSync(join(out, "dev", "gateway", "chat.xml"), 0o640);
    writeArtifactTree(out, "dev", NEW);
    expect(lstatSync(join(out, "dev")).isSymbolicLink()).toBe(true);
    expect(statSync(join(out, "dev")).mode & 0o777).toBe(0o750);
    expect(statSync(join(out, "dev", "stack.json")).mode & 0o777).toBe(0o600);
    expect(statSync(join(out, "dev", "gateway", "chat.xml")).mode & 0o777).toBe(0o640);
    expect(snapshot(join(out, "dev"))).toEqual(asSet(NEW));
  });
});

describe("folders are made one at a time, with the real reason when one cannot be", () => {
  /** Node's recursive mkdir never returns on procfs; here it throws instead, so that a regression fails rather than hangs. */
  const noRecursiveUnderProc: WriterFs = {
    ...fs,
    mkdirSync: ((path: fs.PathLike, options?: fs.MakeDirectoryOptions) => {
      let existing = String(path);
      while (!existsSync(existing)) existing = dirname(existing);
      if (options?.recursive && fs.realpathSync(existing).startsWith("/proc"))
        throw new Error("recursive mkdir on /proc never returns");
      return fs.mkdirSync(path, options);
    }) as WriterFs["mkdirSync"],
  };

  it("names a read-only file system EROFS, not the ENOENT Node's recursive mkdir reports there", () => {
    const root = scratch();
    mkdirSync(join(root, "ro"));
    // The kernel refuses a new folder on a read-only mount with EROFS; Node's recursive mkdir then
    // stats the folder it could not make and reports that stat's ENOENT instead.
    const readOnly: WriterFs = {
      ...fs,
      mkdirSync: ((path: fs.PathLike, options?: fs.MakeDirectoryOptions) => {
        if (String(path).startsWith(join(root, "ro"))) throw errno(options?.recursive ? "ENOENT" : "EROFS");
        return fs.mkdirSync(path, options);
      }) as WriterFs["mkdirSync"],
    };
    expect(() =>
      writeArtifacts(join(root, "ro", "out", "dev"), [{ path: "stack.json", content: "{}" }], readOnly),
    ).toThrow(
      `cannot write ${join(root, "ro", "out", "dev", "stack.json")}: cannot make the folder ${join(root, "ro", "out")}: read-only file system (EROFS)`,
    );
  });

  it("names the file in the way of a folder (ENOTDIR)", () => {
    const dir = scratch();
    writeFileSync(join(dir, "file"), "x");
    expect(() => writeArtifacts(join(dir, "file", "out", "dev"), [{ path: "stack.json", content: "{}" }])).toThrow(
      `cannot write ${join(dir, "file", "out", "dev", "stack.json")}: ${join(dir, "file")} is a file, where a folder belongs: a file is in the way (ENOTDIR)`,
    );
    expect(() => writeArtifactTree(join(dir, "file", "out"), "dev", NEW)).toThrow(
      `${join(dir, "file")} is a file, where a folder belongs: a file is in the way (ENOTDIR)`,
    );
    expect(readFileSync(join(dir, "file"), "utf8")).toBe("x");
  });

  it("refuses /proc, and a symbolic link into it, at once", () => {
    expect(() =>
      writeArtifacts("/proc/genai-x/out", [{ path: "stack.json", content: "{}" }], noRecursiveUnderProc),
    ).toThrow(/\/proc\/genai-x\/out is on a virtual file system/);
    const link = join(scratch(), "proc");
    symlinkSync("/proc/self", link);
    expect(outputDirProblem(join(link, "out"))).toBe(
      `${join(link, "out")} is on a virtual file system (it leads to /proc/${process.pid}): write the output to a real folder`,
    );
    expect(() =>
      writeArtifacts(join(link, "out"), [{ path: "stack.json", content: "{}" }], noRecursiveUnderProc),
    ).toThrow(/is on a virtual file system/);
    expect(() => writeArtifactTree(join(link, "out"), "dev", NEW, noRecursiveUnderProc as TreeFs)).toThrow(
      /is on a virtual file system/,
    );
  });

  it("refuses a kernel file system mounted anywhere, by its type", () => {
    const dir = scratch();
    const procfsHere = { ...fs, statfsSync: (() => ({ type: 0x9fa0 })) as unknown as typeof fs.statfsSync };
    expect(outputDirProblem(join(dir, "out"), procfsHere)).toBe(
      `${join(dir, "out")} is on a virtual file system (proc): write the output to a real folder`,
    );
  });

  // A real read-only file system: a tmpfs mounted read-only for this test alone (needs permission to mount, as CI on this machine has).
  it("on a real read-only tmpfs: EROFS, naming the folder that could not be made", (context) => {
    const mountPoint = mkdtempSync(join(tmpdir(), "genai-ro-"));
    if (spawnSync("mount", ["-t", "tmpfs", "-o", "ro,size=64k", "tmpfs", mountPoint]).status !== 0) {
      fs.rmSync(mountPoint, { recursive: true, force: true });
      context.skip("cannot mount a tmpfs (needs root); the injected EROFS test above covers the writer");
    }
    try {
      expect(() => writeArtifacts(join(mountPoint, "out", "dev"), [{ path: "stack.json", content: "{}" }])).toThrow(
        `cannot make the folder ${join(mountPoint, "out")}: read-only file system (EROFS)`,
      );
      expect(outputDirProblem(join(mountPoint, "out"))).toBe(
        `${mountPoint} cannot be written: read-only file system (EROFS)`,
      );
    } finally {
      spawnSync("umount", [mountPoint]);
      fs.rmSync(mountPoint, { recursive: true, force: true });
    }
  });
});

import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  ArtifactWriteError,
  outputDirProblem,
  writeArtifactTree,
  writeArtifacts,
  type TreeFs,
  type WriterFs,
} from "../cli/shared/outWriter";
import { PROJECT_DIR, planCommand } from "./helpers";

const scratch = () => mkdtempSync(join(tmpdir(), "genai-out-test-"));

const plan = planCommand;

/** A file system whose disk fills up after `capacity` bytes of writes. */
function fullDisk(capacity: number): WriterFs {
  let written = 0;
  return {
    ...fs,
    writeSync: ((fd: number, buffer: Buffer, offset: number, length: number) => {
      if (written + length > capacity) {
        const room = capacity - written;
        if (room > 0) written += fs.writeSync(fd, buffer, offset, room);
        throw Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" });
      }
      written += length;
      return fs.writeSync(fd, buffer, offset, length);
    }) as WriterFs["writeSync"],
  };
}

describe("writeArtifacts", () => {
  it("writes a set of files, creating folders", () => {
    const dir = join(scratch(), "prod");
    writeArtifacts(dir, [
      { path: "stack.json", content: "{}\n" },
      { path: "gateway/chat.xml", content: "<policies/>\n" },
    ]);
    expect(readFileSync(join(dir, "stack.json"), "utf8")).toBe("{}\n");
    expect(readFileSync(join(dir, "gateway/chat.xml"), "utf8")).toBe("<policies/>\n");
    expect(readdirSync(dir).sort()).toEqual(["gateway", "stack.json"]);
  });

  it("keeps the last good set when a folder stands where a later file belongs", () => {
    const dir = scratch();
    writeFileSync(join(dir, "stack.json"), "good\n");
    mkdirSync(join(dir, "policy-config.json"));
    expect(() =>
      writeArtifacts(dir, [
        { path: "stack.json", content: "new\n" },
        { path: "policy-config.json", content: "{}" },
      ]),
    ).toThrow(ArtifactWriteError);
    expect(readFileSync(join(dir, "stack.json"), "utf8")).toBe("good\n");
    expect(readdirSync(dir).sort()).toEqual(["policy-config.json", "stack.json"]);
  });

  it("keeps the last good set on a full disk and leaves no temporary files", () => {
    const dir = scratch();
    writeFileSync(join(dir, "stack.json"), "good\n");
    const big = "x".repeat(10_000);
    expect(() =>
      writeArtifacts(
        dir,
        [
          { path: "stack.json", content: big },
          { path: "policy-config.json", content: big },
        ],
        fullDisk(15_000),
      ),
    ).toThrow(/cannot write .*policy-config\.json: no space left on the device \(ENOSPC\)/);
    expect(readFileSync(join(dir, "stack.json"), "utf8")).toBe("good\n");
    expect(readdirSync(dir)).toEqual(["stack.json"]);
  });

  it("never lets a reader see a partly written target", () => {
    const dir = scratch();
    const old = JSON.stringify({ plan: "old", padding: "o".repeat(50_000) });
    writeFileSync(join(dir, "stack.json"), old);
    const seen: string[] = [];
    const watching: WriterFs = {
      ...fs,
      // A reader polling between every chunk the writer writes.
      writeSync: ((fd: number, buffer: Buffer, offset: number, length: number) => {
        seen.push(readFileSync(join(dir, "stack.json"), "utf8"));
        return fs.writeSync(fd, buffer, offset, Math.min(length, 4096));
      }) as WriterFs["writeSync"],
    };
    const next = JSON.stringify({ plan: "new", padding: "n".repeat(50_000) });
    writeArtifacts(dir, [{ path: "stack.json", content: next }], watching);
    expect(seen.length).toBeGreaterThan(10);
    expect(seen.every((text) => text === old)).toBe(true);
    expect(readFileSync(join(dir, "stack.json"), "utf8")).toBe(next);
  });

  it("restores the files already replaced when a later rename fails", () => {
    const dir = scratch();
    writeFileSync(join(dir, "stack.json"), "old stack\n");
    writeFileSync(join(dir, "policy-config.json"), "old config\n");
    let renames = 0;
    const failing: WriterFs = {
      ...fs,
      renameSync: ((from: fs.PathLike, to: fs.PathLike) => {
        // The second rename into place fails; restoring backups still works.
        if (String(from).endsWith(".tmp") && ++renames === 2)
          throw Object.assign(new Error("EACCES"), { code: "EACCES" });
        fs.renameSync(from, to);
      }) as WriterFs["renameSync"],
    };
    expect(() =>
      writeArtifacts(
        dir,
        [
          { path: "stack.json", content: "new stack\n" },
          { path: "policy-config.json", content: "new config\n" },
        ],
        failing,
      ),
    ).toThrow(/cannot write .*policy-config\.json: permission denied \(EACCES\)/);
    expect(readFileSync(join(dir, "stack.json"), "utf8")).toBe("old stack\n");
    expect(readFileSync(join(dir, "policy-config.json"), "utf8")).toBe("old config\n");
    expect(readdirSync(dir).sort()).toEqual(["policy-config.json", "stack.json"]);
  });

  it("removes a new file it placed when a later rename fails and there was nothing before", () => {
    const dir = scratch();
    let renames = 0;
    const failing: WriterFs = {
      ...fs,
      renameSync: ((from: fs.PathLike, to: fs.PathLike) => {
        if (++renames === 2) throw Object.assign(new Error("EIO"), { code: "EIO" });
        fs.renameSync(from, to);
      }) as WriterFs["renameSync"],
    };
    expect(() =>
      writeArtifacts(
        dir,
        [
          { path: "a.json", content: "a" },
          { path: "b.json", content: "b" },
        ],
        failing,
      ),
    ).toThrow(ArtifactWriteError);
    expect(readdirSync(dir)).toEqual([]);
  });

  it("sweeps the scratch files an interrupted run left behind, and refuses a path given twice", () => {
    const dir = scratch();
    // Left by a run that died: the pid of a process that has exited.
    const dead = spawnSync(process.execPath, ["-e", ""]).pid;
    writeFileSync(join(dir, `.stack.json.${dead}-0a1b2c3d.tmp`), "half");
    writeFileSync(join(dir, `.stack.json.${dead}-0a1b2c3d.bak`), "old");
    writeFileSync(join(dir, ".keep.me"), "not the writer's");
    writeArtifacts(dir, [{ path: "stack.json", content: "{}" }]);
    expect(readdirSync(dir).sort()).toEqual([".keep.me", "stack.json"]);
    expect(() =>
      writeArtifacts(dir, [
        { path: "s.json", content: "" },
        { path: "s.json", content: "" },
      ]),
    ).toThrow("s.json is in the set twice");
  });

  it("clears files of an owned folder that the new set no longer has, and only after the set is in place", () => {
    const dir = mkdtempSync(join(tmpdir(), "genai-out-"));
    writeArtifacts(
      dir,
      [
        { path: "gateway/a.xml", content: "a" },
        { path: "gateway/b.xml", content: "b" },
        { path: "stack.json", content: "{}" },
      ],
      fs,
      ["gateway"],
    );
    writeArtifacts(
      dir,
      [
        { path: "gateway/a.xml", content: "a2" },
        { path: "stack.json", content: "{}" },
      ],
      fs,
      ["gateway"],
    );
    expect(readdirSync(join(dir, "gateway"))).toEqual(["a.xml"]);
    expect(readFileSync(join(dir, "gateway", "a.xml"), "utf8")).toBe("a2");
    mkdirSync(join(dir, "gateway", "a.xml.d"));
    expect(() =>
      writeArtifacts(
        dir,
        [
          { path: "stack.json", content: "{}" },
          { path: "gateway/a.xml.d", content: "x" },
        ],
        fs,
        ["gateway"],
      ),
    ).toThrow(ArtifactWriteError);
    expect(readdirSync(join(dir, "gateway")).sort()).toEqual(["a.xml", "a.xml.d"]);
  });

  it("refuses a path outside its folder", () => {
    expect(() => writeArtifacts(scratch(), [{ path: "../escape.json", content: "" }])).toThrow(/outside/);
  });
});

describe("npm run plan keeps the last good output", () => {
  it("replaces a stack folder whose insides were broken (a folder where policy-config.json belongs) whole, and refuses a file where the folder belongs", async () => {
    const out = scratch();
    expect((await plan("--stack", "prod", "--out", out)).code).toBe(0);
    const good = readFileSync(join(out, "prod", "stack.json"), "utf8");
    fs.rmSync(join(out, "prod", "policy-config.json"));
    mkdirSync(join(out, "prod", "policy-config.json"));
    const changed = join(out, "Pulumi.changed.yaml");
    writeFileSync(
      changed,
      readFileSync(join(PROJECT_DIR, "Pulumi.prod.yaml"), "utf8").replace(
        "logRetentionDays: 90",
        "logRetentionDays: 120",
      ),
    );
    expect((await plan("--stack", "prod", "--out", out, "--config-file", changed)).code).toBe(0);
    expect(readFileSync(join(out, "prod", "stack.json"), "utf8")).not.toBe(good);
    expect(fs.statSync(join(out, "prod", "policy-config.json")).isFile()).toBe(true);
    const blocked = scratch();
    writeFileSync(join(blocked, "prod"), "a file");
    const result = await plan("--stack", "prod", "--out", blocked);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("something other than a folder is in the way");
    expect(readFileSync(join(blocked, "prod"), "utf8")).toBe("a file");
  });

  // A real full disk: a 384 KB tmpfs (room for the dev plan, about 280 KB, not for the prod plan beside it, about
  // 900 KB) (needs permission to mount, as CI on this machine has).
  it("exits 2 on a full 384 KB tmpfs and keeps the good stack.json", async (context) => {
    // Mounted for this test alone, so that no filter or failure leaves it mounted.
    const mountPoint = mkdtempSync(join(tmpdir(), "genai-tmpfs-"));
    if (spawnSync("mount", ["-t", "tmpfs", "-o", "size=384k", "tmpfs", mountPoint]).status !== 0) {
      fs.rmSync(mountPoint, { recursive: true, force: true });
      context.skip("cannot mount a tmpfs (needs root); the injected full-disk test above covers the writer");
    }
    try {
      expect(
        (await plan("--stack", "lab", "--out", mountPoint, "--config-file", join(PROJECT_DIR, "Pulumi.dev.yaml"))).code,
      ).toBe(0);
      const good = readFileSync(join(mountPoint, "lab", "stack.json"), "utf8");
      JSON.parse(good);
      const result = await plan(
        "--stack",
        "lab",
        "--out",
        mountPoint,
        "--config-file",
        join(PROJECT_DIR, "Pulumi.prod.yaml"),
      );
      expect(result.code).toBe(2);
      expect(result.stderr).toContain("no space left on the device");
      expect(readFileSync(join(mountPoint, "lab", "stack.json"), "utf8")).toBe(good);
      expect(readdirSync(join(mountPoint, "lab")).sort()).toEqual(["gateway", "policy-config.json", "stack.json"]);
    } finally {
      spawnSync("umount", [mountPoint]);
      fs.rmSync(mountPoint, { recursive: true, force: true });
    }
  });
});

describe("an output folder that cannot be written is refused before any work, naming the reason", () => {
  it("refuses virtual file systems (Node's recursive mkdir loops on /proc)", () => {
    expect(outputDirProblem("/proc/x")).toBe(
      "/proc/x is on a virtual file system (/proc, /sys, /dev): write the output to a real folder",
    );
    expect(outputDirProblem("/sys")).toContain("virtual file system");
  });

  it("names a file in the way", () => {
    const dir = mkdtempSync(join(tmpdir(), "genai-out-"));
    writeFileSync(join(dir, "file"), "x");
    expect(outputDirProblem(join(dir, "file", "sub"))).toBe(
      `${join(dir, "file")} is a file, where a folder belongs: a file is in the way (ENOTDIR)`,
    );
  });

  it("says read-only file system where the nearest folder is on one (not ENOENT)", () => {
    const readOnly = {
      ...fs,
      accessSync: () => {
        throw Object.assign(new Error("EROFS: read-only file system"), { code: "EROFS" });
      },
    } as Parameters<typeof outputDirProblem>[1];
    const dir = mkdtempSync(join(tmpdir(), "genai-out-"));
    expect(outputDirProblem(join(dir, "a", "b"), readOnly)).toBe(
      `${dir} cannot be written: read-only file system (EROFS)`,
    );
  });

  it("accepts a folder to be made under a writable one", () => {
    expect(outputDirProblem(join(mkdtempSync(join(tmpdir(), "genai-out-")), "a", "b"))).toBeUndefined();
  });
});

describe("a stack's output folder is switched whole", () => {
  const read = (dir: string) =>
    Object.fromEntries(
      readdirSync(dir, { recursive: true, withFileTypes: true })
        .filter((e) => e.isFile())
        .map((e) => [
          join(e.parentPath, e.name).slice(dir.length + 1),
          readFileSync(join(e.parentPath, e.name), "utf8"),
        ]),
    );

  it("replaces the whole set: files of the old set vanish with it, one generation remains", () => {
    const out = scratch();
    writeArtifactTree(out, "dev", [
      { path: "stack.json", content: "1" },
      { path: "gateway/api-old.xml", content: "old" },
    ]);
    writeArtifactTree(out, "dev", [
      { path: "stack.json", content: "2" },
      { path: "gateway/api-new.xml", content: "new" },
    ]);
    expect(read(join(out, "dev"))).toEqual({ "stack.json": "2", "gateway/api-new.xml": "new" });
    expect(fs.lstatSync(join(out, "dev")).isSymbolicLink()).toBe(true);
    expect(readdirSync(out).filter((e) => e.startsWith(".dev."))).toHaveLength(1);
  });

  it("leaves a reader the old set whole when the run dies before the switch", () => {
    const out = scratch();
    writeArtifactTree(out, "dev", [
      { path: "stack.json", content: "old" },
      { path: "gateway/api.xml", content: "old" },
    ]);
    const dying: TreeFs = {
      ...fs,
      symlinkSync: (() => {
        throw Object.assign(new Error("killed"), { code: "EINTR" });
      }) as TreeFs["symlinkSync"],
    };
    expect(() =>
      writeArtifactTree(
        out,
        "dev",
        [
          { path: "stack.json", content: "new" },
          { path: "gateway/api.xml", content: "new" },
        ],
        dying,
      ),
    ).toThrow(ArtifactWriteError);
    expect(read(join(out, "dev"))).toEqual({ "stack.json": "old", "gateway/api.xml": "old" });
    expect(readdirSync(out).filter((e) => e.startsWith(".dev."))).toHaveLength(1);
  });

  it("moves a real folder of an earlier writer aside once", () => {
    const out = scratch();
    mkdirSync(join(out, "prod", "gateway"), { recursive: true });
    writeFileSync(join(out, "prod", "gateway", "stale.xml"), "stale");
    writeArtifactTree(out, "prod", [{ path: "stack.json", content: "new" }], fs, { adopt: ["stack.json", "gateway"] });
    expect(read(join(out, "prod"))).toEqual({ "stack.json": "new" });
    expect(readdirSync(out).sort()).toEqual(
      [".prod." + fs.readlinkSync(join(out, "prod")).split(".prod.")[1], "prod"].sort(),
    );
  });
});

// The one writer of everything under `out/`: a set of files lands whole or not at all.
// Each file is written to a temporary file in its own folder and flushed; only when every file of the
// set is written are they renamed into place, after each existing target was hard-linked to a backup.
// If a rename fails, the targets already replaced get their backups back, so a failed run (full disk,
// a folder where a file should be, no permission) leaves the last good output as it was, and a reader
// never sees a torn file.
import { randomBytes } from "node:crypto";
import * as nodeFs from "node:fs";
import { basename, dirname, join, relative, resolve, sep } from "node:path";
import { own } from "../components/core/own";

/** One file of a set, by its path relative to the set's folder. */
export interface Artifact {
  readonly path: string;
  readonly content: string;
}

/** The file operations the writer uses (a test injects a full disk or a failing rename). */
export type WriterFs = Pick<
  typeof nodeFs,
  "mkdirSync" | "openSync" | "writeSync" | "fsyncSync" | "closeSync" | "renameSync" | "rmSync" | "lstatSync" | "linkSync" | "readdirSync" | "fchmodSync" | "fchownSync"
>;

export class ArtifactWriteError extends Error {}

const REASONS: Readonly<Record<string, string>> = {
  ENOSPC: "no space left on the device",
  EDQUOT: "disk quota exceeded",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EROFS: "read-only file system",
  EISDIR: "a folder is in the way",
  ENOTDIR: "a file is in the way of a folder",
  EEXIST: "the name is already taken",
};

/** A person's reading of a file-system error: what failed and why. */
export function fsReason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  return code ? `${own(REASONS, code) ?? (error as Error).message} (${code})` : String((error as Error).message ?? error);
}

/** Names of the writer's own temporary files and backups: `.<name>.<pid>-<hex>.tmp|.bak`. */
const SCRATCH = /^\..+\.\d+-[0-9a-f]{8}\.(tmp|bak)$/;

/** Writes `content` to a new file; `like` (the file it will replace) gives it that file's mode and, where permitted, owner. */
function writeWhole(fs: WriterFs, path: string, content: string, like?: nodeFs.Stats): void {
  const fd = fs.openSync(path, "wx", 0o644);
  try {
    if (like) {
      fs.fchmodSync(fd, like.mode & 0o7777);
      try {
        fs.fchownSync(fd, like.uid, like.gid);
      } catch {
        // Only root may give a file away: the owner stays whoever runs the command.
      }
    }
    const bytes = Buffer.from(content, "utf8");
    for (let offset = 0; offset < bytes.length; ) offset += fs.writeSync(fd, bytes, offset, bytes.length - offset);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

function statOrUndefined(fs: WriterFs, path: string): nodeFs.Stats | undefined {
  try {
    return fs.lstatSync(path);
  } catch {
    return undefined;
  }
}

/** Removes a file, never throwing (cleanup must not hide the error that caused it). */
function removeQuietly(fs: WriterFs, path: string): void {
  try {
    fs.rmSync(path, { force: true });
  } catch {
    // Left behind; the next run's sweep removes it.
  }
}

/** Removes scratch files an interrupted earlier run left in `folder`. */
function sweep(fs: WriterFs, folder: string): void {
  let names: string[];
  try {
    names = fs.readdirSync(folder) as string[];
  } catch {
    return;
  }
  for (const name of names) if (SCRATCH.test(name)) removeQuietly(fs, join(folder, name));
}

interface Staged {
  readonly temp: string;
  readonly target: string;
  /** A hard link to the target's previous content, when there was one. */
  backup?: string;
}

/**
 * Writes `artifacts` under `dir` as one set. Throws ArtifactWriteError (naming the file and the reason)
 * with every earlier file as it was. Folders named in `owned` (relative to `dir`) hold only this set's
 * files: once the set is in place, any other file there (from an earlier, larger set) is removed.
 */
export function writeArtifacts(dir: string, artifacts: readonly Artifact[], fs: WriterFs = nodeFs, owned: readonly string[] = []): void {
  const paths = artifacts.map((a) => a.path);
  const repeated = paths.find((p, i) => paths.indexOf(p) !== i);
  if (repeated) throw new ArtifactWriteError(`${repeated} is in the set twice`);
  const tag = `${process.pid}-${randomBytes(4).toString("hex")}`;
  const scratchName = (target: string, kind: "tmp" | "bak") => join(dirname(target), `.${basename(target)}.${tag}.${kind}`);
  const failed = (target: string, error: unknown) => new ArtifactWriteError(`cannot write ${target}: ${fsReason(error)}`);
  const staged: Staged[] = [];
  const swept = new Set<string>();
  try {
    for (const artifact of artifacts) {
      const target = join(dir, artifact.path);
      const rel = relative(dir, target);
      if (rel === ".." || rel.startsWith(`..${sep}`)) throw new ArtifactWriteError(`${artifact.path} is outside ${dir}`);
      // A folder (or anything but a file) where a file belongs would make the rename fail half-way.
      const existing = statOrUndefined(fs, target);
      if (existing && !existing.isFile()) throw new ArtifactWriteError(`cannot write ${target}: something other than a file is in the way`);
      try {
        fs.mkdirSync(dirname(target), { recursive: true });
        if (!swept.has(dirname(target))) sweep(fs, dirname(target));
        swept.add(dirname(target));
        const entry: Staged = { temp: scratchName(target, "tmp"), target };
        staged.push(entry);
        writeWhole(fs, entry.temp, artifact.content, existing);
        if (existing) {
          entry.backup = scratchName(target, "bak");
          fs.linkSync(target, entry.backup);
        }
      } catch (error) {
        throw failed(target, error);
      }
    }
  } catch (error) {
    for (const { temp, backup } of staged) {
      removeQuietly(fs, temp);
      if (backup) removeQuietly(fs, backup);
    }
    throw error;
  }
  // Every file is written and every old one kept as a backup: now the renames, undone if one fails.
  const done: Staged[] = [];
  for (const entry of staged) {
    try {
      fs.renameSync(entry.temp, entry.target);
      done.push(entry);
    } catch (error) {
      for (const replaced of done.reverse()) {
        try {
          if (replaced.backup) fs.renameSync(replaced.backup, replaced.target);
          else fs.rmSync(replaced.target, { force: true });
        } catch {
          // Nothing more can be done; the error below names the file that failed.
        }
      }
      for (const { temp, backup } of staged) {
        removeQuietly(fs, temp);
        if (backup) removeQuietly(fs, backup);
      }
      throw failed(entry.target, error);
    }
  }
  for (const { backup } of staged) if (backup) removeQuietly(fs, backup);
  const written = new Set(staged.map((s) => s.target));
  for (const folder of owned) {
    let names: string[];
    try {
      names = fs.readdirSync(join(dir, folder)) as string[];
    } catch {
      continue;
    }
    for (const name of names) if (!written.has(join(dir, folder, name)) && statOrUndefined(fs, join(dir, folder, name))?.isFile()) removeQuietly(fs, join(dir, folder, name));
  }
}

/** File systems the kernel synthesises: nothing is written there, and Node's recursive mkdir loops on /proc. */
const VIRTUAL_ROOTS = ["/proc", "/sys", "/dev"];

/**
 * Why nothing can be written under `dir`, or undefined: a virtual file system, a file where a folder
 * belongs, or a nearest existing folder that is read-only or not writable. Checked before any work, so
 * a command that cannot write refuses at once and names the real reason (EROFS, not ENOENT).
 */
export function outputDirProblem(dir: string, fs: Pick<typeof nodeFs, "statSync" | "accessSync"> = nodeFs): string | undefined {
  const absolute = resolve(dir);
  if (VIRTUAL_ROOTS.some((root) => absolute === root || absolute.startsWith(`${root}/`))) return `${absolute} is on a virtual file system (${VIRTUAL_ROOTS.join(", ")}): write the output to a real folder`;
  let existing = absolute;
  for (;;) {
    try {
      const stat = fs.statSync(existing);
      if (!stat.isDirectory()) return `${existing} is a file, where a folder belongs: a file is in the way (ENOTDIR)`;
      break;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== "ENOENT" && code !== "ENOTDIR") return `${existing}: ${fsReason(error)}`;
      const parent = dirname(existing);
      if (parent === existing) return `${absolute}: no folder of it exists`;
      existing = parent;
    }
  }
  try {
    fs.accessSync(existing, nodeFs.constants.W_OK | nodeFs.constants.X_OK);
  } catch (error) {
    return `${existing} cannot be written: ${fsReason(error)}`;
  }
  return undefined;
}

/** The file operations a whole-folder switch uses (a test injects a crash between its steps). */
export type TreeFs = WriterFs & Pick<typeof nodeFs, "symlinkSync" | "readlinkSync">;

/**
 * Writes `artifacts` as the whole content of folder `name` under `parent`, switched in one step: the set
 * is written to a new generation folder beside it (`.<name>.<pid>-<hex>`), then `<name>`, a symbolic link,
 * is pointed at it by renaming a new link over the old one (a single directory entry, atomic on POSIX).
 * A reader sees the old set or the new one, never a mix, even if the run is killed between two files;
 * the previous generation is removed afterwards, and generations an interrupted run left are swept.
 * A real folder left by an earlier version of the writer is moved aside once (the only moment `<name>`
 * is briefly absent) and removed.
 */
export function writeArtifactTree(parent: string, name: string, artifacts: readonly Artifact[], fs: TreeFs = nodeFs): void {
  const tag = `${process.pid}-${randomBytes(4).toString("hex")}`;
  const generation = `.${name}.${tag}`;
  const target = join(parent, name);
  const failed = (error: unknown) => new ArtifactWriteError(`cannot write ${target}: ${fsReason(error)}`);
  try {
    fs.mkdirSync(parent, { recursive: true });
  } catch (error) {
    throw failed(error);
  }
  writeArtifacts(join(parent, generation), artifacts, fs);
  const existing = statOrUndefined(fs, target);
  let previous: string | undefined;
  try {
    if (existing?.isSymbolicLink()) previous = basename(String(fs.readlinkSync(target)));
    else if (existing?.isDirectory()) {
      previous = `.${name}.${tag}.old`;
      fs.renameSync(target, join(parent, previous));
    } else if (existing) throw new ArtifactWriteError(`cannot write ${target}: something other than a folder is in the way`);
    const link = join(parent, `.${name}.${tag}.link`);
    fs.symlinkSync(generation, link, process.platform === "win32" ? "junction" : "dir");
    fs.renameSync(link, target);
  } catch (error) {
    fs.rmSync(join(parent, generation), { recursive: true, force: true });
    if (previous?.endsWith(".old") && !statOrUndefined(fs, target)) fs.renameSync(join(parent, previous), target);
    if (error instanceof ArtifactWriteError) throw error;
    throw failed(error);
  }
  // The switch is done: earlier generations (the one replaced, and any an interrupted run left) go.
  const generations = new RegExp(`^\\.${name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\.\\d+-[0-9a-f]{8}(?:\\.old|\\.link)?$`);
  for (const entry of fs.readdirSync(parent) as string[]) {
    if (entry !== generation && generations.test(entry)) {
      try {
        fs.rmSync(join(parent, entry), { recursive: true, force: true });
      } catch {
        // Left for the next run's sweep.
      }
    }
  }
}

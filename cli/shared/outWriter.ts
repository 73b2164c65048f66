// The one writer of everything under `out/`: a set of files lands whole or not at all.
//
// A set of files in a folder (writeArtifacts: a load test's charts, a stack file): each file is written
// to a temporary file in its own folder and flushed; only when every file of the set is written are they
// renamed into place, after each existing target was hard-linked to a backup. If a rename fails, the
// targets already replaced get their backups back, so a failed run (full disk, a folder where a file
// should be, no permission) leaves the last good output as it was, and a reader never sees a torn file.
// A replaced file keeps its mode, and its owner and group where the writer may set them.
//
// A stack's whole folder (writeArtifactTree, `out/<stack>/`): renaming file after file cannot be atomic
// as a set: a plan killed between two renames would leave a new stack.json beside old gateway policies.
// So the set is written to a new generation folder beside it (`out/.<stack>.<pid>-<hex>/`) and
// `out/<stack>` is a symbolic link to the current generation, switched by renaming a new link over it:
// one directory entry replaced by rename(2), atomic on POSIX file systems. Chosen over a manifest that
// readers check because the readers are `cat`, `npm run check -- --state out/prod/stack.json`,
// `pulumi --policy-pack-config out/prod/policy-config.json` and CI's upload of `out/`: they open paths
// and would never read a manifest, while a link is followed by all of them unchanged.
// What it guarantees and what it does not:
// - every path under `out/<stack>/` resolves in the old set or in the new one, at every moment and
//   after a kill at any step; a reader that wants two files of one set resolves the link once
//   (realpath) and reads both from there, as a single `cat` of two paths may straddle a switch;
// - the replaced generation is removed after the switch (a reader still inside it may then lose it),
//   as are generations and links an interrupted run left, but never the one `out/<stack>` points to and
//   never one whose process still runs on this machine (two plans of one stack may overlap);
// - a real folder left at `out/<stack>` by an earlier version of the writer is moved aside once and
//   removed: during that one rename `out/<stack>` is absent (never mixed). A folder there that holds
//   anything the set does not write is someone else's and is refused, never moved or removed;
// - folders are made one path component at a time, never with Node's recursive mkdir, which loops for
//   ever on /proc and reports a read-only file system as ENOENT; kernel file systems are refused.
import { randomBytes } from "node:crypto";
import * as nodeFs from "node:fs";
import { basename, dirname, join, posix, relative, resolve, sep } from "node:path";
import { own } from "../../components/core/own";

/** One file of a set, by its path relative to the set's folder. */
export interface Artifact {
  readonly path: string;
  readonly content: string;
}

/** The file operations the writer uses (a test injects a full disk, a failing rename or a kill between two steps). */
export type WriterFs = Pick<
  typeof nodeFs,
  | "mkdirSync"
  | "openSync"
  | "writeSync"
  | "fsyncSync"
  | "closeSync"
  | "renameSync"
  | "rmSync"
  | "lstatSync"
  | "statSync"
  | "linkSync"
  | "readdirSync"
  | "fchmodSync"
  | "fchownSync"
  | "chmodSync"
  | "realpathSync"
  | "statfsSync"
>;

/** The file operations a whole-folder switch uses. */
export type TreeFs = WriterFs & Pick<typeof nodeFs, "symlinkSync" | "readlinkSync">;

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
  return code
    ? `${own(REASONS, code) ?? (error as Error).message} (${code})`
    : String((error as Error).message ?? error);
}

const codeOf = (error: unknown) => (error as NodeJS.ErrnoException).code;

/** A problem with a folder on the way to a file, in words (the caller names the file). */
class FolderProblem extends Error {}

const fileInTheWay = (path: string) => `${path} is a file, where a folder belongs: a file is in the way (ENOTDIR)`;

// ---------------------------------------------------------------------------------------------------
// Kernel file systems: nothing is written there.

/** Where the kernel's file systems are mounted on every Linux machine. */
const VIRTUAL_ROOTS = ["/proc", "/sys", "/dev"];

/** Kernel file systems by statfs type (linux/magic.h), wherever they are mounted. */
const VIRTUAL_FS_TYPES: ReadonlyMap<number, string> = new Map([
  [0x9fa0, "proc"],
  [0x62656572, "sysfs"],
  [0x1cd1, "devpts"],
  [0x27e0eb, "cgroup"],
  [0x63677270, "cgroup2"],
  [0x64626720, "debugfs"],
  [0x74726163, "tracefs"],
  [0x73636673, "securityfs"],
  [0xcafe4a11, "bpf"],
  [0xde5e81e4, "efivarfs"],
  [0x6165676c, "pstore"],
  [0x62656570, "configfs"],
  [0x42494e4d, "binfmt_misc"],
]);

const underVirtualRoot = (absolute: string) =>
  VIRTUAL_ROOTS.some((root) => absolute === root || absolute.startsWith(`${root}/`));

/** The nearest of `absolute` and its parents that exists (followed through links), with its stat. */
function nearestExisting(absolute: string, fs: Pick<typeof nodeFs, "statSync">): { path: string; stat: nodeFs.Stats } {
  for (let at = absolute; ; at = dirname(at)) {
    try {
      return { path: at, stat: fs.statSync(at) };
    } catch (error) {
      // ENOTDIR: a file further up; the walk reaches it and reports it.
      if ((codeOf(error) !== "ENOENT" && codeOf(error) !== "ENOTDIR") || dirname(at) === at) throw error;
    }
  }
}

/** Which kernel file system the existing `real` path (no links left in it) is on, or undefined. */
export function kernelFileSystem(real: string, fs: Pick<typeof nodeFs, "statfsSync"> = nodeFs): string | undefined {
  if (underVirtualRoot(real)) return VIRTUAL_ROOTS.find((root) => real === root || real.startsWith(`${root}/`));
  try {
    return VIRTUAL_FS_TYPES.get(Number(fs.statfsSync(real).type));
  } catch {
    return undefined;
  }
}

/**
 * Why `path` is on a kernel file system (by its name, by where its links lead, or by the type of the
 * file system its nearest existing folder is on), or undefined.
 */
export function virtualFsProblem(
  path: string,
  fs: Pick<typeof nodeFs, "statSync" | "realpathSync" | "statfsSync"> = nodeFs,
): string | undefined {
  const absolute = resolve(path);
  const refuse = (why: string) => `${absolute} is on a virtual file system (${why}): write the output to a real folder`;
  if (underVirtualRoot(absolute)) return refuse(VIRTUAL_ROOTS.join(", "));
  let real: string;
  try {
    real = fs.realpathSync(nearestExisting(absolute, fs).path);
  } catch {
    // Nothing of it can be looked at: the write itself names why.
    return undefined;
  }
  if (underVirtualRoot(real)) return refuse(`it leads to ${real}`);
  const kind = kernelFileSystem(real, fs);
  return kind ? refuse(kind) : undefined;
}

/**
 * Why nothing can be written under `dir`, or undefined: a virtual file system, a file where a folder
 * belongs, or a nearest existing folder that is read-only or not writable. Checked before any work, so
 * a command that cannot write refuses at once and names the real reason (EROFS, not ENOENT).
 */
export function outputDirProblem(
  dir: string,
  fs: Pick<typeof nodeFs, "statSync" | "accessSync" | "realpathSync" | "statfsSync"> = nodeFs,
): string | undefined {
  const absolute = resolve(dir);
  const virtual = virtualFsProblem(absolute, fs);
  if (virtual) return virtual;
  let existing: { path: string; stat: nodeFs.Stats };
  try {
    existing = nearestExisting(absolute, fs);
  } catch (error) {
    return `${absolute}: ${fsReason(error)}`;
  }
  if (!existing.stat.isDirectory()) return fileInTheWay(existing.path);
  try {
    fs.accessSync(existing.path, nodeFs.constants.W_OK | nodeFs.constants.X_OK);
  } catch (error) {
    return `${existing.path} cannot be written: ${fsReason(error)}`;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------------
// Folders and files.

/**
 * Makes folder `dir` and its missing parents, one component at a time: a component that cannot be made
 * is named with the kernel's reason (EROFS stays EROFS), a file in the way is named, and nothing loops.
 * `modeOf` gives a new folder the mode of the folder it stands for.
 */
function makeFolders(
  fs: WriterFs,
  dir: string,
  modeOf: (folder: string) => number | undefined = () => undefined,
): void {
  const absolute = resolve(dir);
  let existing: { path: string; stat: nodeFs.Stats };
  try {
    existing = nearestExisting(absolute, fs);
  } catch (error) {
    throw new FolderProblem(`cannot look at ${absolute}: ${fsReason(error)}`);
  }
  if (!existing.stat.isDirectory()) throw new FolderProblem(fileInTheWay(existing.path));
  const missing = relative(existing.path, absolute).split(sep).filter(Boolean);
  let folder = existing.path;
  for (const part of missing) {
    folder = join(folder, part);
    try {
      fs.mkdirSync(folder);
    } catch (error) {
      // Made meanwhile by another run: fine as long as it is a folder.
      if (codeOf(error) === "EEXIST" && statOrUndefined(fs, folder, "follow")?.isDirectory()) continue;
      throw new FolderProblem(`cannot make the folder ${folder}: ${fsReason(error)}`);
    }
    const mode = modeOf(folder);
    if (mode !== undefined) fs.chmodSync(folder, mode);
  }
}

/** Writes `content` to a new file; `like` (the file it replaces or stands for) gives it that file's owner, group and mode where permitted. */
function writeWhole(fs: WriterFs, path: string, content: string, like?: nodeFs.Stats): void {
  const fd = fs.openSync(path, "wx", 0o644);
  try {
    if (like) {
      keepOwner(fs, fd, like);
      // After the owner: giving a file away clears its set-id bits.
      fs.fchmodSync(fd, like.mode & 0o7777);
    }
    const bytes = Buffer.from(content, "utf8");
    for (let offset = 0; offset < bytes.length;) offset += fs.writeSync(fd, bytes, offset, bytes.length - offset);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Gives the open file `like`'s owner and group; only root may give a file away, but its owner may give it a group they belong to. */
function keepOwner(fs: WriterFs, fd: number, like: nodeFs.Stats): void {
  try {
    fs.fchownSync(fd, like.uid, like.gid);
  } catch {
    try {
      fs.fchownSync(fd, -1, like.gid);
    } catch {
      // The owner and group stay whoever runs the command.
    }
  }
}

function statOrUndefined(
  fs: Pick<WriterFs, "lstatSync" | "statSync">,
  path: string,
  links: "follow" | "no-follow" = "no-follow",
): nodeFs.Stats | undefined {
  try {
    return links === "follow" ? fs.statSync(path) : fs.lstatSync(path);
  } catch {
    return undefined;
  }
}

/** Removes a file or folder, never throwing (cleanup must not hide the error that caused it). */
function removeQuietly(fs: WriterFs, path: string): void {
  try {
    fs.rmSync(path, { recursive: true, force: true });
  } catch {
    // Left behind; the next run's sweep removes it.
  }
}

/** Names of the writer's own temporary files and backups: `.<name>.<pid>-<hex>.tmp|.bak`; group 1 is the pid. */
const SCRATCH = /^\..+\.(\d+)-[0-9a-f]{8}\.(tmp|bak)$/;

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, as another user.
    return codeOf(error) === "EPERM";
  }
}

/** Whether an entry the writer left with `pid` in its name may be removed: this process's writes are synchronous, so only another process still running may be in the middle of one. */
const abandoned = (pid: number, alive: (pid: number) => boolean) => pid === process.pid || !alive(pid);

/** Removes scratch files an interrupted earlier run left in `folder` (never those of a run still going on). */
function sweep(fs: WriterFs, folder: string, alive: (pid: number) => boolean): void {
  let names: string[];
  try {
    names = fs.readdirSync(folder) as string[];
  } catch {
    return;
  }
  for (const name of names) {
    const match = SCRATCH.exec(name);
    if (match && abandoned(Number(match[1]), alive)) removeQuietly(fs, join(folder, name));
  }
}

/** Why `path` cannot name a file of a set in `dir`: outside it, or not a plain relative path (two spellings of one file). */
function artifactPathProblem(dir: string, path: string): string | undefined {
  const target = join(dir, path);
  const rel = relative(dir, target);
  if (rel === "" || rel === ".." || rel.startsWith(`..${sep}`) || path.startsWith("/"))
    return `${path} is outside ${dir}`;
  if (path.includes("\\") || path.includes("\0") || posix.normalize(path) !== path || path.endsWith("/"))
    return `${path} is not a plain path of names inside ${dir} (no empty, "." or ".." parts)`;
  return undefined;
}

interface Staged {
  readonly temp: string;
  readonly target: string;
  /** A hard link to the target's previous content, when there was one. */
  backup?: string;
}

/** Where a set written to a new folder takes its files' and folders' modes from: the same path in the set it replaces. */
interface Model {
  readonly dir: string;
  readonly from: string;
}

/** The stat of what `path` (under `model.dir`) stands for in `model.from`, when that is of the `kind` asked for. */
function modelOf(
  fs: WriterFs,
  model: Model | undefined,
  path: string,
  kind: "file" | "folder",
): nodeFs.Stats | undefined {
  if (!model) return undefined;
  const rel = relative(model.dir, path);
  if (rel === ".." || rel.startsWith(`..${sep}`)) return undefined;
  const stat = statOrUndefined(fs, join(model.from, rel), "follow");
  return stat && (kind === "file" ? stat.isFile() : stat.isDirectory()) ? stat : undefined;
}

/**
 * Writes `artifacts` under `dir` as one set. Throws ArtifactWriteError (naming the file and the reason)
 * with every earlier file as it was. Folders named in `owned` (relative to `dir`) hold only this set's
 * files: once the set is in place, any other file there (from an earlier, larger set) is removed.
 */
export function writeArtifacts(
  dir: string,
  artifacts: readonly Artifact[],
  fs: WriterFs = nodeFs,
  owned: readonly string[] = [],
): void {
  writeSet(dir, artifacts, fs, owned);
}

function writeSet(
  dir: string,
  artifacts: readonly Artifact[],
  fs: WriterFs,
  owned: readonly string[],
  model?: Model,
): void {
  const virtual = virtualFsProblem(dir, fs);
  if (virtual) throw new ArtifactWriteError(`cannot write ${dir}: ${virtual}`);
  const paths = artifacts.map((a) => a.path);
  const repeated = paths.find((p, i) => paths.indexOf(p) !== i);
  if (repeated) throw new ArtifactWriteError(`${repeated} is in the set twice`);
  for (const path of paths) {
    const problem = artifactPathProblem(dir, path);
    if (problem) throw new ArtifactWriteError(problem);
  }
  const tag = `${process.pid}-${randomBytes(4).toString("hex")}`;
  const scratchName = (target: string, kind: "tmp" | "bak") =>
    join(dirname(target), `.${basename(target)}.${tag}.${kind}`);
  const failed = (target: string, error: unknown) =>
    new ArtifactWriteError(
      `cannot write ${target}: ${error instanceof FolderProblem ? error.message : fsReason(error)}`,
    );
  const folderMode = (folder: string) => {
    const like = modelOf(fs, model, folder, "folder");
    return like ? like.mode & 0o7777 : undefined;
  };
  const staged: Staged[] = [];
  const made = new Set<string>();
  try {
    for (const artifact of artifacts) {
      const target = join(dir, artifact.path);
      // A folder (or anything but a file) where a file belongs would make the rename fail half-way.
      const existing = statOrUndefined(fs, target);
      if (existing && !existing.isFile())
        throw new ArtifactWriteError(`cannot write ${target}: something other than a file is in the way`);
      try {
        if (!made.has(dirname(target))) {
          makeFolders(fs, dirname(target), folderMode);
          sweep(fs, dirname(target), processAlive);
          made.add(dirname(target));
        }
        const entry: Staged = { temp: scratchName(target, "tmp"), target };
        staged.push(entry);
        writeWhole(fs, entry.temp, artifact.content, existing ?? modelOf(fs, model, target, "file"));
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
    for (const name of names)
      if (!written.has(join(dir, folder, name)) && statOrUndefined(fs, join(dir, folder, name))?.isFile())
        removeQuietly(fs, join(dir, folder, name));
  }
}

// ---------------------------------------------------------------------------------------------------
// A whole folder, switched in one rename.

export interface TreeOptions {
  /**
   * The names a real folder at `<parent>/<name>` (left by an earlier version of the writer) may hold to
   * be taken for an earlier set, moved aside and removed; any other name there is refused. Default: the
   * top-level names of the set written.
   */
  readonly adopt?: readonly string[];
  /** Whether process `pid` still runs on this machine (its generation may be in the middle of a write). */
  readonly alive?: (pid: number) => boolean;
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** The writer's own entries beside `<name>`: generations, and the links and moved-aside folders of a switch; group 1 is the pid. */
const generationPattern = (name: string) =>
  new RegExp(`^\\.${escapeRegExp(name)}\\.(\\d+)-[0-9a-f]{8}(?:\\.old|\\.link)?$`);

/** The top-level names of a set: `stack.json`, `gateway` for `gateway/a.xml`. */
const topLevelNames = (artifacts: readonly Artifact[]) => [...new Set(artifacts.map((a) => a.path.split("/")[0]!))];

/**
 * Why folder `name` under `parent` cannot be switched to a new set, or undefined: a name the writer's
 * own entries could take, something other than a folder or link in the way, or a real folder holding
 * names outside `adopt` (someone else's folder, never moved or removed).
 */
export function treeTargetProblem(
  parent: string,
  name: string,
  adopt: readonly string[],
  fs: Pick<WriterFs, "lstatSync" | "readdirSync"> = nodeFs,
): string | undefined {
  const target = join(parent, name);
  if (name === "" || name === "." || name === ".." || name.includes("/") || name.includes(sep))
    return `cannot write ${target}: "${name}" is not a folder name`;
  if (name.startsWith("."))
    return `cannot write ${target}: a name starting with "." would be taken for one of the writer's own entries`;
  let existing: nodeFs.Stats;
  try {
    existing = fs.lstatSync(target);
  } catch (error) {
    // ENOTDIR: a file further up, which making the folders names.
    return codeOf(error) === "ENOENT" || codeOf(error) === "ENOTDIR"
      ? undefined
      : `cannot write ${target}: ${fsReason(error)}`;
  }
  if (existing.isSymbolicLink()) return undefined;
  if (!existing.isDirectory()) return `cannot write ${target}: something other than a folder is in the way`;
  let names: string[];
  try {
    names = fs.readdirSync(target) as string[];
  } catch (error) {
    return `cannot write ${target}: ${fsReason(error)}`;
  }
  const foreign = names.filter((n) => !adopt.includes(n) && !SCRATCH.test(n)).sort();
  if (foreign.length === 0) return undefined;
  const listed =
    foreign.length > 3 ? `${foreign.slice(0, 3).join(", ")} and ${foreign.length - 3} more` : foreign.join(", ");
  return `cannot write ${target}: it is a folder holding ${listed}, which ${foreign.length > 1 ? "are" : "is"} not part of this output: move it away or write to another folder`;
}

/**
 * Writes `artifacts` as the whole content of folder `name` under `parent`, switched in one step (see the
 * top of this file). Throws ArtifactWriteError with the previous set in place and nothing of the new one
 * left behind.
 */
export function writeArtifactTree(
  parent: string,
  name: string,
  artifacts: readonly Artifact[],
  fs: TreeFs = nodeFs,
  options: TreeOptions = {},
): void {
  const target = join(parent, name);
  const failed = (error: unknown) =>
    error instanceof ArtifactWriteError
      ? error
      : new ArtifactWriteError(
          `cannot write ${target}: ${error instanceof FolderProblem ? error.message : fsReason(error)}`,
        );
  const virtual = virtualFsProblem(parent, fs);
  if (virtual) throw new ArtifactWriteError(`cannot write ${target}: ${virtual}`);
  const problem = treeTargetProblem(parent, name, options.adopt ?? topLevelNames(artifacts), fs);
  if (problem) throw new ArtifactWriteError(problem);
  try {
    makeFolders(fs, parent);
  } catch (error) {
    throw failed(error);
  }
  const tag = `${process.pid}-${randomBytes(4).toString("hex")}`;
  const generation = `.${name}.${tag}`;
  try {
    // Each file and folder takes the mode its counterpart has in the set it replaces.
    writeSet(join(parent, generation), artifacts, fs, [], { dir: join(parent, generation), from: target });
  } catch (error) {
    removeQuietly(fs, join(parent, generation));
    throw failed(error);
  }
  const existing = statOrUndefined(fs, target);
  const aside = join(parent, `.${name}.${tag}.old`);
  let movedAside = false;
  try {
    if (existing?.isDirectory()) {
      fs.renameSync(target, aside);
      movedAside = true;
    }
    const link = join(parent, `.${name}.${tag}.link`);
    if (process.platform === "win32") fs.symlinkSync(resolve(parent, generation), link, "junction");
    else fs.symlinkSync(generation, link);
    fs.renameSync(link, target);
  } catch (error) {
    removeQuietly(fs, join(parent, generation));
    removeQuietly(fs, join(parent, `.${name}.${tag}.link`));
    if (movedAside && !statOrUndefined(fs, target)) {
      try {
        fs.renameSync(aside, target);
      } catch {
        // Left aside under the writer's name; the error below says the write failed.
      }
    }
    throw failed(error);
  }
  sweepGenerations(fs, parent, name, generation, options.alive ?? processAlive);
}

/**
 * Removes the writer's entries beside `<name>` that no run needs: not `keep` (just written), not the
 * generation `<name>` points to now (another run may have switched it since), not one whose process
 * still runs (it may be in the middle of its write). Failures are left for the next run.
 */
function sweepGenerations(
  fs: TreeFs,
  parent: string,
  name: string,
  keep: string,
  alive: (pid: number) => boolean,
): void {
  let current: string | undefined;
  try {
    current = basename(String(fs.readlinkSync(join(parent, name))));
  } catch {
    current = undefined;
  }
  let entries: string[];
  try {
    entries = fs.readdirSync(parent) as string[];
  } catch {
    return;
  }
  const pattern = generationPattern(name);
  for (const entry of entries) {
    const match = pattern.exec(entry);
    if (!match || entry === keep || entry === current) continue;
    if (abandoned(Number(match[1]), alive)) removeQuietly(fs, join(parent, entry));
  }
}

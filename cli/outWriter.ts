// The one writer of everything under `out/`: a set of files lands whole or not at all.
// Each file is written to a temporary file in its own folder, flushed, and renamed into place only
// after every file of the set was written; a reader never sees a torn file, and a failed run
// (full disk, a folder where a file should be, no permission) leaves the last good output as it was.
import { randomBytes } from "node:crypto";
import * as nodeFs from "node:fs";
import { dirname, join, relative, sep } from "node:path";

/** One file of a set, by its path relative to the set's folder. */
export interface Artifact {
  readonly path: string;
  readonly content: string;
}

/** The file operations the writer uses (a test injects a full disk). */
export type WriterFs = Pick<typeof nodeFs, "mkdirSync" | "openSync" | "writeSync" | "fsyncSync" | "closeSync" | "renameSync" | "rmSync" | "lstatSync">;

export class ArtifactWriteError extends Error {}

const REASONS: Readonly<Record<string, string>> = {
  ENOSPC: "no space left on the device",
  EDQUOT: "disk quota exceeded",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EROFS: "read-only file system",
  EISDIR: "a folder is in the way",
  ENOTDIR: "a file is in the way of a folder",
  EEXIST: "a file is in the way of a folder",
};

/** A person's reading of a file-system error: what failed and why. */
export function fsReason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  return code ? `${REASONS[code] ?? (error as Error).message} (${code})` : String((error as Error).message ?? error);
}

function writeWhole(fs: WriterFs, path: string, content: string): void {
  const fd = fs.openSync(path, "wx", 0o644);
  try {
    const bytes = Buffer.from(content, "utf8");
    for (let offset = 0; offset < bytes.length; ) offset += fs.writeSync(fd, bytes, offset, bytes.length - offset);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Writes `artifacts` under `dir` as one set: all are staged beside their targets, then renamed into
 * place. Throws ArtifactWriteError (naming the file and the reason) with every earlier file unchanged.
 */
export function writeArtifacts(dir: string, artifacts: readonly Artifact[], fs: WriterFs = nodeFs): void {
  const staged: { temp: string; target: string }[] = [];
  const tag = `${process.pid}-${randomBytes(4).toString("hex")}`;
  const failed = (target: string, error: unknown) => new ArtifactWriteError(`cannot write ${target}: ${fsReason(error)}`);
  try {
    for (const artifact of artifacts) {
      const target = join(dir, artifact.path);
      if (relative(dir, target).startsWith(`..${sep}`) || relative(dir, target) === "..") throw new ArtifactWriteError(`${artifact.path} is outside ${dir}`);
      // A folder (or anything but a file) where a file belongs would make the rename fail half-way.
      const existing = statOrUndefined(fs, target);
      if (existing && !existing.isFile()) throw new ArtifactWriteError(`cannot write ${target}: something other than a file is in the way`);
      const temp = join(dirname(target), `.${artifact.path.split("/").pop()}.${tag}.tmp`);
      try {
        fs.mkdirSync(dirname(target), { recursive: true });
        staged.push({ temp, target });
        writeWhole(fs, temp, artifact.content);
      } catch (error) {
        throw failed(target, error);
      }
    }
  } catch (error) {
    for (const { temp } of staged) fs.rmSync(temp, { force: true });
    throw error;
  }
  // Renames within one folder are atomic; every target was checked to be a file or absent.
  for (const { temp, target } of staged) {
    try {
      fs.renameSync(temp, target);
    } catch (error) {
      for (const rest of staged) fs.rmSync(rest.temp, { force: true });
      throw failed(target, error);
    }
  }
}

function statOrUndefined(fs: WriterFs, path: string): nodeFs.Stats | undefined {
  try {
    return fs.lstatSync(path);
  } catch {
    return undefined;
  }
}

// Every file a command reads because a person named it (a stack file, an export, a policy config, a
// prompt set, a load test's results) is opened here and only here: without blocking (a pipe nobody
// writes to is refused at once, not read for ever), as a regular file, not on a kernel file system
// (`/proc/self/environ` holds secrets), within a size limit, and decoded as UTF-8. Every refusal names
// the option that gave the file, the path and why, so each command exits 2 with the same words.
import * as nodeFs from "node:fs";
import { kernelFileSystem, fsReason } from "./outWriter";
import { safeName } from "./terminalText";

/** A file a command cannot read; the message names the option, the path and why. */
export class InputFileError extends Error {}

const MiB = 1024 * 1024;

/** The largest stack export read (--state, --base): the planned prod export is 0.7 MB; a stack at the resource limit, some 45 MB. */
export const MAX_EXPORT_BYTES = 64 * MiB;
/** The largest policy config read (the planned ones are a few kB). */
export const MAX_POLICY_CONFIG_BYTES = 4 * MiB;

/** Why a file cannot be read, in words. */
export function readReason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return "no such file (ENOENT)";
  if (code === "EISDIR") return "it is a folder, not a file (EISDIR)";
  if (code === "ENOTDIR") return "a part of the path is a file, not a folder (ENOTDIR)";
  return fsReason(error);
}

function kindOf(stats: nodeFs.Stats): string {
  if (stats.isDirectory()) return "a folder";
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return "a device";
  if (stats.isFIFO()) return "a pipe";
  if (stats.isSocket()) return "a socket";
  return "not a file";
}

const sizeOf = (bytes: number) => `${bytes.toLocaleString("en-US")} bytes`;

/** Opens `path` (given as `option`) for reading, or throws InputFileError naming why it must not be read. */
function openChecked(option: string, path: string, maxBytes: number, fs: typeof nodeFs): number {
  const named = `${option} ${safeName(path)}`;
  let fd: number;
  try {
    const real = fs.realpathSync(path);
    const kernel = fs.statSync(real).isFile() ? kernelFileSystem(real, fs) : undefined;
    if (kernel)
      throw new InputFileError(`${named} is on a kernel file system (${kernel}: ${safeName(real)}), not a saved file`);
    fd = fs.openSync(real, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  } catch (error) {
    if (error instanceof InputFileError) throw error;
    throw new InputFileError(`${named}: ${readReason(error)}`);
  }
  try {
    const stats = fs.fstatSync(fd);
    if (!stats.isFile())
      throw new InputFileError(`${named} is not a regular file (${kindOf(stats)}): give the file itself`);
    if (stats.size > maxBytes)
      throw new InputFileError(`${named} is ${sizeOf(stats.size)}; at most ${sizeOf(maxBytes)} are read`);
    return fd;
  } catch (error) {
    fs.closeSync(fd);
    if (error instanceof InputFileError) throw error;
    throw new InputFileError(`${named}: ${readReason(error)}`);
  }
}

/** Why `path`, given as `option`, would be refused by readInputFile (checked before anything is read or written), or undefined. */
export function inputFileProblem(
  option: string,
  path: string,
  maxBytes: number,
  fs: typeof nodeFs = nodeFs,
): string | undefined {
  try {
    fs.closeSync(openChecked(option, path, maxBytes, fs));
    return undefined;
  } catch (error) {
    if (error instanceof InputFileError) return error.message;
    throw error;
  }
}

/** The bytes of the regular file `path` (given as `option`), at most `maxBytes`, however its size changes while it is read. */
export function readInputFile(option: string, path: string, maxBytes: number, fs: typeof nodeFs = nodeFs): Buffer {
  const fd = openChecked(option, path, maxBytes, fs);
  try {
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.alloc(Math.min(MiB, maxBytes + 1 - total));
      const read = fs.readSync(fd, chunk, 0, chunk.length, null);
      if (read === 0) break;
      chunks.push(chunk.subarray(0, read));
      total += read;
      if (total > maxBytes)
        throw new InputFileError(
          `${option} ${safeName(path)} grew past ${sizeOf(maxBytes)} while it was read; at most that many are read`,
        );
    }
    return Buffer.concat(chunks);
  } catch (error) {
    if (error instanceof InputFileError) throw error;
    throw new InputFileError(`${option} ${safeName(path)}: ${readReason(error)}`);
  } finally {
    fs.closeSync(fd);
  }
}

/** Bytes decoded as UTF-8 (a leading byte-order mark dropped); an InputFileError naming `what` for UTF-16 or other encodings. */
export function decodeText(bytes: Buffer, what: string): string {
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    throw new InputFileError(`${what} is UTF-16 (as a PowerShell redirect writes it), not UTF-8: save it as UTF-8`);
  }
  const text = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? bytes.subarray(3) : bytes;
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(text);
  } catch {
    throw new InputFileError(`${what} is not UTF-8 text`);
  }
}

/** The UTF-8 text of the regular file `path`, given as `option`. */
export function readInputText(option: string, path: string, maxBytes: number, fs: typeof nodeFs = nodeFs): string {
  return decodeText(readInputFile(option, path, maxBytes, fs), `${option} ${safeName(path)}`);
}

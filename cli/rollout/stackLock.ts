// One rollout step at a time per stack file: a lock file beside it (`Pulumi.<stack>.yaml.lock`, created
// exclusively, holding the step's process id) for as long as the step reads, checks and writes. A lock
// whose process has ended is taken over; one held by a live process refuses the step by name.
import { closeSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { fsReason } from "../outWriter";

export class StackLockError extends Error {}

/** Whether process `pid` is running (signal 0 checks without signalling). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function take(lock: string): number {
  const fd = openSync(lock, "wx", 0o600);
  writeSync(fd, `${process.pid}\n`);
  return fd;
}

/** Runs `step` holding the lock of `file`; throws StackLockError when another live step holds it. */
export async function withStackLock<T>(file: string, step: () => Promise<T>): Promise<T> {
  const lock = `${file}.lock`;
  let fd: number;
  try {
    fd = take(lock);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw new StackLockError(`cannot lock ${file} (${lock}): ${fsReason(error)}`);
    let holder = NaN;
    try {
      holder = Number.parseInt(readFileSync(lock, "utf8"), 10);
    } catch {
      // Unreadable: treated as held, below.
    }
    if (!Number.isInteger(holder) || holder <= 0 || alive(holder)) {
      throw new StackLockError(`${file} is locked by another rollout step (${Number.isInteger(holder) ? `process ${holder}` : "unknown process"}, ${lock}): wait for it to finish${Number.isInteger(holder) ? "" : `, or remove ${lock} if no step runs`}`);
    }
    rmSync(lock, { force: true });
    try {
      fd = take(lock);
    } catch (again) {
      throw new StackLockError(`cannot lock ${file} (${lock}): ${fsReason(again)}`);
    }
  }
  try {
    return await step();
  } finally {
    closeSync(fd);
    rmSync(lock, { force: true });
  }
}

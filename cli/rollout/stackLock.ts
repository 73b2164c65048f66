// One rollout step at a time per stack file: a lock file beside it (`Pulumi.<stack>.yaml.lock`, created
// exclusively, holding `<pid> <host> <token>` of the step) for as long as the step reads, checks and
// writes. A lock whose process has ended on this host is taken over, but only under a second exclusive
// file (`….lock.takeover`), so two steps that find the same dead lock never both remove it and both
// proceed. A lock held by a live process, written on another host (whose processes cannot be seen), or
// empty (its step died creating it) refuses the step and names the lock file. A step removes the lock
// only while it still holds its own token.
import { randomBytes } from "node:crypto";
import { closeSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { hostname } from "node:os";
import { fsReason } from "../shared/outWriter";

export class StackLockError extends Error {}

interface Holder {
  readonly pid: number;
  readonly host?: string;
}

/** Whether process `pid` is running here (signal 0 checks without signalling). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Creates `path` exclusively holding `content`; undefined when it already exists. */
function create(path: string, content: string): number | undefined {
  let fd: number;
  try {
    fd = openSync(path, "wx", 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return undefined;
    throw error;
  }
  try {
    writeSync(fd, content);
  } catch (error) {
    closeSync(fd);
    rmSync(path, { force: true });
    throw error;
  }
  return fd;
}

/** The lock's holder; "gone" when there is no lock; undefined when it names none (empty or unreadable). */
function holderOf(lock: string): Holder | "gone" | undefined {
  let text: string;
  try {
    text = readFileSync(lock, "utf8");
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ENOENT" ? "gone" : undefined;
  }
  const [pid, host] = text.trim().split(/\s+/);
  if (!/^[1-9]\d{0,9}$/.test(pid ?? "")) return undefined;
  // A lock of one number was written by an earlier version of the step, on this host.
  return { pid: Number(pid), ...(host ? { host } : {}) };
}

const sameHolder = (a: Holder, b: Holder) => a.pid === b.pid && a.host === b.host;

function heldError(file: string, lock: string, holder: Holder | undefined): StackLockError {
  const who = holder
    ? `process ${holder.pid}${holder.host && holder.host !== hostname() ? ` on host ${holder.host}` : ""}`
    : "unknown process";
  return new StackLockError(
    `${file} is locked by another rollout step (${who}, ${lock}): wait for it to finish, or remove ${lock} if no step runs`,
  );
}

/** Removes the lock of dead `holder` and takes it, holding the takeover guard meanwhile. */
function takeOver(file: string, lock: string, holder: Holder, mine: string): number {
  const guard = `${lock}.takeover`;
  const guardFd = create(guard, mine);
  if (guardFd === undefined)
    throw new StackLockError(
      `${file}: another step is taking over the lock of a dead step (${guard}): try again, or remove ${guard} if no step runs`,
    );
  try {
    // Under the guard, only this step removes a dead step's lock: it is removed only if it still names that step.
    const now = holderOf(lock);
    if (now !== "gone" && (now === undefined || !sameHolder(now, holder))) throw heldError(file, lock, now);
    if (now !== "gone") rmSync(lock, { force: true });
    const fd = create(lock, mine);
    if (fd === undefined) {
      const taken = holderOf(lock);
      throw heldError(file, lock, taken === "gone" ? undefined : taken);
    }
    return fd;
  } finally {
    closeSync(guardFd);
    rmSync(guard, { force: true });
  }
}

function acquire(file: string, lock: string, mine: string): number {
  // A lock removed between the failed create and the read is simply tried again, a few times.
  for (let attempt = 0; attempt < 3; attempt++) {
    const fd = create(lock, mine);
    if (fd !== undefined) return fd;
    const holder = holderOf(lock);
    if (holder === "gone") continue;
    // Another host's processes cannot be seen from here: never taken over.
    if (holder === undefined || (holder.host !== undefined && holder.host !== hostname()) || alive(holder.pid))
      throw heldError(file, lock, holder);
    return takeOver(file, lock, holder, mine);
  }
  throw heldError(file, lock, undefined);
}

/** Runs `step` holding the lock of `file`; throws StackLockError when another step holds it or it cannot be made. */
export async function withStackLock<T>(file: string, step: () => Promise<T>): Promise<T> {
  const lock = `${file}.lock`;
  const mine = `${process.pid} ${hostname()} ${randomBytes(8).toString("hex")}\n`;
  let fd: number;
  try {
    fd = acquire(file, lock, mine);
  } catch (error) {
    if (error instanceof StackLockError) throw error;
    throw new StackLockError(`cannot lock ${file} (${lock}): ${fsReason(error)}`);
  }
  try {
    return await step();
  } finally {
    closeSync(fd);
    // Removed only while it is still this step's: a person may have removed it and another step taken it.
    let still = false;
    try {
      still = readFileSync(lock, "utf8") === mine;
    } catch {
      // Gone already.
    }
    if (still) rmSync(lock, { force: true });
  }
}

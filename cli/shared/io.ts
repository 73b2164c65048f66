// What every command shares: where it prints, how it refuses what it was given, and its exit codes.

/** Where a command prints: stdout and stderr, or a test's buffers. */
export interface CommandIo {
  out(text: string): unknown;
  err(text: string): unknown;
}

/** The process's own stdout and stderr. */
export const processIo: CommandIo = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) };

/** An argument, file or value a command refuses: the message names it and what is allowed (exit 2). */
export class UsageError extends Error {}

/**
 * Exit codes of every command: 0 fine; 1 a check failed (mandatory policy violations, a failed smoke
 * check, a refused rollout step, a benchmark over its target); 2 invalid arguments, config or files,
 * nothing done; 3 the program itself cannot be deployed as it is, or an internal error.
 */
export const EXIT = { ok: 0, policy: 1, invalid: 2, programFailed: 3 } as const;

/**
 * A reader that stops early (`npm run plan | head`) closes the pipe: the command then stops quietly, as
 * Unix tools do, instead of failing on EPIPE. Called by each command's entry point, never by a library.
 */
export function quietOnClosedPipe(): void {
  for (const stream of [process.stdout, process.stderr])
    stream.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code !== "EPIPE") throw error;
      process.exit(process.exitCode ?? 0);
    });
}

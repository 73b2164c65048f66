// The day model lifecycle is checked for: an input, so plans of one day are byte-identical whatever the
// clock says. Kept free of heavy imports: the planner reads it before it loads the program.

/** The environment variable that sets the day lifecycle checks use (YYYY-MM-DD; default today). */
export const AS_OF_ENV = "GENAI_PLATFORM_AS_OF";

/** A day that is not a day: reported like a config problem, without a stack trace. */
export class AsOfError extends Error {}

/** Why `text` is not a YYYY-MM-DD day, or undefined. */
export function dayProblem(text: string): string | undefined {
  if (
    !/^\d{4}-\d{2}-\d{2}$/.test(text) ||
    Number.isNaN(Date.parse(`${text}T00:00:00Z`)) ||
    new Date(`${text}T00:00:00Z`).toISOString().slice(0, 10) !== text
  ) {
    return `"${text}" is not a day written YYYY-MM-DD`;
  }
  return undefined;
}

/** The day lifecycle checks use: $GENAI_PLATFORM_AS_OF when set, else today (UTC). */
export function asOfDay(env: NodeJS.ProcessEnv = process.env, now: Date = new Date()): string {
  const given = env[AS_OF_ENV];
  if (given === undefined || given === "") return now.toISOString().slice(0, 10);
  const problem = dayProblem(given);
  if (problem) throw new AsOfError(`$${AS_OF_ENV}: ${problem}`);
  return given;
}

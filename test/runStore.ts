// The program and e2e projects' setup: one store of finished offline runs for the whole test run, shared by
// every worker through the run's scratch folder (vitest.config.mts). A run depends only on its options and the
// program's code, and the code does not change during a test run, so a run asked for again (the committed
// prod stack, a rollout's candidate that several files plan) is read back instead of planned again. Tests
// that are about planning itself plan with `planFresh(stack, { uncached: true })`.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setRunStore, type OfflineRun, type RunStore } from "../cli/engine/offlineRun";

function diskStore(dir: string): RunStore {
  mkdirSync(dir, { recursive: true });
  return {
    get(key) {
      try {
        return JSON.parse(readFileSync(join(dir, `${key}.json`), "utf8")) as OfflineRun;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
        throw error;
      }
    },
    set(key, run) {
      // Written whole, then renamed: a worker reading it meanwhile finds nothing or all of it.
      const scratch = join(dir, `${key}.${process.pid}.tmp`);
      writeFileSync(scratch, JSON.stringify(run));
      renameSync(scratch, join(dir, `${key}.json`));
    },
  };
}

const scratch = process.env.GENAI_TEST_SCRATCH;
if (!scratch) throw new Error("GENAI_TEST_SCRATCH is not set: run the tests through vitest.config.mts");
setRunStore(diskStore(join(scratch, "offline-runs")));

// Plans dev and prod once for the whole run (each in the offline engine, as test/helpers.ts planStack
// does) and hands the test files the folder holding them: a file that asks for an unchanged stack reads
// it from there instead of planning it again. A test that changes the config plans its own.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    /** The folder holding `<stack>.json`: the shared plans of the committed stacks. */
    plannedStacks: string;
  }
}

export default async function setup(project: TestProject): Promise<void> {
  const { planFresh } = await import("./helpers");
  const dir = mkdtempSync(join(tmpdir(), "genai-planned-stacks-"));
  for (const stack of ["dev", "prod"])
    writeFileSync(join(dir, `${stack}.json`), JSON.stringify(await planFresh(stack)));
  project.provide("plannedStacks", dir);
}

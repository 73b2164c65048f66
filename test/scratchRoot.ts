// One scratch folder for the whole run: vitest.config.mts points TMPDIR at it (so every mkdtemp of the
// tests and of the commands they spawn lands inside), and this global teardown removes it at the end.
import { rmSync } from "node:fs";

export default function setup(): () => void {
  return () => {
    const root = process.env.GENAI_TEST_SCRATCH;
    if (root) rmSync(root, { recursive: true, force: true });
  };
}

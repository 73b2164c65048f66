// The unit project's guard: its files test pure logic, so none of them may load the Pulumi SDK's runtime
// (@pulumi/pulumi, about 900 modules, 1.5-2 s), directly or through what they import. Files share their
// worker's modules, so each file answers for what loaded while it ran.
import { createRequire } from "node:module";
import { afterAll, expect } from "vitest";

const loaded = createRequire(__filename).cache;
const sdk = () => Object.keys(loaded).filter((path) => /[\\/]node_modules[\\/]@pulumi[\\/]pulumi[\\/]/.test(path));
// A setup file runs before each test file is imported: what is loaded now is not this file's doing.
const before = new Set(sdk());

afterAll(() => {
  const added = sdk().filter((path) => !before.has(path));
  expect(
    added.slice(0, 3),
    "this unit test file loaded the Pulumi SDK: import the pure module, not a component's index",
  ).toEqual([]);
});

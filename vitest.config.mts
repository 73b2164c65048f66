import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // One process per file: the Pulumi runtime (mocks, config, stack) is global state.
    pool: "forks",
    // Every plan in the tests, spawned ones included, checks model lifecycle for one fixed day
    // (test/helpers.ts AS_OF), so results do not change with the clock.
    env: { GENAI_PLATFORM_AS_OF: "2026-11-27" },
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});

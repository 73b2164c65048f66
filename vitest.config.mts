import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defineConfig } from "vitest/config";

/** The run's scratch folder: every test's temporary files go under it, and it goes at the end (test/scratchRoot.ts). */
// vitest reads this file more than once in a process: the first reading makes the folder, the others reuse it.
const SCRATCH = (process.env.GENAI_TEST_SCRATCH ??= mkdtempSync(join(tmpdir(), "genai-test-run-")));

/** Pure logic: no Pulumi runtime, no process, server or file system of their own; they share workers. */
const UNIT = [
  "test/capacity.test.ts",
  "test/config.test.ts",
  "test/dashboardPreview.test.ts",
  "test/deployments.test.ts",
  "test/gatewayRouting.test.ts",
  "test/naming.test.ts",
  "test/platformArgs.test.ts",
  "test/rolloutCapacity.test.ts",
  "test/simulateBreaker.test.ts",
  "test/simulateDraw.test.ts",
  "test/simulateEngine.test.ts",
  "test/simulateRouting.test.ts",
  "test/simulatePaygo.test.ts",
  "test/simulatePtu.test.ts",
  "test/simulateScale.test.ts",
  "test/network.test.ts",
  "test/teamBudget.test.ts",
  "test/teamCost.test.ts",
  "test/coldStart.test.ts",
  "test/lora.test.ts",
  "test/traceContext.test.ts",
  "test/tracing.test.ts",
  "test/safetyConfig.test.ts",
  "test/auditQueries.test.ts",
  "test/workflows.test.ts",
  "test/policies/apimPipeline.test.ts",
  "test/policies/apimRules.test.ts",
  "test/policies/contentSafetyRule.test.ts",
  "test/policies/anomalyRule.test.ts",
  "test/policies/tracingRule.test.ts",
  "test/policies/checklist.test.ts",
  "test/policies/k8sExposureRules.test.ts",
  "test/policies/k8sRules.test.ts",
  "test/policies/observabilityRules.test.ts",
  "test/policies/podSecurity.test.ts",
  "test/docs.test.ts",
];

/** Whole processes, real servers and tools: the spawned command line, promtool and Prometheus, sockets, whole rollouts. */
const E2E = [
  "test/cli.test.ts",
  "test/demo.test.ts",
  "test/policies/analyzer.test.ts",
  "test/observability.test.ts",
  "test/rolloutCycles.test.ts",
  "test/rolloutServing.test.ts",
  "test/loadtest.test.ts",
  "test/loadtestTimeout.test.ts",
  "test/loadtestTransport.test.ts",
  "test/smokeHardening.test.ts",
  "test/smokeEdges.test.ts",
];

export default defineConfig({
  test: {
    // Both cores of a 2-core machine (vitest leaves one free by default).
    maxWorkers: 2,
    // Every plan in the tests, spawned ones included, checks model lifecycle for one fixed day
    // (test/helpers.ts AS_OF), so results do not change with the clock.
    env: { GENAI_PLATFORM_AS_OF: "2026-11-27", TMPDIR: SCRATCH },
    globalSetup: ["test/scratchRoot.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    projects: [
      {
        extends: true,
        test: { name: "unit", include: UNIT, pool: "threads", isolate: false, setupFiles: ["test/unitSetup.ts"] },
      },
      {
        extends: true,
        test: {
          name: "program",
          include: ["test/**/*.test.ts"],
          exclude: [...UNIT, ...E2E],
          // Files share the two worker processes: the Pulumi runtime (mocks, config, stack) is global
          // state, and every offline run sets all of it afresh (cli/engine/offlineRun.ts: setMocks,
          // setAllConfig replacing the whole config, the program's entry module run afresh). A worker plans the
          // committed dev and prod stacks once and its files share them (test/helpers.ts planStack).
          pool: "forks",
          isolate: false,
          setupFiles: ["test/runStore.ts"],
          // A plan allocates much that lives until it ends: a young generation of 128 MB halves the garbage
          // collector's time over many plans (the plan command, one plan a process, sets 32 MB).
          execArgv: ["--max-semi-space-size=128"],
        },
      },
      {
        extends: true,
        // As the program project, in workers of its own: `--project unit --project program` leaves these out.
        test: {
          name: "e2e",
          include: E2E,
          pool: "forks",
          isolate: false,
          setupFiles: ["test/runStore.ts"],
          execArgv: ["--max-semi-space-size=128"],
        },
      },
    ],
  },
});

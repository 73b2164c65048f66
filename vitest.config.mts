import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defineConfig } from "vitest/config";
import { BaseSequencer, type TestSpecification } from "vitest/node";

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
  "test/logAlertQueries.test.ts",
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

/**
 * Whole processes, real servers and tools: the spawned command line, promtool and Prometheus, sockets, whole
 * rollouts. Listed in the order they start (see `SLOWEST_FIRST`): the pack under Pulumi's analyzer first (its
 * process type-checks the pack for seconds while the worker waits), then the longest first.
 */
const E2E = [
  "test/policies/analyzer.test.ts",
  "test/rolloutServing.test.ts",
  "test/observability.test.ts",
  "test/loadtest.test.ts",
  "test/rolloutCycles.test.ts",
  "test/cli.test.ts",
  "test/demo.test.ts",
  "test/loadtestTimeout.test.ts",
  "test/smokeHardening.test.ts",
  "test/loadtestTransport.test.ts",
  "test/smokeEdges.test.ts",
];

/**
 * The order files start in, within a project: the e2e files as listed, then the program and unit files that
 * take longest (a second or more on the 2-core machine), then the rest as vitest orders them. A long file that
 * starts last keeps one worker busy while the others wait; vitest orders by the last run's durations when it
 * has them, and by file size on a clean checkout (CI), which starts the slowest files last.
 */
const SLOWEST_FIRST = [
  ...E2E,
  "test/hardening.test.ts",
  "test/policies/sweep.test.ts",
  "test/policies/check.test.ts",
  "test/simulate.test.ts",
  "test/alerts.test.ts",
  "test/policies/rules.test.ts",
  "test/markdownSummary.test.ts",
  "test/outWriterRound2.test.ts",
  "test/outWriter.test.ts",
  "test/k8sManifests.test.ts",
  "test/rolloutHardening.test.ts",
  "test/policies/checkHardening.test.ts",
  "test/plan.test.ts",
  // Unit: the two that load Microsoft's Kusto analyzer (about 1.3 s a worker).
  "test/teamCost.test.ts",
  "test/traceContext.test.ts",
];

class SlowestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (spec: TestSpecification) => {
      const at = SLOWEST_FIRST.findIndex((file) => spec.moduleId.endsWith(`/${file}`));
      return at < 0 ? SLOWEST_FIRST.length : at;
    };
    // Stable: files of one rank (the unlisted ones) keep vitest's order.
    return (await super.sort(files)).sort(
      (a, b) =>
        a.project.config.sequence.groupOrder - b.project.config.sequence.groupOrder ||
        (a.project.name === b.project.name ? 0 : a.project.name < b.project.name ? -1 : 1) ||
        rank(a) - rank(b),
    );
  }
}

export default defineConfig({
  test: {
    // Both cores of a 2-core machine (vitest leaves one free by default).
    maxWorkers: 2,
    // Every plan in the tests, spawned ones included, checks model lifecycle for one fixed day
    // (test/helpers.ts AS_OF), so results do not change with the clock.
    env: { GENAI_PLATFORM_AS_OF: "2026-11-27", TMPDIR: SCRATCH },
    globalSetup: ["test/scratchRoot.ts"],
    sequence: { sequencer: SlowestFirst },
    testTimeout: 60_000,
    hookTimeout: 60_000,
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: UNIT,
          pool: "threads",
          isolate: false,
          setupFiles: ["test/unitSetup.ts"],
          // With the program project: its threads start as the program's last files end.
          sequence: { groupOrder: 1 },
        },
      },
      {
        extends: true,
        test: {
          name: "program",
          sequence: { groupOrder: 1 },
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
          // First, on three workers: its files mostly wait (on servers, promtool, spawned commands, real time),
          // so a third one fills the cores. A group of its own, since its worker count differs.
          maxWorkers: 3,
          sequence: { groupOrder: 0 },
          pool: "forks",
          isolate: false,
          setupFiles: ["test/runStore.ts"],
          execArgv: ["--max-semi-space-size=128"],
        },
      },
    ],
  },
});

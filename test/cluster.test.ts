// The cluster and its GPU pools as the prod plan registers them.
import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { kubeloginWithAzureCli } from "../components/cluster";
import { clusterIssues } from "../stacks/clusterConfig";
import { planStack, resourcesOfType, validConfig, type PlannedStack } from "./helpers";

let prod: PlannedStack;
beforeAll(async () => {
  prod = await planStack("prod");
});

describe("the prod cluster", () => {
  it("is hardened: Entra ID with Azure RBAC, no local accounts, workload identity, Cilium policy, private API server, patch upgrades", () => {
    const cluster = resourcesOfType(prod.stackExport, "azure-native:containerservice:ManagedCluster")[0]!;
    expect(cluster.protect).toBe(true);
    expect(cluster.inputs).toMatchObject({
      sku: { tier: "Standard" },
      disableLocalAccounts: true,
      aadProfile: { managed: true, enableAzureRBAC: true },
      oidcIssuerProfile: { enabled: true },
      securityProfile: { workloadIdentity: { enabled: true } },
      networkProfile: { networkPlugin: "azure", networkPluginMode: "overlay", networkPolicy: "cilium" },
      apiServerAccessProfile: { enablePrivateCluster: true },
      autoUpgradeProfile: { upgradeChannel: "patch" },
      workloadAutoScalerProfile: { keda: { enabled: true } },
    });
    const system = (cluster.inputs.agentPoolProfiles as any[])[0];
    expect(system).toMatchObject({
      mode: "System",
      availabilityZones: ["1", "2", "3"],
      nodeTaints: ["CriticalAddonsOnly=true:NoSchedule"],
    });
    expect((cluster.inputs.agentPoolProfiles as any[]).length).toBe(1);
  });

  it("keeps GPU pools as separate agent pools: tainted, labelled, autoscaled, the driver explicit", () => {
    const pool = resourcesOfType(prod.stackExport, "azure-native:containerservice:AgentPool").find(
      (p) => p.inputs.agentPoolName === "a100",
    )!;
    expect(pool.inputs).toMatchObject({
      agentPoolName: "a100",
      mode: "User",
      vmSize: "Standard_NC24ads_A100_v4",
      enableAutoScaling: true,
      minCount: 2,
      maxCount: 6,
      nodeTaints: ["sku=gpu:NoSchedule"],
      nodeLabels: { "genai-platform/gpu-pool": "a100" },
      gpuProfile: { driver: "Install" },
      availabilityZones: ["1", "2", "3"],
      // Azure Linux does not offer A100/H100 sizes with the AKS-managed driver.
      osSKU: "Ubuntu",
    });
  });

  it("gives the platform's own pods (monitoring) an untainted, autoscaled general pool", () => {
    const pool = resourcesOfType(prod.stackExport, "azure-native:containerservice:AgentPool").find(
      (p) => p.inputs.agentPoolName === "general",
    )!;
    expect(pool.inputs).toMatchObject({
      mode: "User",
      vmSize: "Standard_D4ds_v5",
      enableAutoScaling: true,
      minCount: 1,
      maxCount: 3,
      availabilityZones: ["1", "2", "3"],
    });
    expect(pool.inputs.nodeTaints).toBeUndefined();
  });

  it("keeps Kubernetes upgrades and node image updates in the weekly window", () => {
    const windows = resourcesOfType(prod.stackExport, "azure-native:containerservice:MaintenanceConfiguration")
      .map((m) => m.inputs.configName)
      .sort();
    expect(windows).toEqual(["aksManagedAutoUpgradeSchedule", "aksManagedNodeOSUpgradeSchedule"]);
  });

  it("gives the Kubernetes provider a kubelogin kubeconfig, as a secret, with no token in it", () => {
    const provider = prod.run.resources.find((r) => r.type === "pulumi:providers:kubernetes")!;
    const kubeconfig = JSON.stringify(provider.inputs.kubeconfig);
    expect(kubeconfig).toContain("1b47061264138c4ac30d75fd1eb44270");
    expect(kubeconfig).toContain("kubelogin");
    expect(kubeconfig).toContain("azurecli");
    expect(kubeconfig).not.toMatch(/token:/);
  });

  it("grants the control plane Network Contributor on the nodes' subnet only", () => {
    const grant = resourcesOfType(prod.stackExport, "azure-native:authorization:RoleAssignment").find((g) =>
      String(g.inputs.roleDefinitionId).endsWith("4d97b98b-1d4f-4787-a291-c67834d212e7"),
    )!;
    expect(String(grant.inputs.scope)).toMatch(/\/subnets\/snet-genai-prod-aksnodes$/);
  });
});

describe("kubelogin in the kubeconfig", () => {
  it("signs in through the Azure CLI instead of a device code", () => {
    const exec = {
      apiVersion: "client.authentication.k8s.io/v1beta1",
      command: "kubelogin",
      args: ["get-token", "--login", "devicecode", "--server-id", "x"],
    };
    const out = parse(kubeloginWithAzureCli(`users: [{name: u, user: {exec: ${JSON.stringify(exec)}}}]`));
    expect(out.users[0].user.exec.args).toEqual(["get-token", "--login", "azurecli", "--server-id", "x"]);
  });
});

describe("fit of vLLM slots in their pools", () => {
  it("warns when both colours at their maximum would not fit during a rollout", () => {
    const config = validConfig("prod");
    const blue = config.models.qwen!.slots.blue!;
    const green = { weight: 0, targets: blue.targets.map((t) => ({ ...t, serviceIp: "10.40.31.201" })) };
    const result = clusterIssues({ ...config, models: { ...config.models, qwen: { slots: { blue, green } } } });
    expect(result.issues).toEqual([]);
    expect(result.warnings).toEqual([
      "cluster.gpuPools.a100.maxCount: 6 nodes hold the live slots, not both colours at their maxReplicas (8 nodes): a rollout may wait for capacity",
    ]);
  });
});

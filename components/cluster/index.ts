import * as pulumi from "@pulumi/pulumi";
import * as containerservice from "@pulumi/azure-native/containerservice";
import * as managedidentity from "@pulumi/azure-native/managedidentity";
import * as k8s from "@pulumi/kubernetes";
import { parse, stringify } from "yaml";
import { nodeResourceGroupName, resourceName, type NamingContext } from "../core/naming";
import { sendDiagnostics } from "../core/diagnostics";
import { grantRole } from "../identity";
import {
  DCGM_EXPORTER_IMAGE,
  DCGM_EXPORTER_PORT,
  GPU_SKUS,
  NVIDIA_DEVICE_PLUGIN_DIGEST,
  NVIDIA_DEVICE_PLUGIN_IMAGE,
} from "./gpuSkus";
import { own } from "../core/own";

export * from "./gpuSkus";

/** The taint every GPU node carries, so only pods that ask for GPUs land there. */
export const GPU_TAINT = { key: "sku", value: "gpu", effect: "NoSchedule" } as const;
/** The label that names a node's GPU pool (pods select their pool with it). */
export const GPU_POOL_LABEL = "genai-platform/gpu-pool";

export interface GpuPoolSpec {
  readonly vmSize: string;
  readonly minCount: number;
  readonly maxCount: number;
  readonly spot: boolean;
  readonly zones: readonly string[];
  readonly driver: "Install" | "None";
}

export interface ClusterArgs {
  readonly naming: NamingContext;
  readonly subscriptionId: string;
  readonly location: string;
  readonly resourceGroupName: pulumi.Input<string>;
  readonly tags: Readonly<Record<string, string>>;
  /** The network's aksNodes subnet: every node joins it, and internal load balancers take addresses there. */
  readonly subnetId: pulumi.Input<string>;
  readonly workspaceId: pulumi.Input<string>;
  readonly environment: "dev" | "prod";
  readonly systemPool: { readonly vmSize: string; readonly count: number };
  readonly apiServerAuthorizedIpRanges: readonly string[];
  readonly privateCluster: boolean;
  readonly maintenanceWindow: { readonly day: string; readonly startHour: number };
  readonly gpuPools: Readonly<Record<string, GpuPoolSpec>>;
  /** The untainted user pool the platform's own workloads (monitoring) run on. */
  readonly generalPool: { readonly vmSize: string; readonly minCount: number; readonly maxCount: number };
  /** The AKS-managed KEDA add-on (vLLM autoscaling on queue depth). */
  readonly keda: boolean;
  readonly protect: boolean;
}

/**
 * The kubeconfig AKS returns in exec format, signing in through the Azure CLI's login: `az login` on a
 * workstation, `azure/login` (OIDC) in CI. AKS's own default (device code) would wait for a person.
 */
export function kubeloginWithAzureCli(kubeconfig: string): string {
  const config = parse(kubeconfig) as { users?: { user?: { exec?: { command?: string; args?: string[] } } }[] };
  for (const user of config.users ?? []) {
    const exec = user.user?.exec;
    if (!exec || !String(exec.command).endsWith("kubelogin")) continue;
    // As `kubelogin convert-kubeconfig -l azurecli` writes it: the login mode and the server id only
    // (a tenant or client id would be refused by an Azure CLI signed in with a managed identity).
    const args = exec.args ?? [];
    const serverId = args[args.indexOf("--server-id") + 1];
    exec.args = [
      "get-token",
      "--login",
      "azurecli",
      ...(args.includes("--server-id") && serverId ? ["--server-id", serverId] : []),
    ];
  }
  return stringify(config);
}

/** Overlay pod and service ranges: outside any VNet address, the same in every stack. */
export const CLUSTER_NETWORK = {
  podCidr: "192.168.0.0/16",
  serviceCidr: "172.16.0.0/16",
  dnsServiceIP: "172.16.0.10",
} as const;

/**
 * AKS for self-hosted models: a small inline system pool, GPU pools as separate agent pools (tainted,
 * autoscaled, replaced only when ARM must), Entra ID with Azure RBAC and no local accounts, OIDC and
 * workload identity, Azure CNI overlay with Cilium network policy, auto-upgrade in a maintenance
 * window, and a Kubernetes provider that signs in through kubelogin (never a stored token).
 */
export class Cluster extends pulumi.ComponentResource {
  readonly clusterName: pulumi.Output<string>;
  readonly oidcIssuerUrl: pulumi.Output<string>;
  readonly provider: k8s.Provider;
  /** Resources a workload on the GPU pools must wait for (the pools and the device plugin). */
  readonly gpuReady: pulumi.Resource[];
  /** NVIDIA's DCGM exporter on the GPU nodes, where AKS installs the driver (the monitoring component scrapes it). */
  readonly gpuExporter?: k8s.apps.v1.DaemonSet;
  /** The general pool: pods without GPUs (monitoring) wait for it. */
  readonly generalReady: pulumi.Resource[];

  constructor(name: string, args: ClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("genai:cluster:Cluster", name, {}, opts);
    const child = { parent: this };
    // The control plane's own identity, granted on the nodes' subnet before the cluster exists, so
    // internal load balancers with static addresses can be placed there from the first deploy.
    const identity = new managedidentity.UserAssignedIdentity(
      `${name}-identity`,
      {
        resourceName: resourceName("userAssignedIdentity", args.naming, "aks"),
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        tags: { ...args.tags, workload: "aks" },
      },
      child,
    );
    const subnetGrant = grantRole(
      `${name}-subnet-network-contributor`,
      {
        subscriptionId: args.subscriptionId,
        scope: args.subnetId,
        principalId: identity.principalId,
        role: "networkContributor",
      },
      child,
    );

    const zones = args.environment === "prod" ? ["1", "2", "3"] : [];
    const cluster = new containerservice.ManagedCluster(
      `${name}-aks`,
      {
        resourceName: resourceName("managedCluster", args.naming),
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        dnsPrefix: resourceName("managedCluster", args.naming),
        nodeResourceGroup: nodeResourceGroupName(args.naming, args.location),
        sku: { name: "Base", tier: args.environment === "prod" ? "Standard" : "Free" },
        identity: { type: "UserAssigned", userAssignedIdentities: [identity.id] },
        enableRBAC: true,
        aadProfile: { managed: true, enableAzureRBAC: true },
        disableLocalAccounts: true,
        oidcIssuerProfile: { enabled: true },
        securityProfile: { workloadIdentity: { enabled: true } },
        networkProfile: {
          networkPlugin: "azure",
          networkPluginMode: "overlay",
          networkDataplane: "cilium",
          networkPolicy: "cilium",
          podCidr: CLUSTER_NETWORK.podCidr,
          serviceCidr: CLUSTER_NETWORK.serviceCidr,
          dnsServiceIP: CLUSTER_NETWORK.dnsServiceIP,
          loadBalancerSku: "standard",
        },
        apiServerAccessProfile: args.privateCluster
          ? { enablePrivateCluster: true }
          : { authorizedIPRanges: [...args.apiServerAuthorizedIpRanges] },
        autoUpgradeProfile: { upgradeChannel: "patch", nodeOSUpgradeChannel: "NodeImage" },
        workloadAutoScalerProfile: { keda: { enabled: args.keda } },
        agentPoolProfiles: [
          {
            name: "system",
            mode: "System",
            vmSize: args.systemPool.vmSize,
            count: args.systemPool.count,
            osSKU: "AzureLinux",
            vnetSubnetID: args.subnetId,
            availabilityZones: zones,
            // Only system pods here: models never land on the system pool.
            nodeTaints: ["CriticalAddonsOnly=true:NoSchedule"],
          },
        ],
        tags: args.tags,
        // The node resource group is set when the cluster is created; AKS cannot rename it, so a cluster made
        // before it was explicit keeps its own (the same default form) rather than being replaced.
      },
      { ...child, protect: args.protect, dependsOn: [subnetGrant], ignoreChanges: ["nodeResourceGroup"] },
    );

    // One window for Kubernetes patch upgrades and one for node image updates (GPU nodes included).
    const window = {
      schedule: { weekly: { dayOfWeek: args.maintenanceWindow.day, intervalWeeks: 1 } },
      durationHours: 4,
      startTime: `${String(args.maintenanceWindow.startHour).padStart(2, "0")}:00`,
      utcOffset: "+00:00",
    };
    let previousWindow: pulumi.Resource | undefined;
    for (const configName of ["aksManagedAutoUpgradeSchedule", "aksManagedNodeOSUpgradeSchedule"]) {
      previousWindow = new containerservice.MaintenanceConfiguration(
        `${name}-${configName}`,
        {
          resourceGroupName: args.resourceGroupName,
          resourceName: cluster.name,
          configName,
          maintenanceWindow: window,
        },
        { ...child, ...(previousWindow ? { dependsOn: [previousWindow] } : {}) },
      );
    }
    sendDiagnostics(
      `${name}-diagnostics`,
      { resourceUri: cluster.id, workspaceId: args.workspaceId, logs: true, metrics: true },
      child,
    );

    const pools = Object.entries(args.gpuPools).map(([poolName, pool]) => {
      if (!own(GPU_SKUS, pool.vmSize))
        throw new Error(`GPU pool ${poolName}: ${pool.vmSize} is not in the GPU VM table`);
      return new containerservice.AgentPool(
        `${name}-pool-${poolName}`,
        {
          resourceGroupName: args.resourceGroupName,
          resourceName: cluster.name,
          agentPoolName: poolName,
          mode: "User",
          vmSize: pool.vmSize,
          // Azure Linux does not offer the A100 and H100 sizes with the AKS-managed driver: GPU pools run Ubuntu.
          osSKU: "Ubuntu",
          vnetSubnetID: args.subnetId,
          enableAutoScaling: true,
          count: pool.minCount,
          minCount: pool.minCount,
          maxCount: pool.maxCount,
          availabilityZones: [...pool.zones],
          nodeTaints: [`${GPU_TAINT.key}=${GPU_TAINT.value}:${GPU_TAINT.effect}`],
          nodeLabels: { [GPU_POOL_LABEL]: poolName },
          gpuProfile: { driver: pool.driver },
          ...(pool.spot ? { scaleSetPriority: "Spot", scaleSetEvictionPolicy: "Delete", spotMaxPrice: -1 } : {}),
          tags: args.tags,
        },
        {
          ...child,
          // ARM replaces a pool only for these; a replacement restarts every model on it.
          replaceOnChanges: ["vmSize", "gpuInstanceProfile"],
          // The new pool takes the old one's name: delete first (ARM refuses two pools of one name).
          deleteBeforeReplace: true,
          // The autoscaler owns the node count once the pool exists.
          ignoreChanges: ["count"],
        },
      );
    });

    // Neither the system pool (CriticalAddonsOnly) nor the GPU pools (tainted) take ordinary pods.
    const general = new containerservice.AgentPool(
      `${name}-pool-general`,
      {
        resourceGroupName: args.resourceGroupName,
        resourceName: cluster.name,
        agentPoolName: "general",
        mode: "User",
        vmSize: args.generalPool.vmSize,
        osSKU: "AzureLinux",
        vnetSubnetID: args.subnetId,
        enableAutoScaling: true,
        count: args.generalPool.minCount,
        minCount: args.generalPool.minCount,
        maxCount: args.generalPool.maxCount,
        availabilityZones: zones,
        tags: args.tags,
        // A replacement keeps the pool's name, so the old pool goes first (ARM refuses two pools of one name).
      },
      { ...child, replaceOnChanges: ["vmSize"], deleteBeforeReplace: true, ignoreChanges: ["count"] },
    );
    this.generalReady = [general];

    // kubelogin signs in with the caller's Entra ID (az CLI, workload identity in CI): no token is stored.
    const kubeconfig = containerservice
      .listManagedClusterUserCredentialsOutput(
        { resourceGroupName: args.resourceGroupName, resourceName: cluster.name, format: "exec" },
        { parent: this },
      )
      .apply((c) => kubeloginWithAzureCli(Buffer.from(c.kubeconfigs?.[0]?.value ?? "", "base64").toString("utf8")));
    this.provider = new k8s.Provider(
      `${name}-k8s`,
      { kubeconfig: pulumi.secret(kubeconfig), enableServerSideApply: true },
      { ...child, dependsOn: [...pools, general] },
    );

    this.gpuReady = [...pools];
    if (Object.values(args.gpuPools).some((p) => p.driver === "Install")) {
      this.gpuReady.push(this.devicePlugin(name));
      this.gpuExporter = this.dcgmExporter(name);
    }
    this.clusterName = cluster.name;
    this.oidcIssuerUrl = cluster.oidcIssuerProfile.apply((p) => p?.issuerURL ?? "");
    this.registerOutputs({ clusterName: this.clusterName, oidcIssuerUrl: this.oidcIssuerUrl });
  }

  /** Where NVIDIA's node agents run: every GPU pool's nodes, tolerating their taints. */
  private static readonly GPU_NODES = {
    nodeSelector: { "kubernetes.io/os": "linux" },
    affinity: {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [{ matchExpressions: [{ key: GPU_POOL_LABEL, operator: "Exists" }] }],
        },
      },
    },
    tolerations: [
      { key: GPU_TAINT.key, operator: "Equal", value: GPU_TAINT.value, effect: GPU_TAINT.effect },
      { key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" },
    ],
  };

  /**
   * NVIDIA's DCGM exporter on every GPU node: each GPU's utilization, memory, clocks, power, temperature and
   * XID errors, with the pod it is allocated to (read from the kubelet's pod-resources socket: that hostPath,
   * read-only, and root, its Pod Security exception). No capabilities: the profiling metrics
   * (DCGM_FI_PROF_*, which need SYS_ADMIN) are not collected. The monitoring component scrapes it.
   */
  private dcgmExporter(name: string): k8s.apps.v1.DaemonSet {
    const probe = { httpGet: { path: "/health", port: DCGM_EXPORTER_PORT } };
    return this.gpuNodeAgent(
      name,
      "dcgm-exporter",
      {
        name: "dcgm-exporter",
        image: DCGM_EXPORTER_IMAGE,
        env: [
          { name: "DCGM_EXPORTER_LISTEN", value: `:${DCGM_EXPORTER_PORT}` },
          { name: "DCGM_EXPORTER_KUBERNETES", value: "true" },
          { name: "NODE_NAME", valueFrom: { fieldRef: { fieldPath: "spec.nodeName" } } },
        ],
        ports: [{ name: "metrics", containerPort: DCGM_EXPORTER_PORT }],
        securityContext: {
          runAsUser: 0,
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          capabilities: { drop: ["ALL"] },
        },
        readinessProbe: probe,
        livenessProbe: { ...probe, initialDelaySeconds: 45, periodSeconds: 15 },
        resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { memory: "256Mi" } },
        volumeMounts: [
          { name: "pod-resources", mountPath: "/var/lib/kubelet/pod-resources", readOnly: true },
          // The root filesystem is read-only (upstream: "enable if tmpfs volumes are configured").
          { name: "tmp", mountPath: "/tmp" },
        ],
      },
      [
        { name: "pod-resources", hostPath: { path: "/var/lib/kubelet/pod-resources" } },
        { name: "tmp", emptyDir: { medium: "Memory", sizeLimit: "64Mi" } },
      ],
    );
  }

  /** An NVIDIA agent on every GPU node (kube-system, node-critical, no API token, seccomp RuntimeDefault). */
  private gpuNodeAgent(
    name: string,
    agent: string,
    container: k8s.types.input.core.v1.Container,
    volumes: k8s.types.input.core.v1.Volume[],
  ): k8s.apps.v1.DaemonSet {
    const labels = { "app.kubernetes.io/name": agent };
    return new k8s.apps.v1.DaemonSet(
      `${name}-${agent}`,
      {
        metadata: { name: agent, namespace: "kube-system", labels },
        spec: {
          selector: { matchLabels: labels },
          updateStrategy: { type: "RollingUpdate" },
          template: {
            metadata: { labels },
            spec: {
              priorityClassName: "system-node-critical",
              automountServiceAccountToken: false,
              securityContext: { seccompProfile: { type: "RuntimeDefault" } },
              ...Cluster.GPU_NODES,
              containers: [container],
              volumes,
            },
          },
        },
      },
      { parent: this, provider: this.provider },
    );
  }

  /**
   * AKS installs the NVIDIA driver, not the device plugin that advertises `nvidia.com/gpu`. It registers
   * through a socket in the kubelet's device-plugin folder: it needs that hostPath and root (the folder
   * is root's), its Pod Security exception; nothing else (no capabilities, no API token, read-only root).
   */
  private devicePlugin(name: string): k8s.apps.v1.DaemonSet {
    return this.gpuNodeAgent(
      name,
      "nvidia-device-plugin",
      {
        name: "nvidia-device-plugin",
        image: `${NVIDIA_DEVICE_PLUGIN_IMAGE}@${NVIDIA_DEVICE_PLUGIN_DIGEST}`,
        env: [{ name: "FAIL_ON_INIT_ERROR", value: "false" }],
        securityContext: {
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          capabilities: { drop: ["ALL"] },
        },
        resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { memory: "128Mi" } },
        volumeMounts: [{ name: "device-plugin", mountPath: "/var/lib/kubelet/device-plugins" }],
      },
      [{ name: "device-plugin", hostPath: { path: "/var/lib/kubelet/device-plugins" } }],
    );
  }
}

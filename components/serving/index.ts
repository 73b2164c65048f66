import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { WorkloadIdentity } from "../identity";
import type { NamingContext } from "../core/naming";
import { GPU_POOL_LABEL, GPU_TAINT } from "../cluster";
import { denyIngressByDefault } from "../cluster/networkPolicy";
import { SCRAPE_LABELS, SLOT_LABELS, VLLM_APP_LABEL, selector } from "./metricLabels";
import { VLLM_STABLE_METRICS, tracesExported, vllmImageReference } from "./vllmReleases";
import { k8sName, slotNamespace } from "./names";
import { ADAPTER_DOWNLOAD_SCRIPT, adapterDownloads, type LoraAdapter } from "./adapters";
import { VLLM_PORT, tracingArgs, tracingEnv, vllmArgs } from "./vllmArgs";
import { type Colour } from "../core/colours";

export * from "./vllmReleases";
export * from "./adapters";
export * from "./vllmArgs";
export * from "./names";

/** Where the in-cluster Prometheus answers (the observability component's kube-prometheus-stack). */
export const IN_CLUSTER_PROMETHEUS = "http://kube-prometheus-stack-prometheus.monitoring.svc:9090";
/** The namespace whose pods may scrape model servers' metrics. */
export const METRICS_NAMESPACE = "monitoring";

/** One vLLM target of a slot: a StatefulSet of replicas on one GPU pool behind one internal address. */
export interface VllmTargetSpec {
  readonly pool: string;
  readonly model: string;
  readonly revision: string;
  readonly image: string;
  readonly replicas: number;
  readonly maxReplicas: number;
  readonly gpusPerReplica: number;
  readonly gpuMemoryUtilization: number;
  readonly maxModelLen?: number;
  readonly cacheGiB: number;
  readonly serviceIp: string;
  readonly adapters?: readonly LoraAdapter[];
  readonly maxLoras?: number;
  readonly maxLoraRank?: number;
}

export interface ModelSlotArgs {
  readonly naming: NamingContext;
  readonly location: string;
  readonly resourceGroupName: pulumi.Input<string>;
  readonly tags: Readonly<Record<string, string>>;
  readonly endpoint: string;
  readonly slot: Colour;
  /** At weight 0 with no rollout: every target runs zero replicas (its pool may scale to zero nodes). */
  readonly idle: boolean;
  readonly targets: readonly VllmTargetSpec[];
  readonly provider: k8s.Provider;
  readonly oidcIssuerUrl: pulumi.Input<string>;
  /** The gateway's subnet: the only network (besides the metrics scraper) that reaches the model servers. */
  readonly gatewaySubnetCidr: string;
  /** A Hugging Face token for gated models (a secret), if the stack has one. */
  readonly huggingFaceToken?: pulumi.Output<string>;
  /** Waiting requests per replica above which KEDA adds a replica. */
  readonly waitingPerReplica: number;
  /** Resources the pods must wait for (the GPU pools and the device plugin). */
  readonly dependsOn: readonly pulumi.Resource[];
  /** The monitoring release whose CRDs the slot's PodMonitor needs; without it the slot is not scraped. */
  readonly monitoring?: pulumi.Resource;
  /**
   * The trace collector's OTLP address: servers whose vLLM release can export spans send theirs there
   * (`slotNamespace` names them); without it, or on an older release, they export none.
   */
  readonly tracesEndpoint?: string;
}

const containerSecurity = {
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  capabilities: { drop: ["ALL"] },
};

/**
 * KEDA's annotation that scales a ScaledObject's target to the given count and pauses its autoscaling
 * (KEDA 2.8 and later; kedacore/keda apis/keda/v1alpha1/scaledobject_types.go PausedReplicasAnnotation).
 */
export const KEDA_PAUSED_REPLICAS = "autoscaling.keda.sh/paused-replicas";

/** The replicas a target's StatefulSet is planned with: none while its colour is idle. */
export function servingReplicas(t: Pick<VllmTargetSpec, "replicas">, idle: boolean): number {
  return idle ? 0 : t.replicas;
}

/** The PromQL KEDA scales one target on: requests waiting in that target's servers (by their scrape labels). */
export function queueDepthQuery(endpoint: string, slot: Colour, target: string): string {
  return `sum(${VLLM_STABLE_METRICS.waiting}${selector({ [SLOT_LABELS.endpoint]: endpoint, [SLOT_LABELS.slot]: slot, [SLOT_LABELS.target]: target })})`;
}

/**
 * One vLLM slot of an endpoint: its namespace, a service account federated to its own managed
 * identity, the Hugging Face token, and per target a StatefulSet (a model cache per pod), an internal
 * load balancer at its static address, a network policy, a disruption budget and queue-depth scaling.
 */
export class ModelSlot extends pulumi.ComponentResource {
  /** The gateway's backend URL of each target, in target order. */
  readonly backendUrls: string[];

  constructor(name: string, args: ModelSlotArgs, opts?: pulumi.ComponentResourceOptions) {
    super("genai:serving:ModelSlot", name, {}, opts);
    const k = { parent: this, provider: args.provider };
    const namespaceName = slotNamespace(args.endpoint, args.slot);
    const slotLabels = {
      ...VLLM_APP_LABEL,
      "app.kubernetes.io/part-of": "genai-platform",
      "genai-platform/endpoint": args.endpoint,
      "genai-platform/slot": args.slot,
    };
    const namespace = new k8s.core.v1.Namespace(
      `${name}-namespace`,
      {
        metadata: {
          name: namespaceName,
          labels: { ...slotLabels, "pod-security.kubernetes.io/enforce": "restricted" },
        },
      },
      k,
    );
    denyIngressByDefault(`${name}-deny-ingress`, namespace.metadata.name, slotLabels, k);

    const serviceAccountName = "vllm";
    const identity = new WorkloadIdentity(
      `${name}-identity`,
      {
        naming: args.naming,
        workload: namespaceName,
        location: args.location,
        resourceGroupName: args.resourceGroupName,
        tags: args.tags,
        federatedSubjects: [
          {
            name: "kubernetes",
            issuer: args.oidcIssuerUrl,
            subject: `system:serviceaccount:${namespaceName}:${serviceAccountName}`,
          },
        ],
      },
      { parent: this },
    );
    const serviceAccount = new k8s.core.v1.ServiceAccount(
      `${name}-service-account`,
      {
        metadata: {
          name: serviceAccountName,
          namespace: namespace.metadata.name,
          labels: slotLabels,
          annotations: { "azure.workload.identity/client-id": identity.clientId },
        },
        automountServiceAccountToken: false,
      },
      k,
    );
    const token = args.huggingFaceToken
      ? new k8s.core.v1.Secret(
          `${name}-hf-token`,
          {
            metadata: { name: "hf-token", namespace: namespace.metadata.name, labels: slotLabels },
            type: "Opaque",
            stringData: { token: args.huggingFaceToken },
          },
          k,
        )
      : undefined;

    this.backendUrls = [];
    args.targets.forEach((t, index) => {
      const targetName = k8sName("vllm", t.pool, String(index));
      const podLabels = {
        ...slotLabels,
        "genai-platform/target": targetName,
        "genai-platform/gpu-pool": t.pool,
        "azure.workload.identity/use": "true",
      };
      const selector = { "genai-platform/target": targetName, "genai-platform/slot": args.slot };
      const downloads = adapterDownloads(t.adapters ?? []);
      const traced = tracesExported(t.image, args.tracesEndpoint);
      const cacheEnv = [
        // Every cache the server writes goes to the pod's own volume; the image stays read-only.
        { name: "HF_HOME", value: "/cache/huggingface" },
        { name: "HOME", value: "/cache/home" },
        { name: "XDG_CACHE_HOME", value: "/cache/xdg" },
        { name: "VLLM_CACHE_ROOT", value: "/cache/vllm" },
        // uid 1000 has no passwd entry in the image: torch's getpass.getuser() reads these first.
        { name: "USER", value: "vllm" },
        { name: "LOGNAME", value: "vllm" },
        ...(token
          ? [{ name: "HF_TOKEN", valueFrom: { secretKeyRef: { name: token.metadata.name, key: "token" } } }]
          : []),
      ];
      const statefulSet = new k8s.apps.v1.StatefulSet(
        `${name}-${targetName}`,
        {
          metadata: { name: targetName, namespace: namespace.metadata.name, labels: podLabels },
          spec: {
            serviceName: targetName,
            replicas: servingReplicas(t, args.idle),
            podManagementPolicy: "Parallel",
            selector: { matchLabels: selector },
            template: {
              metadata: { labels: podLabels },
              spec: {
                serviceAccountName: serviceAccount.metadata.name,
                automountServiceAccountToken: false,
                nodeSelector: { [GPU_POOL_LABEL]: t.pool },
                tolerations: [
                  { key: GPU_TAINT.key, operator: "Equal", value: GPU_TAINT.value, effect: GPU_TAINT.effect },
                ],
                // fsGroup is applied once, not re-chowned over a large model cache on every start.
                securityContext: {
                  runAsNonRoot: true,
                  runAsUser: 1000,
                  runAsGroup: 1000,
                  fsGroup: 1000,
                  fsGroupChangePolicy: "OnRootMismatch",
                  seccompProfile: { type: "RuntimeDefault" },
                },
                terminationGracePeriodSeconds: 120,
                // Adapters from Hugging Face, each at its pinned revision, into the model cache before the server starts.
                ...(downloads.length > 0
                  ? {
                      initContainers: [
                        {
                          name: "adapters",
                          image: vllmImageReference(t.image),
                          command: ["python3", "-c", ADAPTER_DOWNLOAD_SCRIPT],
                          args: downloads,
                          env: cacheEnv,
                          resources: { requests: { cpu: "1", memory: "2Gi" }, limits: { memory: "4Gi" } },
                          securityContext: containerSecurity,
                          volumeMounts: [
                            { name: "cache", mountPath: "/cache" },
                            { name: "tmp", mountPath: "/tmp" },
                          ],
                        },
                      ],
                    }
                  : {}),
                containers: [
                  {
                    name: "vllm",
                    // The tag the stack names, pinned to its sourced digest where the dated table has one.
                    image: vllmImageReference(t.image),
                    command: ["vllm", "serve"],
                    args: [...vllmArgs(args.endpoint, t), ...(traced ? tracingArgs(args.tracesEndpoint!) : [])],
                    ports: [{ name: "http", containerPort: VLLM_PORT }],
                    env: [...cacheEnv, ...(traced ? tracingEnv(namespaceName) : [])],
                    resources: {
                      requests: {
                        "nvidia.com/gpu": String(t.gpusPerReplica),
                        cpu: String(4 * t.gpusPerReplica),
                        memory: `${32 * t.gpusPerReplica}Gi`,
                      },
                      limits: { "nvidia.com/gpu": String(t.gpusPerReplica), memory: `${48 * t.gpusPerReplica}Gi` },
                    },
                    securityContext: containerSecurity,
                    // A first start downloads the model: up to 60 minutes before the server answers.
                    startupProbe: {
                      httpGet: { path: "/health", port: VLLM_PORT },
                      periodSeconds: 10,
                      failureThreshold: 360,
                    },
                    readinessProbe: {
                      httpGet: { path: "/health", port: VLLM_PORT },
                      periodSeconds: 5,
                      failureThreshold: 3,
                    },
                    livenessProbe: {
                      httpGet: { path: "/health", port: VLLM_PORT },
                      periodSeconds: 15,
                      failureThreshold: 4,
                    },
                    volumeMounts: [
                      { name: "cache", mountPath: "/cache" },
                      { name: "dshm", mountPath: "/dev/shm" },
                      { name: "tmp", mountPath: "/tmp" },
                    ],
                  },
                ],
                volumes: [
                  // Tensor-parallel workers share memory through /dev/shm.
                  { name: "dshm", emptyDir: { medium: "Memory", sizeLimit: `${8 * t.gpusPerReplica}Gi` } },
                  { name: "tmp", emptyDir: { sizeLimit: "4Gi" } },
                ],
              },
            },
            // A model cache per pod: replicas never share one ReadWriteOnce disk.
            volumeClaimTemplates: [
              {
                metadata: { name: "cache", labels: slotLabels },
                spec: {
                  accessModes: ["ReadWriteOnce"],
                  storageClassName: "managed-csi-premium",
                  resources: { requests: { storage: `${t.cacheGiB}Gi` } },
                },
              },
            ],
          },
        },
        {
          ...k,
          dependsOn: [...args.dependsOn],
          customTimeouts: { create: "75m", update: "75m" },
          // Once KEDA scales the servers, a later update must not reset their count: KEDA owns it (and
          // takes an idle target to zero and back, below).
          ...(t.maxReplicas > t.replicas ? { ignoreChanges: ["spec.replicas"] } : {}),
        },
      );

      new k8s.core.v1.Service(
        `${name}-${targetName}-service`,
        {
          metadata: {
            name: targetName,
            namespace: namespace.metadata.name,
            labels: slotLabels,
            annotations: {
              "service.beta.kubernetes.io/azure-load-balancer-internal": "true",
              "service.beta.kubernetes.io/azure-load-balancer-ipv4": t.serviceIp,
            },
          },
          spec: {
            type: "LoadBalancer",
            // Local keeps the gateway's address as the source, so the network policy can admit it.
            externalTrafficPolicy: "Local",
            selector,
            ports: [{ name: "http", port: VLLM_PORT, targetPort: VLLM_PORT }],
          },
        },
        k,
      );

      new k8s.networking.v1.NetworkPolicy(
        `${name}-${targetName}-ingress`,
        {
          metadata: { name: targetName, namespace: namespace.metadata.name, labels: slotLabels },
          spec: {
            podSelector: { matchLabels: selector },
            policyTypes: ["Ingress"],
            ingress: [
              { from: [{ ipBlock: { cidr: args.gatewaySubnetCidr } }], ports: [{ protocol: "TCP", port: VLLM_PORT }] },
              {
                from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": METRICS_NAMESPACE } } }],
                ports: [{ protocol: "TCP", port: VLLM_PORT }],
              },
            ],
          },
        },
        k,
      );

      new k8s.policy.v1.PodDisruptionBudget(
        `${name}-${targetName}-pdb`,
        {
          metadata: { name: targetName, namespace: namespace.metadata.name, labels: slotLabels },
          spec: { maxUnavailable: 1, selector: { matchLabels: selector } },
        },
        k,
      );

      if (t.maxReplicas > t.replicas) {
        new k8s.apiextensions.CustomResource(
          `${name}-${targetName}-autoscaler`,
          {
            apiVersion: "keda.sh/v1alpha1",
            kind: "ScaledObject",
            metadata: {
              name: targetName,
              namespace: namespace.metadata.name,
              labels: slotLabels,
              // An idle colour: KEDA scales the servers to zero and stops scaling until the annotation goes
              // (rollout start), when it scales them back up to minReplicaCount.
              ...(args.idle ? { annotations: { [KEDA_PAUSED_REPLICAS]: "0" } } : {}),
            },
            spec: {
              scaleTargetRef: { apiVersion: "apps/v1", kind: "StatefulSet", name: targetName },
              minReplicaCount: t.replicas,
              maxReplicaCount: t.maxReplicas,
              // GPU cold starts take minutes: scale down slowly (cooldownPeriod only governs scaling to zero).
              advanced: {
                horizontalPodAutoscalerConfig: { behavior: { scaleDown: { stabilizationWindowSeconds: 600 } } },
              },
              fallback: { failureThreshold: 3, replicas: t.replicas },
              triggers: [
                {
                  type: "prometheus",
                  metadata: {
                    serverAddress: IN_CLUSTER_PROMETHEUS,
                    query: queueDepthQuery(args.endpoint, args.slot, targetName),
                    threshold: String(args.waitingPerReplica),
                    activationThreshold: "1",
                  },
                },
              ],
            },
          },
          { ...k, dependsOn: [statefulSet] },
        );
      }
      this.backendUrls.push(`http://${t.serviceIp}:${VLLM_PORT}/v1`);
    });

    // Every server of the slot, scraped with the slot's labels: both colours serve one model name.
    if (args.monitoring) {
      new k8s.apiextensions.CustomResource(
        `${name}-monitor`,
        {
          apiVersion: "monitoring.coreos.com/v1",
          kind: "PodMonitor",
          metadata: { name: "vllm", namespace: namespace.metadata.name, labels: slotLabels },
          spec: {
            selector: { matchLabels: { ...VLLM_APP_LABEL, "genai-platform/slot": args.slot } },
            podMetricsEndpoints: [
              {
                port: "http",
                path: "/metrics",
                interval: "15s",
                relabelings: Object.entries(SCRAPE_LABELS).map(([podLabel, targetLabel]) => ({
                  action: "replace",
                  sourceLabels: [`__meta_kubernetes_pod_label_${podLabel.replace(/[^a-zA-Z0-9_]/g, "_")}`],
                  targetLabel,
                })),
              },
            ],
          },
        },
        { ...k, dependsOn: [args.monitoring] },
      );
    }
    this.registerOutputs({ backendUrls: this.backendUrls });
  }
}

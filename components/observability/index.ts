import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { RandomPassword } from "@pulumi/random";
import { WorkloadIdentity, grantRole } from "../identity";
import type { NamingContext } from "../core/naming";
import { KUBE_PROMETHEUS_STACK, OTEL_COLLECTOR } from "./charts";
import {
  COLLECTOR_CONFIG_PATH,
  COLLECTOR_HEALTH_PORT,
  CONNECTION_STRING_ENV,
  OTLP_GRPC_PORT,
  TRACE_COLLECTOR_IMAGE,
  TRACE_COLLECTOR_LABELS,
  TRACE_COLLECTOR_NAME,
  collectorConfig,
  traceCollectorEndpoint,
} from "./traceCollector";
import { stringify } from "yaml";
import { createHash } from "node:crypto";
import { GPU_POOL_SERIES_LABEL, GPU_SLOT_RELABELINGS, GPU_TARGET_LABELDROP } from "./gpuLabels";

export * from "./gpuLabels";
export * from "./gpuRules";
export * from "./gpuPanels";
import { gpuPoolDashboard } from "./gpuPanels";
import { denyIngressByDefault } from "../cluster/networkPolicy";
import type { RuleGroup } from "./rules";
import { endpointDashboard, grafanaDashboard, teamSpendDashboard, type EndpointView } from "./dashboards";
import type { PriceRow } from "../cost/teamCost";

export * from "./charts";
export * from "./dashboards";
export * from "./promql";
export * from "./rules";
export * from "./anomalyRules";
export * from "./traceCollector";

/** The namespace of Prometheus, Alertmanager and Grafana. */
export const MONITORING_NAMESPACE = "monitoring";
/** The release name: Prometheus answers at `http://<release>-prometheus.<namespace>.svc:9090`. */
export const MONITORING_RELEASE = "kube-prometheus-stack";
/** The label Grafana's sidecar loads dashboards from (ConfigMaps with it set to "1"). */
export const DASHBOARD_LABEL = "grafana_dashboard";
const MONITORING_LABELS = {
  "app.kubernetes.io/part-of": "genai-platform",
  "app.kubernetes.io/component": "monitoring",
};
const GRAFANA_SERVICE_ACCOUNT = "grafana";
/** A pod template annotation that changes with what a workload reads only at start (its pods roll when it does). */
const CONFIG_CHECKSUM_ANNOTATION = "genai-platform/config-sha256";
const WEBHOOK_SECRET = "alert-webhook";

export interface MonitoringArgs {
  readonly naming: NamingContext;
  readonly subscriptionId: string;
  readonly location: string;
  readonly resourceGroupName: pulumi.Input<string>;
  readonly tags: Readonly<Record<string, string>>;
  readonly provider: k8s.Provider;
  readonly oidcIssuerUrl: pulumi.Input<string>;
  readonly retentionDays: number;
  readonly storageGiB: number;
  /** Recording and alerting rules, loaded into Prometheus as one PrometheusRule. */
  readonly ruleGroups: readonly RuleGroup[];
  /** Where Alertmanager sends alerts (a secret); without it, alerts are only visible in Alertmanager. */
  readonly alertWebhookUrl?: pulumi.Output<string>;
  /** Prod: the release (and Prometheus' volume with the metric history) is protected from deletion. */
  readonly protect: boolean;
  /** The nodes the monitoring pods land on. */
  readonly dependsOn: readonly pulumi.Resource[];
}

/**
 * In-cluster monitoring: kube-prometheus-stack (Prometheus, Alertmanager, Grafana) as a pinned Helm
 * release that reads every PodMonitor, ServiceMonitor and rule in the cluster; Grafana private (a
 * ClusterIP service, no ingress), its admin password random and secret, its Azure Monitor data source
 * authenticated by workload identity (the caller grants it Monitoring Reader per resource); the model endpoints'
 * dashboards as ConfigMaps for Grafana's sidecar; the platform's rules as a PrometheusRule.
 */
export class Monitoring extends pulumi.ComponentResource {
  /** The release: objects of its CRDs (PodMonitor, PrometheusRule) wait for it. */
  readonly release: k8s.helm.v3.Release;
  /** Grafana's identity: grant it Monitoring Reader on each resource a dashboard reads. */
  readonly grafanaIdentity: WorkloadIdentity;
  private readonly name: string;
  private readonly provider: k8s.Provider;
  private readonly namespace: k8s.core.v1.Namespace;
  private readonly args: MonitoringArgs;

  constructor(name: string, args: MonitoringArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("genai:observability:Monitoring", name, {}, opts);
    const k = { parent: this, provider: args.provider };
    const labels = MONITORING_LABELS;
    this.name = name;
    this.provider = args.provider;
    this.args = args;
    // node-exporter (host network and paths) is off, so the namespace holds to the baseline standard.
    const namespace = (this.namespace = new k8s.core.v1.Namespace(
      `${name}-namespace`,
      {
        metadata: {
          name: MONITORING_NAMESPACE,
          labels: {
            ...labels,
            "pod-security.kubernetes.io/enforce": "baseline",
            "pod-security.kubernetes.io/warn": "restricted",
          },
        },
      },
      k,
    ));

    const password = new RandomPassword(
      `${name}-grafana-admin-password`,
      { length: 32, special: false },
      { parent: this },
    );
    const admin = new k8s.core.v1.Secret(
      `${name}-grafana-admin`,
      {
        metadata: { name: "grafana-admin", namespace: namespace.metadata.name, labels },
        stringData: { "admin-user": "admin", "admin-password": password.result },
      },
      k,
    );

    const identity = new WorkloadIdentity(
      `${name}-grafana-identity`,
      {
        naming: args.naming,
        workload: "grafana",
        location: args.location,
        resourceGroupName: args.resourceGroupName,
        tags: args.tags,
        federatedSubjects: [
          {
            name: "kubernetes",
            issuer: args.oidcIssuerUrl,
            subject: `system:serviceaccount:${MONITORING_NAMESPACE}:${GRAFANA_SERVICE_ACCOUNT}`,
          },
        ],
      },
      { parent: this },
    );
    this.grafanaIdentity = identity;

    const webhook =
      args.alertWebhookUrl &&
      new k8s.core.v1.Secret(
        `${name}-alert-webhook`,
        {
          metadata: { name: WEBHOOK_SECRET, namespace: namespace.metadata.name, labels },
          stringData: { url: args.alertWebhookUrl },
        },
        k,
      );
    const receivers = webhook
      ? [
          {
            name: "platform",
            webhook_configs: [{ url_file: `/etc/alertmanager/secrets/${WEBHOOK_SECRET}/url`, send_resolved: true }],
          },
        ]
      : [{ name: "platform" }];

    // Prometheus' disk must follow its pod to any zone of the general pool: zone-redundant, kept on delete.
    const storage = new k8s.storage.v1.StorageClass(
      `${name}-storage`,
      {
        metadata: { name: "monitoring-zrs", labels },
        provisioner: "disk.csi.azure.com",
        parameters: { skuName: "StandardSSD_ZRS" },
        reclaimPolicy: "Retain",
        volumeBindingMode: "WaitForFirstConsumer",
        allowVolumeExpansion: true,
      },
      k,
    );

    this.release = new k8s.helm.v3.Release(
      `${name}-release`,
      {
        name: MONITORING_RELEASE,
        namespace: namespace.metadata.name,
        chart: KUBE_PROMETHEUS_STACK.chart,
        version: KUBE_PROMETHEUS_STACK.version,
        repositoryOpts: { repo: KUBE_PROMETHEUS_STACK.repo },
        timeout: 900,
        values: {
          fullnameOverride: MONITORING_RELEASE,
          nodeExporter: { enabled: false },
          // AKS runs the control plane (and Cilium replaces kube-proxy): nothing to scrape, alerts that never clear.
          kubeControllerManager: { enabled: false },
          kubeScheduler: { enabled: false },
          kubeEtcd: { enabled: false },
          kubeProxy: { enabled: false },
          // The operator's admission webhook would be called by the API server from outside the namespace's
          // default-deny ingress; the rules it would validate are checked by promtool before they ship.
          // The operator's TLS goes with it: its certificate is the one the webhook's set-up job creates.
          prometheusOperator: { admissionWebhooks: { enabled: false }, tls: { enabled: false } },
          prometheus: {
            prometheusSpec: {
              // Every monitor and rule in the cluster counts, not only those labelled with the release.
              serviceMonitorSelectorNilUsesHelmValues: false,
              podMonitorSelectorNilUsesHelmValues: false,
              ruleSelectorNilUsesHelmValues: false,
              probeSelectorNilUsesHelmValues: false,
              retention: `${args.retentionDays}d`,
              storageSpec: {
                volumeClaimTemplate: {
                  spec: {
                    storageClassName: storage.metadata.name,
                    accessModes: ["ReadWriteOnce"],
                    resources: { requests: { storage: `${args.storageGiB}Gi` } },
                  },
                },
              },
            },
          },
          alertmanager: {
            alertmanagerSpec: { secrets: webhook ? [WEBHOOK_SECRET] : [] },
            config: {
              route: {
                receiver: "platform",
                group_by: ["alertname", "endpoint", "slot"],
                routes: [{ matchers: ['alertname =~ "Watchdog|InfoInhibitor"'], receiver: "null" }],
              },
              // A critical alert silences the warning of the same alert for the same endpoint and slot only.
              inhibit_rules: [
                {
                  source_matchers: ['severity = "critical"'],
                  target_matchers: ['severity =~ "warning|info"'],
                  equal: ["namespace", "alertname", "endpoint", "slot"],
                },
                {
                  source_matchers: ['severity = "warning"'],
                  target_matchers: ['severity = "info"'],
                  equal: ["namespace", "alertname", "endpoint", "slot"],
                },
                {
                  source_matchers: ['alertname = "InfoInhibitor"'],
                  target_matchers: ['severity = "info"'],
                  equal: ["namespace"],
                },
              ],
              receivers: [{ name: "null" }, ...receivers],
            },
          },
          grafana: {
            admin: { existingSecret: "grafana-admin", userKey: "admin-user", passwordKey: "admin-password" },
            service: { type: "ClusterIP" },
            ingress: { enabled: false },
            serviceAccount: {
              name: GRAFANA_SERVICE_ACCOUNT,
              annotations: { "azure.workload.identity/client-id": identity.clientId },
            },
            podLabels: { "azure.workload.identity/use": "true" },
            "grafana.ini": {
              azure: { workload_identity_enabled: true },
              "auth.anonymous": { enabled: false },
              users: { allow_sign_up: false },
            },
            sidecar: {
              dashboards: {
                enabled: true,
                label: DASHBOARD_LABEL,
                labelValue: "1",
                searchNamespace: MONITORING_NAMESPACE,
              },
            },
            additionalDataSources: [
              {
                name: "Azure Monitor",
                type: "grafana-azure-monitor-datasource",
                uid: "azure-monitor",
                access: "proxy",
                jsonData: { azureAuthType: "workloadidentity", subscriptionId: args.subscriptionId },
              },
            ],
          },
        },
      },
      { ...k, protect: args.protect, dependsOn: [admin, storage, ...(webhook ? [webhook] : []), ...args.dependsOn] },
    );

    // Nothing reaches the monitoring namespace from outside but the AKS KEDA add-on's operator
    // (kube-system), on Prometheus' query port; inside it, Prometheus scrapes and Grafana queries.
    denyIngressByDefault(`${name}-deny-ingress`, namespace.metadata.name, labels, k);
    new k8s.networking.v1.NetworkPolicy(
      `${name}-ingress`,
      {
        metadata: { name: "monitoring-ingress", namespace: namespace.metadata.name, labels },
        spec: { podSelector: {}, policyTypes: ["Ingress"], ingress: [{ from: [{ podSelector: {} }] }] },
      },
      k,
    );
    new k8s.networking.v1.NetworkPolicy(
      `${name}-keda-ingress`,
      {
        metadata: { name: "prometheus-from-keda", namespace: namespace.metadata.name, labels },
        spec: {
          podSelector: { matchLabels: { "app.kubernetes.io/name": "prometheus" } },
          policyTypes: ["Ingress"],
          ingress: [
            {
              from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } } }],
              ports: [{ protocol: "TCP", port: 9090 }],
            },
          ],
        },
      },
      k,
    );

    new k8s.apiextensions.CustomResource(
      `${name}-rules`,
      {
        apiVersion: "monitoring.coreos.com/v1",
        kind: "PrometheusRule",
        metadata: { name: "genai-platform", namespace: namespace.metadata.name, labels },
        spec: { groups: args.ruleGroups },
      },
      { ...k, dependsOn: [this.release] },
    );

    this.registerOutputs({});
  }

  /**
   * One dashboard per model endpoint (`views` by endpoint), and Grafana's Monitoring Reader on exactly
   * the resources they read Azure Monitor metrics of (`readable`: resource id by a name for the grant).
   */
  addEndpointDashboards(args: {
    readonly subscriptionId: string;
    readonly readable: Readonly<Record<string, pulumi.Input<string>>>;
    readonly views: Readonly<Record<string, pulumi.Input<EndpointView>>>;
  }): void {
    for (const [target, scope] of Object.entries(args.readable)) {
      grantRole(
        `grafana-monitoring-reader-${target}`,
        {
          subscriptionId: args.subscriptionId,
          scope,
          principalId: this.grafanaIdentity.principalId,
          role: "monitoringReader",
        },
        { parent: this.grafanaIdentity },
      );
    }
    this.addDashboards(
      Object.fromEntries(
        Object.entries(args.views).map(([endpoint, view]) => [
          `${endpoint}.json`,
          pulumi.output(view).apply((v) => grafanaDashboard(endpointDashboard(v as EndpointView))),
        ]),
      ),
    );
  }

  /**
   * Scrapes NVIDIA's DCGM exporter on the GPU nodes (the cluster component runs it in kube-system): each
   * series keeps the exporter's own `namespace`, `pod` and `container` (the GPU's consumer, `honorLabels`),
   * gets the node's GPU pool from the node's name (AKS names nodes `aks-<pool>-<id>-vmss<n>`) and, where a
   * vLLM pod holds the GPU, that pod's endpoint and slot.
   */
  scrapeGpuExporter(gpuHourPrices: Readonly<Record<string, number>> = {}): void {
    new k8s.apiextensions.CustomResource(
      `${this.name}-dcgm-exporter`,
      {
        apiVersion: "monitoring.coreos.com/v1",
        kind: "PodMonitor",
        metadata: { name: "dcgm-exporter", namespace: "kube-system", labels: MONITORING_LABELS },
        spec: {
          selector: { matchLabels: { "app.kubernetes.io/name": "dcgm-exporter" } },
          podMetricsEndpoints: [
            {
              port: "metrics",
              path: "/metrics",
              interval: "30s",
              honorLabels: true,
              metricRelabelings: GPU_SLOT_RELABELINGS.map((r) => ({ action: "replace", ...r })),
              relabelings: [
                {
                  action: "replace",
                  sourceLabels: ["__meta_kubernetes_pod_node_name"],
                  regex: "aks-([a-z0-9]+)-.*",
                  targetLabel: GPU_POOL_SERIES_LABEL,
                  replacement: "$1",
                },
                { action: "labeldrop", regex: GPU_TARGET_LABELDROP },
              ],
            },
          ],
        },
      },
      { parent: this, provider: this.provider, dependsOn: [this.release] },
    );
    this.addDashboards({ "gpus.json": grafanaDashboard(gpuPoolDashboard(gpuHourPrices)) });
  }

  /**
   * An OpenTelemetry Collector for the model servers' spans: two replicas (a disruption budget keeps one),
   * OTLP/gRPC open to the vLLM namespaces only, forwarding to Application Insights as its own workload
   * identity, which holds Monitoring Metrics Publisher on that component and nothing else (the component
   * refuses keys). The connection string (no credential once local authentication is off, kept secret all
   * the same) reaches it from a Secret. Returns the address servers export to.
   */
  collectTraces(args: {
    readonly appInsightsId: pulumi.Input<string>;
    readonly connectionString: pulumi.Input<string>;
    /** The model servers' namespaces: the only ones admitted to the collector. */
    readonly serverNamespaces: readonly string[];
  }): string {
    const k = { parent: this, provider: this.provider };
    const labels = { ...MONITORING_LABELS, ...TRACE_COLLECTOR_LABELS };
    const namespace = this.namespace.metadata.name;
    const identity = new WorkloadIdentity(
      `${this.name}-trace-collector-identity`,
      {
        naming: this.args.naming,
        workload: TRACE_COLLECTOR_NAME,
        location: this.args.location,
        resourceGroupName: this.args.resourceGroupName,
        tags: this.args.tags,
        federatedSubjects: [
          {
            name: "kubernetes",
            issuer: this.args.oidcIssuerUrl,
            subject: `system:serviceaccount:${MONITORING_NAMESPACE}:${TRACE_COLLECTOR_NAME}`,
          },
        ],
      },
      { parent: this },
    );
    const publisher = grantRole(
      "trace-collector-metrics-publisher",
      {
        subscriptionId: this.args.subscriptionId,
        scope: args.appInsightsId,
        principalId: identity.principalId,
        role: "monitoringMetricsPublisher",
      },
      { parent: identity },
    );
    const account = new k8s.core.v1.ServiceAccount(
      `${this.name}-trace-collector-account`,
      {
        metadata: {
          name: TRACE_COLLECTOR_NAME,
          namespace,
          labels,
          annotations: { "azure.workload.identity/client-id": identity.clientId },
        },
        automountServiceAccountToken: false,
      },
      k,
    );
    const secret = new k8s.core.v1.Secret(
      `${this.name}-trace-collector-connection`,
      {
        metadata: { name: TRACE_COLLECTOR_NAME, namespace, labels },
        stringData: { "connection-string": args.connectionString },
      },
      k,
    );
    const podLabels = { ...labels, "azure.workload.identity/use": "true" };
    // The collector reads its configuration at start only: a change to it changes this annotation, so the
    // pods roll. (Known in a preview, so the pack's pod rules decide; the connection string is not: it changes
    // only with a new Application Insights component, after which `kubectl rollout restart` applies it.)
    const configuration = stringify(collectorConfig());
    const checksum = createHash("sha256").update(configuration).digest("hex");
    const config = new k8s.core.v1.ConfigMap(
      `${this.name}-trace-collector-config`,
      {
        metadata: { name: TRACE_COLLECTOR_NAME, namespace, labels },
        data: { [COLLECTOR_CONFIG_PATH.file]: configuration },
      },
      k,
    );
    new k8s.apps.v1.Deployment(
      `${this.name}-trace-collector`,
      {
        metadata: { name: TRACE_COLLECTOR_NAME, namespace, labels },
        spec: {
          replicas: 2,
          selector: { matchLabels: TRACE_COLLECTOR_LABELS },
          template: {
            metadata: { labels: podLabels, annotations: { [CONFIG_CHECKSUM_ANNOTATION]: checksum } },
            spec: {
              serviceAccountName: account.metadata.name,
              automountServiceAccountToken: false,
              securityContext: {
                runAsNonRoot: true,
                runAsUser: OTEL_COLLECTOR.uid,
                runAsGroup: OTEL_COLLECTOR.uid,
                seccompProfile: { type: "RuntimeDefault" },
              },
              // Two replicas on two nodes where there are two: a node's loss keeps spans flowing.
              topologySpreadConstraints: [
                {
                  maxSkew: 1,
                  topologyKey: "kubernetes.io/hostname",
                  whenUnsatisfiable: "ScheduleAnyway",
                  labelSelector: { matchLabels: TRACE_COLLECTOR_LABELS },
                },
              ],
              containers: [
                {
                  name: "otel-collector",
                  image: TRACE_COLLECTOR_IMAGE,
                  args: [`--config=${COLLECTOR_CONFIG_PATH.dir}/${COLLECTOR_CONFIG_PATH.file}`],
                  ports: [
                    { name: "otlp-grpc", containerPort: OTLP_GRPC_PORT, protocol: "TCP" },
                    { name: "health", containerPort: COLLECTOR_HEALTH_PORT, protocol: "TCP" },
                  ],
                  env: [
                    { name: "MY_POD_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } },
                    {
                      name: CONNECTION_STRING_ENV,
                      valueFrom: { secretKeyRef: { name: secret.metadata.name, key: "connection-string" } },
                    },
                  ],
                  resources: { requests: { cpu: "100m", memory: "256Mi" }, limits: { memory: "512Mi" } },
                  securityContext: {
                    allowPrivilegeEscalation: false,
                    readOnlyRootFilesystem: true,
                    capabilities: { drop: ["ALL"] },
                  },
                  livenessProbe: { httpGet: { path: "/", port: COLLECTOR_HEALTH_PORT } },
                  readinessProbe: { httpGet: { path: "/", port: COLLECTOR_HEALTH_PORT } },
                  volumeMounts: [{ name: "config", mountPath: COLLECTOR_CONFIG_PATH.dir, readOnly: true }],
                },
              ],
              volumes: [{ name: "config", configMap: { name: config.metadata.name } }],
            },
          },
        },
      },
      { ...k, dependsOn: [publisher, ...this.args.dependsOn] },
    );
    new k8s.core.v1.Service(
      `${this.name}-trace-collector-service`,
      {
        metadata: { name: TRACE_COLLECTOR_NAME, namespace, labels },
        spec: {
          type: "ClusterIP",
          selector: TRACE_COLLECTOR_LABELS,
          ports: [{ name: "otlp-grpc", port: OTLP_GRPC_PORT, targetPort: OTLP_GRPC_PORT, protocol: "TCP" }],
        },
      },
      k,
    );
    new k8s.policy.v1.PodDisruptionBudget(
      `${this.name}-trace-collector-pdb`,
      {
        metadata: { name: TRACE_COLLECTOR_NAME, namespace, labels },
        spec: { maxUnavailable: 1, selector: { matchLabels: TRACE_COLLECTOR_LABELS } },
      },
      k,
    );
    // The model servers' namespaces, each by name, reach the collector's OTLP port only.
    if (args.serverNamespaces.length > 0)
      new k8s.networking.v1.NetworkPolicy(
        `${this.name}-trace-collector-ingress`,
        {
          metadata: { name: "otel-collector-from-vllm", namespace, labels },
          spec: {
            podSelector: { matchLabels: TRACE_COLLECTOR_LABELS },
            policyTypes: ["Ingress"],
            ingress: [
              {
                from: args.serverNamespaces.map((name) => ({
                  namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": name } },
                })),
                ports: [{ protocol: "TCP", port: OTLP_GRPC_PORT }],
              },
            ],
          },
        },
        k,
      );
    return traceCollectorEndpoint(MONITORING_NAMESPACE);
  }

  /** The spend-per-team dashboard, read from the workspace's logs: Grafana may read that workspace only. */
  addTeamSpendDashboard(args: {
    readonly subscriptionId: string;
    readonly workspaceId: pulumi.Input<string>;
    readonly rows: readonly PriceRow[];
  }): void {
    grantRole(
      "grafana-monitoring-reader-workspace",
      {
        subscriptionId: args.subscriptionId,
        scope: args.workspaceId,
        principalId: this.grafanaIdentity.principalId,
        role: "monitoringReader",
      },
      { parent: this.grafanaIdentity },
    );
    this.addDashboards({
      "team-spend.json": pulumi
        .output(args.workspaceId)
        .apply((id) => grafanaDashboard(teamSpendDashboard(id, args.rows))),
    });
  }

  /** Grafana dashboards (JSON models) by file name, as ConfigMaps Grafana's sidecar loads. */
  addDashboards(dashboards: Readonly<Record<string, pulumi.Input<Record<string, unknown>>>>): void {
    for (const [file, dashboard] of Object.entries(dashboards)) {
      const base = file.replace(/\.json$/, "");
      new k8s.core.v1.ConfigMap(
        `${this.name}-dashboard-${base}`,
        {
          metadata: {
            name: `dashboard-${base}`,
            namespace: MONITORING_NAMESPACE,
            labels: { ...MONITORING_LABELS, [DASHBOARD_LABEL]: "1" },
          },
          data: { [file]: pulumi.output(dashboard).apply((d) => JSON.stringify(d, null, 2)) },
        },
        { parent: this, provider: this.provider, dependsOn: [this.namespace] },
      );
    }
  }
}

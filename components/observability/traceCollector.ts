// The in-cluster OpenTelemetry Collector: it takes the model servers' spans (OTLP over gRPC) and forwards
// them to Application Insights with an Entra ID token of its own workload identity, never a key. Its names,
// address and configuration as pure data: the monitoring component deploys them, the tests and the policy
// pack read them.
import { OTEL_COLLECTOR } from "./charts";

/** The collector's Deployment, Service, service account, ConfigMap and Secret. */
export const TRACE_COLLECTOR_NAME = "otel-collector";
/** OTLP over gRPC, the protocol vLLM exports with by default. */
export const OTLP_GRPC_PORT = 4317;
/** The health_check extension: the probes' port. */
export const COLLECTOR_HEALTH_PORT = 13133;
/** Where the configuration is mounted, and its file (the Helm chart's layout). */
export const COLLECTOR_CONFIG_PATH = { dir: "/conf", file: "relay.yaml" } as const;
/** The variable the Application Insights connection string reaches the collector in (from a Secret). */
export const CONNECTION_STRING_ENV = "APPLICATIONINSIGHTS_CONNECTION_STRING";
/**
 * The token audience of Application Insights' ingestion with Microsoft Entra ID (Microsoft Learn,
 * "Microsoft Entra authentication for Application Insights", token audience: https://monitor.azure.com).
 */
export const MONITOR_SCOPE = "https://monitor.azure.com/.default";
/** The labels of the collector's pods (the Service, the disruption budget and the network policy select them). */
export const TRACE_COLLECTOR_LABELS = { "app.kubernetes.io/name": TRACE_COLLECTOR_NAME } as const;

/** The image as deployed: the dated tag, pinned to its digest. */
export const TRACE_COLLECTOR_IMAGE = `${OTEL_COLLECTOR.image}:${OTEL_COLLECTOR.tag}@${OTEL_COLLECTOR.digest}`;

/** The address model servers send their spans to (the collector's Service in `namespace`). */
export function traceCollectorEndpoint(namespace: string): string {
  return `http://${TRACE_COLLECTOR_NAME}.${namespace}.svc:${OTLP_GRPC_PORT}`;
}

/**
 * The collector's configuration: OTLP/gRPC in on the pod's address, a memory limiter and a batch, and the
 * `azuremonitor` exporter to the connection string's ingestion endpoint (its `v2.1/track`, the one that
 * takes Entra tokens), authenticated by the `azure_auth` extension with the workload identity the AKS
 * webhook injects (AZURE_CLIENT_ID, AZURE_TENANT_ID, AZURE_FEDERATED_TOKEN_FILE) for the Azure Monitor
 * audience. Spans land where the gateway's do: SERVER spans in AppRequests, the others in AppDependencies,
 * the trace id as OperationId.
 */
export function collectorConfig(): Record<string, unknown> {
  const env = (name: string) => `\${env:${name}}`;
  return {
    extensions: {
      health_check: { endpoint: `${env("MY_POD_IP")}:${COLLECTOR_HEALTH_PORT}` },
      azure_auth: {
        workload_identity: {
          client_id: env("AZURE_CLIENT_ID"),
          tenant_id: env("AZURE_TENANT_ID"),
          federated_token_file: env("AZURE_FEDERATED_TOKEN_FILE"),
        },
        scopes: [MONITOR_SCOPE],
      },
    },
    receivers: { otlp: { protocols: { grpc: { endpoint: `${env("MY_POD_IP")}:${OTLP_GRPC_PORT}` } } } },
    processors: {
      // Refuses spans before the container's memory limit is reached (the chart's defaults).
      memory_limiter: { check_interval: "5s", limit_percentage: 80, spike_limit_percentage: 25 },
      batch: {},
    },
    exporters: {
      azuremonitor: { connection_string: env(CONNECTION_STRING_ENV), auth: { authenticator: "azure_auth" } },
    },
    service: {
      extensions: ["health_check", "azure_auth"],
      pipelines: {
        traces: { receivers: ["otlp"], processors: ["memory_limiter", "batch"], exporters: ["azuremonitor"] },
      },
    },
  };
}

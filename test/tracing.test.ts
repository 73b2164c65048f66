// The model servers' spans, as pure logic: the collector's configuration and what the pack reads of it,
// a server's tracing flags and environment, which releases can export, the Grafana link to a slot's
// spans, and the rule that every vLLM server is traced (a compliant set, then one mutation per requirement).
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import {
  COLLECTOR_CONFIG_PATH,
  collectorConfig,
  traceCollectorEndpoint,
} from "../components/observability/traceCollector";
import { slotTracesLink } from "../components/observability/dashboards";
import { tracingArgs, tracingEnv } from "../components/serving/vllmArgs";
import { VLLM_RELEASES, tracesExported } from "../components/serving/vllmReleases";
import { slotNamespace } from "../components/serving/names";
import {
  appInsightsExportProblems,
  collectorConfigOf,
  collectorPodProblems,
  optionOf,
  samplerProblem,
  serviceAt,
  targetPortOf,
} from "../policies/tracing";
import { policies } from "../policies/rules";
import { UNKNOWN, runStackRule, type FakeResource } from "./policies/harness";

const COLLECTOR = traceCollectorEndpoint("monitoring");

describe("the trace collector's configuration", () => {
  it("takes OTLP to Application Insights with an Entra token for the Azure Monitor audience", () => {
    expect(COLLECTOR).toBe("http://otel-collector.monitoring.svc:4317");
    expect(appInsightsExportProblems(collectorConfig())).toEqual([]);
    expect(appInsightsExportProblems(collectorConfig(), { protocol: "grpc", port: 4317 })).toEqual([]);
  });
  const mutatedConfig = (change: (c: any) => void) => {
    const config: any = structuredClone(collectorConfig());
    change(config);
    return config;
  };
  const mutated = (change: (c: any) => void) => appInsightsExportProblems(mutatedConfig(change));
  it.each<[string, (c: any) => void, string]>([
    [
      "no authenticator (a key-only exporter)",
      (c) => delete c.exporters.azuremonitor.auth,
      "azuremonitor sends without an Entra token (no auth.authenticator): a component without local authentication refuses it",
    ],
    [
      "an authenticator that is not Azure's",
      (c) => (c.exporters.azuremonitor.auth.authenticator = "oauth2client"),
      "azuremonitor's authenticator oauth2client is no configured Azure authentication extension",
    ],
    [
      "the extension not enabled",
      (c) => (c.service.extensions = ["health_check"]),
      "the extension azure_auth is not enabled in service.extensions",
    ],
    [
      "a token for another audience",
      (c) => (c.extensions.azure_auth.scopes = ["https://management.azure.com/.default"]),
      "azure_auth asks no token for https://monitor.azure.com (its scopes), the audience Application Insights takes",
    ],
    [
      "no identity",
      (c) => delete c.extensions.azure_auth.workload_identity,
      "azure_auth authenticates neither as a workload nor as a managed identity",
    ],
    [
      "spans to another exporter",
      (c) => (c.service.pipelines.traces.exporters = ["debug"]),
      "no traces pipeline takes OTLP to an azuremonitor exporter",
    ],
    [
      "no OTLP receiver",
      (c) => (c.service.pipelines.traces.receivers = ["zipkin"]),
      "no traces pipeline takes OTLP to an azuremonitor exporter",
    ],
    [
      "a workload identity without its tenant",
      (c) => delete c.extensions.azure_auth.workload_identity.tenant_id,
      "azure_auth's workload identity names no tenant_id: the collector refuses the configuration",
    ],
    [
      "an OTLP receiver of HTTP only, where the servers send gRPC",
      (c) => (c.receivers.otlp.protocols = { http: { endpoint: "${env:MY_POD_IP}:4318" } }),
      "no OTLP receiver of its traces pipelines takes gRPC on 4317 on an address other pods reach, where the servers send",
    ],
    [
      "a gRPC receiver on another port than the Service forwards to",
      (c) => (c.receivers.otlp.protocols.grpc.endpoint = "${env:MY_POD_IP}:14317"),
      "no OTLP receiver of its traces pipelines takes gRPC on 4317 on an address other pods reach, where the servers send",
    ],
    [
      "a gRPC receiver on localhost (the collector's default since v0.111: other pods cannot reach it)",
      (c) => (c.receivers.otlp.protocols.grpc.endpoint = "localhost:4317"),
      "no OTLP receiver of its traces pipelines takes gRPC on 4317 on an address other pods reach, where the servers send",
    ],
    [
      "a gRPC receiver with no endpoint (localhost by default)",
      (c) => (c.receivers.otlp.protocols.grpc = null),
      "no OTLP receiver of its traces pipelines takes gRPC on 4317 on an address other pods reach, where the servers send",
    ],
  ])("reports %s", (_case, change, problem) =>
    expect(appInsightsExportProblems(mutatedConfig(change), { protocol: "grpc", port: 4317 })).toEqual([problem]),
  );
  it("takes the servers' protocol from any pipeline that reaches the exporter", () => {
    const config = mutatedConfig((c) => {
      c.receivers["otlp/http"] = { protocols: { http: { endpoint: "${env:MY_POD_IP}:4318" } } };
      c.service.pipelines["traces/http"] = { receivers: ["otlp/http"], exporters: ["azuremonitor"] };
    });
    expect(appInsightsExportProblems(config, { protocol: "grpc", port: 4317 })).toEqual([]);
    expect(appInsightsExportProblems(config, { protocol: "http", port: 4318 })).toEqual([]);
  });
  it("takes the exporter by its snake-case name too", () => {
    expect(
      mutated((c) => {
        c.exporters.azure_monitor = c.exporters.azuremonitor;
        delete c.exporters.azuremonitor;
        c.service.pipelines.traces.exporters = ["azure_monitor"];
      }),
    ).toEqual([]);
  });
  it("asks the collector's pods for the workload identity webhook's label", () => {
    const pod = (labels: Record<string, string>) => ({
      type: "kubernetes:apps/v1:Deployment",
      name: "c",
      props: { spec: { template: { metadata: { labels } } } },
    });
    expect(collectorPodProblems(pod({ "azure.workload.identity/use": "true" }), collectorConfig())).toEqual([]);
    expect(collectorPodProblems(pod({}), collectorConfig())).toEqual([
      'its pods lack the label azure.workload.identity/use: "true", so AKS\'s webhook gives them no workload identity token and the exporter gets none',
    ]);
  });
  it("accepts a named exporter and pipeline (type/name ids)", () => {
    expect(
      mutated((c) => {
        c.exporters["azuremonitor/prod"] = c.exporters.azuremonitor;
        delete c.exporters.azuremonitor;
        c.service.pipelines["traces/vllm"] = { ...c.service.pipelines.traces, exporters: ["azuremonitor/prod"] };
        delete c.service.pipelines.traces;
      }),
    ).toEqual([]);
  });
});

describe("a traced server", () => {
  it("names the collector and gives its spans the slot's name, the pod and the caller's sampling", () => {
    expect(tracingArgs(COLLECTOR)).toEqual(["--otlp-traces-endpoint", COLLECTOR]);
    const env = tracingEnv(slotNamespace("qwen", "blue"));
    const value = (name: string) => env.find((e) => e.name === name)?.value;
    expect(value("OTEL_SERVICE_NAME")).toBe("vllm-qwen-blue");
    expect(value("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL")).toBe("grpc");
    expect(value("OTEL_TRACES_SAMPLER")).toBe("parentbased_always_on");
    // Kubernetes expands $(POD_NAME) only from a variable defined before it.
    const pod = env.findIndex((e) => e.name === "POD_NAME");
    expect(pod).toBeGreaterThanOrEqual(0);
    expect(pod).toBeLessThan(env.findIndex((e) => e.name === "OTEL_RESOURCE_ATTRIBUTES"));
    expect(value("OTEL_RESOURCE_ATTRIBUTES")).toBe("service.instance.id=$(POD_NAME)");
    expect(samplerProblem(env)).toBeUndefined();
  });
  it("exports only on a listed release whose image has the OpenTelemetry packages", () => {
    expect(tracesExported("vllm/vllm-openai:v0.30.0", COLLECTOR)).toBe(true);
    expect(tracesExported("vllm/vllm-openai:v0.29.0", COLLECTOR)).toBe(true);
    expect(tracesExported("vllm/vllm-openai:v0.11.0", COLLECTOR)).toBe(false);
    expect(tracesExported("vllm/vllm-openai:v0.30.0", undefined)).toBe(false);
    expect(tracesExported("example.com/vllm:latest", COLLECTOR)).toBe(false);
    expect(
      Object.entries(VLLM_RELEASES)
        .filter(([, r]) => r.otlpTracing)
        .map(([tag]) => tag),
    ).toEqual(["v0.29.0", "v0.30.0"]);
  });
  it.each<[string, { name: string; value: string }[], string | undefined]>([
    ["the default", [], undefined],
    ["always off", [{ name: "OTEL_TRACES_SAMPLER", value: "always_off" }], "OTEL_TRACES_SAMPLER is always_off"],
    ["the SDK off", [{ name: "OTEL_SDK_DISABLED", value: "true" }], "OTEL_SDK_DISABLED is true"],
    [
      "always off, defined last (Kubernetes applies the last definition)",
      [
        { name: "OTEL_TRACES_SAMPLER", value: "always_on" },
        { name: "OTEL_TRACES_SAMPLER", value: "always_off" },
      ],
      "OTEL_TRACES_SAMPLER is always_off",
    ],
    [
      "a ratio of 0",
      [
        { name: "OTEL_TRACES_SAMPLER", value: "parentbased_traceidratio" },
        { name: "OTEL_TRACES_SAMPLER_ARG", value: "0" },
      ],
      "OTEL_TRACES_SAMPLER is parentbased_traceidratio at 0",
    ],
    [
      "a ratio above 0",
      [
        { name: "OTEL_TRACES_SAMPLER", value: "traceidratio" },
        { name: "OTEL_TRACES_SAMPLER_ARG", value: "0.1" },
      ],
      undefined,
    ],
  ])("sampling: %s", (_case, env, problem) => expect(samplerProblem(env)).toBe(problem));
  it("reads the flag in both spellings, and the Service an address names", () => {
    expect(optionOf(["--otlp-traces-endpoint", "a:1"], "--otlp-traces-endpoint")).toBe("a:1");
    expect(optionOf(["--otlp-traces-endpoint=b:2"], "--otlp-traces-endpoint")).toBe("b:2");
    expect(optionOf(["--port", "8000"], "--otlp-traces-endpoint")).toBeUndefined();
    // argparse keeps the last one given.
    expect(optionOf(["--otlp-traces-endpoint", "a:1", "--otlp-traces-endpoint=c:3"], "--otlp-traces-endpoint")).toBe(
      "c:3",
    );
    const service = (name: string, namespace: string, port: number): FakeResource => ({
      type: "kubernetes:core/v1:Service",
      name,
      props: { metadata: { name, namespace }, spec: { ports: [{ port }] } },
    });
    const services = [service("otel-collector", "monitoring", 4317), service("local", "vllm-qwen-blue", 4317)];
    expect(serviceAt(COLLECTOR, "vllm-qwen-blue", services).service?.name).toBe("otel-collector");
    expect(serviceAt("local:4317", "vllm-qwen-blue", services).service?.name).toBe("local");
    expect(serviceAt("http://otel-collector.monitoring.svc:4318", "x", services).problem).toBe(
      "Service monitoring/otel-collector does not listen on 4318",
    );
    expect(serviceAt("http://otel.elsewhere.svc:4317", "x", services).problem).toBe(
      "no Service elsewhere/otel in the plan",
    );
    // A URL leaves out its scheme's default port.
    expect(serviceAt("https://local", "vllm-qwen-blue", services).port).toBe(443);
    // A named target port is the container port of that name.
    const named = { ...services[0]!, props: { metadata: {}, spec: { ports: [{ port: 4317, targetPort: "otlp" }] } } };
    const collector = {
      type: "kubernetes:apps/v1:Deployment",
      name: "c",
      props: { spec: { template: { spec: { containers: [{ ports: [{ name: "otlp", containerPort: 14317 }] }] } } } },
    };
    expect(targetPortOf(named, 4317, [collector])).toBe(14317);
    expect(targetPortOf(named, 4317, [])).toBeUndefined();
  });
});

describe("the Grafana link to a slot's spans", () => {
  it("opens Explore on an Azure Traces query of the component, the series' slot over the panel's time", () => {
    const component = "/subscriptions/s/resourceGroups/g/providers/Microsoft.Insights/components/appi-genai-prod";
    const { url } = slotTracesLink(component, "qwen");
    expect(url.startsWith("/explore?schemaVersion=1&orgId=1&panes=")).toBe(true);
    // Grafana fills these in the URL itself: they must stay unencoded.
    for (const variable of ["${__from}", "${__to}", "${__field.labels.slot}"]) expect(url).toContain(variable);
    const filled = url.replace("${__from}", "1").replace("${__to}", "2").replace("${__field.labels.slot}", "green");
    const panes = JSON.parse(new URL(`http://grafana${filled}`).searchParams.get("panes")!);
    expect(panes.traces.range).toEqual({ from: "1", to: "2" });
    expect(panes.traces.queries[0]).toMatchObject({
      queryType: "Azure Traces",
      datasource: { uid: "azure-monitor" },
      azureTraces: {
        resources: [component],
        traceTypes: ["requests"],
        filters: [{ property: "cloud_RoleName", operation: "eq", filters: [slotNamespace("qwen", "green")] }],
      },
    });
  });
});

describe("observability-vllm-traced", () => {
  const rule = policies.find((p) => p.name === "observability-vllm-traced")!;
  const server = (
    args: string[] = ["--otlp-traces-endpoint", COLLECTOR],
    image = "vllm/vllm-openai:v0.30.0",
  ): FakeResource => ({
    type: "kubernetes:apps/v1:StatefulSet",
    name: "serving-qwen-blue-vllm-a100-0",
    props: {
      metadata: { name: "vllm-a100-0", namespace: "vllm-qwen-blue" },
      spec: {
        template: {
          spec: {
            containers: [
              { name: "vllm", image, command: ["vllm", "serve"], args: ["Qwen/Qwen2.5-7B-Instruct", ...args] },
            ],
          },
        },
      },
    },
  });
  const labels = { "app.kubernetes.io/name": "otel-collector" };
  const service: FakeResource = {
    type: "kubernetes:core/v1:Service",
    name: "monitoring-trace-collector-service",
    props: {
      metadata: { name: "otel-collector", namespace: "monitoring" },
      spec: { selector: labels, ports: [{ port: 4317 }] },
    },
  };
  const collector: FakeResource = {
    type: "kubernetes:apps/v1:Deployment",
    name: "monitoring-trace-collector",
    props: {
      metadata: { name: "otel-collector", namespace: "monitoring" },
      spec: {
        template: {
          metadata: { labels: { ...labels, "azure.workload.identity/use": "true" } },
          spec: {
            containers: [
              {
                name: "otel-collector",
                args: [`--config=${COLLECTOR_CONFIG_PATH.dir}/${COLLECTOR_CONFIG_PATH.file}`],
                volumeMounts: [{ name: "config", mountPath: COLLECTOR_CONFIG_PATH.dir }],
              },
            ],
            volumes: [{ name: "config", configMap: { name: "otel-collector" } }],
          },
        },
      },
    },
  };
  const configMap = (config: unknown = collectorConfig()): FakeResource => ({
    type: "kubernetes:core/v1:ConfigMap",
    name: "monitoring-trace-collector-config",
    props: {
      metadata: { name: "otel-collector", namespace: "monitoring" },
      data: { [COLLECTOR_CONFIG_PATH.file]: typeof config === "string" ? config : stringify(config) },
    },
  });
  const run = async (resources: FakeResource[]) => (await runStackRule(rule, resources)).violations;

  it("passes a server exporting to the collector that forwards to Application Insights", async () => {
    expect(await run([server(), service, collector, configMap()])).toEqual([]);
    expect(collectorConfigOf(collector, [configMap()]).config).toEqual(collectorConfig());
  });
  it.each<[string, FakeResource[], string]>([
    [
      "a server that exports nothing",
      [server([]), service, collector, configMap()],
      "serving-qwen-blue-vllm-a100-0: exports no spans (no --otlp-traces-endpoint), so a request cannot be followed past the gateway",
    ],
    [
      "a release without the packages",
      [server([], "vllm/vllm-openai:v0.11.0@sha256:0"), service, collector, configMap()],
      "serving-qwen-blue-vllm-a100-0: exports no spans (no --otlp-traces-endpoint), so a request cannot be followed past the gateway: vLLM v0.11.0's image has no OpenTelemetry packages; move to a release that has them",
    ],
    [
      "spans to an address no Service answers",
      [server(), collector, configMap()],
      `serving-qwen-blue-vllm-a100-0: spans go to ${COLLECTOR}, but no Service monitoring/otel-collector in the plan`,
    ],
    [
      "a Service with nothing behind it",
      [server(), service, configMap()],
      "serving-qwen-blue-vllm-a100-0: no workload of the plan runs behind monitoring/otel-collector",
    ],
    [
      "a collector whose configuration is missing",
      [server(), service, collector],
      "serving-qwen-blue-vllm-a100-0: its spans go to monitoring/otel-collector, which does not forward them to Application Insights: the configuration /conf/relay.yaml is no ConfigMap of the plan",
    ],
    [
      "a collector that sends with a key only",
      [
        server(),
        service,
        collector,
        configMap({ ...collectorConfig(), exporters: { azuremonitor: { connection_string: "x" } } }),
      ],
      "serving-qwen-blue-vllm-a100-0: its spans go to monitoring/otel-collector, which does not forward them to Application Insights: azuremonitor sends without an Entra token (no auth.authenticator): a component without local authentication refuses it",
    ],
    [
      "a configuration that is not YAML",
      [server(), service, collector, configMap("exporters: [")],
      "serving-qwen-blue-vllm-a100-0: its spans go to monitoring/otel-collector, which does not forward them to Application Insights: /conf/relay.yaml is not YAML: Flow sequence in block collection must be sufficiently indented and end with a ] at line 1, column 13:",
    ],
  ])("fails %s", async (_case, resources, message) => expect(await run(resources)).toEqual([message]));
  it("fails a collector whose pods the workload identity webhook leaves alone", async () => {
    const unlabelled = structuredClone(collector);
    unlabelled.props.spec.template.metadata.labels = labels;
    expect(await run([server(), service, unlabelled, configMap()])).toEqual([
      'serving-qwen-blue-vllm-a100-0: its spans go to monitoring/otel-collector, which does not forward them to Application Insights: its pods lack the label azure.workload.identity/use: "true", so AKS\'s webhook gives them no workload identity token and the exporter gets none',
    ]);
  });
  it("fails a server sending HTTP to a collector that takes gRPC only", async () => {
    const http = server();
    http.props.spec.template.spec.containers[0].env = [
      { name: "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", value: "http/protobuf" },
    ];
    expect(await run([http, service, collector, configMap()])).toEqual([
      "serving-qwen-blue-vllm-a100-0: its spans go to monitoring/otel-collector, which does not forward them to Application Insights: no OTLP receiver of its traces pipelines takes HTTP on 4317 on an address other pods reach, where the servers send",
    ]);
  });
  it("fails a server that samples nothing", async () => {
    const off = server();
    off.props.spec.template.spec.containers[0].env = [{ name: "OTEL_TRACES_SAMPLER", value: "always_off" }];
    expect(await run([off, service, collector, configMap()])).toEqual([
      "serving-qwen-blue-vllm-a100-0: OTEL_TRACES_SAMPLER is always_off: no span is kept",
    ]);
  });
  it("is undecided while a preview does not know the server's command line", async () => {
    const unknown = server();
    unknown.props.spec.template.spec.containers[0].args = UNKNOWN;
    const outcome = await runStackRule(rule, [unknown, service, collector, configMap()]);
    expect(outcome.unknown).toBeDefined();
    expect(outcome.violations).toEqual([]);
  });
});

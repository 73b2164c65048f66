// Where a model server's spans go, read from the plan alone: the collector address on its command line,
// the in-cluster Service that answers at that address, the workload behind it and the configuration that
// workload runs (a ConfigMap it mounts), down to the exporter that sends the spans to Application Insights
// and how it authenticates. The tracing rule and the reachability table both read it.
import { parse } from "yaml";
import { listOf, selects } from "./lib";

/** vLLM's flag naming where its request spans go (OTLP). */
export const OTLP_TRACES_FLAG = "--otlp-traces-endpoint";
/**
 * The collector exporter that writes to Application Insights, and the extension that signs its requests
 * with an Entra token, by every name the contrib distribution accepts (snake-case names and their
 * deprecated aliases, open-telemetry/opentelemetry-collector-contrib#45339).
 */
export const APP_INSIGHTS_EXPORTERS = ["azuremonitor", "azure_monitor"];
const ENTRA_AUTH_EXTENSIONS = ["azure_auth", "azureauth"];
/** The label that has AKS's workload identity webhook give a pod its identity's token and variables. */
const WORKLOAD_IDENTITY_USE = "azure.workload.identity/use";
/** The token audience Application Insights' ingestion takes. */
const MONITOR_AUDIENCE = "https://monitor.azure.com";

export interface K8sObject {
  readonly type: string;
  readonly name: string;
  readonly urn?: string;
  readonly props: Record<string, any>;
}

/** A container's value of `--flag value` or `--flag=value`: the last one given, as argparse reads it. */
export function optionOf(args: unknown, flag: string): string | undefined {
  const list = listOf(args).map(String);
  let value: string | undefined;
  list.forEach((arg, at) => {
    if (arg === flag) value = list[at + 1];
    else if (arg.startsWith(`${flag}=`)) value = arg.slice(flag.length + 1);
  });
  return value;
}

/** A container's value of an environment variable: the last definition, as Kubernetes applies it. */
export function envValue(env: unknown, name: string): string | undefined {
  const defined = listOf(env).filter((e: any) => e?.name === name);
  const last = defined[defined.length - 1];
  return last?.value === undefined ? undefined : String(last.value);
}

/** Whether a container runs a vLLM server (`vllm serve`). */
export const isVllmServer = (c: any) =>
  Array.isArray(c?.command) && c.command[0] === "vllm" && c.command[1] === "serve";

/** Why a server's spans are not sampled at all, from the OpenTelemetry SDK's sampler variables; undefined when some are kept. */
export function samplerProblem(env: unknown): string | undefined {
  const value = (name: string) => envValue(env, name);
  if (String(value("OTEL_SDK_DISABLED") ?? "").toLowerCase() === "true") return "OTEL_SDK_DISABLED is true";
  const sampler = String(value("OTEL_TRACES_SAMPLER") ?? "parentbased_always_on");
  const ratio = Number(value("OTEL_TRACES_SAMPLER_ARG") ?? 1);
  if (sampler === "always_off" || sampler === "parentbased_always_off") return `OTEL_TRACES_SAMPLER is ${sampler}`;
  if ((sampler === "traceidratio" || sampler === "parentbased_traceidratio") && !(ratio > 0))
    return `OTEL_TRACES_SAMPLER is ${sampler} at ${value("OTEL_TRACES_SAMPLER_ARG")}`;
  return undefined;
}

/** The Service an in-cluster address names (`http://<service>.<namespace>.svc[.cluster.local]:<port>`, or `<service>:<port>` in the caller's namespace). */
export function serviceAt(
  address: string,
  callerNamespace: string,
  services: readonly K8sObject[],
): { service?: K8sObject; namespace: string; name: string; port: number; problem?: string } {
  let url: URL;
  try {
    url = new URL(address.includes("://") ? address : `http://${address}`);
  } catch {
    return { namespace: callerNamespace, name: "", port: 0, problem: `"${address}" is not an address` };
  }
  const [name = "", namespace = callerNamespace] = url.hostname.split(".");
  // A URL leaves out its scheme's default port.
  const port = Number(url.port || (url.protocol === "https:" ? 443 : 80));
  const service = services.find(
    (s) => s.props.metadata?.name === name && (s.props.metadata?.namespace ?? "default") === namespace,
  );
  if (!service) return { namespace, name, port, problem: `no Service ${namespace}/${name} in the plan` };
  if (!listOf(service.props.spec?.ports).some((p: any) => Number(p?.port) === port))
    return { service, namespace, name, port, problem: `Service ${namespace}/${name} does not listen on ${port}` };
  return { service, namespace, name, port };
}

/** The workloads whose pods a Service selects. */
export function workloadsBehind(service: K8sObject, workloads: readonly K8sObject[]): K8sObject[] {
  const selector = service.props.spec?.selector;
  if (!selector || Object.keys(selector).length === 0) return [];
  return workloads.filter(
    (w) =>
      w.props.metadata?.namespace === service.props.metadata?.namespace &&
      selects({ matchLabels: selector }, w.props.spec?.template?.metadata?.labels ?? {}),
  );
}

/** The container port a Service's port forwards to on a workload's pods (a named target port resolved). */
export function targetPortOf(service: K8sObject, port: number, workloads: readonly K8sObject[]): number | undefined {
  const target = listOf(service.props.spec?.ports).find((p: any) => Number(p?.port) === port)?.targetPort ?? port;
  if (typeof target === "number" || /^\d+$/.test(String(target))) return Number(target);
  const named = workloads
    .flatMap((w) => listOf(w.props.spec?.template?.spec?.containers))
    .flatMap((c: any) => listOf(c?.ports))
    .find((p: any) => p?.name === target);
  return named ? Number(named.containerPort) : undefined;
}

/** The collector configuration a workload runs: the file its `--config` names, from the ConfigMap mounted there. */
export function collectorConfigOf(
  workload: K8sObject,
  configMaps: readonly K8sObject[],
): { config?: Record<string, any>; problem?: string } {
  const pod = workload.props.spec?.template?.spec ?? {};
  for (const container of listOf(pod.containers)) {
    const path = optionOf(container?.args, "--config");
    if (!path) continue;
    const mount = listOf(container.volumeMounts).find((m: any) =>
      path.startsWith(`${String(m?.mountPath).replace(/\/$/, "")}/`),
    );
    const volume = mount && listOf(pod.volumes).find((v: any) => v?.name === mount.name);
    const map =
      volume?.configMap &&
      configMaps.find(
        (c) =>
          c.props.metadata?.name === volume.configMap.name &&
          c.props.metadata?.namespace === workload.props.metadata?.namespace,
      );
    const text = map?.props.data?.[path.slice(String(mount.mountPath).replace(/\/$/, "").length + 1)];
    if (typeof text !== "string") return { problem: `the configuration ${path} is no ConfigMap of the plan` };
    try {
      const config = parse(text);
      return config && typeof config === "object" ? { config } : { problem: `${path} is not a configuration` };
    } catch (error) {
      return { problem: `${path} is not YAML: ${(error as Error).message.split("\n")[0]}` };
    }
  }
  return { problem: `${workload.props.metadata?.name} runs no --config` };
}

const typeOf = (id: string) => id.split("/")[0] ?? id;

/** How a server sends its spans: OTLP over gRPC (vLLM's default) or over HTTP, to a collector port. */
export interface SpanSending {
  readonly protocol: "grpc" | "http";
  readonly port?: number;
}

/** The protocol a vLLM container exports with (vLLM reads only the traces-specific variable; gRPC unless it says http/protobuf). */
export function sendingOf(container: any): SpanSending["protocol"] {
  return envValue(container?.env, "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL") === "http/protobuf" ? "http" : "grpc";
}

/**
 * What keeps a collector configuration from taking OTLP spans to Application Insights with an Entra
 * token: a traces pipeline from an OTLP receiver (serving the sender's protocol on the port it sends to)
 * to an `azuremonitor` exporter, whose requests an enabled Entra authenticator (workload or managed
 * identity, fully named) signs for the Azure Monitor audience. Empty when it does.
 */
export function appInsightsExportProblems(config: Record<string, any>, sending?: SpanSending): string[] {
  const enabled = new Set(listOf(config.service?.extensions).map(String));
  const problems: string[] = [];
  const routes = appInsightsRoutes(config).flatMap((p) => p.exporters);
  if (sending && routes.length > 0) {
    const problem = otlpReceiverProblem(config, sending);
    if (problem) problems.push(problem);
  }
  if (routes.length === 0) return ["no traces pipeline takes OTLP to an azuremonitor exporter"];
  for (const id of new Set(routes)) {
    const exporter = config.exporters?.[id];
    if (!exporter || typeof exporter !== "object") {
      problems.push(`the exporter ${id} is not configured`);
      continue;
    }
    const authenticator = exporter.auth?.authenticator;
    if (typeof authenticator !== "string") {
      problems.push(
        `${id} sends without an Entra token (no auth.authenticator): a component without local authentication refuses it`,
      );
      continue;
    }
    const extension = config.extensions?.[authenticator];
    if (!ENTRA_AUTH_EXTENSIONS.includes(typeOf(authenticator)) || !extension)
      problems.push(`${id}'s authenticator ${authenticator} is no configured Azure authentication extension`);
    else if (!enabled.has(authenticator))
      problems.push(`the extension ${authenticator} is not enabled in service.extensions`);
    else {
      const workload = extension.workload_identity;
      if (!workload && !extension.managed_identity)
        problems.push(`${authenticator} authenticates neither as a workload nor as a managed identity`);
      const missing = ["client_id", "tenant_id", "federated_token_file"].filter((k) => !workload?.[k]);
      if (workload && missing.length > 0)
        problems.push(
          `${authenticator}'s workload identity names no ${missing.join(", ")}: the collector refuses the configuration`,
        );
      if (!listOf(extension.scopes).some((s) => String(s).startsWith(MONITOR_AUDIENCE)))
        problems.push(
          `${authenticator} asks no token for ${MONITOR_AUDIENCE} (its scopes), the audience Application Insights takes`,
        );
    }
  }
  return problems;
}

/**
 * What keeps a collector's pods from holding the Entra token its configuration asks for: a workload
 * identity needs AKS's webhook, which acts only on pods labelled azure.workload.identity/use=true.
 */
export function collectorPodProblems(workload: K8sObject, config: Record<string, any>): string[] {
  const usesWorkloadIdentity = Object.entries(config.extensions ?? {}).some(
    ([id, e]: [string, any]) => ENTRA_AUTH_EXTENSIONS.includes(typeOf(id)) && e?.workload_identity,
  );
  const labels = workload.props.spec?.template?.metadata?.labels ?? {};
  return usesWorkloadIdentity && labels[WORKLOAD_IDENTITY_USE] !== "true"
    ? [
        `its pods lack the label ${WORKLOAD_IDENTITY_USE}: "true", so AKS's webhook gives them no workload identity token and the exporter gets none`,
      ]
    : [];
}

/** The traces pipelines from an OTLP receiver to an Application Insights exporter: their OTLP receivers and those exporters. */
function appInsightsRoutes(config: Record<string, any>): { receivers: string[]; exporters: string[] }[] {
  const pipelines = Object.entries(config.service?.pipelines ?? {}).filter(([id]) => typeOf(id) === "traces");
  return pipelines
    .map(([, p]: [string, any]) => ({
      receivers: listOf(p?.receivers)
        .map(String)
        .filter((r) => typeOf(r) === "otlp"),
      exporters: listOf(p?.exporters)
        .map(String)
        .filter((e) => APP_INSIGHTS_EXPORTERS.includes(typeOf(e))),
    }))
    .filter((p) => p.receivers.length > 0 && p.exporters.length > 0);
}

/**
 * Why the servers' spans find no OTLP receiver of a pipeline to Application Insights: none takes their
 * protocol, on the port they send to, on an address other pods reach. Undefined when one does.
 */
export function otlpReceiverProblem(config: Record<string, any>, sending: SpanSending): string | undefined {
  const standard = sending.protocol === "grpc" ? 4317 : 4318;
  const served = appInsightsRoutes(config)
    .flatMap((p) => p.receivers)
    .some((r) => {
      const protocol = config.receivers?.[r]?.protocols?.[sending.protocol];
      if (protocol === undefined) return false;
      // The collector listens on localhost unless told otherwise (since v0.111): other pods cannot reach that.
      const endpoint = String(protocol?.endpoint ?? "localhost");
      const [, host = "", port] = /^(.*?)(?::(\d+))?$/.exec(endpoint) ?? [];
      if (!host || /^(localhost|127\.|\[?::1\]?$|unix:)/.test(host)) return false;
      return sending.port === undefined || Number(port ?? standard) === sending.port;
    });
  return served
    ? undefined
    : `no OTLP receiver of its traces pipelines takes ${sending.protocol === "grpc" ? "gRPC" : "HTTP"}${sending.port ? ` on ${sending.port}` : ""} on an address other pods reach, where the servers send`;
}

// Where a model server's spans go, read from the plan alone: the collector address on its command line,
// the in-cluster Service that answers at that address, the workload behind it and the configuration that
// workload runs (a ConfigMap it mounts), down to the exporter that sends the spans to Application Insights
// and how it authenticates. The tracing rule and the reachability table both read it.
import { parse } from "yaml";
import { listOf, selects } from "./lib";

/** vLLM's flag naming where its request spans go (OTLP). */
export const OTLP_TRACES_FLAG = "--otlp-traces-endpoint";
/** The collector exporter that writes to Application Insights, and the extension that signs its requests with an Entra token. */
const APP_INSIGHTS_EXPORTER = "azuremonitor";
const ENTRA_AUTH_EXTENSIONS = ["azure_auth", "azureauth"];
/** The token audience Application Insights' ingestion takes. */
const MONITOR_AUDIENCE = "https://monitor.azure.com";

export interface K8sObject {
  readonly type: string;
  readonly name: string;
  readonly urn?: string;
  readonly props: Record<string, any>;
}

/** A container's value of `--flag value` or `--flag=value`. */
export function optionOf(args: unknown, flag: string): string | undefined {
  const list = listOf(args).map(String);
  const at = list.indexOf(flag);
  if (at >= 0) return list[at + 1];
  return list.find((a) => a.startsWith(`${flag}=`))?.slice(flag.length + 1);
}

/** Whether a container runs a vLLM server (`vllm serve`). */
export const isVllmServer = (c: any) =>
  Array.isArray(c?.command) && c.command[0] === "vllm" && c.command[1] === "serve";

/** Why a server's spans are not sampled at all, from the OpenTelemetry SDK's sampler variables; undefined when some are kept. */
export function samplerProblem(env: unknown): string | undefined {
  const value = (name: string) => listOf(env).find((e: any) => e?.name === name)?.value;
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
  const port = Number(url.port || 80);
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

/**
 * What keeps a collector configuration from taking OTLP spans to Application Insights with an Entra
 * token: a traces pipeline from an OTLP receiver to an `azuremonitor` exporter, whose requests an enabled
 * Entra authenticator (workload or managed identity) signs for the Azure Monitor audience. Empty when it does.
 */
export function appInsightsExportProblems(config: Record<string, any>): string[] {
  const pipelines = Object.entries(config.service?.pipelines ?? {}).filter(([id]) => typeOf(id) === "traces");
  const enabled = new Set(listOf(config.service?.extensions).map(String));
  const routes = pipelines.flatMap(([, p]: [string, any]) =>
    listOf(p?.receivers).some((r) => typeOf(String(r)) === "otlp")
      ? listOf(p?.exporters)
          .map(String)
          .filter((e) => typeOf(e) === APP_INSIGHTS_EXPORTER)
      : [],
  );
  if (routes.length === 0) return ["no traces pipeline takes OTLP to an azuremonitor exporter"];
  const problems: string[] = [];
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
      if (!extension.workload_identity && !extension.managed_identity)
        problems.push(`${authenticator} authenticates neither as a workload nor as a managed identity`);
      if (!listOf(extension.scopes).some((s) => String(s).startsWith(MONITOR_AUDIENCE)))
        problems.push(
          `${authenticator} asks no token for ${MONITOR_AUDIENCE} (its scopes), the audience Application Insights takes`,
        );
    }
  }
  return problems;
}

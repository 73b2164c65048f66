import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { WORKLOAD_TYPES, baseType, checklist, k8sKey, listOf, podTemplateOf, selects, withinCidrs } from "../../lib";
import { hasOwn } from "../../../components/core/own";
import { OTLP_GRPC_PORT } from "../../../components/observability/traceCollector";
import { VLLM_APP_LABEL } from "../../../components/serving/metricLabels";

const NAMESPACE = "kubernetes:core/v1:Namespace";
const NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
const HELM_RELEASE = "kubernetes:helm.sh/v3:Release";
/** Namespaces other than its own a workload may admit, and why: each only to the ports a policy names. */
export const SOURCE_NAMESPACES: Readonly<Record<string, string>> = {
  monitoring: "Prometheus scrapes the metrics port",
  "kube-system": "the AKS KEDA add-on queries Prometheus",
};

interface NetworkPolicySettings {
  /** Address ranges a policy may admit (the gateway's subnet): any other ipBlock is a violation. */
  readonly allowedCidrs?: readonly string[];
}

/** Whether a policy is a default deny of ingress: every pod, Ingress, no rule. */
export function deniesIngressByDefault(policy: Record<string, any>): boolean {
  const spec = policy.spec ?? {};
  const everyPod =
    Object.keys(spec.podSelector?.matchLabels ?? {}).length === 0 &&
    listOf(spec.podSelector?.matchExpressions).length === 0;
  return (
    everyPod &&
    (spec.policyTypes === undefined || listOf(spec.policyTypes).includes("Ingress")) &&
    listOf(spec.ingress).length === 0
  );
}

/**
 * A model server's namespace of the stack (labelled as the serving component labels it) may also be
 * admitted, to the trace collector's OTLP port only: its servers export their spans there.
 */
export const SPAN_SOURCE_PORTS: readonly number[] = [OTLP_GRPC_PORT];

/** The stack's model-server namespaces: the namespaces whose labels mark them as the serving component's. */
export function modelServerNamespaces(namespaces: readonly Record<string, any>[]): Set<string> {
  return new Set(
    namespaces
      .filter((n) => Object.entries(VLLM_APP_LABEL).every(([k, v]) => n.metadata?.labels?.[k] === v))
      .map((n) => String(n.metadata?.name)),
  );
}

/** What is too open about one ingress rule of a policy in `namespace`. */
export function openIngress(
  rule: Record<string, any>,
  allowedCidrs: readonly string[],
  modelServers: ReadonlySet<string> = new Set(),
): string[] {
  const sources: Record<string, any>[] = listOf(rule.from);
  if (sources.length === 0) return ["admits every source (an ingress rule without from)"];
  const problems: string[] = [];
  const ported = listOf(rule.ports).length > 0;
  for (const source of sources) {
    if (source.ipBlock) {
      const cidr = String(source.ipBlock.cidr);
      if (!withinCidrs(cidr, allowedCidrs))
        problems.push(`admits ${cidr}, outside the platform's declared sources (${allowedCidrs.join(", ") || "none"})`);
      else if (!ported) problems.push(`admits ${cidr} on every port`);
    } else if (source.namespaceSelector) {
      const named = source.namespaceSelector.matchLabels?.["kubernetes.io/metadata.name"];
      if (
        !named ||
        Object.keys(source.namespaceSelector.matchLabels ?? {}).length !== 1 ||
        listOf(source.namespaceSelector.matchExpressions).length > 0
      )
        problems.push("admits namespaces by a selector that does not name one namespace (kubernetes.io/metadata.name)");
      else if (modelServers.has(named) && !hasOwn(SOURCE_NAMESPACES, named)) {
        const ports = listOf(rule.ports).map((p: any) => Number(p?.port));
        const ranges = listOf(rule.ports).some((p: any) => p?.endPort != null && Number(p.endPort) !== Number(p.port));
        if (!ported || ranges || ports.some((p) => !SPAN_SOURCE_PORTS.includes(p)))
          problems.push(
            `admits the model servers' namespace ${named} to ${ported ? `port ${ports.join(", ")}${ranges ? " and a range beyond" : ""}` : "every port"}: it may reach only the trace collector's OTLP port (${SPAN_SOURCE_PORTS.join(", ")})`,
          );
      } else if (!hasOwn(SOURCE_NAMESPACES, named))
        problems.push(
          `admits namespace ${named}, which is not a declared source (${Object.keys(SOURCE_NAMESPACES).join(", ")}, or a model server's namespace to the OTLP port)`,
        );
      else if (!ported) problems.push(`admits namespace ${named} on every port`);
    } else if (!source.podSelector) problems.push("admits a source that names nothing");
  }
  return problems;
}

export const securityK8sNetworkPolicy: StackValidationPolicy = {
  name: "security-k8s-network-policy",
  description:
    "Every namespace the platform creates that runs workloads denies ingress by default, and its NetworkPolicies admit only the declared sources: pods of the same namespace, the gateway's subnet to the model port, the monitoring namespace to the metrics port, kube-system to Prometheus' query port, the model servers' namespaces to the trace collector's OTLP port; every workload that serves a port is admitted from somewhere.",
  severity: "high",
  enforcementLevel: "mandatory",
  configSchema: { properties: { allowedCidrs: { type: "array", items: { type: "string" } } } },
  framework: checklist([4, 6], ["MCSB NS-1, NS-2", "Checkov CKV2_K8S_6"]),
  remediationSteps:
    "Keep the namespace's default-deny-ingress policy (podSelector {}, policyTypes [Ingress], no rules) and, per workload, a policy whose from names the gateway's subnet (ipBlock) or a namespace by kubernetes.io/metadata.name, with ports.",
  validateStack: (args, report) => {
    const ofType = (type: string) => args.resources.filter((r) => baseType(r.type) === type);
    const settings = args.getConfig<NetworkPolicySettings>();
    const allowedCidrs = settings.allowedCidrs ?? [];
    const policies = ofType(NETWORK_POLICY);
    const modelServers = modelServerNamespaces(ofType(NAMESPACE).map((n) => n.props));
    for (const policy of policies) {
      for (const [i, rule] of (listOf(policy.props.spec?.ingress) as Record<string, any>[]).entries()) {
        for (const problem of openIngress(rule, allowedCidrs, modelServers))
          report(`${k8sKey(policy.props)}: ingress[${i}] ${problem}`, policy.urn);
      }
    }
    const inNamespace = (r: PolicyResource, ns: string) => (r.props.metadata?.namespace ?? r.props.namespace) === ns;
    for (const namespace of ofType(NAMESPACE)) {
      const name = String(namespace.props.metadata?.name ?? "");
      const workloads = args.resources.filter((r) => WORKLOAD_TYPES.has(baseType(r.type)) && inNamespace(r, name));
      const releases = ofType(HELM_RELEASE).filter((r) => inNamespace(r, name));
      if (workloads.length === 0 && releases.length === 0) continue;
      const own = policies.filter((p) => inNamespace(p, name));
      if (!own.some((p) => deniesIngressByDefault(p.props)))
        report(
          `namespace ${name} runs workloads but denies no ingress by default: a pod no policy selects is open to the whole cluster`,
          namespace.urn,
        );
      for (const workload of workloads) {
        const { metadata, spec } = podTemplateOf(workload.type, workload.props);
        const serves = listOf(spec.containers).some((c: Record<string, any>) => listOf(c?.ports).length > 0);
        const admitted = own.some(
          (p) => listOf(p.props.spec?.ingress).length > 0 && selects(p.props.spec?.podSelector, metadata.labels ?? {}),
        );
        if (serves && !admitted)
          report(
            `${k8sKey(workload.props)} serves a port but no NetworkPolicy of ${name} admits anything to it: with the default deny nothing reaches it`,
            workload.urn,
          );
      }
    }
  },
};

import type { ResourceValidationPolicy } from "@pulumi/policy";
import { TYPES, baseType, checklist, known } from "../../lib";

/** Where kube-prometheus-stack exposes its web UIs: each may get an ingress or a service type. */
const EXPOSED_COMPONENTS = ["grafana", "prometheus", "alertmanager", "thanosRuler"] as const;
const OPEN_SERVICE_TYPES = new Set(["LoadBalancer", "NodePort"]);

interface HelmSettings {
  /** Components whose ingress the stack declares on purpose (TLS-terminated), e.g. `grafana`. */
  readonly allowedIngresses?: readonly string[];
}

/** Every `(path, value)` under `values`, depth first; a value a preview does not know yet is skipped (it is no image or security context the chart's values set). */
function* walk(value: unknown, path: string[] = []): Generator<[string[], unknown]> {
  yield [path, value];
  if (!value || typeof value !== "object") return;
  for (const key of Object.keys(value)) {
    const child = known(() => (value as Record<string, unknown>)[key]);
    if (child !== undefined) yield* walk(child, [...path, key]);
  }
}

/** What is wrong with an image a chart's values name (`image: repo:tag`, or `{repository, tag, digest}`), if anything. */
export function unpinnedImage(image: unknown): string | undefined {
  if (typeof image === "string") {
    const name = image.slice(image.lastIndexOf("/") + 1);
    if (image.includes("@sha256:")) return undefined;
    const tag = name.includes(":") ? name.slice(name.indexOf(":") + 1) : "";
    return tag === "" || tag === "latest" ? `"${image}" has no version tag` : undefined;
  }
  if (image && typeof image === "object") {
    const { tag, digest, sha } = image as { tag?: unknown; digest?: unknown; sha?: unknown };
    if (digest || sha) return undefined;
    // No tag at all leaves the chart's own pinned default (its appVersion); an empty or latest tag overrides it.
    if (tag === undefined) return undefined;
    return String(tag) === "" || String(tag) === "latest" ? `tag "${String(tag)}" is not a version` : undefined;
  }
  return undefined;
}

/** Security contexts in values that make a container root or privileged. */
function rootOrPrivileged(context: Record<string, any>): string[] {
  const problems: string[] = [];
  if (context.privileged === true) problems.push("privileged: true");
  if (context.runAsUser === 0) problems.push("runAsUser: 0");
  if (context.runAsNonRoot === false) problems.push("runAsNonRoot: false");
  if (context.allowPrivilegeEscalation === true) problems.push("allowPrivilegeEscalation: true");
  if ((context.capabilities?.add ?? []).some((c: string) => c !== "NET_BIND_SERVICE"))
    problems.push(`capabilities.add: ${JSON.stringify(context.capabilities.add)}`);
  return problems;
}

export const securityK8sHelmValuesHardened: ResourceValidationPolicy = {
  name: "security-k8s-helm-values-hardened",
  description:
    "The values of every chart release keep its pods unexposed and its data durable: Grafana without anonymous access and with admin credentials from a Secret; no ingress (unless a TLS ingress is declared on purpose) and no LoadBalancer or NodePort service for Grafana, Prometheus or Alertmanager; Prometheus with a retention and a persistent volume; every image the values name pinned; no container made root or privileged through values.",
  severity: "high",
  enforcementLevel: "mandatory",
  configSchema: { properties: { allowedIngresses: { type: "array", items: { type: "string" } } } },
  framework: checklist([2, 4, 6, 9], ["MCSB NS-2, PA-7", "Checkov CKV_K8S_14, CKV_K8S_16, CKV_K8S_23"]),
  remediationSteps:
    "In the release's values: grafana.grafana.ini['auth.anonymous'].enabled: false, grafana.admin.existingSecret, <component>.ingress.enabled: false, <component>.service.type: ClusterIP, prometheus.prometheusSpec.retention and storageSpec.volumeClaimTemplate, image tags that name a version, and no securityContext that sets privileged, runAsUser 0, runAsNonRoot false or added capabilities.",
  validateResource: (args, report) => {
    if (baseType(args.type) !== TYPES.helmRelease) args.notApplicable("applies only to Helm releases");
    const values: Record<string, any> = args.props.values ?? {};
    const settings = args.getConfig<HelmSettings>();
    const release = `chart ${args.props.chart ?? "?"}`;
    for (const [path, value] of walk(values)) {
      const key = path[path.length - 1] ?? "";
      const at = path.join(".");
      if (key === "image" || key.endsWith("Image")) {
        const problem = unpinnedImage(value);
        if (problem) report(`${release}: ${at}: ${problem}`);
      }
      if (/securityContext$/i.test(key) && value && typeof value === "object") {
        for (const problem of rootOrPrivileged(value as Record<string, any>)) report(`${release}: ${at}: ${problem}`);
      }
    }
    if (String(args.props.chart) !== "kube-prometheus-stack") return;
    const grafana = values.grafana ?? {};
    if (grafana.enabled !== false) {
      if (grafana["grafana.ini"]?.["auth.anonymous"]?.enabled !== false)
        report(
          `${release}: Grafana's anonymous access is not turned off (grafana.grafana.ini auth.anonymous.enabled: false)`,
        );
      if (!grafana.admin?.existingSecret)
        report(`${release}: Grafana's admin credentials do not come from a Secret (grafana.admin.existingSecret)`);
      if (grafana.adminPassword !== undefined)
        report(`${release}: grafana.adminPassword puts the admin password in the release's values`);
    }
    for (const component of EXPOSED_COMPONENTS) {
      const c = values[component] ?? {};
      const ingress = c.ingress ?? {};
      if (
        ingress.enabled === true &&
        !((settings.allowedIngresses ?? []).includes(component) && (ingress.tls ?? []).length > 0)
      ) {
        report(
          `${release}: ${component}.ingress is enabled${(ingress.tls ?? []).length > 0 ? "" : " without TLS"}, and the stack declares no ingress for ${component}`,
        );
      }
      if (OPEN_SERVICE_TYPES.has(String(c.service?.type)))
        report(`${release}: ${component}.service.type ${c.service.type} opens it outside the cluster`);
    }
    const prometheus = values.prometheus?.prometheusSpec ?? {};
    if (!prometheus.retention)
      report(
        `${release}: Prometheus has no retention (prometheus.prometheusSpec.retention): the chart's default, not the stack's`,
      );
    if (!prometheus.storageSpec?.volumeClaimTemplate)
      report(
        `${release}: Prometheus keeps its history in the pod (no prometheus.prometheusSpec.storageSpec.volumeClaimTemplate): a restart loses it`,
      );
  },
};

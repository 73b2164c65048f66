// What the cluster's monitoring gets, as files a reviewer (and promtool) reads under
// `out/<stack>/observability/`: the PrometheusRule's groups as a Prometheus rule file, each Grafana
// dashboard's JSON model, and an SVG preview of each dashboard drawn from synthetic data.
import { stringify } from "yaml";
import type { RecordedResource } from "../engine/offlineRun";
import { dashboardPreview } from "./dashboardPreview";
import { compareCodePoints } from "../../components/core/order";

/** The folder of `out/<stack>/` that holds the observability artifacts (and nothing else). */
export const OBSERVABILITY_ARTIFACTS = "observability";
const DASHBOARD_LABEL = "grafana_dashboard";

interface K8sInputs {
  metadata?: { name?: string; labels?: Record<string, string> };
  spec?: { groups?: unknown[] };
  data?: Record<string, string>;
}

/** `observability/rules.yaml`, `observability/dashboards/<file>.json`, `observability/previews/<name>.svg`. */
export function observabilityFiles(
  resources: readonly RecordedResource[],
  /** Each endpoint's slot weights, by dashboard file (`<endpoint>.json`): the previews' traffic follows them. */
  weights: Readonly<Record<string, Readonly<Record<string, number>>>> = {},
): { path: string; content: string }[] {
  const objects = resources.filter((r) => r.custom).map((r) => ({ type: r.type, inputs: r.inputs as K8sInputs }));
  const rules = objects
    .filter((o) => o.type === "kubernetes:monitoring.coreos.com/v1:PrometheusRule")
    .flatMap((o) => o.inputs.spec?.groups ?? []);
  const dashboards = objects
    .filter((o) => o.type === "kubernetes:core/v1:ConfigMap" && o.inputs.metadata?.labels?.[DASHBOARD_LABEL] === "1")
    .flatMap((o) => Object.entries(o.inputs.data ?? {}));
  return [
    ...(rules.length > 0
      ? [{ path: `${OBSERVABILITY_ARTIFACTS}/rules.yaml`, content: stringify({ groups: rules }, { lineWidth: 0 }) }]
      : []),
    ...dashboards.flatMap(([file, json]) => [
      { path: `${OBSERVABILITY_ARTIFACTS}/dashboards/${file}`, content: json.endsWith("\n") ? json : `${json}\n` },
      {
        path: `${OBSERVABILITY_ARTIFACTS}/previews/${file.replace(/\.json$/, ".svg")}`,
        content: dashboardPreview(JSON.parse(json), weights[file]),
      },
    ]),
  ].sort((a, b) => compareCodePoints(a.path, b.path));
}

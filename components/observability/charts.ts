// The Helm chart the in-cluster monitoring installs: the one place this outside fact lives.
// Source: prometheus-community/helm-charts at commit cf408a290aec489277a94450bb3511432477a53a
// (2026-08-22, the newest in the chart repository's public history as read on 2026-12-05):
// charts/kube-prometheus-stack/Chart.yaml version 88.5.3, appVersion v0.93.1 (prometheus-operator);
// subcharts grafana 12.11.1 (grafana-community), kube-state-metrics 8.4.0, prometheus-node-exporter
// 4.56.1; values.yaml defaults Prometheus v3.14.0 and Alertmanager v0.34.0 (>= 0.26 reads webhook
// `url_file`). Every values key the Monitoring component sets was checked against that values.yaml (the
// grafana.* keys against the grafana chart's documented values; storageSpec.volumeClaimTemplate is the
// Prometheus CRD's). A "92.3.0" pinned earlier could not be found in that history and is not used.
export const CHARTS_SOURCE =
  "prometheus-community/helm-charts cf408a2 (2026-08-22), charts/kube-prometheus-stack/Chart.yaml";
export const CHARTS_DATE = "2026-12-05";

export const KUBE_PROMETHEUS_STACK = {
  repo: "https://prometheus-community.github.io/helm-charts",
  chart: "kube-prometheus-stack",
  version: "88.5.3",
} as const;

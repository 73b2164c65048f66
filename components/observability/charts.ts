// The Helm chart the in-cluster monitoring installs: the one place this outside fact lives.
// Source: prometheus-community/helm-charts releases (kube-prometheus-stack 92.3.0 is the newest release
// seen; 92.1.0 ships prometheus-operator v0.94.1, Alertmanager >= 0.26 for `url_file` webhooks and
// Grafana >= 10.1 for Azure workload identity), as checked on 2026-11-27.
export const CHARTS_SOURCE = "prometheus-community/helm-charts releases";
export const CHARTS_DATE = "2026-11-27";

export const KUBE_PROMETHEUS_STACK = {
  repo: "https://prometheus-community.github.io/helm-charts",
  chart: "kube-prometheus-stack",
  version: "92.3.0",
} as const;

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

/**
 * The OpenTelemetry Collector that forwards the model servers' spans to Application Insights: the contrib
 * distribution, the one that holds both the `azuremonitor` exporter and the `azure_auth` extension (the
 * k8s distribution holds neither: open-telemetry/opentelemetry-collector-releases
 * distributions/otelcol-k8s/manifest.yaml at v0.159.0). Sources, read 2026-12-05:
 * - release v0.159.0 of 2026-08-17 (opentelemetry-collector-releases tags, the newest in its history as read);
 * - the image index digest, as two public projects pin `otel/opentelemetry-collector-contrib:0.159.0`;
 * - the exporter's Entra ID authentication through an authenticator extension: opentelemetry-collector-contrib
 *   PR #41107 (merged 2025-09, fixing #41004); the extension's `scopes` for a token audience other than the
 *   target host: PR #41084; its snake-case name `azure_auth` (the older `azureauth` deprecated): PR #46775
 *   (2026-03); the exporter's metadata.yaml names it `azure_monitor` with `azuremonitor` as its deprecated
 *   type, from a date not established here: the configuration keeps `azuremonitor`, which loads on either side
 *   of that rename while the alias stays (the pack reads both names);
 * - the configuration's shape (pod-IP endpoints, memory limiter, health check): the project's Helm chart
 *   opentelemetry-collector 0.170.0 (appVersion 0.158.0, open-telemetry/opentelemetry-helm-charts dd5665c,
 *   2026-08-20), whose values.yaml the manifests here follow instead of installing the chart.
 * Not checked here: that 0.159.0 accepts the generated configuration (`otelcol-contrib validate` needs the
 * binary, which this build cannot fetch).
 */
export const OTEL_COLLECTOR = {
  image: "otel/opentelemetry-collector-contrib",
  tag: "0.159.0",
  digest: "sha256:1f2c54a30e713fac6b3ae77a1ec84010c2007e29ced8ec666214fc2f6739c1cc",
  /** The collector's user in the image (the chart's values.yaml names it "the OTLP Collector user `10001`"). */
  uid: 10001,
} as const;

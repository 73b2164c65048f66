// Grafana dashboards as code: a small typed model (dashboard → rows → panels → queries) and the one
// function that turns it into Grafana's JSON, plus the dashboard of a model endpoint. vLLM panels read the
// in-cluster Prometheus (both colours side by side, selected by the `slot` label); Azure OpenAI and gateway
// panels read Azure Monitor through the data source the monitoring component provisions.
import { SLOT_LABELS, vllm, type Scope } from "./promql";
import { COLOURS, type Colour } from "../core/colours";
import { TEAM_COST_METHOD, teamCostSeries, type PriceRow } from "../cost/teamCost";
import { slotGpuPanels } from "./gpuPanels";
import { slotNamespace } from "../serving/names";

/** Data source uids: the chart's default Prometheus and the provisioned Azure Monitor source. */
export const DATASOURCES = {
  prometheus: { type: "prometheus", uid: "prometheus" },
  azureMonitor: { type: "grafana-azure-monitor-datasource", uid: "azure-monitor" },
} as const;

export type Unit =
  "s" | "ms" | "reqps" | "short" | "percentunit" | "percent" | "currencyUSD" | "mbytes" | "rotmhz" | "watt" | "celsius";

export interface PromQuery {
  readonly kind: "prometheus";
  readonly expr: string;
  readonly legend: string;
}

/** An Azure resource a metric is read from. */
export interface AzureResource {
  readonly subscription: string;
  readonly resourceGroup: string;
  readonly resourceName: string;
  readonly region: string;
}

export interface AzureMetricQuery {
  readonly kind: "azure-monitor";
  readonly resources: readonly AzureResource[];
  readonly metricNamespace: string;
  readonly metric: string;
  readonly aggregation: "Average" | "Maximum" | "Total";
  readonly filters: readonly { readonly dimension: string; readonly values: readonly string[] }[];
  readonly legend: string;
}

/** A Log Analytics query through the Azure Monitor data source, as a time series (a datetime column, a value, a name). */
export interface AzureLogQuery {
  readonly kind: "azure-log-analytics";
  /** The workspace's resource id. */
  readonly workspace: string;
  readonly query: string;
}

export type Query = PromQuery | AzureMetricQuery | AzureLogQuery;
/** A link on a panel's series (Grafana's data links: `${__field.labels.x}` is the series' label, `${__from}` and `${__to}` the time shown). */
export interface PanelLink {
  readonly title: string;
  readonly url: string;
}
export interface Panel {
  readonly title: string;
  readonly description: string;
  readonly unit: Unit;
  readonly queries: readonly Query[];
  readonly links?: readonly PanelLink[];
}
export interface Row {
  readonly title: string;
  readonly panels: readonly Panel[];
}
export interface Dashboard {
  readonly uid: string;
  readonly title: string;
  readonly tags: readonly string[];
  readonly slots: readonly string[];
  readonly rows: readonly Row[];
  /** The time range shown; the last six hours unless set. */
  readonly time?: { readonly from: string; readonly to: string };
}

const PANELS_PER_LINE = 2;
const PANEL_HEIGHT = 8;

function targetJson(q: Query, refId: string): Record<string, unknown> {
  if (q.kind === "prometheus")
    return { refId, datasource: DATASOURCES.prometheus, expr: q.expr, legendFormat: q.legend, range: true };
  if (q.kind === "azure-log-analytics")
    return {
      refId,
      datasource: DATASOURCES.azureMonitor,
      queryType: "Azure Log Analytics",
      azureLogAnalytics: {
        query: q.query,
        resources: [q.workspace],
        resultFormat: "time_series",
        dashboardTime: false,
      },
    };
  const metricNamespace = q.metricNamespace.toLowerCase();
  return {
    refId,
    datasource: DATASOURCES.azureMonitor,
    queryType: "Azure Monitor",
    subscription: q.resources[0]?.subscription,
    azureMonitor: {
      resources: q.resources.map((r) => ({ ...r, metricNamespace })),
      region: q.resources[0]?.region,
      metricNamespace,
      metricName: q.metric,
      aggregation: q.aggregation,
      timeGrain: "auto",
      dimensionFilters: q.filters.map((f) => ({ dimension: f.dimension, operator: "eq", filters: [...f.values] })),
      alias: q.legend,
    },
  };
}

/** Grafana's dashboard JSON (schema 39): a collapsed-free row per section, two panels per line. */
export function grafanaDashboard(d: Dashboard): Record<string, unknown> {
  const panels: Record<string, unknown>[] = [];
  let y = 0;
  let id = 1;
  for (const row of d.rows) {
    panels.push({
      id: id++,
      type: "row",
      title: row.title,
      collapsed: false,
      gridPos: { h: 1, w: 24, x: 0, y },
      panels: [],
    });
    y += 1;
    row.panels.forEach((p, i) => {
      panels.push({
        id: id++,
        type: "timeseries",
        title: p.title,
        description: p.description,
        datasource: p.queries[0]?.kind === "prometheus" ? DATASOURCES.prometheus : DATASOURCES.azureMonitor,
        gridPos: {
          h: PANEL_HEIGHT,
          w: 24 / PANELS_PER_LINE,
          x: (i % PANELS_PER_LINE) * (24 / PANELS_PER_LINE),
          y: y + Math.floor(i / PANELS_PER_LINE) * PANEL_HEIGHT,
        },
        fieldConfig: {
          defaults: {
            unit: p.unit,
            custom: { lineWidth: 1, fillOpacity: 0 },
            ...(p.links ? { links: p.links.map((l) => ({ ...l, targetBlank: true })) } : {}),
          },
          overrides: [],
        },
        options: {
          legend: { displayMode: "list", placement: "bottom", showLegend: true },
          tooltip: { mode: "multi", sort: "none" },
        },
        targets: p.queries.map((q, n) => targetJson(q, String.fromCharCode(65 + n))),
      });
    });
    y += Math.ceil(row.panels.length / PANELS_PER_LINE) * PANEL_HEIGHT;
  }
  return {
    uid: d.uid,
    title: d.title,
    tags: [...d.tags],
    editable: false,
    schemaVersion: 39,
    time: d.time ?? { from: "now-6h", to: "now" },
    refresh: "30s",
    timezone: "utc",
    templating: {
      list:
        d.slots.length > 0
          ? [
              {
                name: "slot",
                label: "Slot",
                type: "custom",
                query: d.slots.join(","),
                multi: true,
                includeAll: true,
                current: { text: ["All"], value: ["$__all"] },
                options: [],
              },
            ]
          : [],
    },
    panels,
  };
}

/** What the dashboard of one model endpoint shows: its slots and where each is served. */
export interface EndpointView {
  readonly endpoint: string;
  readonly vllmSlots: readonly Colour[];
  /** Azure OpenAI deployments per slot and account (one query per account: a query over several regions needs subscription-wide rights). */
  readonly azureSlots: readonly {
    readonly slot: Colour;
    readonly accounts: readonly {
      readonly label: string;
      readonly resource: AzureResource;
      readonly deployments: readonly string[];
      /** Whether the account has a provisioned (PTU) deployment of this slot: only those report PTU utilization. */
      readonly provisioned?: boolean;
    }[];
    readonly provisioned: boolean;
  }[];
  readonly gateway?: AzureResource;
  /** The cluster's GPU nodes run NVIDIA's DCGM exporter: the vLLM slots get GPU panels. */
  readonly gpuMetrics?: boolean;
  /** The Application Insights resource (id) the vLLM servers' spans reach: their latency panels link to them. */
  readonly traces?: string;
}

/**
 * A link from a vLLM series to its slot's spans in Grafana's Explore: an Azure Monitor "Azure Traces" query
 * of the Application Insights resource, the spans whose cloud role is the series' slot (the servers' service
 * name, components/serving/names.ts), over the time the panel shows; each row is a request with its
 * operation id (the trace id the load test prints), duration and gen_ai.* measurements.
 */
export function slotTracesLink(appInsights: string, endpoint: string): PanelLink {
  // The series' slot is its label; its role name is the slot's namespace, whose prefix is the endpoint's.
  const [blue, green] = COLOURS.map((c) => slotNamespace(endpoint, c));
  const prefix = blue!.slice(0, -"blue".length);
  if (blue !== `${prefix}blue` || green !== `${prefix}green`)
    throw new Error(`the slots of ${endpoint} are not named <prefix><colour> (${blue}, ${green})`);
  // Grafana fills the link's variables in the URL as written, so they stay outside the encoded JSON: each
  // stands in as a token no resource id, endpoint or colour holds (an Azure resource name has no "~").
  const vars = { from: "~from~", to: "~to~", slot: "~slot~" };
  const pane = {
    datasource: DATASOURCES.azureMonitor.uid,
    queries: [
      {
        refId: "A",
        datasource: DATASOURCES.azureMonitor,
        queryType: "Azure Traces",
        azureTraces: {
          resources: [appInsights],
          resultFormat: "table",
          traceTypes: ["requests"],
          filters: [{ property: "cloud_RoleName", operation: "eq", filters: [`${prefix}${vars.slot}`] }],
        },
      },
    ],
    range: { from: vars.from, to: vars.to },
  };
  const panes = encodeURIComponent(JSON.stringify({ traces: pane }))
    .replace(vars.from, () => "${__from}")
    .replace(vars.to, () => "${__to}")
    .replace(vars.slot, () => `\${__field.labels.${SLOT_LABELS.slot}}`);
  return { title: "Spans of this slot (Application Insights)", url: `/explore?schemaVersion=1&orgId=1&panes=${panes}` };
}

const prom = (expr: string, legend: string): PromQuery => ({ kind: "prometheus", expr, legend });

/** The vLLM panels of an endpoint: every slot the `$slot` variable selects, one series per slot. */
export function vllmPanels(endpoint: string, traces?: string): Panel[] {
  const toSpans = traces ? { links: [slotTracesLink(traces, endpoint)] } : {};
  const s: Scope = {
    matchers: { [SLOT_LABELS.endpoint]: endpoint, [SLOT_LABELS.slot]: "$slot" },
    regex: [SLOT_LABELS.slot],
    range: "$__rate_interval",
    by: [SLOT_LABELS.slot],
  };
  const quantiles = (f: (s: Scope, q: number) => string, qs: readonly number[]) =>
    qs.map((q) => prom(f(s, q), `{{slot}} p${Math.round(q * 100)}`));
  return [
    {
      title: "Time to first token",
      ...toSpans,
      description: "p50, p95 and p99 of the time from arrival to the first generated token, per slot.",
      unit: "s",
      queries: quantiles(vllm.ttft, [0.5, 0.95, 0.99]),
    },
    {
      title: "Time per output token (p95)",
      ...toSpans,
      description: "p95 of the time between output tokens, per slot.",
      unit: "s",
      queries: quantiles(vllm.tpot, [0.95]),
    },
    {
      title: "End-to-end latency",
      ...toSpans,
      description: "p50, p95 and p99 of the request latency inside the server, per slot.",
      unit: "s",
      queries: quantiles(vllm.e2e, [0.5, 0.95, 0.99]),
    },
    {
      title: "Queue time (p95)",
      ...toSpans,
      description: "p95 of the time requests wait before the engine schedules them.",
      unit: "s",
      queries: quantiles(vllm.queueTime, [0.95]),
    },
    {
      title: "Requests per second",
      description: "Finished requests per second, per slot.",
      unit: "reqps",
      queries: [prom(vllm.requestsPerSecond(s), "{{slot}}")],
    },
    {
      title: "Tokens per second",
      description: "Prompt and generated tokens per second, per slot.",
      unit: "short",
      queries: [
        prom(vllm.promptTokensPerSecond(s), "{{slot}} prompt"),
        prom(vllm.generationTokensPerSecond(s), "{{slot}} generation"),
      ],
    },
    {
      title: "Running and waiting requests",
      description: "Requests the engine runs and requests queued, per slot.",
      unit: "short",
      queries: [prom(vllm.running(s), "{{slot}} running"), prom(vllm.waiting(s), "{{slot}} waiting")],
    },
    {
      title: "KV-cache usage",
      description: "KV-cache usage of the fullest server of each slot (1 = full: requests queue or are preempted).",
      unit: "percentunit",
      queries: [prom(vllm.kvCacheUsage(s), "{{slot}}")],
    },
    {
      title: "Finish reasons",
      description: "Finished requests per second by finish reason, per slot.",
      unit: "reqps",
      queries: [prom(vllm.finishReasons(s), "{{slot}} {{finished_reason}}")],
    },
    {
      title: "Error ratio",
      ...toSpans,
      description: "Share of API requests the servers answered 5xx, per slot.",
      unit: "percentunit",
      queries: [prom(vllm.errorRatio(s), "{{slot}}")],
    },
  ];
}

const OPENAI_NAMESPACE = "Microsoft.CognitiveServices/accounts";
const APIM_NAMESPACE = "Microsoft.ApiManagement/service";

/** The Azure OpenAI panels of an endpoint: each slot's deployments, by ModelDeploymentName. */
export function azureOpenAiPanels(view: EndpointView): Panel[] {
  type Slot = EndpointView["azureSlots"][number];
  const metric =
    (metricName: string, aggregation: AzureMetricQuery["aggregation"], label = "") =>
    (s: Slot): AzureMetricQuery[] =>
      s.accounts.map((a) => ({
        kind: "azure-monitor",
        resources: [a.resource],
        metricNamespace: OPENAI_NAMESPACE,
        metric: metricName,
        aggregation,
        filters: [{ dimension: "ModelDeploymentName", values: [...new Set(a.deployments)] }],
        legend: `${s.slot} ${a.label}${label}`,
      }));
  const per = (make: (s: Slot) => AzureMetricQuery[], slots = view.azureSlots) => slots.flatMap(make);
  const provisioned = view.azureSlots.filter((s) => s.provisioned);
  return [
    {
      title: "Time to response",
      description:
        "Average time to the first response byte (Azure Monitor AzureOpenAITimeToResponse), per slot and account.",
      unit: "ms",
      queries: per(metric("AzureOpenAITimeToResponse", "Average")),
    },
    {
      title: "Normalized time to first byte",
      description: "Average normalized time to first byte (AzureOpenAINormalizedTTFTInMS), per slot.",
      unit: "ms",
      queries: per(metric("AzureOpenAINormalizedTTFTInMS", "Average")),
    },
    {
      title: "Time between tokens",
      description: "Average time between tokens (AzureOpenAINormalizedTBTInMS), per slot.",
      unit: "ms",
      queries: per(metric("AzureOpenAINormalizedTBTInMS", "Average")),
    },
    {
      title: "Prompt and generated tokens (per interval)",
      description: "Processed prompt tokens and generated completion tokens per interval, per slot.",
      unit: "short",
      queries: [
        ...per(metric("ProcessedPromptTokens", "Total", " prompt")),
        ...per(metric("GeneratedTokens", "Total", " generated")),
      ],
    },
    {
      title: "Requests (per interval)",
      description: "Azure OpenAI requests per interval, per slot.",
      unit: "short",
      queries: per(metric("AzureOpenAIRequests", "Total")),
    },
    ...(provisioned.length > 0
      ? [
          {
            title: "PTU utilization",
            description: "Peak provisioned-managed utilization (V2), per slot with PTUs; calls are throttled at 100%.",
            unit: "percent" as const,
            queries: per(
              metric("AzureOpenAIProvisionedManagedUtilizationV2", "Maximum"),
              // Accounts with PTUs only: a pay-as-you-go account has no utilization to show.
              provisioned.map((slot) => ({ ...slot, accounts: slot.accounts.filter((a) => a.provisioned !== false) })),
            ),
          },
        ]
      : []),
  ];
}

/** The gateway panels: answers throttled to clients, and backend failures the gateway failed over from. */
export function gatewayPanels(gateway: AzureResource): Panel[] {
  const requests = (legend: string, dimension: string, values: readonly string[]): AzureMetricQuery => ({
    kind: "azure-monitor",
    resources: [gateway],
    metricNamespace: APIM_NAMESPACE,
    metric: "Requests",
    aggregation: "Total",
    filters: [{ dimension, values }],
    legend,
  });
  return [
    {
      title: "Gateway 429s (per interval)",
      description: "Requests the gateway answered 429 (token limits, or every pool member throttled), all endpoints.",
      unit: "short",
      queries: [requests("429 to clients", "GatewayResponseCode", ["429"])],
    },
    {
      title: "Failovers (per interval)",
      description:
        "Backend answers of 429 or 5xx that the gateway retried on the next pool member or tripped a breaker on, all endpoints.",
      unit: "short",
      queries: [
        requests("backend 429", "BackendResponseCode", ["429"]),
        requests("backend 5xx", "BackendResponseCodeCategory", ["5xx"]),
      ],
    },
  ];
}

/** The dashboard of one model endpoint. */
export function endpointDashboard(view: EndpointView): Dashboard {
  const rows: Row[] = [
    ...(view.vllmSlots.length > 0
      ? [{ title: `vLLM slots (${view.vllmSlots.join(", ")})`, panels: vllmPanels(view.endpoint, view.traces) }]
      : []),
    ...(view.vllmSlots.length > 0 && view.gpuMetrics
      ? [{ title: "GPUs of the vLLM slots", panels: slotGpuPanels(view.endpoint) }]
      : []),
    ...(view.azureSlots.length > 0
      ? [
          {
            title: `Azure OpenAI slots (${view.azureSlots.map((s) => s.slot).join(", ")})`,
            panels: azureOpenAiPanels(view),
          },
        ]
      : []),
    ...(view.gateway ? [{ title: "Gateway", panels: gatewayPanels(view.gateway) }] : []),
  ];
  return {
    uid: `genai-${view.endpoint}`,
    title: `Model endpoint ${view.endpoint}`,
    tags: ["genai-platform", view.endpoint],
    slots: view.vllmSlots,
    rows,
  };
}

/**
 * The dashboard of spend per team: the gateway's logs priced (components/cost/teamCost.ts), per team and
 * per team's endpoint and slot, a day a point, read from the workspace through the Azure Monitor source.
 */
export function teamSpendDashboard(workspace: string, rows: readonly PriceRow[]): Dashboard {
  const panel = (by: "team" | "slot", title: string): Panel => ({
    title,
    description: TEAM_COST_METHOD,
    unit: "currencyUSD",
    queries: [{ kind: "azure-log-analytics", workspace, query: teamCostSeries(rows, by) }],
  });
  return {
    uid: "genai-team-spend",
    title: "Spend per team",
    tags: ["genai", "cost"],
    slots: [],
    // The queries price this calendar month (their own time range, not the dashboard's).
    time: { from: "now/M", to: "now" },
    rows: [
      {
        title: "Spend per day at list prices (USD, this calendar month)",
        panels: [panel("team", "Per team"), panel("slot", "Per team, endpoint and slot")],
      },
    ],
  };
}

// Spend per team in money: the gateway's logs priced with the dated price table (and the stack's
// overrides). Pure: the price rows a stack's plan implies, and the KQL the workbook (and Grafana) run.
//
// The method, written on the dashboards:
// - pay-as-you-go deployments: each call's prompt and completion tokens at the model's list price;
// - provisioned (PTU) deployments: the deployment's hours (PTUs x the hourly price) each day, split
//   between the teams by their share of the tokens it served that day;
// - self-hosted (vLLM) slots: the GPU hours of the slot's configured replicas (replicas x GPUs per
//   replica / GPUs per VM x the VM's hourly price) each day, split by share of the tokens it served.
// A reservation's hours on a day nobody called it are nobody's (they show in the stack's cost table).
import type { PriceTable } from "./prices";
import { tracedCalls } from "../gateway/logs";

/** One priced path of the stack, keyed as the logs name it. */
export interface PriceRow {
  /** The Azure OpenAI deployment name (the LLM log's DeploymentName), or `vllm:<endpoint>/<slot>`. */
  readonly key: string;
  readonly kind: "paygo" | "ptu" | "vllm";
  readonly inputPerMillion: number;
  readonly outputPerMillion: number;
  /** USD per hour of a reservation (PTU, GPU): split by share of tokens. */
  readonly hourly: number;
}

export interface CostPaths {
  readonly deployments: readonly {
    readonly name: string;
    readonly model: string;
    readonly deploymentType: string;
    readonly capacity: number;
    readonly ptu: boolean;
  }[];
  readonly vllm: readonly {
    readonly endpoint: string;
    readonly slot: string;
    readonly targets: readonly {
      readonly vmSize: string;
      readonly gpusPerReplica: number;
      readonly replicas: number;
    }[];
  }[];
}

/** The price rows of a stack's paths, and the paths the table has no price for. */
export function priceRows(
  paths: CostPaths,
  prices: Pick<PriceTable, "ptuHour" | "tokensPerMillion" | "vmHour">,
  gpusPerVm: (vmSize: string) => number | undefined,
): { rows: PriceRow[]; unpriced: string[] } {
  const rows = new Map<string, PriceRow>();
  const unpriced: string[] = [];
  // One deployment name can exist on several accounts (a pool's regions): its reservations add up.
  const add = (row: PriceRow) => {
    const seen = rows.get(row.key);
    rows.set(row.key, seen ? { ...seen, hourly: seen.hourly + row.hourly } : row);
  };
  for (const d of paths.deployments) {
    if (d.ptu) {
      const hour = prices.ptuHour[d.deploymentType];
      if (hour === undefined) unpriced.push(`${d.name} (${d.deploymentType} PTU-hour)`);
      else add({ key: d.name, kind: "ptu", inputPerMillion: 0, outputPerMillion: 0, hourly: d.capacity * hour });
    } else {
      const price = prices.tokensPerMillion[d.model];
      if (!price) unpriced.push(`${d.name} (${d.model} tokens)`);
      else add({ key: d.name, kind: "paygo", inputPerMillion: price.input, outputPerMillion: price.output, hourly: 0 });
    }
  }
  for (const s of paths.vllm) {
    let hourly = 0;
    for (const t of s.targets) {
      const vm = prices.vmHour[t.vmSize];
      const gpus = gpusPerVm(t.vmSize);
      if (vm === undefined || gpus === undefined) unpriced.push(`vllm:${s.endpoint}/${s.slot} (${t.vmSize} hour)`);
      else hourly += (t.replicas * t.gpusPerReplica * vm) / gpus;
    }
    add({ key: `vllm:${s.endpoint}/${s.slot}`, kind: "vllm", inputPerMillion: 0, outputPerMillion: 0, hourly });
  }
  return { rows: [...rows.values()], unpriced };
}

/** A KQL real literal. */
const real = (n: number) => (Number.isInteger(n) ? n.toFixed(1) : String(n));
const kqlString = (s: string) => JSON.stringify(s);

/** The method, as the dashboards state it. */
export const TEAM_COST_METHOD = [
  "Cost per team at list prices (the plan's dated price table with the stack's overrides), from the gateway's logs:",
  "pay-as-you-go deployments: each call's prompt and completion tokens at the model's price per million;",
  "provisioned (PTU) deployments: the deployment's PTUs x the PTU-hour price, 24 hours a day (today: the hours so far), split between teams by their share of the tokens it served that day;",
  `self-hosted (vLLM) slots: the configured replicas' GPU hours (replicas x GPUs per replica / GPUs per VM x the VM-hour price) split the same way.`,
  "A reservation's hours on a day nobody called it are not charged to any team. A call a PTU deployment spilled over to its pay-as-you-go twin is logged under the PTU deployment's name, so it is counted in the PTU share, not at the pay-as-you-go price. Teams are those the gateway traced (its trace records); the tokens are the LLM log's.",
].join(" ");

/**
 * Cost per team, endpoint and slot this calendar month, per day (`day`) or for the month (`month`):
 * the LLM log's tokens per call, the team the gateway traced, the price rows as a datatable.
 */
export function teamCostQuery(rows: readonly PriceRow[], per: "day" | "month"): string {
  const table = rows
    .map(
      (r) =>
        `  ${kqlString(r.key)}, ${kqlString(r.kind)}, ${real(r.inputPerMillion)}, ${real(r.outputPerMillion)}, ${real(r.hourly)}`,
    )
    .join(",\n");
  return `let prices = datatable(Key:string, Kind:string, InputPerMillion:real, OutputPerMillion:real, Hourly:real) [
${table}
];
let deployments = prices | where Kind != "vllm" | project Key;
let calls = ${tracedCalls("startofmonth(now())").replace(/\n/g, "\n  ")};
let usage = ApiManagementGatewayLlmLog
  | where TimeGenerated >= startofmonth(now())
  | summarize TimeGenerated = min(TimeGenerated), Prompt = sum(PromptTokens), Completion = sum(CompletionTokens), Deployment = take_any(DeploymentName) by CorrelationId
  | join kind=inner calls on CorrelationId
  | extend Key = iff(Deployment in (deployments), Deployment, strcat("vllm:", Endpoint, "/", Slot))
  | summarize Prompt = sum(Prompt), Completion = sum(Completion) by Day = startofday(TimeGenerated), Team, Endpoint, Slot, Key;
usage
| join kind=inner (usage | summarize KeyTokens = sum(Prompt + Completion) by Day, Key) on Day, Key
| join kind=inner prices on Key
| extend Hours = iff(Day == startofday(now()), (now() - Day) / 1h, 24.0)
| extend Cost = iff(Kind == "paygo", Prompt / 1e6 * InputPerMillion + Completion / 1e6 * OutputPerMillion, iff(KeyTokens > 0, Hourly * Hours * todouble(Prompt + Completion) / todouble(KeyTokens), 0.0))
| summarize CostUSD = round(sum(Cost), 2), Tokens = sum(Prompt + Completion) by ${per === "day" ? "Day" : "Month = startofmonth(Day)"}, Team, Endpoint, Slot
| order by ${per === "day" ? "Day asc" : "CostUSD desc"}, Team asc, Endpoint asc, Slot asc`;
}

/** The namespace of the spend workbook's name (a UUID v5 of the stack): never change it, or the workbook is replaced. */
export const WORKBOOK_NAMESPACE = "5d0c3f52-8a4e-4b57-9f7e-2c1d6b3a9e40";

/**
 * The Azure Monitor workbook of spend per team (its serialized JSON, Notebook/1.0): the method, this
 * month per team, endpoint and slot, and each day, all queried from the workspace.
 */
export function teamCostWorkbook(rows: readonly PriceRow[], workspaceId: string, unpriced: readonly string[]): string {
  const query = (name: string, title: string, per: "day" | "month", visualization: string) => ({
    type: 3,
    name,
    content: {
      version: "KqlItem/1.0",
      title,
      query: teamCostQuery(rows, per),
      size: 0,
      queryType: 0,
      resourceType: "microsoft.operationalinsights/workspaces",
      crossComponentResources: [workspaceId],
      visualization,
    },
  });
  const note = unpriced.length > 0 ? `\n\nNot priced (no figure in the price table): ${unpriced.join(", ")}.` : "";
  return JSON.stringify({
    version: "Notebook/1.0",
    items: [
      { type: 1, name: "method", content: { json: `## Spend per team\n\n${TEAM_COST_METHOD}${note}` } },
      query("month", "This month, per team, endpoint and slot (USD)", "month", "table"),
      query("day", "Per day, per team, endpoint and slot (USD)", "day", "table"),
    ],
    fallbackResourceIds: [workspaceId],
  });
}

/** The daily cost of each team (or each team's endpoint and slot) as a time series, for Grafana's Log Analytics panels. */
export function teamCostSeries(rows: readonly PriceRow[], by: "team" | "slot"): string {
  const name = by === "team" ? "Team" : 'strcat(Team, " ", Endpoint, "/", Slot)';
  return `${teamCostQuery(rows, "day")}
| summarize CostUSD = sum(CostUSD) by TimeGenerated = Day, Series = ${name}
| order by TimeGenerated asc`;
}

// A team's monthly spend ceiling (gateway.teams.<team>.monthlyBudget, USD) as the token quota the gateway
// enforces (llm-token-limit's token-quota, Monthly): the budget over the dearest price per token any
// Azure OpenAI target of the team's endpoints charges, at the slot's declared workload mix of input and
// output tokens, or every token at the dearer of the input and output prices where no workload is declared. So, at the price
// table's prices, the team cannot spend more than its ceiling on pay-as-you-go tokens, whichever path
// its requests take. Self-hosted (vLLM) targets have no price per token (their GPUs are paid by the hour)
// and a provisioned target's overflow is priced as its model's pay-as-you-go tokens. Pure.
import type { PriceTable } from "./prices";

/** What the budget-to-quota arithmetic needs of one endpoint's slots. */
export interface PricedEndpoint {
  readonly slots: Readonly<
    Partial<
      Record<
        string,
        {
          readonly targets: readonly { readonly kind: string; readonly model?: string }[];
          readonly workload?: { readonly peakInputTpm: number; readonly peakOutputTpm: number };
        }
      >
    >
  >;
}

export interface BudgetQuota {
  /** The monthly token quota the budget buys. */
  readonly tokens: number;
  /** USD per million tokens the quota is priced at. */
  readonly perMillion: number;
  /** The model and the share of output tokens that price comes from (none: the dearer of input and output). */
  readonly model: string;
  readonly outputShare?: number;
}

/** The quota a monthly budget buys for a team calling `endpoints`, or why none can be derived. */
export function budgetQuota(
  budget: number,
  endpoints: readonly string[],
  models: Readonly<Record<string, PricedEndpoint>>,
  prices: Pick<PriceTable, "tokensPerMillion">,
): BudgetQuota | { readonly problem: string } {
  let dearest: Omit<BudgetQuota, "tokens"> | undefined;
  for (const endpoint of endpoints)
    for (const slot of Object.values(models[endpoint]?.slots ?? {})) {
      const w = slot?.workload;
      const outputShare =
        w && w.peakInputTpm + w.peakOutputTpm > 0 ? w.peakOutputTpm / (w.peakInputTpm + w.peakOutputTpm) : undefined;
      for (const t of slot?.targets ?? []) {
        if (t.kind !== "azure-openai" || !t.model) continue;
        const price = prices.tokensPerMillion[t.model];
        if (!price)
          return {
            problem: `${t.model} has no price per token in the dated price table: price it under prices.tokensPerMillion`,
          };
        const perMillion =
          outputShare === undefined
            ? Math.max(price.input, price.output)
            : price.input * (1 - outputShare) + price.output * outputShare;
        if (!dearest || perMillion > dearest.perMillion)
          dearest = { perMillion, model: t.model, ...(outputShare !== undefined ? { outputShare } : {}) };
      }
    }
  if (!dearest || dearest.perMillion <= 0)
    return {
      problem: `the team's endpoints (${endpoints.join(", ")}) have no priced Azure OpenAI target: vLLM is paid by the GPU hour, not by the token; give monthlyTokenQuota instead`,
    };
  return { ...dearest, tokens: Math.floor((budget / dearest.perMillion) * 1_000_000) };
}

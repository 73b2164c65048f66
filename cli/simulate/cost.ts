// What the simulated window cost and what a month like it would cost, from the dated price table with the
// stack's overrides (components/cost/prices.ts): provisioned deployments and GPU nodes by the hour whether
// used or not, pay-as-you-go deployments by the tokens they served. A month is the window's traffic
// repeated for HOURS_PER_MONTH hours. A price the table lacks leaves its row without a figure, and says so.
import { HOURS_PER_MONTH, type PriceTable } from "../../components/cost/prices";
import type { PlatformModel } from "./platform";
import type { SimulationResult } from "./engine";

export interface SimulatedCostRow {
  readonly item: string;
  readonly basis: string;
  /** USD for the simulated window; undefined when the price table has no price. */
  readonly window?: number;
  readonly monthly?: number;
}

export interface SimulatedCost {
  readonly hours: number;
  readonly rows: readonly SimulatedCostRow[];
  readonly windowTotal: number;
  readonly monthlyTotal: number;
  /** Rows without a price: the totals leave them out. */
  readonly unpriced: readonly string[];
}

/** The window's length for pricing: the trace's span, at least one minute. */
export const pricedHours = (spanMs: number): number => Math.max(spanMs, 60_000) / 3_600_000;

export function simulatedCost(platform: PlatformModel, result: SimulationResult, prices: PriceTable): SimulatedCost {
  const hours = pricedHours(result.spanMs);
  const rows: SimulatedCostRow[] = [];
  const hourly = (item: string, basis: string, perHour: number | undefined) =>
    rows.push({
      item,
      basis,
      ...(perHour !== undefined ? { window: perHour * hours, monthly: perHour * HOURS_PER_MONTH } : {}),
    });
  for (const b of platform.backends.values()) {
    if (b.kind === "ptu") {
      const price = prices.ptuHour[b.deploymentType];
      hourly(`PTU ${b.name}`, `${b.ptu} PTU, hourly`, price === undefined ? undefined : b.ptu * price);
    } else if (b.kind === "vllm") {
      const price = prices.vmHour[b.vmSize];
      hourly(`vLLM ${b.name}`, `${b.nodes} x ${b.vmSize}, hourly`, price === undefined ? undefined : b.nodes * price);
    } else {
      const used = result.deployments.find((d) => d.name === b.name)!;
      const price = prices.tokensPerMillion[b.model];
      const window = price && (used.promptTokens * price.input + used.outputTokens * price.output) / 1_000_000;
      rows.push({
        item: `pay-as-you-go ${b.name}`,
        basis: `${used.promptTokens.toLocaleString("en-US")} in + ${used.outputTokens.toLocaleString("en-US")} out tokens`,
        ...(window !== undefined ? { window, monthly: (window * HOURS_PER_MONTH) / hours } : {}),
      });
    }
  }
  const priced = rows.filter((r) => r.window !== undefined);
  return {
    hours,
    rows,
    windowTotal: priced.reduce((sum, r) => sum + r.window!, 0),
    monthlyTotal: priced.reduce((sum, r) => sum + r.monthly!, 0),
    unpriced: rows.filter((r) => r.window === undefined).map((r) => r.item),
  };
}

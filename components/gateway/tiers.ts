// API Management tiers and what each supports for an AI gateway: the one place these outside facts live.
// Sources: Microsoft Learn, "Feature-based comparison of the Azure API Management tiers", "API Management
// v2 tiers", "Backends in API Management" (circuit breaker and pools: not in Consumption), the
// llm-token-limit / azure-openai-token-limit policy pages (not in Consumption), virtual network pages
// (injection: Developer, Premium, PremiumV2; outbound integration: StandardV2, PremiumV2), the SLA for API
// Management (none for Developer); creation times from Microsoft's AI-Gateway labs (classic tiers 45-75
// minutes). Checked 2026-11-27. API 2024-05-01 in azure-native 3.28.0 has no PremiumV2 in its SKU enum.
export const TIER_TABLE_SOURCE =
  "Microsoft Learn: API Management tier comparison, v2 tiers, backends and token-limit policies";
export const TIER_TABLE_DATE = "2026-11-27";

export const GATEWAY_SKUS = [
  "Developer",
  "Basic",
  "Standard",
  "Premium",
  "BasicV2",
  "StandardV2",
  "Consumption",
] as const;
export type GatewaySku = (typeof GATEWAY_SKUS)[number];

export interface TierFacts {
  /** Backend circuit breakers and load-balanced pools. */
  readonly circuitBreaker: boolean;
  /** `llm-token-limit` / `azure-openai-token-limit`. */
  readonly tokenLimit: boolean;
  /** The gateway runs inside a VNet subnet (inbound private). */
  readonly vnetInjection: boolean;
  /** The gateway reaches private backends through a delegated subnet (outbound only). */
  readonly vnetIntegration: boolean;
  /** Microsoft offers an SLA (Developer: none, so never in prod). */
  readonly sla: boolean;
  /** Availability zones. */
  readonly zones: boolean;
  /** Rough minutes to create, for the plan's first-deploy estimate. */
  readonly createMinutes: number;
}

export const GATEWAY_TIERS: Readonly<Record<GatewaySku, TierFacts>> = {
  Developer: {
    circuitBreaker: true,
    tokenLimit: true,
    vnetInjection: true,
    vnetIntegration: false,
    sla: false,
    zones: false,
    createMinutes: 60,
  },
  Basic: {
    circuitBreaker: true,
    tokenLimit: true,
    vnetInjection: false,
    vnetIntegration: false,
    sla: true,
    zones: false,
    createMinutes: 60,
  },
  Standard: {
    circuitBreaker: true,
    tokenLimit: true,
    vnetInjection: false,
    vnetIntegration: false,
    sla: true,
    zones: false,
    createMinutes: 60,
  },
  Premium: {
    circuitBreaker: true,
    tokenLimit: true,
    vnetInjection: true,
    vnetIntegration: false,
    sla: true,
    zones: true,
    createMinutes: 75,
  },
  BasicV2: {
    circuitBreaker: true,
    tokenLimit: true,
    vnetInjection: false,
    vnetIntegration: false,
    sla: true,
    zones: false,
    createMinutes: 5,
  },
  StandardV2: {
    circuitBreaker: true,
    tokenLimit: true,
    vnetInjection: false,
    vnetIntegration: true,
    sla: true,
    zones: false,
    createMinutes: 5,
  },
  Consumption: {
    circuitBreaker: false,
    tokenLimit: false,
    vnetInjection: false,
    vnetIntegration: false,
    sla: true,
    zones: false,
    createMinutes: 2,
  },
};

/**
 * Why a tier cannot carry the platform's gateway in an environment, or undefined. The gateway always
 * uses circuit breakers and token limits; a stack with a network needs the gateway inside it.
 */
export function tierProblem(
  sku: GatewaySku,
  environment: "dev" | "prod",
  hasNetwork: boolean,
  allowPublicAccess = false,
): string | undefined {
  const tier = GATEWAY_TIERS[sku];
  const allowed = (pick: (t: TierFacts) => boolean) =>
    GATEWAY_SKUS.filter((s) => pick(GATEWAY_TIERS[s]) && (environment === "dev" || GATEWAY_TIERS[s].sla)).join(", ");
  if (!tier.circuitBreaker || !tier.tokenLimit)
    return `${sku} has no backend circuit breakers or token limits, which the gateway needs; use ${allowed((t) => t.circuitBreaker && t.tokenLimit)}`;
  if (environment === "prod" && !tier.sla)
    return `${sku} has no SLA and is not for production; use ${allowed((t) => t.circuitBreaker && t.sla)}`;
  if (hasNetwork && !tier.vnetInjection && !tier.vnetIntegration) {
    return `${sku} cannot reach private backends from the stack's network (no VNet injection or integration); use ${allowed((t) => t.vnetInjection || t.vnetIntegration)}`;
  }
  // Only an injected gateway (internal mode) is off the internet; the others answer on a public address.
  if (environment === "prod" && !tier.vnetInjection && !allowPublicAccess) {
    return `${sku} answers on the internet (no VNet injection): prod's gateway must be inside the network; use ${allowed((t) => t.vnetInjection)}, or set gateway.allowPublicAccess: true to accept a public gateway (the policy pack then reports it)`;
  }
  return undefined;
}

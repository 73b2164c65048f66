// Content safety at the gateway: which routes the gateway checks with Azure AI Content Safety and how
// strictly. Azure OpenAI deployments are filtered by their own RAI policy; a self-hosted (vLLM) model has
// no filter of its own, so every route to one passes the gateway's `llm-content-safety` check. Pure: the
// schema pieces, the thresholds and the routes the gateway policy renders.
import { z } from "zod";
import { COLOURS, type Colour } from "../core/colours";
import type { FilterThreshold } from "../openai/contentFilter";
import { PII_MODES, type PiiMode } from "./pii";

/** Azure AI Content Safety's four harm categories, as `llm-content-safety` names them. */
export const SAFETY_CATEGORIES = ["Hate", "Sexual", "SelfHarm", "Violence"] as const;
export type SafetyCategory = (typeof SAFETY_CATEGORIES)[number];

/** The config's names of the categories (camel case, as every key of the stack config). */
const CONFIG_KEYS = { hate: "Hate", sexual: "Sexual", selfHarm: "SelfHarm", violence: "Violence" } as const;

/**
 * The severity (FourSeverityLevels: 0 safe, 2 low, 4 medium, 6 high) from which a category blocks, for
 * each Azure OpenAI filter threshold: "Medium" blocks medium and high content, "Low" blocks low too.
 */
export const SEVERITY_OF_THRESHOLD: Readonly<Record<FilterThreshold, 2 | 4>> = { Low: 2, Medium: 4 };

const threshold = z.enum(["Low", "Medium"], "Low or Medium (weaker than Medium is not allowed)");

/** `models.<endpoint>.contentSafety`: how the gateway checks the endpoint's prompts. */
export const endpointSafetySchema = z.strictObject({
  /** Per category, the threshold from which a prompt is blocked; unset ones follow the stack's Azure OpenAI filter. */
  thresholds: z
    .strictObject({
      hate: threshold.optional(),
      sexual: threshold.optional(),
      selfHarm: threshold.optional(),
      violence: threshold.optional(),
    })
    .default({}),
  /** Prompt Shields (jailbreak and indirect attacks): on; off is an explicit opt-out the policy pack reports. */
  shieldPrompt: z.boolean().default(true),
  /** PII in prompts (Azure AI Language): count it (`detect`), mask it (`redact`) or refuse the call (`refuse`). */
  pii: z.enum(PII_MODES).default("off"),
});

/** `gateway.contentSafety`: the Azure AI Content Safety resource the gateway checks prompts with. */
export const gatewaySafetySchema = z.strictObject({
  /** Check Azure OpenAI routes at the gateway too (their deployments' RAI policy filters them already). */
  azureOpenAi: z.boolean().default(false),
});

export type EndpointSafety = z.infer<typeof endpointSafetySchema>;

/** What the gateway checks on one endpoint: the blocking severity per category and Prompt Shields. */
export interface SafetyCheck {
  readonly thresholds: Readonly<Record<SafetyCategory, 2 | 4>>;
  readonly shieldPrompt: boolean;
}

/** The gateway's content check of one endpoint, on the slots it covers. */
export interface SafetyRoute {
  readonly endpoint: string;
  /** The slots whose requests are checked: every vLLM slot, and Azure OpenAI slots when the stack opts in. */
  readonly slots: readonly Colour[];
  readonly check: SafetyCheck;
}

interface StackView {
  readonly accounts: Readonly<Record<string, { readonly contentFilterThreshold: FilterThreshold }>>;
  readonly models: Readonly<
    Record<
      string,
      {
        readonly slots: Partial<Record<Colour, { readonly targets: readonly { readonly kind: string }[] }>>;
        readonly contentSafety?: EndpointSafety;
      }
    >
  >;
  readonly gateway?: { readonly contentSafety?: { readonly azureOpenAi: boolean } };
}

/** The strictest threshold of the stack's Azure OpenAI content filters: what an unset category follows. */
export function stackFilterThreshold(config: Pick<StackView, "accounts">): FilterThreshold {
  return Object.values(config.accounts).some((a) => a.contentFilterThreshold === "Low") ? "Low" : "Medium";
}

/** The check of one endpoint: its configured thresholds, the stack's filter threshold for the others. */
export function safetyCheck(endpoint: EndpointSafety | undefined, stackThreshold: FilterThreshold): SafetyCheck {
  const configured = endpoint?.thresholds ?? {};
  const thresholds = Object.fromEntries(
    Object.entries(CONFIG_KEYS).map(([key, category]) => [
      category,
      SEVERITY_OF_THRESHOLD[configured[key as keyof typeof CONFIG_KEYS] ?? stackThreshold],
    ]),
  ) as Record<SafetyCategory, 2 | 4>;
  return { thresholds, shieldPrompt: endpoint?.shieldPrompt ?? true };
}

/** The endpoints and slots the gateway checks, in config order; none without a gateway. */
export function safetyRoutes(config: StackView): SafetyRoute[] {
  if (!config.gateway) return [];
  const azureOpenAi = config.gateway.contentSafety?.azureOpenAi ?? false;
  const stackThreshold = stackFilterThreshold(config);
  return Object.entries(config.models).flatMap(([endpoint, e]) => {
    const slots = COLOURS.filter((c) => {
      const targets = e.slots[c]?.targets ?? [];
      return targets.length > 0 && (azureOpenAi || targets.some((t) => t.kind !== "azure-openai"));
    });
    return slots.length > 0 ? [{ endpoint, slots, check: safetyCheck(e.contentSafety, stackThreshold) }] : [];
  });
}

/** The endpoints whose prompts the gateway checks for PII, with the mode; none without a gateway. */
export function piiRoutes(config: StackView): { readonly endpoint: string; readonly mode: Exclude<PiiMode, "off"> }[] {
  if (!config.gateway) return [];
  return Object.entries(config.models).flatMap(([endpoint, e]) => {
    const mode = e.contentSafety?.pii ?? "off";
    return mode === "off" ? [] : [{ endpoint, mode }];
  });
}

/** What the content-safety settings cannot be in this stack, with key paths. */
export function safetyIssues(config: StackView): { path: string; message: string }[] {
  const covered = new Set(safetyRoutes(config).map((r) => r.endpoint));
  return Object.entries(config.models).flatMap(([endpoint, e]) => {
    if (!e.contentSafety || covered.has(endpoint)) return [];
    // PII checks apply to any endpoint behind the gateway; the harm thresholds only where the gateway checks content.
    if (config.gateway && e.contentSafety.pii !== "off" && Object.keys(e.contentSafety.thresholds).length === 0)
      return [];
    const message = config.gateway
      ? "the gateway checks only routes to self-hosted models (Azure OpenAI deployments are filtered by their RAI policy): set gateway.contentSafety.azureOpenAi: true to check this endpoint too, or remove the key"
      : "content checks run in the gateway: configure gateway, or remove the key";
    return [{ path: `models.${endpoint}.contentSafety`, message }];
  });
}

// Azure OpenAI model versions and when Microsoft retires them: the one place these outside dates live.
// Source: Microsoft Learn, "Model retirement schedule" (MicrosoftDocs/azure-ai-docs
// articles/foundry/openai/includes/concepts-model-retirement-schedule-content.md, ms.date 2026-07-07);
// deprecation dates and replacements from the page's earlier table (includes/retirement/models.md, 2026-04),
// only for versions the newer schedule marks Deprecated (it marks the gpt-5 family and o3 GA).
// A deprecated version is "no longer available for new customers"; deployments of a retired version
// "always return error responses". Microsoft has moved these dates before (a 2026-09 revision of the live
// page shows later ones for some versions): re-check before relying on them, and keep the date below true.
export const LIFECYCLE_TABLE_SOURCE = "Microsoft Learn: Azure OpenAI model retirement schedule";
export const LIFECYCLE_TABLE_DATE = "2026-07-07";

/** Days before retirement from which the plan warns, unless the stack sets `lifecycleWarningDays`. */
export const DEFAULT_LIFECYCLE_WARNING_DAYS = 90;

export interface ModelVersionLifecycle {
  readonly model: string;
  readonly version: string;
  /** From this date the version is closed to subscriptions that never deployed it (YYYY-MM-DD). */
  readonly deprecation?: string;
  /** From this date deployments of the version fail (YYYY-MM-DD). */
  readonly retirement: string;
  /** The retirement date is Microsoft's "not before" date rather than a fixed one. */
  readonly noEarlierThan?: boolean;
  /** The replacement Microsoft names, if any. */
  readonly replacement?: { readonly model: string; readonly version: string };
}

const v = (
  model: string,
  version: string,
  retirement: string,
  more: Omit<ModelVersionLifecycle, "model" | "version" | "retirement"> = {},
): ModelVersionLifecycle => ({ model, version, retirement, ...more });

export const MODEL_LIFECYCLE: readonly ModelVersionLifecycle[] = [
  v("gpt-4o", "2024-08-06", "2026-10-01", {
    deprecation: "2025-08-06",
    replacement: { model: "gpt-5.1", version: "2025-11-13" },
  }),
  v("gpt-4o", "2024-11-20", "2026-10-01", {
    deprecation: "2025-11-20",
    replacement: { model: "gpt-5.1", version: "2025-11-13" },
  }),
  v("gpt-4o-mini", "2024-07-18", "2026-10-01", {
    deprecation: "2025-07-18",
    replacement: { model: "gpt-4.1-mini", version: "2025-04-14" },
  }),
  v("gpt-4.1", "2025-04-14", "2026-10-14", {
    deprecation: "2026-04-14",
    replacement: { model: "gpt-5", version: "2025-08-07" },
  }),
  v("gpt-4.1-mini", "2025-04-14", "2026-10-14", {
    deprecation: "2026-04-14",
    replacement: { model: "gpt-5-mini", version: "2025-08-07" },
  }),
  v("gpt-4.1-nano", "2025-04-14", "2026-10-14", {
    deprecation: "2026-04-14",
    replacement: { model: "gpt-5-nano", version: "2025-08-07" },
  }),
  v("o3-mini", "2025-01-31", "2026-10-01", {
    deprecation: "2026-01-31",
    replacement: { model: "o4-mini", version: "2025-04-16" },
  }),
  v("o3", "2025-04-16", "2026-10-16"),
  v("o4-mini", "2025-04-16", "2026-10-16", { deprecation: "2026-04-16" }),
  v("gpt-5", "2025-08-07", "2027-02-06"),
  v("gpt-5-mini", "2025-08-07", "2027-02-06"),
  v("gpt-5-nano", "2025-08-07", "2027-02-06"),
  v("gpt-5.1", "2025-11-13", "2027-05-15"),
  v("gpt-5.2", "2025-12-11", "2026-12-12"),
  v("text-embedding-3-small", "1", "2027-04-15", { noEarlierThan: true }),
  v("text-embedding-3-large", "1", "2027-04-15", { noEarlierThan: true }),
  v("text-embedding-ada-002", "2", "2027-04-15", { noEarlierThan: true }),
];

export function lifecycleOf(model: string, version: string): ModelVersionLifecycle | undefined {
  return MODEL_LIFECYCLE.find((entry) => entry.model === model && entry.version === version);
}

/** Whole days from `from` to `to` (both YYYY-MM-DD). */
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}

/** The first version along Microsoft's replacement chain that is not retired on `asOf`, with the retired ones passed. */
export function liveReplacement(
  entry: ModelVersionLifecycle,
  asOf: string,
): { live?: ModelVersionLifecycle; passed: ModelVersionLifecycle[] } {
  const passed: ModelVersionLifecycle[] = [];
  let next = entry.replacement && lifecycleOf(entry.replacement.model, entry.replacement.version);
  while (next && next.retirement <= asOf && !passed.includes(next)) {
    passed.push(next);
    next = next.replacement && lifecycleOf(next.replacement.model, next.replacement.version);
  }
  return next && next.retirement > asOf ? { live: next, passed } : { passed };
}

export type LifecycleFinding =
  { readonly severity: "error"; readonly message: string } | { readonly severity: "warning"; readonly message: string };

function replacementAdvice(entry: ModelVersionLifecycle, asOf: string): string {
  const { live, passed } = liveReplacement(entry, asOf);
  const via =
    passed.length > 0
      ? ` (Microsoft names ${passed.map((p) => `${p.model} ${p.version}, itself retired on ${p.retirement}`).join(", then ")})`
      : "";
  if (live) return `move to ${live.model} ${live.version}${via}`;
  return `Microsoft names no live replacement${via}: move to a newer version of ${entry.model} or another model`;
}

/** What the plan says about one pinned model version on `asOf` (YYYY-MM-DD): nothing, a warning, or an error. */
export function lifecycleFinding(
  model: string,
  version: string,
  asOf: string,
  warningDays: number,
): LifecycleFinding | undefined {
  const entry = lifecycleOf(model, version);
  if (!entry) {
    return {
      severity: "warning",
      message: `${model} ${version} is not in the model lifecycle table (${LIFECYCLE_TABLE_DATE}), so its retirement is not checked: add it to components/openai/lifecycle.ts`,
    };
  }
  if (entry.retirement <= asOf) {
    // A "not before" date says when retirement may start, not that it happened.
    if (entry.noEarlierThan) {
      return {
        severity: "warning",
        message: `${model} ${version} may be retired from ${entry.retirement} (Microsoft gave no fixed date): check the retirement schedule and update the lifecycle table; ${replacementAdvice(entry, asOf)}`,
      };
    }
    return {
      severity: "error",
      message: `${model} ${version} was retired on ${entry.retirement}: Azure refuses new deployments of it and existing ones return errors; ${replacementAdvice(entry, asOf)}`,
    };
  }
  const days = daysBetween(asOf, entry.retirement);
  if (days <= warningDays) {
    return {
      severity: "warning",
      message: `${model} ${version} retires on ${entry.retirement}${entry.noEarlierThan ? " at the earliest" : ""}, in ${days} day${days === 1 ? "" : "s"}: ${replacementAdvice(entry, asOf)}`,
    };
  }
  if (entry.deprecation && entry.deprecation <= asOf) {
    return {
      severity: "warning",
      message: `${model} ${version} is deprecated since ${entry.deprecation}: a subscription that never deployed it cannot deploy it now (existing deployments run until ${entry.retirement}); ${replacementAdvice(entry, asOf)}`,
    };
  }
  return undefined;
}

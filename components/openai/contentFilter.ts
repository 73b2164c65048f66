/** The four harm categories Azure OpenAI filters on both prompts and completions. */
export const HARM_CATEGORIES = ["Hate", "Sexual", "Selfharm", "Violence"] as const;

export type FilterThreshold = "Low" | "Medium";

export interface ContentFilter {
  readonly name: string;
  readonly severityThreshold?: FilterThreshold;
  readonly blocking: boolean;
  readonly enabled: boolean;
  readonly source: "Prompt" | "Completion";
}

/**
 * The content filters of the platform's RAI policy: harm categories at `threshold` (Medium, or the
 * stricter Low) on prompts and completions, jailbreak detection on prompts, protected material on completions.
 */
export function contentFilters(threshold: FilterThreshold): ContentFilter[] {
  const harms = HARM_CATEGORIES.flatMap((name) =>
    (["Prompt", "Completion"] as const).map((source) => ({
      name,
      severityThreshold: threshold,
      blocking: true,
      enabled: true,
      source,
    })),
  );
  return [
    ...harms,
    { name: "Jailbreak", blocking: true, enabled: true, source: "Prompt" },
    { name: "Protected Material Text", blocking: true, enabled: true, source: "Completion" },
    { name: "Protected Material Code", blocking: true, enabled: true, source: "Completion" },
  ];
}

export const RAI_BASE_POLICY = "Microsoft.DefaultV2";

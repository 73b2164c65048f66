import type { ResourceValidationPolicy } from "@pulumi/policy";
import { TYPES, checklist, forType } from "../../lib";

const HARMS = ["Hate", "Sexual", "Selfharm", "Violence"];
const SOURCES = ["Prompt", "Completion"];
/** Thresholds at least as strict as Medium (Low blocks more). */
const STRICT_ENOUGH = new Set(["Low", "Medium"]);

export const ethicsOpenaiContentFilterStrength: ResourceValidationPolicy = {
  name: "ethics-openai-content-filter-strength",
  description:
    "Content filters block Hate, Sexual, Selfharm and Violence at Medium or stricter on prompts and completions, synchronously, with jailbreak detection on.",
  severity: "high",
  enforcementLevel: "mandatory",
  framework: checklist(8),
  remediationSteps:
    "Use the platform's RAI policy (base Microsoft.DefaultV2) and set accounts.<key>.contentFilterThreshold to Medium or Low.",
  validateResource: forType(TYPES.raiPolicy, (props, _args, report) => {
    const filters: {
      name?: string;
      source?: string;
      severityThreshold?: string;
      enabled?: boolean;
      blocking?: boolean;
    }[] = props.properties?.contentFilters ?? [];
    for (const harm of HARMS) {
      for (const source of SOURCES) {
        const filter = filters.find((f) => f.name === harm && f.source === source);
        if (!filter) report(`no ${harm} filter on ${source}`);
        else if (!filter.enabled || !filter.blocking) report(`${harm} on ${source} is not enabled and blocking`);
        else if (!STRICT_ENOUGH.has(filter.severityThreshold ?? ""))
          report(`${harm} on ${source} blocks only at ${filter.severityThreshold ?? "(unset)"}: use Medium or Low`);
      }
    }
    // Asynchronous filtering streams tokens before they are checked.
    const mode = props.properties?.mode ?? "Default";
    if (mode !== "Default" && mode !== "Blocking")
      report(`mode is ${JSON.stringify(mode)}: content can reach the client before it is filtered`);
    const jailbreak = filters.find((f) => f.name === "Jailbreak" && f.source === "Prompt");
    if (!jailbreak?.enabled || !jailbreak.blocking)
      report("Jailbreak detection on prompts is not enabled and blocking");
  }),
};

import type { ResourceValidationPolicy } from "@pulumi/policy";
import { allElements, forApiPolicy } from "../../policyDocument";
import { TYPES, checklist } from "../../lib";

const LOOKUPS = new Set(["llm-semantic-cache-lookup", "azure-openai-semantic-cache-lookup"]);
const STORES = new Set(["llm-semantic-cache-store", "azure-openai-semantic-cache-store"]);

/** Above this score distance a semantic cache returns answers to other questions. */
export const MAX_SCORE_THRESHOLD = 0.2;

export const dataApimSemanticCacheBounded: ResourceValidationPolicy = {
  name: "data-apim-semantic-cache-bounded",
  description:
    "A semantic cache answers only close matches (score threshold at most 0.2), per caller (vary-by), and its entries expire (a store with a duration).",
  severity: "high",
  enforcementLevel: "mandatory",
  framework: checklist(15),
  remediationSteps:
    "Set score-threshold to 0.2 or less (0.05 is the platform default), add <vary-by> with the caller, and store with a duration in seconds.",
  validateResource: forApiPolicy(
    (sections, report) => {
      const lookups = allElements(sections.inbound).filter((e) => LOOKUPS.has(e.tag));
      if (lookups.length === 0) return;
      for (const lookup of lookups) {
        const threshold = Number(lookup.attributes["score-threshold"]);
        if (!(threshold > 0 && threshold <= MAX_SCORE_THRESHOLD))
          report(
            `score-threshold is ${lookup.attributes["score-threshold"] ?? "unset"}: use a value above 0 and at most ${MAX_SCORE_THRESHOLD}`,
          );
        if (!lookup.children.some((c) => c.tag === "vary-by"))
          report("the cache lookup has no vary-by: one caller's answers would reach another");
      }
      const stores = allElements(sections.outbound).filter((e) => STORES.has(e.tag));
      if (!stores.some((s) => Number(s.attributes.duration) > 0))
        report("no semantic cache store with a duration: entries never expire");
    },
    [TYPES.apimApiPolicy, TYPES.apimOperationPolicy],
  ),
};

import type { ResourceValidationPolicy } from "@pulumi/policy";
import { allElements, forApiPolicy } from "../../policyDocument";
import { checklist } from "../../lib";

const LIMITS = new Set(["llm-token-limit", "azure-openai-token-limit", "rate-limit-by-key", "rate-limit"]);

export const capacityApimApiTokenLimit: ResourceValidationPolicy = {
  name: "capacity-apim-api-token-limit",
  description: "Every API of the gateway limits its callers' tokens (or at least their requests) per period.",
  severity: "high",
  enforcementLevel: "mandatory",
  framework: checklist(11, 12),
  remediationSteps: "Add <llm-token-limit counter-key=\"...\" tokens-per-minute=\"...\" estimate-prompt-tokens=\"true\"/> to inbound (the gateway component does, per calling application).",
  validateResource: forApiPolicy((sections, report) => {
    if (!allElements(sections.inbound).some((e) => LIMITS.has(e.tag))) report("inbound has no token limit or rate limit: one caller can spend the whole quota");
  }),
};

import type { ResourceValidationPolicy } from "@pulumi/policy";
import { allElements, readPolicyDocument } from "../../policyDocument";
import { TYPES, checklist, forType } from "../../lib";

const LIMITS = new Set(["llm-token-limit", "azure-openai-token-limit", "rate-limit-by-key", "rate-limit"]);

export const capacityApimApiTokenLimit: ResourceValidationPolicy = {
  name: "capacity-apim-api-token-limit",
  description: "Every API of the gateway limits its callers' tokens (or at least their requests) per period.",
  severity: "high",
  enforcementLevel: "mandatory",
  framework: checklist(11, 12),
  remediationSteps: "Add <llm-token-limit counter-key=\"...\" tokens-per-minute=\"...\" estimate-prompt-tokens=\"true\"/> to inbound (the gateway component does, per calling application).",
  validateResource: forType(TYPES.apimApiPolicy, (props, _args, report) => {
    const document = readPolicyDocument(String(props.value ?? ""));
    if ("problem" in document) return report(document.problem);
    if (!allElements(document.sections.inbound).some((e) => LIMITS.has(e.tag))) report("inbound has no token limit or rate limit: one caller can spend the whole quota");
  }),
};

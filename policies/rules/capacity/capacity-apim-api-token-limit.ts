import type { StackValidationPolicy } from "@pulumi/policy";
import { checkPaths } from "../../gatewayPaths";
import { firstStep } from "../../apimPipeline";
import { checklist } from "../../lib";

const LIMITS = new Set(["llm-token-limit", "azure-openai-token-limit"]);

export const capacityApimApiTokenLimit: StackValidationPolicy = {
  name: "capacity-apim-api-token-limit",
  description:
    "On every path through an API's effective policy that reaches a backend, a token limit (llm-token-limit or azure-openai-token-limit) counts the caller's tokens first: no branch, dead condition or operation without <base/> lets a caller past it.",
  severity: "high",
  enforcementLevel: "mandatory",
  framework: checklist(11, 12),
  remediationSteps:
    'Add <llm-token-limit counter-key="..." tokens-per-minute="..." estimate-prompt-tokens="true"/> to inbound on every branch that routes (the gateway component does, per calling application), and keep <base/> in every operation policy.',
  validateStack: (args, report) => {
    checkPaths(
      args.resources,
      (path) =>
        firstStep(path, LIMITS)
          ? undefined
          : "counts no tokens (no llm-token-limit): one caller can spend the whole quota",
      report,
    );
  },
};

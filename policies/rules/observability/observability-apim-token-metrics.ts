import type { StackValidationPolicy } from "@pulumi/policy";
import { checkPaths } from "../../gatewayPaths";
import { firstStep } from "../../apimPipeline";
import { checklist } from "../../lib";

const METRICS = new Set(["llm-emit-token-metric", "azure-openai-emit-token-metric"]);

export const observabilityApimTokenMetrics: StackValidationPolicy = {
  name: "observability-apim-token-metrics",
  description:
    "On every path through an API's effective policy that reaches a backend, the gateway emits token metrics (llm-emit-token-metric), so every token a team spends is counted.",
  severity: "medium",
  enforcementLevel: "mandatory",
  framework: checklist([5, 9], ["MCSB LT-3"]),
  remediationSteps:
    'Add <llm-emit-token-metric namespace="..."> with the team, client, endpoint and slot dimensions to inbound, outside any <choose> (the gateway component does).',
  validateStack: (args, report) => {
    checkPaths(
      args.resources,
      (path) =>
        firstStep(path, METRICS)
          ? undefined
          : "emits no token metrics (llm-emit-token-metric): its tokens are counted nowhere",
      report,
    );
  },
};

import type { ResourceValidationPolicy } from "@pulumi/policy";
import { TYPES, checklist, forType } from "../../lib";

const BODIES = ["frontend.request", "frontend.response", "backend.request", "backend.response"] as const;

export const observabilityApimDiagnosticsNoBodies: ResourceValidationPolicy = {
  name: "observability-apim-diagnostics-no-bodies",
  description:
    "The gateway's diagnostic sends metrics (token metrics need them) and logs no request or response bodies (prompts and completions) unless the stack opts in.",
  severity: "high",
  enforcementLevel: "mandatory",
  framework: checklist(8, 13),
  remediationSteps:
    "Set metrics: true and leave body bytes at 0; log prompts and completions only with the stack's explicit opt-in (gateway.logBodies), which the plan then reports as advisory.",
  configSchema: { properties: { logBodies: { type: "boolean" } } },
  validateResource: forType(TYPES.apimDiagnostic, (props, args, report) => {
    const { logBodies = false } = args.getConfig<{ logBodies?: boolean }>();
    if (props.metrics !== true) report("metrics is not on: token metrics (llm-emit-token-metric) are dropped");
    for (const path of BODIES) {
      const [side, direction] = path.split(".") as ["frontend" | "backend", "request" | "response"];
      const bytes = Number(props[side]?.[direction]?.body?.bytes ?? 0);
      if (bytes === 0) continue;
      report(
        logBodies
          ? `${path} logs ${bytes} body bytes by the stack's opt-in (gateway.logBodies): prompts and completions reach Application Insights, and logged responses are buffered (no streaming)`
          : `${path} logs ${bytes} body bytes: prompts or completions would be logged without the stack's opt-in`,
      );
    }
  }),
};

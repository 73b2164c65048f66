import type { ResourceValidationPolicy } from "@pulumi/policy";
import { TYPES, baseType, checklist, known } from "../../lib";
import { isGenericOf } from "../../catalogue";

const BODIES = ["frontend.request", "frontend.response", "backend.request", "backend.response"] as const;
const GENERIC = "azure-native:resources:Resource";

/** What a diagnostic would log of prompts and completions: body bytes and the LLM log's messages. */
function bodiesLogged(props: Record<string, any>): string[] {
  const logged: string[] = [];
  for (const path of BODIES) {
    const [side, direction] = path.split(".") as ["frontend" | "backend", "request" | "response"];
    const bytes = Number(props[side]?.[direction]?.body?.bytes ?? 0);
    if (bytes > 0) logged.push(`${path} logs ${bytes} body bytes`);
  }
  const llm = props.largeLanguageModel ?? {};
  for (const [key, what] of [
    ["requests", "prompts"],
    ["responses", "completions"],
  ] as const)
    if (llm.logs === "enabled" && llm[key]?.messages === "all")
      logged.push(
        `the LLM log keeps ${what} (largeLanguageModel.${key}, up to ${llm[key].maxSizeInBytes ?? 32_768} bytes each)`,
      );
  return logged;
}

export const observabilityApimDiagnosticsNoBodies: ResourceValidationPolicy = {
  name: "observability-apim-diagnostics-no-bodies",
  description:
    "The gateway's diagnostics log no prompts or completions unless the stack opts in: no request or response body bytes (Application Insights or resource logs) and no messages in the LLM log (largeLanguageModel requests/responses); the Application Insights diagnostic sends metrics (token metrics need them).",
  severity: "high",
  enforcementLevel: "mandatory",
  framework: checklist(8, 13),
  remediationSteps:
    "Leave body bytes at 0 and largeLanguageModel without requests/responses; log prompts and completions only with the stack's explicit opt-in (gateway.logBodies), which the plan then reports as advisory.",
  configSchema: { properties: { logBodies: { type: "boolean" } } },
  validateResource: (args, report) => {
    const type = baseType(args.type);
    const generic = type === GENERIC && isGenericOf(args.props, "Microsoft.ApiManagement", "diagnostics", known);
    if (type !== TYPES.apimDiagnostic && !generic)
      args.notApplicable(`applies only to ${TYPES.apimDiagnostic} and generic API Management diagnostics`);
    const props = generic ? (args.props.properties ?? {}) : args.props;
    const { logBodies = false } = args.getConfig<{ logBodies?: boolean }>();
    if (!generic && props.metrics !== true)
      report("metrics is not on: token metrics (llm-emit-token-metric) are dropped");
    for (const logged of bodiesLogged(props))
      report(
        logBodies
          ? `${logged} by the stack's opt-in (gateway.logBodies): prompts and completions are kept in the logs`
          : `${logged}: prompts or completions would be logged without the stack's opt-in`,
      );
  },
};

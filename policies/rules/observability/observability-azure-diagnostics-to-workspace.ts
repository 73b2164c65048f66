import type { StackValidationPolicy } from "@pulumi/policy";
import { DIAGNOSABLE_TYPES, TYPES, checklist, describe, ofType, sourceOf } from "../../lib";

export const observabilityAzureDiagnosticsToWorkspace: StackValidationPolicy = {
  name: "observability-azure-diagnostics-to-workspace",
  description: "Every Azure resource that supports diagnostics sends its logs and metrics to a Log Analytics workspace.",
  severity: "medium",
  enforcementLevel: "mandatory",
  framework: checklist(13),
  remediationSteps: "Add a monitor.DiagnosticSetting with resourceUri = the resource's id and workspaceId = the platform workspace (allLogs + AllMetrics).",
  validateStack: (args, report) => {
    const settings = ofType(args.resources, TYPES.diagnosticSetting);
    for (const resource of args.resources.filter((r) => DIAGNOSABLE_TYPES.has(r.type))) {
      const forResource = settings.filter((s) => sourceOf(s, "resourceUri", resource.type)?.urn === resource.urn);
      const toWorkspace = forResource.filter((s) => sourceOf(s, "workspaceId", TYPES.workspace) || /\/providers\/Microsoft\.OperationalInsights\/workspaces\//i.test(String(s.props.workspaceId ?? "")));
      if (forResource.length === 0) report(`${describe(resource)} has no diagnostic setting`, resource.urn);
      else if (toWorkspace.length === 0) report(`${describe(resource)} has diagnostic settings, but none sends to a Log Analytics workspace`, resource.urn);
    }
  },
};

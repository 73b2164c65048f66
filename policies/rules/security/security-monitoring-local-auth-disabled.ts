import type { ResourceValidationPolicy } from "@pulumi/policy";
import { TYPES, baseType, checklist } from "../../lib";

export const securityMonitoringLocalAuthDisabled: ResourceValidationPolicy = {
  name: "security-monitoring-local-auth-disabled",
  description:
    "Log Analytics and Application Insights accept Entra ID only: no shared keys or instrumentation-key ingestion.",
  severity: "medium",
  enforcementLevel: "mandatory",
  framework: checklist([4, 14], ["MCSB IM-1"]),
  remediationSteps:
    "Set features.disableLocalAuth: true on the workspace and disableLocalAuth: true on Application Insights; send telemetry with a managed identity.",
  validateResource: (args, report) => {
    if (baseType(args.type) === TYPES.workspace) {
      if (args.props.features?.disableLocalAuth !== true)
        report("features.disableLocalAuth is not true: shared keys stay usable");
    } else if (baseType(args.type) === TYPES.appInsights) {
      if (args.props.disableLocalAuth !== true)
        report("disableLocalAuth is not true: the instrumentation key alone can write telemetry");
    } else {
      args.notApplicable(`applies only to ${TYPES.workspace} and ${TYPES.appInsights}`);
    }
  },
};

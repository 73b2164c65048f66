import * as pulumi from "@pulumi/pulumi";
import * as monitor from "@pulumi/azure-native/monitor";
import { checkedName } from "./naming";

/**
 * Sends a resource's logs (every category, `allLogs`) and/or metrics (`AllMetrics`) to the platform's
 * Log Analytics workspace, under the one setting name the platform uses.
 */
export function sendDiagnostics(
  name: string,
  args: {
    resourceUri: pulumi.Input<string>;
    workspaceId: pulumi.Input<string>;
    logs: boolean;
    metrics: boolean;
    dedicatedTables?: boolean;
  },
  opts: pulumi.CustomResourceOptions,
): monitor.DiagnosticSetting {
  return new monitor.DiagnosticSetting(
    name,
    {
      name: checkedName("diagnosticSetting", "diag-log-analytics"),
      resourceUri: args.resourceUri,
      workspaceId: args.workspaceId,
      // Resource-specific tables (e.g. ApiManagementGatewayLogs) instead of the shared AzureDiagnostics.
      ...(args.dedicatedTables ? { logAnalyticsDestinationType: "Dedicated" } : {}),
      ...(args.logs ? { logs: [{ categoryGroup: "allLogs", enabled: true }] } : {}),
      ...(args.metrics ? { metrics: [{ category: "AllMetrics", enabled: true }] } : {}),
    },
    opts,
  );
}

// The log alerts' KQL: pure, so that it is checked without the Pulumi runtime (test/logAlertQueries.test.ts).

/**
 * Where the request logs the ratio alerts read live in Log Analytics: Azure OpenAI's RequestResponse logs
 * in AzureDiagnostics (status code in ResultSignature, as Microsoft's "Monitor Azure OpenAI" sample queries
 * read them), and API Management's gateway logs in their resource-specific table (the gateway's diagnostic
 * setting writes dedicated tables).
 */
export const REQUEST_LOGS = {
  account: {
    table: "AzureDiagnostics",
    filter: 'ResourceProvider == "MICROSOFT.COGNITIVESERVICES" and Category == "RequestResponse"',
    status: "toint(ResultSignature)",
  },
  gateway: { table: "ApiManagementGatewayLogs", filter: "isnotempty(ApiId)", status: "ResponseCode" },
} as const;

/**
 * KQL for the share of requests whose status matches, per resource, over the rule's window; resources
 * with fewer than `minRequests` calls are left out so one failed call at night does not page anyone.
 */
export function ratioQuery(
  source: keyof typeof REQUEST_LOGS,
  match: "throttled" | "errors",
  minRequests: number,
): string {
  const logs = REQUEST_LOGS[source];
  const condition = match === "throttled" ? `${logs.status} == 429` : `${logs.status} >= 500`;
  return [
    logs.table,
    `| where ${logs.filter}`,
    `| summarize requests = count(), matching = countif(${condition}) by _ResourceId`,
    `| where requests >= ${minRequests}`,
    "| extend ratio = todouble(matching) / requests",
  ].join("\n");
}

/**
 * KQL for the largest share of its monthly token quota any application of a team has used in the window:
 * the gateway's `Token quota used percent` custom metric (components/gateway/apiPolicy.ts), which
 * workspace-based Application Insights keeps in the workspace's AppMetrics table.
 */
export function quotaUsedQuery(metricName: string): string {
  return [
    "AppMetrics",
    `| where Name == ${JSON.stringify(metricName)}`,
    '| extend Team = tostring(Properties["Team"]), Client = tostring(Properties["Client"])',
    "| summarize UsedPercent = max(Max) by Team, Client",
  ].join("\n");
}

// The gateway's audit trail: what each model API logs to Log Analytics (the LLM log: token counts per
// call always, prompts and completions only where the stack opts in) and the documented queries that
// read it. Pure: the gateway component deploys the diagnostic; the tests analyze the queries.

/**
 * The API version of the APIs' Azure Monitor diagnostic. Its `largeLanguageModel` settings (the LLM log)
 * exist from 2024-06-01-preview on; @pulumi/azure-native 3.28.0's ApiDiagnostic is 2024-05-01, which has
 * none, so the diagnostic is a generic ARM resource at this version.
 */
export const LLM_LOGS_API_VERSION = "2024-06-01-preview";

/** The diagnostic (and logger) id API Management gives Azure Monitor resource logs. */
export const AZURE_MONITOR_DIAGNOSTIC = "azuremonitor";

/** The largest prompt or completion the LLM log takes per message (API Management's limit). */
export const MAX_LLM_MESSAGE_BYTES = 262_144;

/** The source name of the gateway's trace records: who called, which team, which endpoint and slot. */
export const TRACE_SOURCE = "genai-gateway";

/** The policy variables each trace record carries as metadata, under the same names. */
export const TRACE_METADATA = ["team", "caller", "endpoint", "adapter", "slot"] as const;

/**
 * The properties of a model API's `azuremonitor` diagnostic: gateway logs for every call (errors always),
 * the LLM log with token counts for every call, and the messages themselves only with `logMessages`,
 * each cut at `maxMessageBytes`. Bodies never go to the gateway log itself (its limit is 8 KiB and it
 * buffers responses); the LLM log keeps streaming.
 */
export function llmLogDiagnostic<T>(spec: { loggerId: T; logMessages: boolean; maxMessageBytes: number }) {
  if (!(
    Number.isInteger(spec.maxMessageBytes) &&
    spec.maxMessageBytes >= 1 &&
    spec.maxMessageBytes <= MAX_LLM_MESSAGE_BYTES
  ))
    throw new Error(`maxMessageBytes ${spec.maxMessageBytes} is outside 1-${MAX_LLM_MESSAGE_BYTES}`);
  const messages = { messages: "all", maxSizeInBytes: spec.maxMessageBytes };
  return {
    loggerId: spec.loggerId,
    alwaysLog: "allErrors",
    // `information` keeps the policy's trace records (team, caller, endpoint, slot) in the gateway log.
    verbosity: "information",
    logClientIp: true,
    sampling: { samplingType: "fixed", percentage: 100 },
    frontend: { request: { body: { bytes: 0 } }, response: { body: { bytes: 0 } } },
    backend: { request: { body: { bytes: 0 } }, response: { body: { bytes: 0 } } },
    largeLanguageModel: {
      logs: "enabled",
      ...(spec.logMessages ? { requests: messages, responses: messages } : {}),
    },
  };
}

/** The gateway log's trace record of each call since `since` (KQL): the team, caller, endpoint, LoRA adapter (if any) and slot the policy traced. */
export const tracedCalls = (since: string) => `ApiManagementGatewayLogs
| where TimeGenerated >= ${since}
| mv-expand Trace = todynamic(TraceRecords)
| where tostring(Trace["source"]) == "${TRACE_SOURCE}"
| extend ${TRACE_METADATA.map((name) => `${name[0]!.toUpperCase()}${name.slice(1)} = tostring(Trace["metadata"]["${name}"])`).join(", ")}
| project CorrelationId, Team, Caller, Endpoint, Adapter, Slot, CallerIpAddress, ResponseCode, BackendId`;

/**
 * Who called which model with what, and when: one row per model call of the last day, with the team and
 * calling application the gateway traced, the deployment that answered, the tokens, and the prompt and
 * completion where the environment logs messages (empty otherwise).
 */
export const AUDIT_QUERY = `ApiManagementGatewayLlmLog
| where TimeGenerated > ago(1d)
| summarize TimeGenerated = min(TimeGenerated), PromptTokens = sum(PromptTokens), CompletionTokens = sum(CompletionTokens), DeploymentName = take_any(DeploymentName), ModelName = take_any(ModelName), Prompt = make_list(RequestMessages), Completion = make_list(ResponseMessages) by CorrelationId
| join kind=leftouter (${tracedCalls("ago(1d)").replace(/\n/g, "\n  ")}) on CorrelationId
| project TimeGenerated, Team, Caller, CallerIpAddress, Endpoint, Adapter, Slot, DeploymentName, ModelName, PromptTokens, CompletionTokens, ResponseCode, Prompt, Completion
| order by TimeGenerated desc`;

/** A team's usage this calendar month, per day, endpoint and slot: calls, tokens and refusals (set `team`). */
export const TEAM_USAGE_QUERY = `let team = "assistant";
let calls = ${tracedCalls("startofmonth(now())").replace(/\n/g, "\n  ")}
  | where Team == team;
let tokens = ApiManagementGatewayLlmLog
  | where TimeGenerated >= startofmonth(now())
  | summarize PromptTokens = sum(PromptTokens), CompletionTokens = sum(CompletionTokens) by CorrelationId;
ApiManagementGatewayLogs
| where TimeGenerated >= startofmonth(now())
| project CorrelationId, TimeGenerated
| join kind=inner calls on CorrelationId
| join kind=leftouter tokens on CorrelationId
| summarize Calls = count(), Refused = countif(ResponseCode >= 400), PromptTokens = sum(PromptTokens), CompletionTokens = sum(CompletionTokens) by Day = startofday(TimeGenerated), Team, Endpoint, Slot
| order by Day asc, Endpoint asc, Slot asc`;

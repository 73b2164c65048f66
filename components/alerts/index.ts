import * as pulumi from "@pulumi/pulumi";
import * as monitor from "@pulumi/azure-native/monitor";
import type * as azureTypes from "@pulumi/azure-native/types";
import { missingSpansMinCalls, missingSpansQuery } from "./spans";
import { REQUEST_LOGS, quotaUsedQuery, ratioQuery } from "./queries";
import {
  accountSignals,
  dynamicCriterion,
  gatewaySignals,
  teamTokensQuery,
  type AnomalySettings,
  type AnomalySignal,
} from "./anomaly";

export * from "./anomaly";
export * from "./spans";
export * from "./queries";

// Azure OpenAI's platform metrics the alerts watch (Microsoft Learn, "Supported metrics for
// Microsoft.CognitiveServices/accounts", checked 2026-11-27): the normalized time to first byte applies
// to every deployment type; provisioned-managed utilization V2 to PTU deployments (>= 100% throttles).
export const OPENAI_METRICS = {
  timeToFirstByte: "AzureOpenAINormalizedTTFTInMS",
  ptuUtilization: "AzureOpenAIProvisionedManagedUtilizationV2",
} as const;

export interface AccountAlertTarget {
  readonly key: string;
  readonly accountId: pulumi.Input<string>;
  /** The account holds PTU deployments (utilization applies). */
  readonly provisioned: boolean;
}

export interface AzureAlertsArgs {
  readonly resourceGroupName: pulumi.Input<string>;
  readonly tags: Readonly<Record<string, string>>;
  /** `<prefix>-<env>`: names the action group and the rules. */
  readonly stackName: string;
  readonly emails: readonly string[];
  /** A webhook (e.g. an incident tool's), a secret. */
  readonly webhookUrl?: pulumi.Output<string>;
  readonly accounts: readonly AccountAlertTarget[];
  readonly timeToFirstByteMs: number;
  readonly ptuUtilizationPercent: number;
  /** Log Analytics, where the accounts' and the gateway's request logs land. */
  readonly workspaceId: pulumi.Input<string>;
  /** The gateway service, when the stack has one. */
  readonly gatewayId?: pulumi.Input<string>;
  /** Share of 429 answers over 15 minutes above which an alert fires (per account, and at the gateway). */
  readonly throttledRatio: number;
  /** Share of 5xx answers over 15 minutes above which an alert fires. */
  readonly errorRatio: number;
  /** Fewest requests in the window for a ratio to count. */
  readonly minRequests: number;
  /** The location of the workspace (log alert rules live beside it). */
  readonly location: string;
  /** Teams with a monthly token quota (or a spend ceiling): alert when one has used this percentage of it. */
  readonly teamQuota?: { readonly teams: readonly string[]; readonly percent: number; readonly metricName: string };
  /** Dynamic-threshold (learned) alerts on every account, the gateway and each team's tokens. */
  readonly anomaly: AnomalySettings;
  /** The addresses of the vLLM servers whose spans the cluster's collector forwards: alert when none arrive. */
  readonly tracedServerHosts?: readonly string[];
  /** The gateway's trace sampling share (percent): the servers keep what it keeps. */
  readonly traceSamplingPercent?: number;
}

/** A metric alert's single static criterion, in the shape monitor.MetricAlert takes. */
export function staticCriterion(
  name: string,
  metricName: string,
  aggregation: "Average" | "Maximum",
  threshold: number,
) {
  return {
    odataType: "Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria" as const,
    allOf: [
      {
        criterionType: "StaticThresholdCriterion" as const,
        name,
        metricName,
        metricNamespace: "Microsoft.CognitiveServices/accounts",
        operator: "GreaterThan",
        threshold,
        timeAggregation: aggregation,
      },
    ],
  };
}

/**
 * Azure Monitor alerts to one action group (e-mail, and a webhook when the stack has one): metric alerts on
 * each Azure OpenAI account (time to first byte; PTU utilization where PTUs are deployed) and log alerts on
 * the share of 429 and 5xx answers per account and at the gateway.
 */
export class AzureAlerts extends pulumi.ComponentResource {
  constructor(name: string, args: AzureAlertsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("genai:alerts:AzureAlerts", name, {}, opts);
    const child = { parent: this };
    const group = new monitor.ActionGroup(
      `${name}-action-group`,
      {
        actionGroupName: `ag-${args.stackName}`,
        resourceGroupName: args.resourceGroupName,
        location: "global",
        groupShortName: args.stackName.slice(0, 12),
        enabled: true,
        emailReceivers: args.emails.map((emailAddress, i) => ({
          name: `email-${i}`,
          emailAddress,
          useCommonAlertSchema: true,
        })),
        ...(args.webhookUrl
          ? { webhookReceivers: [{ name: "webhook", serviceUri: args.webhookUrl, useCommonAlertSchema: true }] }
          : {}),
        tags: args.tags,
      },
      child,
    );
    const alert = (
      key: string,
      ruleSuffix: string,
      description: string,
      scope: pulumi.Input<string>,
      criteria: ReturnType<typeof staticCriterion>,
    ) =>
      new monitor.MetricAlert(
        `${name}-${key}-${ruleSuffix}`,
        {
          ruleName: `alert-${args.stackName}-${key}-${ruleSuffix}`,
          resourceGroupName: args.resourceGroupName,
          location: "global",
          description,
          severity: 2,
          enabled: true,
          scopes: [scope],
          evaluationFrequency: "PT1M",
          windowSize: "PT5M",
          autoMitigate: true,
          criteria,
          actions: [{ actionGroupId: group.id }],
          tags: args.tags,
        },
        child,
      );
    for (const account of args.accounts) {
      alert(
        account.key,
        "ttfb",
        `Average normalized time to first byte on ${account.key} above ${args.timeToFirstByteMs} ms over 5 minutes`,
        account.accountId,
        staticCriterion("ttfb", OPENAI_METRICS.timeToFirstByte, "Average", args.timeToFirstByteMs),
      );
      if (account.provisioned) {
        alert(
          account.key,
          "ptu",
          `PTU utilization on ${account.key} above ${args.ptuUtilizationPercent}% (at 100% calls are throttled)`,
          account.accountId,
          staticCriterion("ptu", OPENAI_METRICS.ptuUtilization, "Maximum", args.ptuUtilizationPercent),
        );
      }
    }
    /** A log alert over the workspace (the gateway's metrics and logs): every 15 minutes over the last hour. */
    const logAlert = (key: string, description: string, condition: azureTypes.input.monitor.ConditionArgs) =>
      new monitor.ScheduledQueryRule(
        `${name}-${key}`,
        {
          ruleName: `alert-${args.stackName}-${key}`,
          resourceGroupName: args.resourceGroupName,
          location: args.location,
          kind: "LogAlert",
          description,
          severity: 3,
          enabled: true,
          scopes: [args.workspaceId],
          evaluationFrequency: "PT15M",
          windowSize: "PT1H",
          autoMitigate: true,
          criteria: { allOf: [condition] },
          // A new workspace holds a table only once its first rows arrive (the servers' spans, the gateway's
          // metrics): Azure would refuse to create the rule until then, so the query is not resolved at creation.
          skipQueryValidation: true,
          actions: { actionGroups: [group.id] },
          tags: args.tags,
        },
        child,
      );
    // Anomalies: thresholds Azure Monitor learns per series, not guessed ones.
    const anomaly = (signal: AnomalySignal, scope: pulumi.Input<string>) =>
      new monitor.MetricAlert(
        `${name}-${signal.key}`,
        {
          ruleName: `alert-${args.stackName}-${signal.key}`,
          resourceGroupName: args.resourceGroupName,
          location: "global",
          description: signal.description,
          severity: 3,
          enabled: true,
          scopes: [scope],
          evaluationFrequency: "PT5M",
          windowSize: "PT15M",
          autoMitigate: true,
          criteria: dynamicCriterion(signal, args.anomaly),
          actions: [{ actionGroupId: group.id }],
          tags: args.tags,
        },
        child,
      );
    for (const account of args.accounts)
      for (const signal of accountSignals(account.key)) anomaly(signal, account.accountId);
    if (args.gatewayId) {
      const gatewayId = args.gatewayId;
      for (const signal of gatewaySignals()) anomaly(signal, gatewayId);
      // A team's sudden tenfold is an incident or an abuse: its tokens against their own learned pattern.
      logAlert(
        "team-tokens-anomaly",
        "A team's tokens through the gateway far from what Azure Monitor learned of them",
        {
          criterionType: "DynamicThresholdCriterion",
          query: teamTokensQuery(),
          timeAggregation: "Total",
          metricMeasureColumn: "Tokens",
          dimensions: [{ name: "Team", operator: "Include", values: ["*"] }],
          operator: "GreaterOrLessThan",
          alertSensitivity: args.anomaly.sensitivity,
          failingPeriods: {
            numberOfEvaluationPeriods: args.anomaly.periods,
            minFailingPeriodsToAlert: args.anomaly.violations,
          },
        },
      );
    }
    // Ratios need request counts by status: log alerts over the request logs, per resource.
    const ratioAlert = (
      source: keyof typeof REQUEST_LOGS,
      match: "throttled" | "errors",
      threshold: number,
      what: string,
    ) =>
      new monitor.ScheduledQueryRule(
        `${name}-${source}-${match}`,
        {
          ruleName: `alert-${args.stackName}-${source}-${match}`,
          resourceGroupName: args.resourceGroupName,
          location: args.location,
          kind: "LogAlert",
          description: `${what} above ${threshold * 100}% of at least ${args.minRequests} requests over 15 minutes`,
          severity: 2,
          enabled: true,
          scopes: [args.workspaceId],
          evaluationFrequency: "PT5M",
          windowSize: "PT15M",
          autoMitigate: true,
          criteria: {
            allOf: [
              {
                query: ratioQuery(source, match, args.minRequests),
                timeAggregation: "Maximum",
                metricMeasureColumn: "ratio",
                resourceIdColumn: "_ResourceId",
                operator: "GreaterThan",
                threshold,
                failingPeriods: { numberOfEvaluationPeriods: 1, minFailingPeriodsToAlert: 1 },
              },
            ],
          },
          actions: { actionGroups: [group.id] },
          tags: args.tags,
        },
        child,
      );
    ratioAlert("account", "throttled", args.throttledRatio, "Azure OpenAI answers of 429 (throttled) on an account");
    ratioAlert("account", "errors", args.errorRatio, "Azure OpenAI answers of 5xx on an account");
    if (args.gatewayId) {
      ratioAlert(
        "gateway",
        "throttled",
        args.throttledRatio,
        "Gateway answers of 429 to clients (token limits, or every pool member throttled)",
      );
      ratioAlert("gateway", "errors", args.errorRatio, "Gateway answers of 5xx to clients");
    }
    // The servers' spans go through a collector that reports no delivery failure: the gateway's log witnesses them missing.
    const minCalls = missingSpansMinCalls(args.minRequests, args.traceSamplingPercent ?? 100);
    if (args.gatewayId && args.tracedServerHosts && args.tracedServerHosts.length > 0 && minCalls !== undefined)
      logAlert(
        "server-spans-missing",
        `The vLLM servers answered at least ${minCalls} calls through the gateway in the last hour, twice in a row, but none of their spans reached Application Insights: the trace collector cannot deliver (its identity's Monitoring Metrics Publisher role, its token, the ingestion endpoint)`,
        {
          query: missingSpansQuery(args.tracedServerHosts, minCalls),
          timeAggregation: "Count",
          operator: "GreaterThan",
          threshold: 0,
          // Twice in a row: logs and spans are ingested at different speeds after a quiet spell.
          failingPeriods: { numberOfEvaluationPeriods: 2, minFailingPeriodsToAlert: 2 },
        },
      );
    const quota = args.teamQuota;
    if (quota && quota.teams.length > 0)
      logAlert(
        "team-quota",
        `A team's application has used ${quota.percent}% of its monthly token quota (teams ${quota.teams.join(", ")}); at 100% the gateway answers 403 until the month ends`,
        {
          query: quotaUsedQuery(quota.metricName),
          timeAggregation: "Maximum",
          metricMeasureColumn: "UsedPercent",
          dimensions: ["Team", "Client"].map((d) => ({ name: d, operator: "Include", values: ["*"] })),
          operator: "GreaterThanOrEqual",
          threshold: quota.percent,
          failingPeriods: { numberOfEvaluationPeriods: 1, minFailingPeriodsToAlert: 1 },
        },
      );
    this.registerOutputs({});
  }
}

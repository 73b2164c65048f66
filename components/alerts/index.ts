import * as pulumi from "@pulumi/pulumi";
import * as monitor from "@pulumi/azure-native/monitor";

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
}

/** A metric alert's single static criterion, in the shape monitor.MetricAlert takes. */
export function staticCriterion(name: string, metricName: string, aggregation: "Average" | "Maximum", threshold: number) {
  return {
    odataType: "Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria" as const,
    allOf: [{ criterionType: "StaticThresholdCriterion" as const, name, metricName, metricNamespace: "Microsoft.CognitiveServices/accounts", operator: "GreaterThan", threshold, timeAggregation: aggregation }],
  };
}

/**
 * Azure Monitor alerts on the Azure OpenAI accounts (time to first byte; PTU utilization where PTUs are
 * deployed) to one action group: e-mail, and a webhook when the stack has one.
 */
export class AzureAlerts extends pulumi.ComponentResource {
  constructor(name: string, args: AzureAlertsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("genai:alerts:AzureAlerts", name, {}, opts);
    const child = { parent: this };
    const group = new monitor.ActionGroup(`${name}-action-group`, {
      actionGroupName: `ag-${args.stackName}`,
      resourceGroupName: args.resourceGroupName,
      location: "global",
      groupShortName: args.stackName.slice(0, 12),
      enabled: true,
      emailReceivers: args.emails.map((emailAddress, i) => ({ name: `email-${i}`, emailAddress, useCommonAlertSchema: true })),
      ...(args.webhookUrl ? { webhookReceivers: [{ name: "webhook", serviceUri: args.webhookUrl, useCommonAlertSchema: true }] } : {}),
      tags: args.tags,
    }, child);
    const alert = (key: string, ruleSuffix: string, description: string, scope: pulumi.Input<string>, criteria: ReturnType<typeof staticCriterion>) =>
      new monitor.MetricAlert(`${name}-${key}-${ruleSuffix}`, {
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
      }, child);
    for (const account of args.accounts) {
      alert(account.key, "ttfb", `Average normalized time to first byte on ${account.key} above ${args.timeToFirstByteMs} ms over 5 minutes`, account.accountId, staticCriterion("ttfb", OPENAI_METRICS.timeToFirstByte, "Average", args.timeToFirstByteMs));
      if (account.provisioned) {
        alert(account.key, "ptu", `PTU utilization on ${account.key} above ${args.ptuUtilizationPercent}% (at 100% calls are throttled)`, account.accountId, staticCriterion("ptu", OPENAI_METRICS.ptuUtilization, "Maximum", args.ptuUtilizationPercent));
      }
    }
    this.registerOutputs({});
  }
}

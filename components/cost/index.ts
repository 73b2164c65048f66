import * as pulumi from "@pulumi/pulumi";
import * as consumption from "@pulumi/azure-native/consumption";
import * as applicationinsights from "@pulumi/azure-native/applicationinsights";
import { v5 as uuidv5 } from "uuid";
import { WORKBOOK_NAMESPACE, teamCostWorkbook, type PriceRow } from "./teamCost";

export * from "./prices";
export * from "./monthlyCost";
export * from "./teamCost";

export interface BudgetArgs {
  readonly subscriptionId: string;
  /** The resource groups whose spend the budget counts: the stack's and the cluster's node resource group, where AKS bills the nodes. */
  readonly resourceGroups: readonly pulumi.Input<string>[];
  readonly name: string;
  readonly monthlyAmount: number;
  /** The first of a month, `YYYY-MM-01`: from config, never the clock, so plans stay identical. */
  readonly startDate: string;
  readonly contactEmails: readonly string[];
  /** Percentages of the amount at which actual spend notifies. */
  readonly actualThresholds: readonly number[];
  /** Percentage of the amount at which forecast spend notifies. */
  readonly forecastThreshold: number;
}

/** The notifications of a budget (at most five): actual spend at each threshold, forecast at one. */
export function budgetNotifications(
  args: Pick<BudgetArgs, "contactEmails" | "actualThresholds" | "forecastThreshold">,
): Record<
  string,
  { enabled: boolean; operator: string; threshold: number; thresholdType: string; contactEmails: string[] }
> {
  const entries = [
    ...args.actualThresholds.map(
      (t) =>
        [
          `actual-${t}`,
          {
            enabled: true,
            operator: "GreaterThanOrEqualTo",
            threshold: t,
            thresholdType: "Actual",
            contactEmails: [...args.contactEmails],
          },
        ] as const,
    ),
    [
      `forecast-${args.forecastThreshold}`,
      {
        enabled: true,
        operator: "GreaterThanOrEqualTo",
        threshold: args.forecastThreshold,
        thresholdType: "Forecasted",
        contactEmails: [...args.contactEmails],
      },
    ] as const,
  ];
  if (entries.length > 5) throw new Error(`a budget takes at most 5 notifications, got ${entries.length}`);
  return Object.fromEntries(entries);
}

/**
 * A monthly cost budget on the stack's spend, notifying on actual and forecast spend. It is scoped to the
 * subscription and filtered to the stack's resource groups, because one budget takes one scope and the
 * GPU nodes, their disks and load balancers are billed in the cluster's node resource group.
 */
export class CostBudget extends pulumi.ComponentResource {
  constructor(name: string, args: BudgetArgs, opts?: pulumi.ComponentResourceOptions) {
    super("genai:cost:CostBudget", name, {}, opts);
    new consumption.Budget(
      `${name}-budget`,
      {
        budgetName: args.name,
        scope: `/subscriptions/${args.subscriptionId}`,
        filter: { dimensions: { name: "ResourceGroupName", operator: "In", values: [...args.resourceGroups] } },
        amount: args.monthlyAmount,
        category: "Cost",
        timeGrain: "Monthly",
        timePeriod: { startDate: `${args.startDate}T00:00:00Z` },
        notifications: budgetNotifications(args),
      },
      { parent: this },
    );
    this.registerOutputs({});
  }
}

export interface TeamSpendArgs {
  readonly subscriptionId: string;
  readonly resourceGroupName: pulumi.Input<string>;
  readonly location: string;
  readonly tags: Readonly<Record<string, string>>;
  /** `<prefix>-<env>`: names the workbook. */
  readonly stackName: string;
  /** The workspace the gateway's logs land in: the workbook's source and the queries' scope. */
  readonly workspaceId: pulumi.Input<string>;
  readonly rows: readonly PriceRow[];
  readonly unpriced: readonly string[];
}

/** Spend per team in money: an Azure Monitor workbook over the gateway's logs, priced (components/cost/teamCost.ts). */
export class TeamSpend extends pulumi.ComponentResource {
  constructor(name: string, args: TeamSpendArgs, opts?: pulumi.ComponentResourceOptions) {
    super("genai:cost:TeamSpend", name, {}, opts);
    new applicationinsights.Workbook(
      `${name}-workbook`,
      {
        // A workbook's name is a GUID: one per stack, stable across plans.
        resourceName: uuidv5(`${args.subscriptionId}/${args.stackName}/team-spend`, WORKBOOK_NAMESPACE),
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        kind: "shared",
        category: "workbook",
        displayName: `Spend per team (${args.stackName})`,
        sourceId: args.workspaceId,
        serializedData: pulumi.output(args.workspaceId).apply((id) => teamCostWorkbook(args.rows, id, args.unpriced)),
        tags: args.tags,
      },
      { parent: this },
    );
    this.registerOutputs({});
  }
}

import type { StackValidationPolicy } from "@pulumi/policy";
import { TYPES, checklist, ofType } from "../../lib";

export const costAzureBudget: StackValidationPolicy = {
  name: "cost-azure-budget",
  description:
    "A stack that deploys anything has a monthly cost budget with an amount, notifying someone on actual and on forecast spend.",
  severity: "medium",
  enforcementLevel: "mandatory",
  framework: checklist(5),
  remediationSteps:
    "Set budget {monthlyAmount, startDate: YYYY-MM-01, contactEmails} in the stack config; the platform creates the budget with actual and forecast notifications.",
  validateStack: (args, report) => {
    if (!args.resources.some((r) => r.type.startsWith("azure-native:"))) return;
    const budgets = ofType(args.resources, TYPES.budget);
    if (budgets.length === 0) {
      report("no cost budget: spend is watched by nobody");
      return;
    }
    for (const b of budgets) {
      if (!(Number(b.props.amount) > 0)) report(`${b.name}: amount is ${b.props.amount ?? "unset"}`, b.urn);
      const notes = Object.values<any>(b.props.notifications ?? {}).filter(
        (n) =>
          n.enabled !== false &&
          (n.contactEmails?.length ?? 0) + (n.contactGroups?.length ?? 0) + (n.contactRoles?.length ?? 0) > 0,
      );
      for (const kind of ["Actual", "Forecasted"]) {
        if (!notes.some((n) => (n.thresholdType ?? "Actual") === kind))
          report(`${b.name}: no ${kind.toLowerCase()}-spend notification reaches anyone`, b.urn);
      }
    }
  },
};

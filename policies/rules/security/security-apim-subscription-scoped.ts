import type { ResourceValidationPolicy } from "@pulumi/policy";
import { baseType, checklist } from "../../lib";

const SUBSCRIPTION = "azure-native:apimanagement:Subscription";

/** Whether a subscription's scope names one API or one product (`/apis/x`, `/products/x`, or their full ARM ids). */
export function scopedToOne(scope: string): boolean {
  return /(^|\/service\/[^/]+)\/(apis|products)\/[^/]+$/i.test(scope);
}

export const securityApimSubscriptionScoped: ResourceValidationPolicy = {
  name: "security-apim-subscription-scoped",
  description:
    "Every API Management subscription (a key) is scoped to one product or one API, never to all APIs of the service: a leaked key opens only what its team was given.",
  severity: "high",
  enforcementLevel: "mandatory",
  framework: checklist(
    [4, 14],
    ["Azure Policy 'API Management subscriptions should not be scoped to all APIs'", "MCSB PA-7"],
  ),
  remediationSteps: "Set scope to /products/<team> (the gateway component does for teams with subscriptionKeys).",
  validateResource: (args, report) => {
    if (baseType(args.type) !== SUBSCRIPTION) args.notApplicable(`applies only to ${SUBSCRIPTION}`);
    const scope = String(args.props.scope ?? "");
    if (!scopedToOne(scope))
      report(`subscription ${args.props.sid ?? args.name} is scoped to "${scope}": every API of the gateway`);
  },
};

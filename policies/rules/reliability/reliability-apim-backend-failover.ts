import type { StackValidationPolicy } from "@pulumi/policy";
import { backendsById, checkPaths, forwardsInRetry } from "../../gatewayPaths";
import { checklist } from "../../lib";

export const reliabilityApimBackendFailover: StackValidationPolicy = {
  name: "reliability-apim-backend-failover",
  description:
    "On every path through an API's effective policy that forwards to a pool of two or more members, the forward runs inside a retry that covers 429, so a throttled member's request goes to the next one instead of back to the caller.",
  severity: "medium",
  enforcementLevel: "mandatory",
  framework: checklist(3, 12),
  remediationSteps:
    'Keep <base/> in every operation\'s backend section; the API\'s backend is <retry condition="@(context.Response.StatusCode == 429 || context.Response.StatusCode == 503)" count="members - 1" interval="0" first-fast-retry="true"><forward-request buffer-request-body="true"/></retry>.',
  validateStack: (args, report) => {
    const backends = backendsById(args.resources);
    checkPaths(
      args.resources,
      (path) => {
        const members = backends.get(path.backend ?? "")?.members.length ?? 0;
        if (members < 2) return undefined;
        const inRetry = forwardsInRetry(path);
        if (!inRetry)
          return `forwards to a pool of ${members} members without a retry: a 429 from the first goes back to the caller`;
        return /StatusCode\s*==\s*429/.test(inRetry.retry.attributes.condition ?? "")
          ? undefined
          : `retries on ${inRetry.retry.attributes.condition ?? "(no condition)"}, not on 429`;
      },
      report,
    );
  },
};

import type { StackValidationPolicy } from "@pulumi/policy";
import { checklist } from "../../lib";
import { reachabilityOf } from "../../reachability";

export const reliabilityPlatformReachable: StackValidationPolicy = {
  name: "reliability-platform-reachable",
  description:
    "Every caller reaches every callee the platform wires together: clients the gateway (an internal gateway's host names resolve in its network), the gateway each Azure OpenAI account (a private endpoint whose zone is linked to the gateway's VNet, or a public endpoint whose rules admit the gateway's egress), each vLLM service (inside the VNet, admitted by its NetworkPolicy with the caller's address preserved), the semantic cache and Application Insights (with a credential the callee accepts), KEDA and Prometheus their in-cluster targets, workload identities their federated credentials; and the budget counts the node resource group where AKS bills the GPUs.",
  severity: "high",
  enforcementLevel: "mandatory",
  framework: checklist([3, 4, 5, 6], ["MCSB NS-2", "MCSB IM-3"]),
  remediationSteps:
    "Read the plan's reachability table: each failing edge names the missing piece (a private DNS zone and its records, a VNet link, a network rule, a NetworkPolicy, a role assignment, a federated credential, the budget's scope).",
  validateStack: (args, report) => {
    const { edges, undecided, firstUnknown } = reachabilityOf(args.resources);
    for (const edge of edges) {
      for (const problem of edge.problems) report(`${edge.caller} -> ${edge.callee}: ${problem}`, edge.urn);
    }
    // Edges a preview cannot decide yet are undecided, as the policy runtime expects, never a pass.
    if (firstUnknown) {
      firstUnknown.message = `undecided for ${undecided.join(", ")}: ${firstUnknown.message}`;
      throw firstUnknown;
    }
  },
};

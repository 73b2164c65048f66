import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { TYPES, checklist, decideEach, deploymentNameOf, describe, ofType, readEach, sourceOf } from "../../lib";

/** The account's host name part that a backend URL must carry (its custom subdomain). */
const subdomainOf = (account: PolicyResource | undefined): string | undefined =>
  account?.props.properties?.customSubDomainName;

export const securityApimFrontsEveryDeployment: StackValidationPolicy = {
  name: "security-apim-fronts-every-deployment",
  description:
    "Clients reach models through one way in: a stack that deploys models has an API Management gateway, and every deployment is the target of one of its backends (a URL pinned to that deployment on its account).",
  severity: "high",
  enforcementLevel: "mandatory",
  framework: checklist([6], ["MCSB NS-2"]),
  remediationSteps:
    "Configure gateway in the stack: the gateway component creates one backend per target, its URL https://<account subdomain>.openai.azure.com/openai/deployments/<deployment>.",
  validateStack: (args, report) => {
    const deployments = ofType(args.resources, TYPES.openAiDeployment);
    if (deployments.length === 0) return;
    if (ofType(args.resources, TYPES.apiManagementService).length === 0) {
      report(
        `${deployments.length} model deployments and no API Management gateway: clients would call the accounts directly`,
      );
      return;
    }
    const backends = ofType(args.resources, TYPES.apimBackend).filter((b) => b.props.type !== "Pool");
    // A backend URL a preview does not know yet leaves the deployments undecided, not the rule.
    const { values: urls, undecided } = readEach(backends, describe, (b) => String(b.props.url ?? ""));
    decideEach(deployments, describe, (d) => {
      const name = deploymentNameOf(d);
      const subdomain = subdomainOf(sourceOf(d, "accountName", TYPES.openAiAccount));
      const fronted = urls.some(
        ({ value }) =>
          value.replace(/\/+$/, "").endsWith(`/openai/deployments/${name}`) &&
          (subdomain === undefined || value.includes(`//${subdomain}.`)),
      );
      if (fronted) return;
      if (undecided) throw undecided;
      report(
        `${name} is not the target of any gateway backend: it is reachable only around the gateway (no limits, no failover, no token metrics)`,
        d.urn,
      );
    });
  },
};

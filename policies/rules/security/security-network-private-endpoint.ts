import type { StackValidationPolicy } from "@pulumi/policy";
import { PRIVATE_ONLY_TYPES, TYPES, checklist, describe, ofType, sourceOf } from "../../lib";

export const securityNetworkPrivateEndpoint: StackValidationPolicy = {
  name: "security-network-private-endpoint",
  description: "Every Azure OpenAI account and Azure Managed Redis cluster is reached through a private endpoint.",
  severity: "high",
  enforcementLevel: "mandatory",
  framework: checklist(4, 6),
  remediationSteps: "Configure private networking (network in the stack config); the platform then adds a private endpoint and DNS registration for each.",
  validateStack: (args, report) => {
    const endpoints = ofType(args.resources, TYPES.privateEndpoint);
    for (const resource of args.resources.filter((r) => PRIVATE_ONLY_TYPES.has(r.type))) {
      const reached = endpoints.some((pe) => sourceOf(pe, "privateLinkServiceConnections", resource.type)?.urn === resource.urn);
      if (!reached) report(`${describe(resource)} has no private endpoint`, resource.urn);
    }
  },
};

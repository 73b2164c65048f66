import type { ResourceValidationPolicy } from "@pulumi/policy";
import { allElements, forApiPolicy } from "../../policyDocument";
import { checklist } from "../../lib";

export const securityApimBackendManagedIdentity: ResourceValidationPolicy = {
  name: "security-apim-backend-managed-identity",
  description: "The model API authenticates to its backends with the gateway's managed identity and never passes a client's api-key through.",
  severity: "critical",
  enforcementLevel: "mandatory",
  framework: checklist(14),
  remediationSteps: "Add <authentication-managed-identity resource=\"https://cognitiveservices.azure.com\" client-id=\"...\"/> to inbound and delete the api-key header (<set-header name=\"api-key\" exists-action=\"delete\"/>).",
  validateResource: forApiPolicy((sections, report) => {
    const inbound = allElements(sections.inbound);
    if (!inbound.some((e) => e.tag === "authentication-managed-identity")) report("inbound has no authentication-managed-identity: backends would need keys");
    if (!inbound.some((e) => e.tag === "set-header" && e.attributes.name?.toLowerCase() === "api-key" && e.attributes["exists-action"] === "delete")) {
      report("inbound does not delete the api-key header: a client's key would reach the backend");
    }
  }),
};

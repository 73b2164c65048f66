import type { ResourceValidationPolicy } from "@pulumi/policy";
import { UNCLASSIFIED_TYPES, baseType, entryOf, sameTypeButCase } from "../../catalogue";
import { checklist } from "../../lib";

export const governanceTypeClassified: ResourceValidationPolicy = {
  name: "governance-type-classified",
  description: "Every resource type in the stack, of any provider (azure-native, kubernetes, random, and any other: azure classic, aws, command, azuread…), is classified in the pack's type catalogue (taggable, stateful, diagnostics, private link, rules), so no rule fails open on a type it has never seen; only Pulumi's own types and the platform's components are exempt.",
  severity: "high",
  enforcementLevel: "mandatory",
  framework: checklist([4, 13], ["Azure Policy 'Allowed resource types'", "MCSB AM-2"]),
  remediationSteps: "Add the type to policies/catalogue.ts in the change that creates it (with its ARM type, tags, state, diagnostics and private-link group) and give it the rules that apply.",
  validateResource: (args, report) => {
    if (UNCLASSIFIED_TYPES.some((exempt) => exempt.test(args.type))) args.notApplicable("a Pulumi type or one of the platform's components");
    if (!entryOf(args.type)) {
      const normalized = baseType(args.type) !== args.type ? ` (${baseType(args.type)} without its API version)` : "";
      const near = sameTypeButCase(args.type);
      const hint = near ? `; type tokens are case-sensitive: ${near} is classified, ${args.type} is another type` : "";
      report(`type ${args.type}${normalized} is not in the type catalogue: no rule knows whether it must be tagged, protected, diagnosed or private${hint}`);
    }
  },
};

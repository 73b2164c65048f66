import type { ResourceValidationPolicy } from "@pulumi/policy";
import { CLASSIFIED_PACKAGES, baseType, entryOf } from "../../catalogue";
import { checklist } from "../../lib";

export const governanceTypeClassified: ResourceValidationPolicy = {
  name: "governance-type-classified",
  description: "Every azure-native and kubernetes resource type in the stack is classified in the pack's type catalogue (taggable, stateful, diagnostics, private link, rules), so no rule fails open on a type it has never seen.",
  severity: "high",
  enforcementLevel: "mandatory",
  framework: checklist([4, 13], ["Azure Policy 'Allowed resource types'", "MCSB AM-2"]),
  remediationSteps: "Add the type to policies/catalogue.ts in the change that creates it (with its ARM type, tags, state, diagnostics and private-link group) and give it the rules that apply.",
  validateResource: (args, report) => {
    if (!CLASSIFIED_PACKAGES.some((prefix) => args.type.startsWith(prefix))) args.notApplicable("not an azure-native or kubernetes resource");
    if (!entryOf(args.type)) {
      const normalized = baseType(args.type) !== args.type ? ` (${baseType(args.type)} without its API version)` : "";
      report(`type ${args.type}${normalized} is not in the type catalogue: no rule knows whether it must be tagged, protected, diagnosed or private`);
    }
  },
};

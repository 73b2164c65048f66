import type { ResourceValidationPolicy } from "@pulumi/policy";
import {
  GENERIC_ARM_TYPES,
  UNCLASSIFIED_TYPES,
  baseType,
  entryOf,
  genericArmType,
  packageOf,
  sameTypeButCase,
  samePackageButCase,
} from "../../catalogue";
import { checklist, known } from "../../lib";

const GENERIC_RESOURCE = "azure-native:resources:Resource";

/** Whether `type` is one the catalogue need not hold: Pulumi's own or a component's, and not a custom resource's (which has a provider). */
export function isExemptType(type: string, provider: string | undefined): boolean {
  return provider === undefined && UNCLASSIFIED_TYPES.some((exempt) => exempt.test(type));
}

/** Why a type outside the catalogue fails the rule, with what it was probably meant to be. */
export function unclassifiedMessage(type: string, provider: string | undefined): string {
  const base = baseType(type);
  const normalized = base !== type ? ` (${base} without its API version)` : "";
  const sameType = sameTypeButCase(type);
  const samePackage = samePackageButCase(type);
  const hints = [
    ...(sameType
      ? [`type tokens are case-sensitive: ${sameType} is classified, ${type} is another type`]
      : samePackage
        ? [`provider names are case-sensitive: ${packageOf(type)} is not ${samePackage}, so ${type} is another type`]
        : []),
    ...(provider !== undefined && UNCLASSIFIED_TYPES.some((exempt) => exempt.test(type))
      ? [`it is a custom resource (its provider is ${provider}), not one of the platform's components`]
      : []),
  ];
  return `type ${type}${normalized} is not in the type catalogue: no rule knows whether it must be tagged, protected, diagnosed or private${hints.map((h) => `; ${h}`).join("")}`;
}

export const governanceTypeClassified: ResourceValidationPolicy = {
  name: "governance-type-classified",
  description:
    "Every resource type in the stack, of any provider (azure-native, kubernetes, random, and any other: azure classic, aws, command, azuread…), is classified in the pack's type catalogue (taggable, stateful, diagnostics, private link, rules), so no rule fails open on a type it has never seen; type tokens are compared case-sensitively, as Pulumi compares them; only Pulumi's own types and the platform's components are exempt, never a custom resource.",
  severity: "high",
  enforcementLevel: "mandatory",
  framework: checklist([4, 13], ["Azure Policy 'Allowed resource types'", "MCSB AM-2"]),
  remediationSteps:
    "Add the type to policies/catalogue.ts in the change that creates it (with its ARM type, tags, state, diagnostics and private-link group) and give it the rules that apply.",
  validateResource: (args, report) => {
    if (isExemptType(args.type, args.provider?.type))
      args.notApplicable("a Pulumi type or one of the platform's components");
    if (!entryOf(args.type)) report(unclassifiedMessage(args.type, args.provider?.type));
    else if (baseType(args.type) === GENERIC_RESOURCE) {
      // A generic resource is classified by the ARM type it stands for.
      const arm = known(() => genericArmType(args.props));
      if (arm !== undefined && !Object.prototype.hasOwnProperty.call(GENERIC_ARM_TYPES, arm))
        report(
          `generic resource of ARM type ${arm} is not in the catalogue's GENERIC_ARM_TYPES: use the typed resource, or add the type with the reason the typed one cannot express the setting`,
        );
    }
  },
};

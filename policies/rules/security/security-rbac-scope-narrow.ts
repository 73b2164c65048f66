import type { StackValidationPolicy } from "@pulumi/policy";
import { TYPES, baseType, checklist, decideEach, describe, ofType, targetOf } from "../../lib";

/** Types whose id is wider than one resource. */
const WIDE_SCOPES: ReadonlySet<string> = new Set([
  TYPES.resourceGroup,
  "azure-native:resources:Subscription",
  "azure-native:management:ManagementGroup",
]);

const SCOPE_WORDS = {
  managementGroup: "a management group",
  subscription: "a subscription",
  resourceGroup: "a resource group",
} as const;

export const securityRbacScopeNarrow: StackValidationPolicy = {
  name: "security-rbac-scope-narrow",
  description:
    "Role assignments are scoped to the one resource they are for, never a resource group, subscription or management group.",
  severity: "high",
  enforcementLevel: "mandatory",
  framework: checklist([4, 14], ["MCSB PA-7"]),
  remediationSteps: "Set scope to the id of the resource the identity uses (grantRole takes the resource's id).",
  validateStack: (args, report) => {
    const assignments = ofType(args.resources, TYPES.roleAssignment);
    decideEach(assignments, describe, (assignment) => {
      // The scope string decides where it is known; a dependency only where it is not (a preview).
      const { target, outside, id, unknown } = targetOf(assignment, "scope", (p) => p.scope, args.resources);
      // While the scope is unknown, any wide resource it is built from decides (the value may be that one's id).
      const wide =
        id === undefined
          ? (assignment.propertyDependencies.scope ?? []).find((d) => WIDE_SCOPES.has(baseType(d.type)))
          : undefined;
      if (wide) {
        report(`${describe(assignment)} is scoped to ${describe(wide)}: wider than one resource`, assignment.urn);
        return;
      }
      if (unknown) throw unknown;
      if (outside && outside.scope !== "resource")
        report(
          `${describe(assignment)}: scope "${id}" is ${SCOPE_WORDS[outside.scope]}, wider than one resource`,
          assignment.urn,
        );
      else if (id !== undefined && !outside && !target)
        report(`${describe(assignment)}: scope "${id}" is not a resource id`, assignment.urn);
      else if (id === undefined && !target) report(`${describe(assignment)} has no scope`, assignment.urn);
    });
  },
};

import type { StackValidationPolicy } from "@pulumi/policy";
import { TYPES, checklist, describe, ofType } from "../../lib";

/** A resource id: a provider segment below a resource group, not the group or subscription itself. */
const RESOURCE_SCOPE = /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/[^/]+\/[^/]+\/[^/]+/i;

/** Types whose id is wider than one resource. */
const WIDE_SCOPES: ReadonlySet<string> = new Set([TYPES.resourceGroup, "azure-native:resources:Subscription", "azure-native:management:ManagementGroup"]);

export const securityRbacScopeNarrow: StackValidationPolicy = {
  name: "security-rbac-scope-narrow",
  description: "Role assignments are scoped to the one resource they are for, never a resource group, subscription or management group.",
  severity: "high",
  enforcementLevel: "mandatory",
  framework: checklist(4, 14),
  remediationSteps: "Set scope to the id of the resource the identity uses (grantRole takes the resource's id).",
  validateStack: (args, report) => {
    for (const assignment of ofType(args.resources, TYPES.roleAssignment)) {
      // From the dependency where there is one: in a preview a new resource's id is not known yet.
      const source = assignment.propertyDependencies.scope?.[0];
      if (source) {
        if (WIDE_SCOPES.has(source.type)) report(`${describe(assignment)} is scoped to ${describe(source)}: wider than one resource`, assignment.urn);
        continue;
      }
      const scope = String(assignment.props.scope ?? "");
      if (!RESOURCE_SCOPE.test(scope)) report(`${describe(assignment)}: scope "${scope}" is wider than one resource`, assignment.urn);
    }
  },
};

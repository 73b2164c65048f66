import type { ResourceValidationPolicy } from "@pulumi/policy";
import { TYPES, checklist, forType } from "../../lib";

/** A resource id: a provider segment below a resource group, not the group or subscription itself. */
const RESOURCE_SCOPE = /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/[^/]+\/[^/]+\/[^/]+/i;

export const securityRbacScopeNarrow: ResourceValidationPolicy = {
  name: "security-rbac-scope-narrow",
  description: "Role assignments are scoped to the one resource they are for, never a resource group, subscription or management group.",
  severity: "high",
  enforcementLevel: "mandatory",
  framework: checklist(4, 14),
  remediationSteps: "Set scope to the id of the resource the identity uses (grantRole takes the resource's id).",
  validateResource: forType(TYPES.roleAssignment, (props, _args, report) => {
    const scope = String(props.scope ?? "");
    if (!RESOURCE_SCOPE.test(scope)) report(`scope "${scope}" is wider than one resource`);
  }),
};

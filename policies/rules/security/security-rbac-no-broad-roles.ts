import type { ResourceValidationPolicy } from "@pulumi/policy";
import { TYPES, checklist, forType } from "../../lib";

// Built-in role definition ids (Azure docs, built-in roles; checked 2026-05).
export const BROAD_ROLES: Readonly<Record<string, string>> = {
  "8e3af657-a8ff-443c-a75c-2fe8c4bcb635": "Owner",
  "b24988ac-6180-42a0-ab88-20f7382dd24c": "Contributor",
  "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9": "User Access Administrator",
  "f58310d9-a9f6-439a-9e8d-f62e7b41a168": "Role Based Access Control Administrator",
};

export const securityRbacNoBroadRoles: ResourceValidationPolicy = {
  name: "security-rbac-no-broad-roles",
  description: "No workload identity is granted Owner, Contributor, User Access Administrator or Role Based Access Control Administrator.",
  severity: "critical",
  enforcementLevel: "mandatory",
  framework: checklist(4, 14),
  remediationSteps: "Grant the narrowest data-plane role instead (e.g. Cognitive Services OpenAI User for inference callers), scoped to the one resource it needs.",
  validateResource: forType(TYPES.roleAssignment, (props, _args, report) => {
    const id = String(props.roleDefinitionId ?? "").toLowerCase();
    const broad = Object.entries(BROAD_ROLES).find(([guid]) => id.endsWith(guid));
    if (broad) report(`grants ${broad[1]} (${broad[0]}) to principal ${props.principalId ?? "?"}`);
  }),
};

import type { ResourceValidationPolicy } from "@pulumi/policy";
import { TYPES, checklist, forType } from "../../lib";

// Built-in roles that grant control-plane or data-plane administration (role assignments included) over
// the platform's resources. Ids: MicrosoftDocs/azure-docs articles/role-based-access-control/built-in-roles.md
// (ms.date 2026-04-09), checked 2026-12-05.
export const BROAD_ROLES: Readonly<Record<string, string>> = {
  "8e3af657-a8ff-443c-a75c-2fe8c4bcb635": "Owner",
  "b24988ac-6180-42a0-ab88-20f7382dd24c": "Contributor",
  "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9": "User Access Administrator",
  "f58310d9-a9f6-439a-9e8d-f62e7b41a168": "Role Based Access Control Administrator",
  "0ab0b1a8-8aac-4efd-b8c2-3ee1fb270be8": "Azure Kubernetes Service Cluster Admin Role",
  "b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b": "Azure Kubernetes Service RBAC Cluster Admin",
  "3498e952-d568-435e-9b2c-8d77e338d7f7": "Azure Kubernetes Service RBAC Admin",
  "ed7f3fbd-7b88-4dd4-9017-9adb7ce333f8": "Azure Kubernetes Service Contributor Role",
  "25fbc0a9-bd7c-42a3-aa1a-3b75d497ee68": "Cognitive Services Contributor",
  "a001fd3d-188f-4b5d-821b-7da978bf7442": "Cognitive Services OpenAI Contributor",
  "312a565d-c81f-4fd8-895a-4e21e48d571c": "API Management Service Contributor",
  "e0f68234-74aa-48ed-b826-c38b57376e17": "Redis Cache Contributor",
  "00482a5a-887f-4fb3-b363-3b7fe8e74483": "Key Vault Administrator",
  "92aaf0da-9dab-42b6-94a3-d43ce8d16293": "Log Analytics Contributor",
  "749f88d5-cbae-40b8-bcfc-e573ddc772fa": "Monitoring Contributor",
  "e40ec5ca-96e0-45a2-b4ff-59039f2c2b59": "Managed Identity Contributor",
  "f1a07417-d97a-45cb-824c-7a7467783830": "Managed Identity Operator",
  "8b54135c-b56d-4d72-a534-26097cfdc8d8": "Key Vault Data Access Administrator",
  "f25e0fa2-a7c8-4377-a976-54943a77a395": "Key Vault Contributor",
  "b78c5d69-af96-48a3-bf8d-a8b4d589de94": "Azure AI Administrator",
  "e47c6f54-e4a2-4754-9501-8e0985b135e1": "Foundry Account Owner",
  "c883944f-8b7b-4483-af10-35834be79c4a": "Foundry Owner",
};

export const securityRbacNoBroadRoles: ResourceValidationPolicy = {
  name: "security-rbac-no-broad-roles",
  description:
    "No workload identity is granted a role that administers the platform's resources, at any scope: Owner, Contributor, the RBAC administration roles, the AKS cluster-admin and contributor roles, or the contributor and administrator roles of Cognitive Services, API Management, Redis, Key Vault, monitoring and managed identities.",
  severity: "critical",
  enforcementLevel: "mandatory",
  framework: checklist([4, 14], ["MCSB PA-7"]),
  remediationSteps:
    "Grant the narrowest data-plane role instead (e.g. Cognitive Services OpenAI User for inference callers), scoped to the one resource it needs.",
  validateResource: forType(TYPES.roleAssignment, (props, _args, report) => {
    const id = String(props.roleDefinitionId ?? "").toLowerCase();
    const broad = Object.entries(BROAD_ROLES).find(([guid]) => id.endsWith(guid));
    if (broad) report(`grants ${broad[1]} (${broad[0]}) to principal ${props.principalId ?? "?"}`);
  }),
};

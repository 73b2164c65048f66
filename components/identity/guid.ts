import { v5 as uuidv5 } from "uuid";

/**
 * ARM/Bicep `guid(scope, principalId, roleDefinitionId)` as community reimplementations reproduce it:
 * UUIDv5 in this namespace over `<scope>-<principalId>-<roleDefinitionId>` (full ids, case as given).
 * Never change the namespace or the string: every role assignment name would change, and with it
 * every assignment would be deleted and created again.
 */
export const ROLE_ASSIGNMENT_NAMESPACE = "11fb06fb-712d-4ddd-98c7-e71bbd588830";

export function roleAssignmentName(scope: string, principalId: string, roleDefinitionId: string): string {
  return uuidv5(`${scope}-${principalId}-${roleDefinitionId}`, ROLE_ASSIGNMENT_NAMESPACE);
}

import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import * as managedidentity from "@pulumi/azure-native/managedidentity";
import { resourceName, type NamingContext } from "../core/naming";
import { roleAssignmentName } from "./guid";
import { BUILT_IN_ROLES, roleDefinitionId, type BuiltInRole } from "./roles";

export { BUILT_IN_ROLES, roleDefinitionId, type BuiltInRole } from "./roles";
export { ROLE_ASSIGNMENT_NAMESPACE, roleAssignmentName } from "./guid";

/** A Kubernetes service account (or other OIDC subject) that signs in as this identity. */
export interface FederatedSubject {
  /** Name of the credential on the identity. */
  readonly name: string;
  /** OIDC issuer URL (an AKS cluster's `oidcIssuerProfile.issuerURL`). */
  readonly issuer: pulumi.Input<string>;
  /** e.g. `system:serviceaccount:<namespace>:<service account>`. */
  readonly subject: string;
}

export interface WorkloadIdentityArgs {
  readonly naming: NamingContext;
  /** Short workload name: `gateway`, `vllm-llama`. */
  readonly workload: string;
  readonly location: string;
  readonly resourceGroupName: pulumi.Input<string>;
  readonly tags: Readonly<Record<string, string>>;
  /** Workload-identity federation, e.g. for a vLLM service account once a cluster exists. */
  readonly federatedSubjects?: readonly FederatedSubject[];
}

/** A user-assigned managed identity for one workload, optionally federated to OIDC subjects. */
export class WorkloadIdentity extends pulumi.ComponentResource {
  readonly id: pulumi.Output<string>;
  readonly principalId: pulumi.Output<string>;
  readonly clientId: pulumi.Output<string>;

  constructor(name: string, args: WorkloadIdentityArgs, opts?: pulumi.ComponentResourceOptions) {
    super("genai:identity:WorkloadIdentity", name, {}, opts);
    const identity = new managedidentity.UserAssignedIdentity(
      `${name}-identity`,
      {
        resourceName: resourceName("userAssignedIdentity", args.naming, args.workload),
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        tags: { ...args.tags, workload: args.workload },
      },
      { parent: this },
    );
    let previous: pulumi.Resource | undefined;
    for (const subject of args.federatedSubjects ?? []) {
      // Federated credentials of one identity cannot be written concurrently: chain them.
      previous = new managedidentity.FederatedIdentityCredential(
        `${name}-${subject.name}`,
        {
          federatedIdentityCredentialResourceName: subject.name,
          resourceName: identity.name,
          resourceGroupName: args.resourceGroupName,
          issuer: subject.issuer,
          subject: subject.subject,
          audiences: ["api://AzureADTokenExchange"],
        },
        { parent: this, ...(previous ? { dependsOn: [previous] } : {}) },
      );
    }
    this.id = identity.id;
    this.principalId = identity.principalId;
    this.clientId = identity.clientId;
    this.registerOutputs({ id: this.id, principalId: this.principalId, clientId: this.clientId });
  }
}

export interface RoleGrantArgs {
  readonly subscriptionId: string;
  /** The one resource the role applies to (never a resource group or subscription). */
  readonly scope: pulumi.Input<string>;
  readonly principalId: pulumi.Input<string>;
  readonly role: BuiltInRole;
}

/** A role assignment with a deterministic name (ARM's guid() formula), for a managed identity. */
export function grantRole(
  name: string,
  args: RoleGrantArgs,
  opts: pulumi.CustomResourceOptions,
): authorization.RoleAssignment {
  const definitionId = roleDefinitionId(args.subscriptionId, args.role);
  return new authorization.RoleAssignment(
    name,
    {
      roleAssignmentName: pulumi
        .all([args.scope, args.principalId])
        .apply(([scope, principalId]) => roleAssignmentName(scope, principalId, definitionId)),
      scope: args.scope,
      principalId: args.principalId,
      principalType: "ServicePrincipal",
      roleDefinitionId: definitionId,
      description: `${BUILT_IN_ROLES[args.role].name} for ${name}`,
    },
    opts,
  );
}

// Shared vocabulary of the rules: resource type tokens, the checklist reference, small readers of
// plain inputs. Rules import nothing from the program or from @pulumi/azure-native.
import type {
  PolicyComplianceFramework,
  PolicyResource,
  ReportViolation,
  ResourceValidationArgs,
} from "@pulumi/policy";

export const TYPES = {
  resourceGroup: "azure-native:resources:ResourceGroup",
  workspace: "azure-native:operationalinsights:Workspace",
  appInsights: "azure-native:applicationinsights:Component",
  openAiAccount: "azure-native:cognitiveservices:Account",
  openAiDeployment: "azure-native:cognitiveservices:Deployment",
  raiPolicy: "azure-native:cognitiveservices:RaiPolicy",
  diagnosticSetting: "azure-native:monitor:DiagnosticSetting",
  roleAssignment: "azure-native:authorization:RoleAssignment",
  userAssignedIdentity: "azure-native:managedidentity:UserAssignedIdentity",
  federatedCredential: "azure-native:managedidentity:FederatedIdentityCredential",
  subnet: "azure-native:network:Subnet",
  privateEndpoint: "azure-native:network:PrivateEndpoint",
  privateDnsZoneGroup: "azure-native:network:PrivateDnsZoneGroup",
  redisCluster: "azure-native:redisenterprise:RedisEnterprise",
  redisDatabase: "azure-native:redisenterprise:Database",
  redisAccessPolicyAssignment: "azure-native:redisenterprise:AccessPolicyAssignment",
} as const;

/** Azure types the platform creates that take no tags. */
export const UNTAGGABLE_TYPES: ReadonlySet<string> = new Set([
  TYPES.diagnosticSetting,
  TYPES.roleAssignment,
  TYPES.federatedCredential,
  TYPES.subnet,
  TYPES.privateDnsZoneGroup,
  TYPES.redisDatabase,
  TYPES.redisAccessPolicyAssignment,
]);

/** Azure types that hold state a user owns; prod protects them from deletion. */
export const STATEFUL_TYPES: ReadonlySet<string> = new Set([
  TYPES.resourceGroup,
  TYPES.workspace,
  TYPES.appInsights,
  TYPES.openAiAccount,
  TYPES.redisCluster,
  TYPES.redisDatabase,
]);

/** Azure types that support diagnostic settings and must send them to the workspace. */
export const DIAGNOSABLE_TYPES: ReadonlySet<string> = new Set([TYPES.openAiAccount, TYPES.redisCluster]);

/** Resources that must be reached only through a private endpoint in prod. */
export const PRIVATE_ONLY_TYPES: ReadonlySet<string> = new Set([TYPES.openAiAccount, TYPES.redisCluster]);

export const PTU_SKUS: ReadonlySet<string> = new Set(["ProvisionedManaged", "GlobalProvisionedManaged", "DataZoneProvisionedManaged"]);
export const PAYGO_SKUS: ReadonlySet<string> = new Set(["Standard", "GlobalStandard", "DataZoneStandard"]);

/** The reference every rule carries: which item of CHECKLIST.md it enforces. */
export function checklist(...items: number[]): PolicyComplianceFramework {
  return {
    name: "genai-platform production checklist",
    version: "1",
    reference: items.map((i) => `#${i}`).join(", "),
    specification: "CHECKLIST.md",
  };
}

/** Runs `check` on resources of `type` and reports every other type as not applicable. */
export function forType(type: string, check: (props: Record<string, any>, args: ResourceValidationArgs, report: ReportViolation) => void) {
  return (args: ResourceValidationArgs, report: ReportViolation): void => {
    if (args.type !== type) args.notApplicable(`applies only to ${type}`);
    check(args.props, args, report);
  };
}

/** The Azure type tokens of @pulumi/azure-native (`azure-native:<module>:<Type>`). */
export function isAzureResource(type: string): boolean {
  return type.startsWith("azure-native:");
}

export function ofType(resources: readonly PolicyResource[], type: string): PolicyResource[] {
  return resources.filter((r) => r.type === type);
}

/**
 * The resource of `type` that `resource`'s `property` came from. Read from property dependencies, not
 * values, so it also works in a preview, where the value (an output of the other resource) is unknown.
 */
export function sourceOf(resource: PolicyResource, property: string, type: string): PolicyResource | undefined {
  return resource.propertyDependencies[property]?.find((r) => r.type === type);
}

/**
 * A deployment's name, from the `deployment` tag the platform sets (an input, so known in a preview)
 * or else the `name` output.
 */
export function deploymentNameOf(deployment: PolicyResource): string {
  return deployment.props.tags?.deployment ?? deployment.props.name;
}

export function describe(resource: { name: string; type: string }): string {
  return `${resource.name} (${resource.type})`;
}

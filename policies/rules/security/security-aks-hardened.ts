import type { ResourceValidationPolicy } from "@pulumi/policy";
import { TYPES, baseType, checklist } from "../../lib";

export const securityAksHardened: ResourceValidationPolicy = {
  name: "security-aks-hardened",
  description: "AKS signs in with Entra ID and authorizes with Azure RBAC (local accounts off), runs workload identity on an OIDC issuer, enforces network policy, and keeps its API server private or limited to authorized ranges.",
  severity: "critical",
  enforcementLevel: "mandatory",
  framework: checklist(4, 14),
  remediationSteps: "Set disableLocalAccounts: true, aadProfile {managed: true, enableAzureRBAC: true}, oidcIssuerProfile.enabled, securityProfile.workloadIdentity.enabled, networkProfile.networkPolicy, and apiServerAccessProfile (enablePrivateCluster or authorizedIPRanges).",
  validateResource: (args, report) => {
    if (baseType(args.type) !== TYPES.managedCluster) args.notApplicable(`applies only to ${TYPES.managedCluster}`);
    const p = args.props;
    if (p.disableLocalAccounts !== true) report("local accounts are on: a static admin kubeconfig bypasses Entra ID");
    if (p.aadProfile?.enableAzureRBAC !== true) report("Azure RBAC for Kubernetes authorization is off");
    if (p.oidcIssuerProfile?.enabled !== true || p.securityProfile?.workloadIdentity?.enabled !== true) report("workload identity (OIDC issuer and workload identity) is off: pods would need secrets to reach Azure");
    if (!p.networkProfile?.networkPolicy || p.networkProfile.networkPolicy === "none") report("no network policy engine: NetworkPolicies are ignored");
    const access = p.apiServerAccessProfile ?? {};
    if (access.enablePrivateCluster !== true && !(access.authorizedIPRanges?.length > 0)) report("the API server is public to every address: make the cluster private or set authorizedIPRanges");
  },
};

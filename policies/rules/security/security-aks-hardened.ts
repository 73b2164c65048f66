import type { ResourceValidationPolicy } from "@pulumi/policy";
import * as ipaddr from "ipaddr.js";
import { TYPES, baseType, checklist } from "../../lib";

/** A prefix shorter than this lets a large part of the internet reach the API server: not a limit worth the name. */
const NARROWEST_MEANINGFUL_PREFIX = 8;

/** Why an authorized range does not limit the API server, or undefined when it does. */
export function wideRange(range: string): string | undefined {
  let prefix: number;
  try {
    prefix = range.includes("/") ? ipaddr.parseCIDR(range)[1] : (ipaddr.parse(range), 32);
  } catch {
    return `"${range}" is not an IP range`;
  }
  if (prefix < NARROWEST_MEANINGFUL_PREFIX) return `"${range}" opens the API server to a /${prefix} of the internet`;
  return undefined;
}

export const securityAksHardened: ResourceValidationPolicy = {
  name: "security-aks-hardened",
  description:
    "AKS authorizes with Kubernetes RBAC and Azure RBAC and signs in with Entra ID only (local accounts off), runs workload identity on an OIDC issuer, enforces network policy, keeps its API server private or limited to narrow authorized ranges, upgrades itself (Kubernetes patches and node images on a channel, never none), and gives no node a public IP.",
  severity: "critical",
  enforcementLevel: "mandatory",
  framework: checklist(
    [4, 14],
    [
      "MCSB NS-2, IM-1",
      "Azure Policy 'Role-Based Access Control (RBAC) should be used on Kubernetes Services'",
      "Azure Policy 'Authorized IP ranges should be defined on Kubernetes Services'",
      "Azure Policy 'Azure Kubernetes Service Clusters should have local authentication methods disabled'",
      "Azure Policy 'Azure Kubernetes Service Clusters should enable cluster auto-upgrade'",
      "Checkov CKV_AZURE_5, CKV_AZURE_6, CKV_AZURE_7, CKV_AZURE_115, CKV_AZURE_141, CKV_AZURE_143, CKV_AZURE_171",
    ],
  ),
  remediationSteps:
    "Set enableRBAC: true, disableLocalAccounts: true, aadProfile {managed: true, enableAzureRBAC: true}, oidcIssuerProfile.enabled, securityProfile.workloadIdentity.enabled, networkProfile.networkPolicy, apiServerAccessProfile (enablePrivateCluster, or authorizedIPRanges of /8 or narrower), autoUpgradeProfile {upgradeChannel: patch, nodeOSUpgradeChannel: NodeImage}, and no enableNodePublicIP on any pool.",
  validateResource: (args, report) => {
    if (baseType(args.type) !== TYPES.managedCluster) args.notApplicable(`applies only to ${TYPES.managedCluster}`);
    const p = args.props;
    if (p.enableRBAC !== true)
      report(
        `Kubernetes RBAC is ${p.enableRBAC === false ? "off" : "not set explicitly"} (enableRBAC): every signed-in user could do anything`,
      );
    if (p.disableLocalAccounts !== true) report("local accounts are on: a static admin kubeconfig bypasses Entra ID");
    if (p.aadProfile?.enableAzureRBAC !== true) report("Azure RBAC for Kubernetes authorization is off");
    if (p.oidcIssuerProfile?.enabled !== true || p.securityProfile?.workloadIdentity?.enabled !== true)
      report("workload identity (OIDC issuer and workload identity) is off: pods would need secrets to reach Azure");
    if (!p.networkProfile?.networkPolicy || p.networkProfile.networkPolicy === "none")
      report("no network policy engine: NetworkPolicies are ignored");
    const access = p.apiServerAccessProfile ?? {};
    if (access.enablePrivateCluster !== true) {
      const ranges: string[] = access.authorizedIPRanges ?? [];
      if (ranges.length === 0)
        report("the API server is public to every address: make the cluster private or set authorizedIPRanges");
      for (const range of ranges) {
        const wide = wideRange(String(range));
        if (wide) report(`apiServerAccessProfile.authorizedIPRanges: ${wide}`);
      }
    }
    const upgrade = p.autoUpgradeProfile ?? {};
    for (const [field, value] of [
      ["upgradeChannel", upgrade.upgradeChannel],
      ["nodeOSUpgradeChannel", upgrade.nodeOSUpgradeChannel],
    ] as const) {
      if (value === undefined || String(value).toLowerCase() === "none")
        report(`autoUpgradeProfile.${field} is ${value ?? "unset"}: security patches wait for someone to apply them`);
    }
    for (const pool of p.agentPoolProfiles ?? [])
      if (pool.enableNodePublicIP === true)
        report(`node pool ${pool.name}: every node gets a public IP (enableNodePublicIP)`);
  },
};

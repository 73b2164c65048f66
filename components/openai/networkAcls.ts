// An Azure OpenAI account's network rules (pure: the component, components/openai/index.ts, applies them).

/** Network rules for the account: deny by default unless public access is explicitly opened to everyone. */
export function networkAcls(publicNetworkAccess: "Disabled" | "Enabled", allowedIpRanges: readonly string[]) {
  const open = publicNetworkAccess === "Enabled" && allowedIpRanges.length === 0;
  return {
    defaultAction: open ? "Allow" : "Deny",
    ipRules: publicNetworkAccess === "Enabled" ? allowedIpRanges.map((value) => ({ value })) : [],
  };
}

/**
 * The hardened properties of an AI services account (Azure OpenAI, Content Safety): Entra ID only on a
 * custom subdomain, public access as the stack decides, outbound calls only to `allowedFqdns`.
 */
export function accountProperties<T>(spec: {
  subdomain: T;
  publicNetworkAccess: "Disabled" | "Enabled";
  allowedIpRanges: readonly string[];
  allowedFqdns: readonly string[];
}) {
  return {
    customSubDomainName: spec.subdomain,
    disableLocalAuth: true,
    publicNetworkAccess: spec.publicNetworkAccess,
    networkAcls: networkAcls(spec.publicNetworkAccess, spec.allowedIpRanges),
    restrictOutboundNetworkAccess: true,
    allowedFqdnList: [...spec.allowedFqdns],
  };
}

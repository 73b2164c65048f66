// An Azure OpenAI account's network rules (pure: the component, components/openai/index.ts, applies them).

/** Network rules for the account: deny by default unless public access is explicitly opened to everyone. */
export function networkAcls(publicNetworkAccess: "Disabled" | "Enabled", allowedIpRanges: readonly string[]) {
  const open = publicNetworkAccess === "Enabled" && allowedIpRanges.length === 0;
  return {
    defaultAction: open ? "Allow" : "Deny",
    ipRules: publicNetworkAccess === "Enabled" ? allowedIpRanges.map((value) => ({ value })) : [],
  };
}

import type { StackValidationPolicy } from "@pulumi/policy";
import { gatewayApis } from "../../gatewayPaths";
import { checklist, known } from "../../lib";

interface ApiSettings {
  /** APIs whose callers authenticate with subscription keys, as the stack declares (teams that opted in). */
  readonly keyedApis?: readonly string[];
}

export const securityApimApiHardened: StackValidationPolicy = {
  name: "security-apim-api-hardened",
  description:
    "Every API of the gateway has its own policy document, is served over HTTPS only, and requires a subscription key only where the stack declares keys (teams that opted in); a keyless API authenticates callers with Entra ID instead.",
  severity: "high",
  enforcementLevel: "mandatory",
  configSchema: { properties: { keyedApis: { type: "array", items: { type: "string" } } } },
  framework: checklist([4, 6], ["MCSB DP-3", "Azure Policy 'API Management APIs should use only encrypted protocols'"]),
  remediationSteps:
    "Give every API an ApiPolicy (the gateway component renders one per API), protocols: [https], and subscriptionRequired: false unless the API is the keyed one (gateway.teams.<team>.subscriptionKeys).",
  validateStack: (args, report) => {
    const keyed = new Set(args.getConfig<ApiSettings>().keyedApis ?? []);
    for (const api of gatewayApis(args.resources)) {
      const props = api.api.props;
      if (!api.policy)
        report(
          `API ${api.apiId} has no policy: its calls reach the backend with no caller validation, no token limit and no metrics`,
          api.api.urn,
        );
      const protocols = (known(() => props.protocols) ?? []) as string[];
      const plain = protocols.filter((p) => p.toLowerCase() !== "https");
      if (plain.length > 0)
        report(
          `API ${api.apiId} is served over ${plain.join(", ")}: tokens and prompts would cross the network in clear`,
          api.api.urn,
        );
      if (known(() => props.subscriptionRequired) === true && !keyed.has(api.apiId))
        report(
          `API ${api.apiId} requires subscription keys, which the stack does not declare for it (keys only for teams that opt in)`,
          api.api.urn,
        );
    }
  },
};

import type { StackValidationPolicy } from "@pulumi/policy";
import { checkPaths } from "../../gatewayPaths";
import { firstStep } from "../../apimPipeline";
import { checklist, known } from "../../lib";

/** Policies that authenticate the caller's token before anything is forwarded. */
const VALIDATIONS = new Set(["validate-azure-ad-token", "validate-jwt"]);

interface CallerSettings {
  /** APIs whose callers authenticate with subscription keys, as the stack declares (teams that opted in). */
  readonly keyedApis?: readonly string[];
}

export const securityApimCallerAuthenticated: StackValidationPolicy = {
  name: "security-apim-caller-authenticated",
  description:
    "On every path through an API's effective policy (operation → API → product → global, constant branches decided) that reaches a backend, the caller's Entra ID token is validated first; only an API the stack declares keyed (teams that opted in to subscription keys) may rely on its subscription key instead.",
  severity: "critical",
  enforcementLevel: "mandatory",
  configSchema: { properties: { keyedApis: { type: "array", items: { type: "string" } } } },
  framework: checklist([4, 6, 14], ["MCSB IM-1"]),
  remediationSteps:
    "Keep <validate-azure-ad-token> (tenant, audiences, client application ids) at the top of the API's inbound, outside any <choose>, and <base/> in every operation policy.",
  validateStack: (args, report) => {
    const keyed = new Set(args.getConfig<CallerSettings>().keyedApis ?? []);
    checkPaths(
      args.resources,
      (path, api) => {
        if (keyed.has(api.apiId) && known(() => api.api.props.subscriptionRequired) === true) return undefined;
        return firstStep(path, VALIDATIONS)
          ? undefined
          : "validates no caller token (validate-azure-ad-token): anyone who can reach the gateway is served";
      },
      report,
    );
  },
};

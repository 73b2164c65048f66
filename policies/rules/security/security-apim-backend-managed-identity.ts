import type { StackValidationPolicy } from "@pulumi/policy";
import { backendsById, checkPaths } from "../../gatewayPaths";
import { firstStep } from "../../apimPipeline";
import { checklist, known } from "../../lib";

/** Azure OpenAI (and AI Services) endpoints: they take Entra ID tokens, never keys, from the gateway. */
const AZURE_OPENAI = /\.(openai\.azure\.com|cognitiveservices\.azure\.com|services\.ai\.azure\.com)(\/|$)/i;
const MANAGED_IDENTITY = new Set(["authentication-managed-identity"]);

export const securityApimBackendManagedIdentity: StackValidationPolicy = {
  name: "security-apim-backend-managed-identity",
  description:
    "On every path through an API's effective policy that reaches a backend, the client's api-key header is removed, and every path to an Azure OpenAI backend (or a pool of them) authenticates with the gateway's managed identity.",
  severity: "critical",
  enforcementLevel: "mandatory",
  framework: checklist(
    [14],
    ["MCSB IM-3", "Azure Policy 'API Management calls to API backends should be authenticated'"],
  ),
  remediationSteps:
    'Add <set-header name="api-key" exists-action="delete"/> to inbound and <authentication-managed-identity resource="https://cognitiveservices.azure.com" client-id="..."/> beside each set-backend-service to an Azure OpenAI pool.',
  validateStack: (args, report) => {
    const backends = backendsById(args.resources);
    // A backend whose URL a preview does not know yet (an account's endpoint) leaves the path undecided.
    const isAzureOpenAi = (id: string | undefined, seen = new Set<string>()): boolean => {
      const b = id === undefined ? undefined : backends.get(id);
      if (!b || seen.has(id!)) return false;
      seen.add(id!);
      if (b.unknown) throw b.unknown;
      return AZURE_OPENAI.test(String(b.url ?? "")) || b.members.some((m) => isAzureOpenAi(m, seen));
    };
    checkPaths(
      args.resources,
      (path, api) => {
        const stripped = path.steps.some(
          (s) =>
            s.tag === "set-header" &&
            s.attributes.name?.toLowerCase() === "api-key" &&
            s.attributes["exists-action"] === "delete",
        );
        if (!stripped) return "passes the client's api-key header through: a client's key would reach the backend";
        const target =
          path.backend ??
          (AZURE_OPENAI.test(String(known(() => api.api.props.serviceUrl) ?? "")) ? "(service URL)" : undefined);
        if (firstStep(path, MANAGED_IDENTITY)) return undefined;
        const toAzureOpenAi = path.backend ? isAzureOpenAi(path.backend) : target !== undefined;
        if (toAzureOpenAi)
          return "reaches Azure OpenAI without authentication-managed-identity: the backend would need keys";
        return undefined;
      },
      report,
    );
  },
};

import type { StackValidationPolicy } from "@pulumi/policy";
import { backendsById, checkPaths, type BackendView } from "../../gatewayPaths";
import { firstStep } from "../../apimPipeline";
import type { PolicyElement } from "../../policyDocument";
import { TYPES, baseType, checklist, known } from "../../lib";

/** Azure OpenAI endpoints: their deployments are filtered by their own RAI policy (ethics-openai-deployment-filtered). */
const AZURE_OPENAI = /\.(openai\.azure\.com|cognitiveservices\.azure\.com|services\.ai\.azure\.com)(\/openai\/|$)/i;
/** An Azure AI Content Safety endpoint (custom subdomain). */
const CONTENT_SAFETY = /^https:\/\/[a-z0-9-]+\.cognitiveservices\.azure\.com\/?$/i;
const COGNITIVE_SERVICES = "https://cognitiveservices.azure.com";
const CHECK = new Set(["llm-content-safety"]);
const HARMS = ["Hate", "Sexual", "SelfHarm", "Violence"];
/** Medium (4) blocks medium and high content on either scale; a higher threshold lets medium through. */
const MAX_THRESHOLD = 4;

/** What is wrong with a content check, or undefined when it filters as strictly as the Azure OpenAI filter. */
export function contentCheckProblem(
  check: PolicyElement,
  backends: ReadonlyMap<string, BackendView>,
): string | undefined {
  const id = check.attributes["backend-id"];
  const backend = id === undefined ? undefined : backends.get(id);
  if (!backend) return `checks content with backend ${JSON.stringify(id ?? "")}, which this stack does not define`;
  if (backend.unknown) throw backend.unknown;
  if (!CONTENT_SAFETY.test(String(backend.url ?? "")))
    return `checks content with backend ${id}, whose URL ${backend.url ?? "(none)"} is not an Azure AI Content Safety endpoint`;
  if (backend.managedIdentityResource?.replace(/\/$/, "") !== COGNITIVE_SERVICES)
    return `checks content with backend ${id}, which has no managed-identity credentials for ${COGNITIVE_SERVICES}: every check would fail`;
  if (check.attributes["shield-prompt"] !== "true")
    return "checks content without Prompt Shields (shield-prompt): jailbreak attempts reach the model";
  if (check.attributes["enforce-on-completions"] !== "true")
    return "checks prompts only (enforce-on-completions is not true): completions reach the client unchecked";
  const categories = check.children.find((c) => c.tag === "categories")?.children ?? [];
  for (const harm of HARMS) {
    const category = categories.find((c) => c.tag === "category" && c.attributes.name === harm);
    const threshold = Number(category?.attributes.threshold);
    if (!category) return `checks content without the ${harm} category`;
    if (!(threshold <= MAX_THRESHOLD))
      return `blocks ${harm} only from severity ${category.attributes.threshold}: use ${MAX_THRESHOLD} (medium) or lower`;
  }
  return undefined;
}

export const ethicsApimEveryRouteFiltered: StackValidationPolicy = {
  name: "ethics-apim-every-route-filtered",
  description:
    "Every path through the gateway that reaches a backend is content-filtered: to Azure OpenAI by its deployments' RAI policy, to any other backend (a self-hosted vLLM model) by the gateway's llm-content-safety check before the call, on an Azure AI Content Safety backend with managed-identity credentials, with Prompt Shields, completions checked and Hate, Sexual, SelfHarm and Violence blocked from medium severity or lower.",
  severity: "high",
  enforcementLevel: "mandatory",
  framework: checklist(8),
  remediationSteps:
    "Give the endpoint's vLLM slots a gateway (content checks are added to every route to a self-hosted model), and keep models.<endpoint>.contentSafety thresholds at Medium or Low with shieldPrompt on.",
  validateStack: (args, report) => {
    const backends = backendsById(args.resources);
    // In a first preview a backend's id (its name) is an output: a path's backend may not be found by id yet.
    const namesUnknown = args.resources.filter(
      (r) => baseType(r.type) === TYPES.apimBackend && known(() => r.props.backendId ?? r.props.name) === undefined,
    );
    const isAzureOpenAi = (id: string, seen = new Set<string>()): boolean => {
      const b = backends.get(id);
      if (!b && namesUnknown.length > 0) namesUnknown[0]!.props.name; // throws the preview's unknown-value error
      if (!b || seen.has(id)) return false;
      seen.add(id);
      if (b.unknown) throw b.unknown;
      if (b.memberUnknown) throw b.memberUnknown;
      return b.members.length > 0
        ? b.members.every((m) => isAzureOpenAi(m, seen))
        : AZURE_OPENAI.test(String(b.url ?? ""));
    };
    checkPaths(
      args.resources,
      (path) => {
        const check = firstStep(path, CHECK);
        if (check) return contentCheckProblem(check.element, backends);
        if (path.backend !== undefined && isAzureOpenAi(path.backend)) return undefined;
        return "reaches a backend that is not Azure OpenAI with no content check (llm-content-safety): prompts and completions pass unfiltered";
      },
      report,
    );
  },
};

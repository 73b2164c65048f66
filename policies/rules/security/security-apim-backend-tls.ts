import type { ResourceValidationPolicy } from "@pulumi/policy";
import { TYPES, baseType, checklist, withinCidrs } from "../../lib";
import { allElements, readPolicyDocument } from "../../policyDocument";

interface BackendTlsSettings {
  /** Where plain http may go: the subnet of the platform's self-hosted model servers (their internal load balancers). */
  readonly httpCidrs?: readonly string[];
}

const POLICY_TYPES: readonly string[] = [TYPES.apimApiPolicy, TYPES.apimOperationPolicy];

/** Why calling `url` would not be protected in transit, or undefined when it is https or plain http to a model server's private address. */
export function plainTextProblem(url: string, httpCidrs: readonly string[]): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `has no valid URL ("${url}")`;
  }
  if (parsed.protocol === "https:") return undefined;
  const host = parsed.hostname;
  const privateInside = /^\d+\.\d+\.\d+\.\d+$/.test(host) && withinCidrs(`${host}/32`, httpCidrs);
  if (parsed.protocol === "http:" && privateInside) return undefined;
  return `is called over ${parsed.protocol.replace(":", "")} at ${host}, which is not a private address of the platform's model servers (${httpCidrs.join(", ") || "none declared"}): prompts and tokens would cross a network in clear`;
}

export const securityApimBackendTls: ResourceValidationPolicy = {
  name: "security-apim-backend-tls",
  description:
    "Every gateway backend is called over https, except a self-hosted model server at a private address inside the platform's own network (the AKS nodes' subnet), which the gateway reaches over the VNet; pools carry no URL of their own. A policy document that sets a base-url itself is held to the same rule.",
  severity: "high",
  enforcementLevel: "mandatory",
  configSchema: { properties: { httpCidrs: { type: "array", items: { type: "string" } } } },
  framework: checklist([4], ["MCSB DP-3", "Checkov CKV_AZURE_215"]),
  remediationSteps:
    "Use an https:// URL (Azure OpenAI backends), or for a vLLM target its static internal load-balancer address in the aksNodes subnet; in policy documents route with set-backend-service backend-id to a declared backend rather than a base-url.",
  validateResource: (args, report) => {
    const type = baseType(args.type);
    const cidrs = args.getConfig<BackendTlsSettings>().httpCidrs ?? [];
    if (type === TYPES.apimBackend) {
      if (args.props.type === "Pool") return;
      const problem = plainTextProblem(String(args.props.url ?? ""), cidrs);
      if (problem) report(`backend ${args.props.backendId ?? args.name} ${problem}`);
      return;
    }
    if (!POLICY_TYPES.includes(type))
      args.notApplicable(`applies only to ${[TYPES.apimBackend, ...POLICY_TYPES].join(", ")}`);
    const document = readPolicyDocument(String(args.props.value ?? ""));
    if ("problem" in document) return; // an unreadable document is reported by the rules that read it
    const elements = allElements(Object.values(document.sections).flat());
    for (const e of elements) {
      const url = e.tag === "set-backend-service" ? e.attributes["base-url"] : undefined;
      if (url === undefined) continue;
      if (/@[({]|\{\{/.test(url)) {
        report(
          `set-backend-service base-url "${url}" is computed at run time (a policy expression or named value), so nothing shows it is https: route with backend-id to a declared backend`,
        );
        continue;
      }
      const problem = plainTextProblem(url, cidrs);
      if (problem) report(`set-backend-service base-url ${problem}`);
    }
  },
};

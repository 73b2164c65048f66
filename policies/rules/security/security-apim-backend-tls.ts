import type { ResourceValidationPolicy } from "@pulumi/policy";
import { TYPES, checklist, forType, withinCidrs } from "../../lib";

interface BackendTlsSettings {
  /** Where plain http may go: the subnet of the platform's self-hosted model servers (their internal load balancers). */
  readonly httpCidrs?: readonly string[];
}

export const securityApimBackendTls: ResourceValidationPolicy = {
  name: "security-apim-backend-tls",
  description: "Every gateway backend is called over https, except a self-hosted model server at a private address inside the platform's own network (the AKS nodes' subnet), which the gateway reaches over the VNet; pools carry no URL of their own.",
  severity: "high",
  enforcementLevel: "mandatory",
  configSchema: { properties: { httpCidrs: { type: "array", items: { type: "string" } } } },
  framework: checklist([4], ["MCSB DP-3", "Checkov CKV_AZURE_215"]),
  remediationSteps: "Use an https:// URL (Azure OpenAI backends), or for a vLLM target its static internal load-balancer address in the aksNodes subnet.",
  validateResource: forType(TYPES.apimBackend, (props, args, report) => {
    if (props.type === "Pool") return;
    const url = String(props.url ?? "");
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      report(`backend ${props.backendId ?? args.name} has no valid URL ("${url}")`);
      return;
    }
    if (parsed.protocol === "https:") return;
    const cidrs = args.getConfig<BackendTlsSettings>().httpCidrs ?? [];
    const host = parsed.hostname;
    const privateInside = /^\d+\.\d+\.\d+\.\d+$/.test(host) && withinCidrs(`${host}/32`, cidrs);
    if (parsed.protocol !== "http:" || !privateInside) report(`backend ${props.backendId ?? args.name} is called over ${parsed.protocol.replace(":", "")} at ${host}, which is not a private address of the platform's model servers (${cidrs.join(", ") || "none declared"}): prompts and tokens would cross a network in clear`);
  }),
};

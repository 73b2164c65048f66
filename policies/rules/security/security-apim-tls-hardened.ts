import type { ResourceValidationPolicy } from "@pulumi/policy";
import { TYPES, checklist, forType } from "../../lib";

const PREFIX = "Microsoft.WindowsAzure.ApiManagement.Gateway.Security.";

/** The gateway settings that must be off: old protocols towards clients and backends, and a weak cipher. */
export const WEAK_TLS_SETTINGS = [
  "Protocols.Tls10",
  "Protocols.Tls11",
  "Protocols.Ssl30",
  "Backend.Protocols.Tls10",
  "Backend.Protocols.Tls11",
  "Backend.Protocols.Ssl30",
  "Ciphers.TripleDes168",
].map((s) => `${PREFIX}${s}`);

export const securityApimTlsHardened: ResourceValidationPolicy = {
  name: "security-apim-tls-hardened",
  description:
    "The API Management gateway turns TLS 1.0, TLS 1.1, SSL 3.0 (towards clients and backends) and Triple DES off explicitly.",
  severity: "high",
  enforcementLevel: "mandatory",
  framework: checklist([4], ["MCSB DP-3", "Checkov CKV_AZURE_173"]),
  remediationSteps: `Set customProperties ${WEAK_TLS_SETTINGS.map((s) => s.slice(PREFIX.length)).join(", ")} (each prefixed ${PREFIX}) to "False".`,
  validateResource: forType(TYPES.apiManagementService, (props, _args, report) => {
    const settings: Record<string, unknown> = props.customProperties ?? {};
    const on = WEAK_TLS_SETTINGS.filter((key) => String(settings[key] ?? "unset").toLowerCase() !== "false");
    if (on.length > 0) report(`not turned off explicitly: ${on.map((k) => k.slice(PREFIX.length)).join(", ")}`);
  }),
};

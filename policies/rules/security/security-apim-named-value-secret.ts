import type { ResourceValidationPolicy } from "@pulumi/policy";
import { baseType, checklist, known } from "../../lib";
import { isSecretValue } from "../../../components/core/secrets";

const NAMED_VALUE = "azure-native:apimanagement:NamedValue";
/** Names that say a value is a credential. */
const SECRET_NAME = /(key|secret|password|passwd|token|connection|credential|sas)/i;

export const securityApimNamedValueSecret: ResourceValidationPolicy = {
  name: "security-apim-named-value-secret",
  description:
    "A named value that holds a credential (a secret in the stack, or named like a key, password, token or connection string) is marked secret, so API Management encrypts it and never shows it in the portal or its API.",
  severity: "high",
  enforcementLevel: "mandatory",
  framework: checklist([4, 14], ["MCSB IM-8"]),
  remediationSteps:
    "Set secret: true on the named value (the gateway component does for the cache's connection string); better, a keyVault reference.",
  validateResource: (args, report) => {
    if (baseType(args.type) !== NAMED_VALUE) args.notApplicable(`applies only to ${NAMED_VALUE}`);
    const p = args.props;
    const name = String(p.displayName ?? p.namedValueId ?? args.name);
    // A value a preview does not know yet (an output) is judged by its name.
    const holdsSecret = isSecretValue(known(() => p.value)) || SECRET_NAME.test(name);
    if (holdsSecret && p.secret !== true && !p.keyVault)
      report(`named value ${name} holds a credential but is not secret (secret: true) nor a Key Vault reference`);
  },
};

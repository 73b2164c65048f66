import type { ResourceValidationPolicy } from "@pulumi/policy";
import { STATEFUL_TYPES, baseType, checklist } from "../../lib";

export const reliabilityAzureStatefulProtected: ResourceValidationPolicy = {
  name: "reliability-azure-stateful-protected",
  description:
    "Resources that hold state a user owns (stateful in the type catalogue: resource group, Log Analytics, Application Insights, Azure OpenAI accounts, the Redis cluster and database) are protected from deletion.",
  severity: "high",
  enforcementLevel: "mandatory",
  framework: checklist(3),
  remediationSteps:
    "Create the resource with { protect: true } (components do this when environment is prod); to remove one on purpose, unprotect it in a reviewed change first.",
  validateResource: (args, report) => {
    if (!STATEFUL_TYPES.has(baseType(args.type))) args.notApplicable("holds no user state");
    if (!args.opts.protect)
      report("not protected: a config change or `pulumi destroy` would delete it and what it holds");
  },
};

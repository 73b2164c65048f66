import type { ResourceValidationPolicy } from "@pulumi/policy";
import { TAGGABLE_TYPES, baseType, checklist } from "../../lib";

export const REQUIRED_TAGS = ["environment", "owner", "costCenter"] as const;

export const costAzureRequiredTags: ResourceValidationPolicy = {
  name: "cost-azure-required-tags",
  description:
    "Every taggable Azure resource (by the type catalogue) carries the environment, owner and costCenter tags.",
  severity: "medium",
  enforcementLevel: "mandatory",
  framework: checklist([5], ["Azure Policy 'Require a tag on resources'"]),
  remediationSteps:
    "Set tags.owner and tags.costCenter in the stack config; components add environment and pass the tags to every resource.",
  validateResource: (args, report) => {
    // Types the catalogue does not know are reported by governance-type-classified.
    if (!TAGGABLE_TYPES.has(baseType(args.type))) args.notApplicable("not a taggable Azure resource of the catalogue");
    const tags: Record<string, unknown> = args.props.tags ?? {};
    const missing = REQUIRED_TAGS.filter((t) => typeof tags[t] !== "string" || (tags[t] as string).trim() === "");
    if (missing.length > 0) report(`missing tag${missing.length > 1 ? "s" : ""} ${missing.join(", ")}`);
  },
};

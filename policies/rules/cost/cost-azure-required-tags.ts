import type { ResourceValidationPolicy } from "@pulumi/policy";
import { UNTAGGABLE_TYPES, checklist, isAzureResource } from "../../lib";

export const REQUIRED_TAGS = ["environment", "owner", "costCenter"] as const;

export const costAzureRequiredTags: ResourceValidationPolicy = {
  name: "cost-azure-required-tags",
  description: "Every taggable Azure resource carries the environment, owner and costCenter tags.",
  severity: "medium",
  enforcementLevel: "mandatory",
  framework: checklist(5),
  remediationSteps: "Set tags.owner and tags.costCenter in the stack config; components add environment and pass the tags to every resource.",
  validateResource: (args, report) => {
    if (!isAzureResource(args.type) || UNTAGGABLE_TYPES.has(args.type)) args.notApplicable("not a taggable Azure resource");
    const tags: Record<string, unknown> = args.props.tags ?? {};
    const missing = REQUIRED_TAGS.filter((t) => typeof tags[t] !== "string" || (tags[t] as string).trim() === "");
    if (missing.length > 0) report(`missing tag${missing.length > 1 ? "s" : ""} ${missing.join(", ")}`);
  },
};

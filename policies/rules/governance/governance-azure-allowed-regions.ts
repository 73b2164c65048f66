import type { StackValidationPolicy } from "@pulumi/policy";
import { checklist, decideEach, describe, regionName } from "../../lib";

export const governanceAzureAllowedRegions: StackValidationPolicy = {
  name: "governance-azure-allowed-regions",
  description:
    "Every resource with a location is in one of the environment's allowed regions (data residency), from the policy config.",
  severity: "high",
  enforcementLevel: "mandatory",
  framework: checklist([4], ["Azure Policy 'Allowed locations'", "MCSB AM-2"]),
  remediationSteps:
    "Move the resource to an allowed region, or add the region to regions in policies/config/<environment>.json in a reviewed change.",
  configSchema: { properties: { regions: { type: "array", items: { type: "string" } } } },
  validateStack: (args, report) => {
    const { regions } = args.getConfig<{ regions?: string[] }>();
    if (!regions) {
      report("no allowed regions in the policy config: set regions in policies/config/<environment>.json");
      return;
    }
    const allowed = new Set(regions.map((r) => regionName(r)));
    const located = args.resources.filter((r) => r.type.startsWith("azure-native:") && "location" in r.props);
    decideEach(located, describe, (resource) => {
      const location = resource.props.location;
      // Global resources (private DNS zones) have no region; Azure may return "Sweden Central" for swedencentral.
      if (typeof location !== "string" || regionName(location) === "global") return;
      if (!allowed.has(regionName(location)))
        report(`${describe(resource)} is in ${location}; allowed: ${regions.join(", ")}`, resource.urn);
    });
  },
};

import type { ResourceValidationPolicy } from "@pulumi/policy";
import { TYPES, checklist, forType } from "../../lib";

export const reliabilityRedisHighAvailability: ResourceValidationPolicy = {
  name: "reliability-redis-high-availability",
  description:
    "The Azure Managed Redis cluster replicates its data (highAvailability on): without it a node loss drops the cache and the SLA.",
  severity: "medium",
  enforcementLevel: "mandatory",
  framework: checklist(3, 15),
  remediationSteps: "Set cache.highAvailability: true (the default) in the stack config.",
  validateResource: forType(TYPES.redisCluster, (props, _args, report) => {
    if (props.highAvailability === "Disabled") report("highAvailability is Disabled: the data set is not replicated");
  }),
};

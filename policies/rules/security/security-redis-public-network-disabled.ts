import type { ResourceValidationPolicy } from "@pulumi/policy";
import { TYPES, checklist, forType } from "../../lib";

export const securityRedisPublicNetworkDisabled: ResourceValidationPolicy = {
  name: "security-redis-public-network-disabled",
  description: "Azure Managed Redis is not reachable from the public internet.",
  severity: "high",
  enforcementLevel: "mandatory",
  framework: checklist([4, 6], ["MCSB NS-2"]),
  remediationSteps:
    "Configure private networking (network in the stack config): the cache then gets a private endpoint and publicNetworkAccess: Disabled.",
  validateResource: forType(TYPES.redisCluster, (props, _args, report) => {
    if (props.publicNetworkAccess !== "Disabled")
      report(`publicNetworkAccess is ${JSON.stringify(props.publicNetworkAccess ?? "unset")}`);
  }),
};

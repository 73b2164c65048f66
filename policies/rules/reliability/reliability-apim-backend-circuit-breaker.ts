import type { ResourceValidationPolicy } from "@pulumi/policy";
import { TYPES, checklist, forType } from "../../lib";

export const reliabilityApimBackendCircuitBreaker: ResourceValidationPolicy = {
  name: "reliability-apim-backend-circuit-breaker",
  description:
    "Every single backend has one circuit-breaker rule with a failure condition and a trip duration; every pool lists its members and has no url or protocol.",
  severity: "high",
  enforcementLevel: "mandatory",
  framework: checklist(3, 11),
  remediationSteps:
    "Give each target's backend circuitBreaker.rules with one rule (429 for Azure OpenAI, 5xx and timeouts for vLLM) and a capped tripDuration; create pools with type Pool and pool.services only.",
  validateResource: forType(TYPES.apimBackend, (props, _args, report) => {
    if (props.type === "Pool") {
      if (props.url !== undefined || props.protocol !== undefined)
        report("a pool has a url or protocol: API Management refuses them on pools");
      const services: unknown[] = props.pool?.services ?? [];
      if (services.length === 0) report("the pool has no members");
      if (services.length > 30) report(`the pool has ${services.length} members; at most 30`);
      return;
    }
    const rules: Record<string, any>[] = props.circuitBreaker?.rules ?? [];
    if (rules.length !== 1) {
      report(`${rules.length} circuit-breaker rules: a backend takes exactly one`);
      return;
    }
    const rule = rules[0]!;
    const condition = rule.failureCondition ?? {};
    if ((condition.statusCodeRanges ?? []).length === 0 && (condition.errorReasons ?? []).length === 0)
      report("the breaker's failure condition names no status codes or error reasons");
    if (!rule.tripDuration) report("the breaker has no tripDuration");
  }),
};

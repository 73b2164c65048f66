import type { StackValidationPolicy } from "@pulumi/policy";
import { PAYGO_SKUS, TYPES, checklist, deploymentFacts, describe, ofType, readEach } from "../../lib";

export interface PaygoQuotaFact {
  readonly region: string;
  readonly model: string;
  readonly deploymentType: string;
  readonly limit: number;
  readonly usedElsewhere: number;
}

export const costOpenaiPaygoWithinQuota: StackValidationPolicy = {
  name: "cost-openai-paygo-within-quota",
  description:
    "Pay-as-you-go capacity per region, model and deployment type stays within the subscription's declared TPM quota, counting what other stacks use.",
  severity: "high",
  enforcementLevel: "mandatory",
  framework: checklist(12, 5),
  remediationSteps:
    "Lower the deployments' capacity, move one to another region, or declare the raised quota (after Azure grants it) in the stack's quota table.",
  configSchema: {
    properties: {
      quota: { type: "array", items: { type: "object" } },
    },
  },
  validateStack: (args, report) => {
    const { quota } = args.getConfig<{ quota?: PaygoQuotaFact[] }>();
    if (!quota) {
      report("no quota table in the policy config: run with --policy-pack-config out/<stack>/policy-config.json");
      return;
    }
    // Deployments whose size a preview does not know yet are left undecided; an overrun of the known ones stands.
    const { values, undecided } = readEach(ofType(args.resources, TYPES.openAiDeployment), describe, deploymentFacts);
    const planned = new Map<string, { tpm: number; names: string[] }>();
    for (const d of values.map((v) => v.value).filter((x) => PAYGO_SKUS.has(x.sku))) {
      const key = `${d.region}|${d.model}|${d.sku}`;
      const entry = planned.get(key) ?? { tpm: 0, names: [] };
      entry.tpm += d.capacity * 1000;
      entry.names.push(`${d.name} (${d.capacity * 1000} TPM)`);
      planned.set(key, entry);
    }
    for (const [key, { tpm, names }] of planned) {
      const [region, model, type] = key.split("|");
      const q = quota.find((e) => e.region === region && e.model === model && e.deploymentType === type);
      if (!q) report(`${model} ${type} in ${region}: no quota declared for ${names.join(", ")}`);
      else if (tpm + q.usedElsewhere > q.limit) {
        report(
          `${model} ${type} in ${region}: ${tpm} TPM planned + ${q.usedElsewhere} used elsewhere exceeds the ${q.limit} TPM quota (${names.join(", ")})`,
        );
      }
    }
    if (undecided) throw undecided;
  },
};

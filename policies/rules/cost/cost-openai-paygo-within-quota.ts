import type { StackValidationPolicy } from "@pulumi/policy";
import { deploymentNameOf, PAYGO_SKUS, TYPES, checklist, ofType, sourceOf } from "../../lib";

export interface PaygoQuotaFact {
  readonly region: string;
  readonly model: string;
  readonly deploymentType: string;
  readonly limit: number;
  readonly usedElsewhere: number;
}

export const costOpenaiPaygoWithinQuota: StackValidationPolicy = {
  name: "cost-openai-paygo-within-quota",
  description: "Pay-as-you-go capacity per region, model and deployment type stays within the subscription's declared TPM quota, counting what other stacks use.",
  severity: "high",
  enforcementLevel: "mandatory",
  framework: checklist(12, 5),
  remediationSteps: "Lower the deployments' capacity, move one to another region, or declare the raised quota (after Azure grants it) in the stack's quota table.",
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
    const planned = new Map<string, { tpm: number; names: string[] }>();
    for (const d of ofType(args.resources, TYPES.openAiDeployment)) {
      if (!PAYGO_SKUS.has(d.props.sku?.name)) continue;
      const region = sourceOf(d, "accountName", TYPES.openAiAccount)?.props.location;
      const key = `${region}|${d.props.properties?.model?.name}|${d.props.sku.name}`;
      const entry = planned.get(key) ?? { tpm: 0, names: [] };
      entry.tpm += Number(d.props.sku.capacity ?? 0) * 1000;
      entry.names.push(`${deploymentNameOf(d)} (${Number(d.props.sku.capacity ?? 0) * 1000} TPM)`);
      planned.set(key, entry);
    }
    for (const [key, { tpm, names }] of planned) {
      const [region, model, type] = key.split("|");
      const q = quota.find((e) => e.region === region && e.model === model && e.deploymentType === type);
      if (!q) report(`${model} ${type} in ${region}: no quota declared for ${names.join(", ")}`);
      else if (tpm + q.usedElsewhere > q.limit) {
        report(`${model} ${type} in ${region}: ${tpm} TPM planned + ${q.usedElsewhere} used elsewhere exceeds the ${q.limit} TPM quota (${names.join(", ")})`);
      }
    }
  },
};

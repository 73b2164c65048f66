import type { StackValidationPolicy } from "@pulumi/policy";
import { PTU_SKUS, TYPES, checklist, deploymentFacts, describe, ofType, readEach } from "../../lib";

export interface PtuQuotaFact {
  readonly region: string;
  readonly deploymentType: string;
  readonly limit: number;
  readonly usedElsewhere: number;
}

export const costOpenaiPtuWithinCap: StackValidationPolicy = {
  name: "cost-openai-ptu-within-cap",
  description:
    "Provisioned (PTU) deployments stay within the environment's PTU cap and the subscription's PTU quota per region and deployment type.",
  severity: "high",
  enforcementLevel: "mandatory",
  framework: checklist(5, 12),
  remediationSteps:
    "Reduce PTU capacity or raise ptuCap in a reviewed change to the stack config (a PTU reservation is a cost commitment).",
  configSchema: {
    properties: {
      ptuCap: { type: "number" },
      ptuQuota: { type: "array", items: { type: "object" } },
    },
  },
  validateStack: (args, report) => {
    const { ptuCap, ptuQuota } = args.getConfig<{ ptuCap?: number; ptuQuota?: PtuQuotaFact[] }>();
    if (ptuCap === undefined) {
      report("no ptuCap in the policy config: run with --policy-pack-config out/<stack>/policy-config.json");
      return;
    }
    // Deployments whose size a preview does not know yet are left undecided; an overrun of the known ones stands.
    const { values, undecided } = readEach(ofType(args.resources, TYPES.openAiDeployment), describe, deploymentFacts);
    const ptu = values.map((v) => v.value).filter((d) => PTU_SKUS.has(d.sku));
    const total = ptu.reduce((sum, d) => sum + d.capacity, 0);
    if (total > ptuCap)
      report(
        `${total} PTU reserved by ${ptu.map((d) => `${d.name} (${d.capacity})`).join(", ")} exceeds the environment's cap of ${ptuCap}`,
      );
    const byRegionType = new Map<string, number>();
    for (const d of ptu)
      byRegionType.set(`${d.region}|${d.sku}`, (byRegionType.get(`${d.region}|${d.sku}`) ?? 0) + d.capacity);
    for (const [key, planned] of byRegionType) {
      const [region, type] = key.split("|");
      const q = (ptuQuota ?? []).find((e) => e.region === region && e.deploymentType === type);
      if (!q) report(`${type} in ${region}: ${planned} PTU planned but no PTU quota declared`);
      else if (planned + q.usedElsewhere > q.limit)
        report(
          `${type} in ${region}: ${planned} PTU planned + ${q.usedElsewhere} used elsewhere exceeds the ${q.limit} PTU quota`,
        );
    }
    if (undecided) throw undecided;
  },
};

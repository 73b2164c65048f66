import type { StackValidationPolicy } from "@pulumi/policy";
import { PTU_SKUS, TYPES, checklist, deploymentFacts, describe, ofType, readEach } from "../../lib";

/** Minimum and step of a model's PTU deployments of one type (from the platform's dated model table). */
export interface PtuIncrementFact {
  readonly model: string;
  readonly deploymentType: string;
  readonly minimum: number;
  readonly step: number;
}

/** PTUs an endpoint's slot needs for its declared peak workload. */
export interface PtuRequirementFact {
  readonly endpoint: string;
  readonly slot: string;
  readonly requiredPtu: number;
}

export const capacityOpenaiPtuSized: StackValidationPolicy = {
  name: "capacity-openai-ptu-sized",
  description:
    "Each PTU deployment uses a valid size for its model and type (minimum and increment), and each slot's PTUs cover what its peak workload needs.",
  severity: "medium",
  enforcementLevel: "mandatory",
  framework: checklist(1),
  remediationSteps:
    "Use a PTU count the plan suggests (minimum plus a whole number of increments) and at least the 'needs' figure it prints for the slot's workload shape.",
  configSchema: {
    properties: {
      ptuIncrements: { type: "array", items: { type: "object" } },
      ptuRequirements: { type: "array", items: { type: "object" } },
    },
  },
  validateStack: (args, report) => {
    const { ptuIncrements = [], ptuRequirements = [] } = args.getConfig<{
      ptuIncrements?: PtuIncrementFact[];
      ptuRequirements?: PtuRequirementFact[];
    }>();
    // Deployments whose size a preview does not know yet are left undecided; the rest are decided.
    const { values, undecided } = readEach(ofType(args.resources, TYPES.openAiDeployment), describe, deploymentFacts);
    const ptu = values.filter((v) => PTU_SKUS.has(v.value.sku));
    for (const { item, value: d } of ptu) {
      const increment = ptuIncrements.find((i) => i.model === d.model && i.deploymentType === d.sku);
      if (!increment) report(`${d.name}: no PTU figures for ${d.model} ${d.sku} in the policy config`, item.urn);
      else if (d.capacity < increment.minimum || (d.capacity - increment.minimum) % increment.step !== 0) {
        report(
          `${d.name}: ${d.capacity} PTU is not valid for ${d.model} ${d.sku} (minimum ${increment.minimum}, step ${increment.step})`,
          item.urn,
        );
      }
    }
    for (const need of ptuRequirements) {
      const total = ptu
        .filter(({ value: d }) => d.endpoint === need.endpoint && d.slot === need.slot)
        .reduce((sum, { value: d }) => sum + d.capacity, 0);
      // An undecided deployment might make up the difference.
      if (total < need.requiredPtu && !undecided)
        report(`${need.endpoint}/${need.slot}: ${total} PTU configured, its peak workload needs ${need.requiredPtu}`);
    }
    if (undecided) throw undecided;
  },
};

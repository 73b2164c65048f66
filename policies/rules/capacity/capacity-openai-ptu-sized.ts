import type { StackValidationPolicy } from "@pulumi/policy";
import { deploymentNameOf, PTU_SKUS, TYPES, checklist, ofType } from "../../lib";

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
  description: "Each PTU deployment uses a valid size for its model and type (minimum and increment), and each slot's PTUs cover what its peak workload needs.",
  severity: "medium",
  enforcementLevel: "mandatory",
  framework: checklist(1),
  remediationSteps: "Use a PTU count the plan suggests (minimum plus a whole number of increments) and at least the 'needs' figure it prints for the slot's workload shape.",
  configSchema: {
    properties: {
      ptuIncrements: { type: "array", items: { type: "object" } },
      ptuRequirements: { type: "array", items: { type: "object" } },
    },
  },
  validateStack: (args, report) => {
    const { ptuIncrements = [], ptuRequirements = [] } = args.getConfig<{ ptuIncrements?: PtuIncrementFact[]; ptuRequirements?: PtuRequirementFact[] }>();
    const ptu = ofType(args.resources, TYPES.openAiDeployment).filter((d) => PTU_SKUS.has(d.props.sku?.name));
    for (const d of ptu) {
      const model = d.props.properties?.model?.name;
      const capacity = Number(d.props.sku.capacity ?? 0);
      const increment = ptuIncrements.find((i) => i.model === model && i.deploymentType === d.props.sku.name);
      if (!increment) report(`${deploymentNameOf(d)}: no PTU figures for ${model} ${d.props.sku.name} in the policy config`, d.urn);
      else if (capacity < increment.minimum || (capacity - increment.minimum) % increment.step !== 0) {
        report(`${deploymentNameOf(d)}: ${capacity} PTU is not valid for ${model} ${d.props.sku.name} (minimum ${increment.minimum}, step ${increment.step})`, d.urn);
      }
    }
    for (const need of ptuRequirements) {
      const slotPtu = ptu.filter((d) => d.props.tags?.endpoint === need.endpoint && d.props.tags?.slot === need.slot);
      const total = slotPtu.reduce((sum, d) => sum + Number(d.props.sku.capacity ?? 0), 0);
      if (total < need.requiredPtu) report(`${need.endpoint}/${need.slot}: ${total} PTU configured, its peak workload needs ${need.requiredPtu}`);
    }
  },
};

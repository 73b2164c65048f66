import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import {
  deploymentNameOf,
  PTU_SKUS,
  TYPES,
  checklist,
  decideEach,
  describe,
  known,
  ofType,
  readEach,
  sourceOf,
} from "../../lib";
import { own } from "../../../components/core/own";
import { SPILLOVER_TARGET_TYPE } from "../../../components/openai/models";

export const reliabilityOpenaiPtuFallback: StackValidationPolicy = {
  name: "reliability-openai-ptu-fallback",
  description:
    "Every PTU deployment has somewhere for overflow to go: native spillover to a deployment of the same account, or a second target in the same endpoint and slot; and where a same-account, same-level pay-as-you-go twin exists, it spills over to it natively.",
  severity: "high",
  enforcementLevel: "mandatory",
  framework: checklist(3),
  remediationSteps:
    "Add a pay-as-you-go target of the same model and version to the slot (same account and Global/DataZone level for native spillover), or a target in another region; name the twin in spilloverDeploymentName.",
  validateStack: (args, report) => {
    const deployments = ofType(args.resources, TYPES.openAiDeployment);
    const accountOf = (d: PolicyResource) => sourceOf(d, "accountName", TYPES.openAiAccount)?.urn;
    const model = (d: PolicyResource) => `${d.props.properties?.model?.name} ${d.props.properties?.model?.version}`;
    // Deployments whose sku a preview does not know yet are left undecided, not the whole rule.
    const { values, undecided, undecidedItems } = readEach(deployments, describe, (x) => String(x.props.sku?.name));
    decideEach(
      values.filter((v) => PTU_SKUS.has(v.value)).map((v) => v.item),
      describe,
      (d) => {
        const spillover = d.props.properties?.spilloverDeploymentName;
        if (spillover) {
          const target = deployments.find(
            (o) => o !== d && deploymentNameOf(o) === spillover && accountOf(o) === accountOf(d),
          );
          if (!target)
            report(
              `${deploymentNameOf(d)} spills over to "${spillover}", which is not a deployment of the same account in this stack`,
              d.urn,
            );
          return;
        }
        const twin = deployments.find(
          (o) =>
            o !== d &&
            accountOf(o) === accountOf(d) &&
            o.props.sku?.name === own(SPILLOVER_TARGET_TYPE, String(d.props.sku.name)) &&
            model(o) === model(d),
        );
        if (twin) {
          report(
            `${deploymentNameOf(d)} does not spill over, though ${deploymentNameOf(twin)} (${twin.props.sku.name}, ${model(twin)}) on the same account could take its overflow natively: set spilloverDeploymentName`,
            d.urn,
          );
          return;
        }
        const { endpoint, slot } = d.props.tags ?? {};
        const sibling = deployments.some(
          (o) =>
            o !== d && o.props.tags?.endpoint === endpoint && o.props.tags?.slot === slot && endpoint !== undefined,
        );
        // An undecided deployment of the same slot might be its second target.
        if (
          !sibling &&
          undecidedItems.some(
            (o) => known(() => o.props.tags?.endpoint) === endpoint && known(() => o.props.tags?.slot) === slot,
          )
        )
          throw undecided;
        if (!sibling)
          report(
            `${deploymentNameOf(d)} has no spillover and no other target in ${endpoint ?? "?"}/${slot ?? "?"}: when its PTUs are saturated, clients get 429`,
            d.urn,
          );
      },
    );
    if (undecided) throw undecided;
  },
};

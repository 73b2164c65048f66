import type { StackValidationPolicy } from "@pulumi/policy";
import { TYPES, checklist, ofType } from "../../lib";
import { own } from "../../../components/core/own";

/** Whether `selector.matchLabels` picks the pods carrying `labels` (labels they have themselves). */
const selects = (selector: Record<string, string> | undefined, labels: Record<string, string> | undefined) =>
  selector !== undefined &&
  Object.keys(selector).length > 0 &&
  Object.entries(selector).every(([k, v]) => labels !== undefined && own(labels, k) === v);

export const reliabilityK8sReplicasAndPdb: StackValidationPolicy = {
  name: "reliability-k8s-replicas-and-pdb",
  description:
    "A model server runs at least two replicas and a PodDisruptionBudget covers it, so a node upgrade or eviction never takes a model offline.",
  severity: "high",
  enforcementLevel: "mandatory",
  framework: checklist(3),
  remediationSteps:
    "Set replicas >= 2 on the vLLM target and keep the serving component's PodDisruptionBudget (maxUnavailable: 1).",
  validateStack: (args, report) => {
    const budgets = ofType(args.resources, TYPES.podDisruptionBudget);
    for (const s of ofType(args.resources, TYPES.statefulSet)) {
      const replicas = Number(s.props.spec?.replicas ?? 1);
      if (replicas < 2) report(`${s.name}: ${replicas} replica: one disruption takes the model offline`, s.urn);
      const labels = s.props.spec?.template?.metadata?.labels;
      const covered = budgets.some(
        (b) =>
          b.props.metadata?.namespace === s.props.metadata?.namespace &&
          selects(b.props.spec?.selector?.matchLabels, labels),
      );
      if (!covered) report(`${s.name}: no PodDisruptionBudget selects its pods`, s.urn);
    }
  },
};

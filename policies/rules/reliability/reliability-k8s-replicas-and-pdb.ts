import type { StackValidationPolicy } from "@pulumi/policy";
import { LOAD_BALANCER_IP_ANNOTATION, TYPES, checklist, ofType } from "../../lib";
import { own } from "../../../components/core/own";
import { routedHosts } from "../../gatewayPaths";

/** Whether a non-empty `matchLabels` (or a Service's selector) picks the pods carrying `labels` (labels they have themselves). */
const selects = (selector: Record<string, string> | undefined, labels: Record<string, string> | undefined) =>
  selector !== undefined &&
  Object.keys(selector).length > 0 &&
  Object.entries(selector).every(([k, v]) => labels !== undefined && own(labels, k) === v);

export const reliabilityK8sReplicasAndPdb: StackValidationPolicy = {
  name: "reliability-k8s-replicas-and-pdb",
  description:
    "A model server the gateway routes to runs at least two replicas and a PodDisruptionBudget covers it, so a node upgrade or eviction never takes a model offline; a server no gateway path reaches (an idle colour) may run none.",
  severity: "high",
  enforcementLevel: "mandatory",
  framework: checklist(3),
  remediationSteps:
    "Set replicas >= 2 on the vLLM target and keep the serving component's PodDisruptionBudget (maxUnavailable: 1); only a colour at weight 0 outside a rollout runs zero replicas.",
  validateStack: (args, report) => {
    const budgets = ofType(args.resources, TYPES.podDisruptionBudget);
    const services = ofType(args.resources, TYPES.k8sService);
    let routed: ReturnType<typeof routedHosts> | undefined;
    for (const s of ofType(args.resources, TYPES.statefulSet)) {
      const replicas = Number(s.props.spec?.replicas ?? 1);
      const labels = s.props.spec?.template?.metadata?.labels;
      if (replicas === 0) {
        // Zero is an idle colour's size: right only where the gateway sends it nothing.
        routed ??= routedHosts(args.resources);
        const addresses = services
          .filter(
            (v) =>
              v.props.metadata?.namespace === s.props.metadata?.namespace && selects(v.props.spec?.selector, labels),
          )
          .flatMap((v) => [v.props.metadata?.annotations?.[LOAD_BALANCER_IP_ANNOTATION], v.props.spec?.loadBalancerIP])
          .filter((ip): ip is string => typeof ip === "string");
        const reached = addresses.filter((ip) => routed!.hosts.has(ip));
        if (reached.length > 0)
          report(
            `${s.name}: 0 replicas, but the gateway routes requests to ${reached.join(", ")}: every one of them fails`,
            s.urn,
          );
        else if (routed.undecided.length > 0)
          report(
            `${s.name}: 0 replicas, and whether the gateway routes to it cannot be decided (${routed.undecided.join("; ")})`,
            s.urn,
          );
      } else if (replicas < 2) report(`${s.name}: ${replicas} replica: one disruption takes the model offline`, s.urn);
      const covered = budgets.some(
        (b) =>
          b.props.metadata?.namespace === s.props.metadata?.namespace &&
          selects(b.props.spec?.selector?.matchLabels, labels),
      );
      if (!covered) report(`${s.name}: no PodDisruptionBudget selects its pods`, s.urn);
    }
  },
};

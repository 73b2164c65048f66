import type { StackValidationPolicy } from "@pulumi/policy";
import { TYPES, checklist, ofType } from "../../lib";
import { type Colour } from "../../../components/core/colours";

/** Slot weights per endpoint, as the stack config declares them. */
export type EndpointWeights = Record<string, Partial<Record<Colour, number>>>;

export const lifecycleEndpointLiveSlot: StackValidationPolicy = {
  name: "lifecycle-endpoint-live-slot",
  description:
    "Every model endpoint has valid slot weights (0-100, summing to 100) and each slot taking traffic is backed by deployments (Azure OpenAI) or model servers (vLLM StatefulSets) in this stack.",
  severity: "high",
  enforcementLevel: "mandatory",
  framework: checklist(16),
  remediationSteps:
    "Fix the slot weights in the stack config, or add targets to the live slot before shifting traffic to it.",
  configSchema: {
    properties: { endpoints: { type: "object" } },
  },
  validateStack: (args, report) => {
    const { endpoints } = args.getConfig<{ endpoints?: EndpointWeights }>();
    if (!endpoints) {
      report("no endpoints in the policy config: run with --policy-pack-config out/<stack>/policy-config.json");
      return;
    }
    // An Azure OpenAI deployment carries its endpoint and slot as tags; a vLLM StatefulSet as labels.
    const serving = [
      ...ofType(args.resources, TYPES.openAiDeployment).map((d) => ({
        endpoint: d.props.tags?.endpoint,
        slot: d.props.tags?.slot,
      })),
      ...ofType(args.resources, TYPES.statefulSet).map((s) => ({
        endpoint: s.props.metadata?.labels?.["genai-platform/endpoint"],
        slot: s.props.metadata?.labels?.["genai-platform/slot"],
      })),
    ];
    for (const [endpoint, slots] of Object.entries(endpoints)) {
      const weights = Object.entries(slots);
      const bad = weights.filter(([, w]) => !Number.isInteger(w) || w! < 0 || w! > 100);
      if (bad.length > 0)
        report(`${endpoint}: weights ${bad.map(([s, w]) => `${s}=${w}`).join(", ")} are outside 0..100`);
      const total = weights.reduce((sum, [, w]) => sum + (w ?? 0), 0);
      if (total !== 100) report(`${endpoint}: slot weights sum to ${total}, not 100`);
      const live = weights.filter(([, w]) => (w ?? 0) > 0);
      if (live.length === 0) report(`${endpoint}: no slot takes traffic`);
      for (const [slot] of live) {
        if (!serving.some((d) => d.endpoint === endpoint && d.slot === slot)) {
          report(`${endpoint}/${slot} takes traffic but no deployment in this stack serves it`);
        }
      }
    }
  },
};

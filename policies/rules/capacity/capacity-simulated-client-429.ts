import type { StackValidationPolicy } from "@pulumi/policy";
import { checklist } from "../../lib";

/** The stack's reference trace replayed through its plan (npm run simulate's engine), as the plan records it. */
export interface SimulatedCapacityFact {
  readonly trace: string;
  readonly requests: number;
  readonly client429Share: number;
  readonly maxClient429Share?: number;
}

const percent = (x: number) => `${(x * 100).toFixed(2)}%`;

export const capacitySimulatedClient429: StackValidationPolicy = {
  name: "capacity-simulated-client-429",
  description:
    "When the stack declares a reference trace with a 429 objective (capacity.maxClient429Share), the trace replayed through the planned gateway, deployments and vLLM slots gets no more client 429s than the objective allows.",
  severity: "medium",
  enforcementLevel: "mandatory",
  framework: checklist(1),
  remediationSteps:
    "Run `npm run simulate -- --stack <name> --reference --sweep` (the same trace, scale and map the plan replayed) and raise the PTUs, pay-as-you-go capacity or team budgets it points to; or change the objective in a reviewed change.",
  configSchema: { properties: { simulated: { type: "object" } } },
  validateStack: (args, report) => {
    const { simulated } = args.getConfig<{ simulated?: SimulatedCapacityFact }>();
    if (simulated?.maxClient429Share === undefined) return;
    if (simulated.client429Share > simulated.maxClient429Share)
      report(
        `on ${simulated.trace} (${simulated.requests} requests), ${percent(simulated.client429Share)} of requests are answered 429, above the stack's objective of ${percent(simulated.maxClient429Share)}`,
      );
  },
};

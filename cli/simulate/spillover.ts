// A provisioned deployment with Azure OpenAI's native spillover to its pay-as-you-go twin: a request the
// PTU deployment refuses (429) goes to the Standard deployment, which may refuse it too. The first part of
// the simulator's Azure OpenAI path; the gateway in front of it (teams, slots, pools, breakers, retries)
// is not modelled yet.
// The trace formats carry no max_tokens: each request's max_tokens is taken as the tokens it generated,
// so the PTU estimate equals its actual cost and no completion correction is needed.
import type { PtuModelFigures } from "../../components/openai/models";
import type { PaygoLimiter } from "./paygo";
import { type PtuBucket, ptuCost } from "./ptu";
import type { TraceRequest } from "./trace";

/** Where requests went. */
export interface SpilloverCounts {
  ptu: number;
  spillover: number;
  refused: number;
}

/** Replays `requests` through the PTU deployment and, for what it refuses, its pay-as-you-go twin. */
export function replaySpillover(
  requests: Iterable<TraceRequest>,
  ptu: PtuBucket,
  paygo: PaygoLimiter,
  figures: Pick<PtuModelFigures, "outputTokenWeight">,
): SpilloverCounts {
  const counts: SpilloverCounts = { ptu: 0, spillover: 0, refused: 0 };
  for (const r of requests) {
    if (ptu.admit(r.atMs, ptuCost(figures, r.promptTokens, r.outputTokens)).accepted) counts.ptu++;
    else if (paygo.admit(r.atMs, r.promptTokens + r.outputTokens).accepted) counts.spillover++;
    else counts.refused++;
  }
  return counts;
}

// How long a vLLM colour takes from zero replicas to ready: the one place these outside figures live.
// Each phase is a range in minutes with its source; the platform adds them up for `rollout start` and the
// docs, it never waits on them. Checked 2026-12-05.
//
// - A GPU node: the cluster autoscaler waits 30 s before it asks for a GPU node (Azure/AKS#5573,
//   2026-01), then the VM is created, joins the cluster and AKS installs the NVIDIA driver: users report
//   8 minutes and more per GPU VM (Azure/aks-engine#3507, 2020) and up to about 15 (Azure/AKS#1898).
//   Microsoft publishes no figure. Only when the pool has no free GPU for the new servers.
// - The image: `vllm/vllm-openai` is about 12 GB to pull (vllm-project/vllm#27154, 2025-10; 28.6 GB
//   unpacked, vllm-project/vllm#22377). The range assumes 25 to 100 MB/s from Docker Hub to the node:
//   an assumption, not a measurement.
// - The model: a first start downloads the weights into the server's cache disk (2 bytes per parameter
//   in bf16: 15 GB for 7B, 140 GB for 70B) and loads them onto the GPUs. The range is a 7B to 70B model at
//   the same assumed 100 to 400 MB/s from Hugging Face, plus vLLM's load and CUDA-graph capture. A
//   restart from the colour's own cache disk (an idle colour keeps it) skips the download. The server's
//   startup probe allows 60 minutes (components/serving: failureThreshold 360 x 10 s).
export const COLD_START_SOURCE =
  "Azure/AKS#5573 and #1898, Azure/aks-engine#3507, vllm-project/vllm#27154 and #22377; transfer rates assumed";
export const COLD_START_DATE = "2026-12-05";

/** Minutes, lowest and highest. */
export interface MinuteRange {
  readonly low: number;
  readonly high: number;
}

export const COLD_START: Readonly<Record<"gpuNode" | "imagePull" | "modelLoad", MinuteRange>> = {
  gpuNode: { low: 8, high: 15 },
  imagePull: { low: 2, high: 8 },
  modelLoad: { low: 1, high: 25 },
};

/** The phases of one cold start and their sum; `newNodes` is 0 when the pool already has room. */
export function coldStartMinutes(newNodes: number): {
  phases: { phase: string; minutes: MinuteRange }[];
  total: MinuteRange;
} {
  const phases = [
    ...(newNodes > 0
      ? [{ phase: `${newNodes} new GPU node${newNodes === 1 ? "" : "s"}`, minutes: COLD_START.gpuNode }]
      : []),
    { phase: "image pull", minutes: COLD_START.imagePull },
    { phase: "model download and load", minutes: COLD_START.modelLoad },
  ];
  return {
    phases,
    total: phases.reduce((sum, p) => ({ low: sum.low + p.minutes.low, high: sum.high + p.minutes.high }), {
      low: 0,
      high: 0,
    }),
  };
}

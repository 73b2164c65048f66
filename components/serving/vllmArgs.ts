// The command line of a vLLM server: the base model, pinned, served under its endpoint's name, and its
// LoRA adapters. Pure: the serving component and the tests build it alike.
import { loraArgs } from "./adapters";
import type { VllmTargetSpec } from "./index";

/** The port vLLM's OpenAI-compatible server listens on, in the pod and on the internal load balancer. */
export const VLLM_PORT = 8000;

/**
 * The arguments of `vllm serve` for a target: the endpoint name is the served model name, and each LoRA
 * adapter is served under its own name from its folder in the model cache.
 */
export function vllmArgs(
  endpoint: string,
  t: Pick<
    VllmTargetSpec,
    | "model"
    | "revision"
    | "gpusPerReplica"
    | "gpuMemoryUtilization"
    | "maxModelLen"
    | "adapters"
    | "maxLoras"
    | "maxLoraRank"
  >,
): string[] {
  return [
    ...baseArgs(endpoint, t),
    ...(t.adapters && t.adapters.length > 0 ? loraArgs(t.adapters, t.maxLoras, t.maxLoraRank) : []),
  ];
}

function baseArgs(
  endpoint: string,
  t: Pick<VllmTargetSpec, "model" | "revision" | "gpusPerReplica" | "gpuMemoryUtilization" | "maxModelLen">,
): string[] {
  return [
    t.model,
    "--revision",
    t.revision,
    "--served-model-name",
    endpoint,
    "--tensor-parallel-size",
    String(t.gpusPerReplica),
    "--gpu-memory-utilization",
    String(t.gpuMemoryUtilization),
    ...(t.maxModelLen ? ["--max-model-len", String(t.maxModelLen)] : []),
    "--host",
    "0.0.0.0",
    "--port",
    String(VLLM_PORT),
  ];
}

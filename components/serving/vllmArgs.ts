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

/** The flag that sends a server's request spans to the trace collector (OTLP over gRPC, vLLM's default protocol). */
export function tracingArgs(collector: string): string[] {
  return ["--otlp-traces-endpoint", collector];
}

/** The environment variable Kubernetes fills with the pod's name (the span's service instance). */
export const POD_NAME_ENV = "POD_NAME";

/**
 * The OpenTelemetry settings of a traced server, read by the SDK vLLM starts (vllm/tracing/otel.py):
 * - the service name is Application Insights' cloud role (`AppRequests.AppRoleName`), one per slot, so a
 *   slot's spans are one filter away; the pod is the role instance;
 * - the protocol is named, as vLLM reads only the traces-specific variable (`OTEL_EXPORTER_OTLP_PROTOCOL`
 *   is ignored: vllm-project/vllm#56719); the channel is plaintext inside the pod network (vLLM's gRPC
 *   exporter is insecure whatever the variable says since #31162; the variable covers older code);
 * - sampling follows the caller: a request the gateway sampled out arrives with its traceparent's sampled
 *   flag unset and records no span; a call without a traceparent is recorded.
 * vLLM records one span per finished request (`llm_request`, a server span, parented by the caller's
 * traceparent) with its latencies and token counts as `gen_ai.*` attributes.
 */
export function tracingEnv(
  service: string,
): { name: string; value?: string; valueFrom?: { fieldRef: { fieldPath: string } } }[] {
  return [
    { name: POD_NAME_ENV, valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
    { name: "OTEL_SERVICE_NAME", value: service },
    // Kubernetes expands $(POD_NAME), set just above.
    { name: "OTEL_RESOURCE_ATTRIBUTES", value: `service.instance.id=$(${POD_NAME_ENV})` },
    { name: "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", value: "grpc" },
    { name: "OTEL_EXPORTER_OTLP_TRACES_INSECURE", value: "true" },
    { name: "OTEL_TRACES_SAMPLER", value: "parentbased_always_on" },
  ];
}

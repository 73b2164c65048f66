/** The label of a GPU series that names the node's GPU pool (set when Prometheus scrapes the DCGM exporter). */
export const GPU_POOL_SERIES_LABEL = "gpu_pool";

/** A vLLM slot's namespace (components/serving: `vllm-<endpoint>-<slot>`): endpoint and slot as groups 1 and 2. */
export const SLOT_NAMESPACE = "vllm-(.+)-(blue|green)";

/**
 * The metric relabelings of the DCGM exporter's scrape: a GPU a vLLM pod holds gets the pod's endpoint and
 * slot from the namespace the exporter names (`model_endpoint`, `slot`, as the vLLM series carry them).
 */
export const GPU_SLOT_RELABELINGS = [
  { sourceLabels: ["namespace"], regex: SLOT_NAMESPACE, targetLabel: "model_endpoint", replacement: "$1" },
  { sourceLabels: ["namespace"], regex: SLOT_NAMESPACE, targetLabel: "slot", replacement: "$2" },
] as const;

/**
 * The Prometheus operator gives every target its own `namespace`, `pod` and `container` labels; with
 * `honorLabels` they would fill in those a GPU nobody holds does not carry (the exporter leaves them off),
 * so the scrape drops them: only the exporter's own (the GPU's consumer) remain.
 */
export const GPU_TARGET_LABELDROP = "namespace|pod|container";

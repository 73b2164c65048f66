// The labels a model server's metrics are selected by. They belong to the servers (their pods carry them
// and their PodMonitor copies them onto every sample), so the serving component owns them and the
// observability queries read them from here: both colours serve one model name, so a slot is told
// apart by these labels, never by `model_name`.

/** The label every model server's namespace and pod carries: who may scrape them, and whom the trace collector admits. */
export const VLLM_APP_LABEL = { "app.kubernetes.io/name": "vllm" } as const;

/** The labels a model server's samples carry, set by its PodMonitor from the pod's labels. */
export const SLOT_LABELS = { endpoint: "model_endpoint", slot: "slot", target: "target" } as const;
/** Pod label → Prometheus label, for the PodMonitor's relabelings. */
export const SCRAPE_LABELS = {
  "genai-platform/endpoint": SLOT_LABELS.endpoint,
  "genai-platform/slot": SLOT_LABELS.slot,
  "genai-platform/target": SLOT_LABELS.target,
} as const;

/** `{model_endpoint="chat",slot=~"$slot"}`: matchers written out, values quoted as PromQL strings. */
export function selector(matchers: Readonly<Record<string, string>>, regex: readonly string[] = []): string {
  const quote = (v: string) => JSON.stringify(v);
  if (Object.keys(matchers).length === 0) return "";
  return `{${Object.entries(matchers)
    .map(([k, v]) => `${k}${regex.includes(k) ? "=~" : "="}${quote(v)}`)
    .join(",")}}`;
}

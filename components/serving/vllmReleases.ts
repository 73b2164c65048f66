// vLLM releases the platform knows, the metric names each exposes and whether its image can export
// OpenTelemetry traces: the one place these outside facts live. Metrics were renamed across releases: `vllm:gpu_cache_usage_perc` became
// `vllm:kv_cache_usage_perc` in 0.9.2 (the old name removed by 0.12); `vllm:time_per_output_token_seconds`
// was deprecated in 0.11 for `vllm:inter_token_latency_seconds` (hidden in 0.12, removed in 0.13).
// Source: vLLM release notes and metrics documentation (docs.vllm.ai "Production metrics"), as checked
// on 2026-11-27; releases between those listed exist but are not listed until checked. Tracing (checked
// 2026-12-05): requirements/common.txt in vLLM's history (below), and vllm-project/vllm#56696 (2026-09),
// which lists opentelemetry-sdk 1.41 in the official v0.29.0 image; v0.30.0's image was not inspected.
import { own } from "../core/own";
export const VLLM_RELEASES_SOURCE = "vLLM release notes and production-metrics docs";
export const VLLM_RELEASES_DATE = "2026-11-27";

export interface VllmRelease {
  /** KV-cache usage gauge (0..1). */
  readonly kvCacheUsage: string;
  /** Time between output tokens (histogram). */
  readonly interTokenLatency: string;
  /**
   * The image holds the OpenTelemetry packages `--otlp-traces-endpoint` needs. vLLM's V1 engine traces
   * requests again from v0.11.0 (vllm-project/vllm#20372, 2025-09-11), but the packages left its
   * requirements in 2025-06 (#19378) and came back in 2026-02 (#34466, requirements/common.txt): an image
   * in between exits at start with "OpenTelemetry is not available" (#7679, #9340) if the flag is set.
   */
  readonly otlpTracing: boolean;
}

const V011: VllmRelease = {
  kvCacheUsage: "vllm:kv_cache_usage_perc",
  interTokenLatency: "vllm:inter_token_latency_seconds",
  otlpTracing: false,
};
const CURRENT: VllmRelease = { ...V011, otlpTracing: true };

/** Image tags of `vllm/vllm-openai` by release. */
export const VLLM_RELEASES: Readonly<Record<string, VllmRelease>> = {
  "v0.8.5": {
    kvCacheUsage: "vllm:gpu_cache_usage_perc",
    interTokenLatency: "vllm:time_per_output_token_seconds",
    otlpTracing: false,
  },
  "v0.9.2": {
    kvCacheUsage: "vllm:kv_cache_usage_perc",
    interTokenLatency: "vllm:time_per_output_token_seconds",
    otlpTracing: false,
  },
  "v0.10.2": {
    kvCacheUsage: "vllm:kv_cache_usage_perc",
    interTokenLatency: "vllm:time_per_output_token_seconds",
    otlpTracing: false,
  },
  "v0.11.0": V011,
  "v0.12.0": V011,
  "v0.13.0": V011,
  "v0.29.0": CURRENT,
  "v0.30.0": CURRENT,
};

/** The metrics every release exposes under the same name (label `model_name`). */
export const VLLM_STABLE_METRICS = {
  timeToFirstToken: "vllm:time_to_first_token_seconds",
  e2eLatency: "vllm:e2e_request_latency_seconds",
  queueTime: "vllm:request_queue_time_seconds",
  running: "vllm:num_requests_running",
  waiting: "vllm:num_requests_waiting",
  promptTokens: "vllm:prompt_tokens_total",
  generationTokens: "vllm:generation_tokens_total",
  /** Finished requests by `finished_reason` (stop, length, abort; later also error, repetition). */
  requestSuccess: "vllm:request_success_total",
} as const;

export const VLLM_IMAGE_REPOSITORY = "vllm/vllm-openai";

/**
 * The multi-architecture index digest of `vllm/vllm-openai:<tag>` on Docker Hub, where one could be
 * sourced offline; the platform deploys `<image>:<tag>@<digest>` for these tags, so a re-pushed tag
 * cannot change what runs. Sources (looked up 2026-12-05): v0.30.0, a public record of
 * `crictl inspecti docker.io/vllm/vllm-openai:v0.30.0` (repoDigests) agreeing with eight other public
 * files that pin it; v0.29.0, eight public files that pin it, one naming it the Docker Hub manifest list;
 * v0.11.0, tinfoilsh/vllm-openai-audio Dockerfile at 074bce26. Tags not listed have no sourced digest
 * and deploy by tag (the plan says so). Re-check with `docker buildx imagetools inspect vllm/vllm-openai:<tag>`.
 */
export const VLLM_IMAGE_DIGESTS: Readonly<Record<string, string>> = {
  "v0.11.0": "sha256:014a95f21c9edf6abe0aea6b07353f96baa4ec291c427bb1176dc7c93a85845c",
  "v0.29.0": "sha256:c2914767605584b6d8f45686b82de173ecc99e781897aa3d0a66dacd72c51ae1",
  "v0.30.0": "sha256:8a69ffad015f138d7170c4ddc429e230a3bc1c1719f67e14324749df200a4b90",
};

/** A `vllm/vllm-openai:<tag>` image as deployed: with its sourced digest where the table has one. */
export function vllmImageReference(image: string): string {
  const digest = VLLM_IMAGE_DIGESTS[image.slice(image.lastIndexOf(":") + 1)];
  return digest && image.startsWith(`${VLLM_IMAGE_REPOSITORY}:`) && !image.includes("@") ? `${image}@${digest}` : image;
}

/** The release of a `vllm/vllm-openai:<tag>` image, or why it is not one the platform knows. */
export function vllmReleaseOf(image: string): { tag: string; release: VllmRelease } | { problem: string } {
  const [repository, tag] = image.split(":");
  if (repository !== VLLM_IMAGE_REPOSITORY || !tag)
    return { problem: `"${image}" is not a ${VLLM_IMAGE_REPOSITORY}:<tag> image` };
  const release = own(VLLM_RELEASES, tag);
  if (!release)
    return {
      problem: `${tag} is not in the vLLM release table of ${VLLM_RELEASES_DATE} (components/serving/vllmReleases.ts): use one of ${Object.keys(VLLM_RELEASES).join(", ")}, or add the release with its metric names`,
    };
  return { tag, release };
}

/** Whether a target's servers export spans to `tracesEndpoint`: only a listed release whose image has the packages. */
export function tracesExported(image: string, tracesEndpoint: string | undefined): boolean {
  const release = vllmReleaseOf(image);
  return tracesEndpoint !== undefined && "release" in release && release.release.otlpTracing;
}

/** Every name a renamed metric has had across the listed releases, the newest first (for `new or old` queries). */
export function vllmMetricNames(metric: "kvCacheUsage" | "interTokenLatency"): string[] {
  return [
    ...new Set(
      Object.values(VLLM_RELEASES)
        .reverse()
        .map((r) => r[metric]),
    ),
  ];
}

/**
 * The LoRA ranks vLLM accepts for `--max-lora-rank` (vllm/config/lora.py `MaxLoRARanks`, the same in
 * v0.26.0 and later; checked 2026-12-05). Its default rank is 16 and its default `--max-loras` 1.
 */
export const VLLM_LORA_RANKS = [1, 8, 16, 32, 64, 128, 256, 320, 512] as const;
export type LoraRank = (typeof VLLM_LORA_RANKS)[number];

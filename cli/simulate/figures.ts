// The capacity simulator's latency and throughput figures: the one place these outside facts live, each
// with its source and date. Check them again before relying on a simulated latency for a decision.
//
// Azure OpenAI. Microsoft publishes no typical time to first token or generation speed for either deployment
// type. What it documents (Microsoft Learn, "Performance and latency", ms.date 2026-02-23): a streaming
// request's latency is its time to response plus its generated tokens at the token generation rate, and
// "each prompt token adds little time compared to each incremental token generated"; that is the model here
// (end-to-end = TTFT + output tokens x ms per token). Provisioned deployments have "a defined latency target
// per model", standard ones "none" ("What is provisioned throughput", ms.date 2026-05-13); the targets are a
// floor on generation speed ("99% > 50 TPS" for gpt-5: "Provisioned throughput unit (PTU) costs and billing",
// ms.date 2026-04-07), recorded below as `ptuFloorTokensPerSecond`. The typical figures are third-party:
// Artificial Analysis' median TTFT and output speed of each model on Azure's standard endpoints (provider
// pages, read 2026-12-05 from stored copies; the pages measure the 72 hours to 14 days before their capture,
// which they do not date). No public source measures provisioned apart from standard, so both use the same
// medians: what differs in the simulation is where requests go, the retries and the queueing they meet.
//
// vLLM. Lambda's vLLM benchmark (github.com/LambdaLabsML/vllm-benchmark, raw benchmark_serving.py results of
// 2024-09-07, vLLM v0.5.4 per the repository's README, FP8 checkpoints of Llama 3.1, ShareGPT prompts of about
// 205 tokens, 320 sent at once with at most 256 running): total output tokens/s, median TPOT and median TTFT
// per GPU type and model size. A replica is modelled as `concurrency` requests decoding at once at the
// measured median TPOT, where concurrency = total tokens/s x TPOT: the measured per-request speed and the
// measured total both hold. A request waits for a free seat, then takes the measured median TTFT (which
// includes the queueing of that burst: it errs high for a lone request) and its output tokens at the TPOT.

import type { ReplicaSpeed } from "./vllm";

export const LATENCY_FIGURES_SOURCE =
  "Microsoft Learn (latency model, PTU speed floors); Artificial Analysis (Azure medians); LambdaLabsML/vllm-benchmark (vLLM)";
export const LATENCY_FIGURES_DATE = "2026-12-05";

export interface AzureLatency {
  /** Median time to first token, ms. */
  readonly ttftMs: number;
  /** Median output tokens per second of one request. */
  readonly tokensPerSecond: number;
  /** Provisioned deployments' documented floor: 99% of requests generate faster than this. */
  readonly ptuFloorTokensPerSecond?: number;
  readonly source: string;
}

export const AZURE_LATENCY: Readonly<Record<string, AzureLatency>> = {
  "gpt-5": {
    ttftMs: 1_700,
    tokensPerSecond: 155,
    ptuFloorTokensPerSecond: 50,
    source: "Artificial Analysis, GPT-5 (minimal) on Azure: 155 t/s, 1.70 s",
  },
  "gpt-4o": {
    ttftMs: 770,
    tokensPerSecond: 115,
    ptuFloorTokensPerSecond: 25,
    source: "Artificial Analysis, GPT-4o (May '24) on Azure: 115 t/s, 0.77 s",
  },
  "gpt-4.1-mini": {
    ttftMs: 1_140,
    tokensPerSecond: 107.9,
    ptuFloorTokensPerSecond: 90,
    source: "Artificial Analysis, GPT-4.1 mini on Azure: 107.9 t/s, 1.14 s",
  },
};

/** The model whose figures stand in for one the table lacks (the simulation says so). */
export const FALLBACK_LATENCY_MODEL = "gpt-5";

/** A model's latency figures, and whether the table lists the model itself. */
export function azureLatency(model: string): { latency: AzureLatency; listed: boolean } {
  const listed = AZURE_LATENCY[model];
  return listed
    ? { latency: listed, listed: true }
    : { latency: AZURE_LATENCY[FALLBACK_LATENCY_MODEL]!, listed: false };
}

export interface VllmThroughput {
  readonly gpu: "A100" | "H100";
  readonly gpusPerReplica: number;
  /** Parameters of the measured model, billions. */
  readonly modelBillions: number;
  readonly outputTokensPerSecond: number;
  readonly medianTpotMs: number;
  readonly medianTtftMs: number;
  readonly source: string;
}

const LAMBDA = "LambdaLabsML/vllm-benchmark results/prompt_320";
export const VLLM_THROUGHPUT: readonly VllmThroughput[] = [
  {
    gpu: "A100",
    gpusPerReplica: 1,
    modelBillions: 8,
    outputTokensPerSecond: 2_458.76,
    medianTpotMs: 39.22,
    medianTtftMs: 3_124.02,
    source: `${LAMBDA}/1xA100-80GB-SXM/Meta-Llama-3.1-8B-FP8_tp1_len2000.json`,
  },
  {
    gpu: "H100",
    gpusPerReplica: 1,
    modelBillions: 8,
    outputTokensPerSecond: 5_723.95,
    medianTpotMs: 13.37,
    medianTtftMs: 1_151.21,
    source: `${LAMBDA}/1xH100-80GB-SXM/Meta-Llama-3.1-8B-FP8_tp1_len2048.json`,
  },
  {
    gpu: "A100",
    gpusPerReplica: 4,
    modelBillions: 70,
    outputTokensPerSecond: 1_335.7,
    medianTpotMs: 96.46,
    medianTtftMs: 8_026.06,
    source: `${LAMBDA}/4xA100-80GB-SXM/Meta-Llama-3.1-70B-Instruct-FP8_tp4_len2000.json`,
  },
  {
    gpu: "H100",
    gpusPerReplica: 4,
    modelBillions: 70,
    outputTokensPerSecond: 3_360.35,
    medianTpotMs: 32.45,
    medianTtftMs: 2_674.4,
    source: `${LAMBDA}/4xH100-80GB-SXM/Meta-Llama-3.1-70B-Instruct-FP8_tp4_len2048.json`,
  },
];

/** The size a Hugging Face model id states (`Qwen2.5-7B-Instruct`: 7), if it states one. */
export function modelBillions(model: string): number | undefined {
  const m = /(?:^|[-_/.])(\d+(?:\.\d+)?)[bB](?:$|[-_.])/.exec(model);
  return m ? Number(m[1]) : undefined;
}

/**
 * The measured row a vLLM target is modelled with: its GPU type (an H100 NVL as an H100), the model size
 * nearest the target's (the smallest measured when its name states none), and why it is an approximation;
 * or why no row fits (no measurement for the GPU).
 */
export function replicaSpeed(
  gpu: string,
  model: string,
): { speed: ReplicaSpeed; row: VllmThroughput; notes: string[] } | { problem: string } {
  const family = gpu === "H100 NVL" ? "H100" : gpu;
  const rows = VLLM_THROUGHPUT.filter((r) => r.gpu === family);
  if (rows.length === 0)
    return {
      problem: `no measured vLLM throughput for ${gpu} GPUs in the dated table (cli/simulate/figures.ts); measured: ${[...new Set(VLLM_THROUGHPUT.map((r) => r.gpu))].join(", ")}`,
    };
  const size = modelBillions(model);
  const smallest = rows.reduce((best, r) => (r.modelBillions < best.modelBillions ? r : best));
  const row =
    size === undefined
      ? smallest
      : rows.reduce((best, r) =>
          Math.abs(Math.log(r.modelBillions / size)) < Math.abs(Math.log(best.modelBillions / size)) ? r : best,
        );
  const notes: string[] = [];
  if (size === undefined)
    notes.push(
      `${model} states no size (such as 7B) in its name: modelled with the smallest measurement, ${row.modelBillions}B on ${family}`,
    );
  else if (row.modelBillions !== size)
    notes.push(`${model} (${size}B) on ${gpu} is modelled with the ${row.modelBillions}B measurement`);
  if (family !== gpu) notes.push(`${gpu} is modelled with the H100 SXM measurement`);
  return {
    speed: {
      concurrency: Math.max(1, Math.round((row.outputTokensPerSecond * row.medianTpotMs) / 1_000)),
      ttftMs: row.medianTtftMs,
      msPerOutputToken: row.medianTpotMs,
    },
    row,
    notes,
  };
}

/**
 * What a refused attempt costs the caller before the gateway tries the next member: the round trip to a
 * backend that answers 429 before any model work. An assumption (no published figure), small beside a TTFT.
 */
export const BACKEND_REFUSAL_MS = 50;

/** How long the gateway waits for a backend: forward-request's default timeout (300 s; the policy sets none). */
export const FORWARD_TIMEOUT_MS = 300_000;

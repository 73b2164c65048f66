// LoRA adapters on a vLLM target: where each lives in the server's model cache, how the server is told to
// serve them, and their download from Hugging Face at their pinned revisions. Pure.

/** A LoRA adapter as a target declares it (stacks/config.ts): a Hugging Face repository at a commit. */
export interface LoraAdapter {
  readonly name: string;
  readonly model: string;
  readonly revision: string;
  readonly rank: number;
}

/** The folder of the model cache the server loads an adapter from: named by its revision, so a new revision is a new folder. */
export function adapterPath(a: Pick<LoraAdapter, "name" | "revision">): string {
  return `/cache/adapters/${a.name}/${a.revision}`;
}

/**
 * vLLM's LoRA options (vllm serve --enable-lora): every adapter as `name=folder`; `maxLoras` of them in one
 * batch (vLLM's default 1: each reserves GPU memory for its rank on every LoRA layer), every adapter kept in
 * CPU memory, and the largest rank (default: the largest adapter's).
 */
export function loraArgs(adapters: readonly LoraAdapter[], maxLoras = 1, maxLoraRank?: number): string[] {
  return [
    "--enable-lora",
    "--lora-modules",
    ...adapters.map((a) => `${a.name}=${adapterPath(a)}`),
    "--max-loras",
    String(maxLoras),
    ...(adapters.length > maxLoras ? ["--max-cpu-loras", String(adapters.length)] : []),
    "--max-lora-rank",
    String(maxLoraRank ?? Math.max(...adapters.map((a) => a.rank))),
  ];
}

/**
 * The init container's program: for each (repository, revision, folder) triple in its arguments, download
 * that revision into the folder. It runs on every start: Hugging Face skips the files already complete, and
 * finishes a download a killed container left half done (huggingface_hub ships with vLLM's image; HF_TOKEN
 * is read from the environment for gated repositories). Arguments, never interpolated into the code.
 */
export const ADAPTER_DOWNLOAD_SCRIPT = [
  "import sys",
  "from huggingface_hub import snapshot_download",
  "args = sys.argv[1:]",
  "for repo, revision, folder in zip(args[0::3], args[1::3], args[2::3]):",
  "    snapshot_download(repo_id=repo, revision=revision, local_dir=folder)",
].join("\n");

/** The init container's arguments: repository, revision and folder of each adapter. */
export function adapterDownloads(adapters: readonly LoraAdapter[]): string[] {
  return adapters.flatMap((a) => [a.model, a.revision, adapterPath(a)]);
}

import type { StackValidationPolicy } from "@pulumi/policy";
import { TYPES, checklist, decideEach, listOf, ofType, podTemplateOf } from "../../lib";
import { isVllmServer } from "../../tracing";

/** A commit hash: the revision a model is pinned to. */
const COMMIT = /^[0-9a-f]{7,40}$/;
/** Hugging Face downloads an adapter's revision by its full commit hash only. */
const FULL_COMMIT = /^[0-9a-f]{40}$/;

/** What a vLLM server loads, read from the command it runs: the base model and each LoRA adapter with its source. */
export function servedModels(pod: Record<string, any> | undefined): {
  model?: string;
  revision?: string;
  adapters: { name: string; source: string; revision?: string }[];
}[] {
  const servers = listOf(pod?.containers).filter(isVllmServer);
  // The init container downloads (repository, revision, folder) triples: the folder names the adapter's source.
  const downloads = new Map<string, { repo: string; revision: string }>();
  for (const init of listOf(pod?.initContainers)) {
    const args = listOf(init?.args);
    for (let i = 0; i + 2 < args.length; i += 3)
      downloads.set(String(args[i + 2]), { repo: String(args[i]), revision: String(args[i + 1]) });
  }
  return servers.map((c) => {
    const args = listOf(c.args).map(String);
    const option = (name: string) => {
      const at = args.indexOf(name);
      return at >= 0 ? args[at + 1] : undefined;
    };
    // Every occurrence, in both spellings (`--lora-modules a=p b=q`, `--lora-modules=a=p`): whatever the server loads.
    const modules: string[] = [];
    args.forEach((arg, at) => {
      if (arg.startsWith("--lora-modules=")) modules.push(arg.slice("--lora-modules=".length));
      else if (arg === "--lora-modules")
        for (let i = at + 1; i < args.length && !args[i]!.startsWith("--"); i++) modules.push(args[i]!);
    });
    return {
      ...(args[0] && !args[0].startsWith("--") ? { model: args[0] } : {}),
      ...(option("--revision") ? { revision: option("--revision") } : {}),
      adapters: modules.map((m) => {
        const [name, folder = ""] = m.split("=", 2) as [string, string?];
        const download = downloads.get(folder);
        return download ? { name, source: download.repo, revision: download.revision } : { name, source: folder };
      }),
    };
  });
}

export const governanceVllmAllowedModels: StackValidationPolicy = {
  name: "governance-vllm-allowed-models",
  description:
    "Every vLLM server serves a base model on the environment's allowed list of open models, pinned to a commit, and every LoRA adapter it serves is downloaded from an allowed Hugging Face repository at a full commit.",
  severity: "high",
  enforcementLevel: "mandatory",
  framework: checklist([2, 8], ["MCSB AM-2"]),
  remediationSteps:
    "Serve an allowed model and adapters at pinned revisions, or add them to models in the governance-vllm-allowed-models section of policies/config/<environment>.json in a reviewed change (after their evaluation).",
  configSchema: { properties: { models: { type: "array", items: { type: "string" } } } },
  validateStack: (args, report) => {
    const { models } = args.getConfig<{ models?: string[] }>();
    const servers = ofType(args.resources, TYPES.statefulSet).filter(
      (s) => servedModels(podTemplateOf(s.type, s.props).spec).length > 0,
    );
    if (!models) {
      if (servers.length > 0)
        report("no allowed open models in the policy config: set models in policies/config/<environment>.json");
      return;
    }
    decideEach(
      servers,
      (s) => s.name,
      (s) => {
        for (const server of servedModels(podTemplateOf(s.type, s.props).spec)) {
          if (!server.model || !models.includes(server.model))
            report(`${s.name} serves ${JSON.stringify(server.model ?? null)}; allowed: ${models.join(", ")}`, s.urn);
          if (!COMMIT.test(server.revision ?? ""))
            report(`${s.name}: model revision ${JSON.stringify(server.revision ?? null)} is not a commit`, s.urn);
          for (const a of server.adapters) {
            if (!models.includes(a.source))
              report(
                `${s.name}: adapter ${a.name} comes from ${JSON.stringify(a.source)}; allowed: ${models.join(", ")}`,
                s.urn,
              );
            if (!FULL_COMMIT.test(a.revision ?? ""))
              report(
                `${s.name}: adapter ${a.name} is not downloaded at a full commit (${JSON.stringify(a.revision ?? null)})`,
                s.urn,
              );
          }
        }
      },
    );
  },
};

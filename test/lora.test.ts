// LoRA adapters on a vLLM target: what the stack file accepts (sources, pinned revisions, ranks and limits,
// names that cannot be confused with endpoints), the server's command line and downloads, and the pack's
// allowed-models rule reading both from the planned server.
import { describe, expect, it } from "vitest";
import { parsePlatformConfig } from "../stacks/config";
import { ADAPTER_DOWNLOAD_SCRIPT, adapterDownloads, loraArgs } from "../components/serving/adapters";
import { vllmArgs } from "../components/serving/vllmArgs";
import { servedModels } from "../policies/rules/governance/governance-vllm-allowed-models";
import { policies } from "../policies/rules";
import { TYPES } from "../policies/lib";
import { rawConfig } from "./configHelpers";
import { runStackRule } from "./policies/harness";

const REV = "0123456789abcdef0123456789abcdef01234567";
const SUPPORT = { name: "support", model: "acme/qwen-support-lora", revision: REV, rank: 16 };
const REV2 = "fedcba9876543210fedcba9876543210fedcba98";
const LEGAL = { name: "legal", model: "acme/qwen-legal-lora", revision: REV2, rank: 8 };

function issuesWith(change: (raw: Record<string, any>) => void): string[] {
  const raw = rawConfig("prod");
  change(raw);
  const parsed = parsePlatformConfig(raw);
  return parsed.ok ? [] : parsed.issues.map((i) => `${i.path}: ${i.message}`);
}
const qwenBlue = (raw: Record<string, any>) => raw.models.qwen.slots.blue.targets[0];
const AT = "models.qwen.slots.blue.targets[0]";

describe("the stack file's adapters", () => {
  it("accepts Hugging Face adapters at pinned revisions", () => {
    expect(issuesWith((raw) => (qwenBlue(raw).adapters = [SUPPORT, LEGAL]))).toEqual([]);
  });

  it.each<[string, Record<string, unknown>, string]>([
    [
      "no revision",
      { name: "a", model: "acme/x", rank: 8 },
      `${AT}.adapters[0].revision: Invalid input: expected string, received undefined (missing)`,
    ],
    [
      "a branch, not a commit",
      { name: "a", model: "acme/x", revision: "main", rank: 8 },
      `${AT}.adapters[0].revision: a pinned adapter revision: the full 40-character commit hash`,
    ],
    [
      "a short commit (Hugging Face downloads full ones only)",
      { ...SUPPORT, revision: REV.slice(0, 7) },
      `${AT}.adapters[0].revision: a pinned adapter revision: the full 40-character commit hash`,
    ],
    [
      "no repository",
      { name: "a", revision: REV, rank: 8 },
      `${AT}.adapters[0].model: Invalid input: expected string, received undefined (missing)`,
    ],
    [
      "a folder instead of a repository",
      { name: "a", path: "/cache/adapters/a", rank: 8 },
      `${AT}.adapters[0]: unknown key "path"; allowed: name, model, revision, rank`,
    ],
    [
      "a rank vLLM does not take",
      { ...SUPPORT, rank: 12 },
      `${AT}.adapters[0].rank: the adapter's LoRA rank: one of 1, 8, 16, 32, 64, 128, 256, 320, 512`,
    ],
    [
      "a name with capitals",
      { ...SUPPORT, name: "Support" },
      `${AT}.adapters[0].name: adapter names are 1-32 lower-case ASCII letters, digits and single hyphens, starting with a letter (clients call it as the model)`,
    ],
  ])("refuses %s", (_, adapter, message) => {
    // A refused value is named after the message (`(got "main")`).
    const issues = issuesWith((raw) => (qwenBlue(raw).adapters = [adapter]));
    expect(
      issues.some((i) => i === message || i.startsWith(`${message} (got `)),
      issues.join("\n"),
    ).toBe(true);
  });

  it("holds the limits: ranks within maxLoraRank, maxLoras within the adapters, names unique", () => {
    expect(
      issuesWith((raw) =>
        Object.assign(qwenBlue(raw), { adapters: [SUPPORT, LEGAL, SUPPORT], maxLoras: 4, maxLoraRank: 8 }),
      ),
    ).toEqual([
      `${AT}.adapters[0].rank: 16 is above the target's maxLoraRank (8): raise maxLoraRank or use an adapter of rank 8 or less`,
      `${AT}.adapters[2].name: "support" is already an adapter of this target`,
      `${AT}.adapters[2].rank: 16 is above the target's maxLoraRank (8): raise maxLoraRank or use an adapter of rank 8 or less`,
      `${AT}.maxLoras: 4 is more than the target's 3 adapter(s)`,
    ]);
    expect(issuesWith((raw) => (qwenBlue(raw).maxLoras = 1))).toEqual([
      `${AT}.maxLoras: applies only to a target with adapters`,
    ]);
  });

  it("keeps adapter names apart from endpoints and other endpoints' adapters; a slot's targets serve the same ones", () => {
    expect(issuesWith((raw) => (qwenBlue(raw).adapters = [{ ...SUPPORT, name: "chat" }]))).toEqual([
      `${AT}.adapters[0].name: "chat" is an endpoint's name: clients could not tell the two apart`,
    ]);
    expect(
      issuesWith((raw) => {
        qwenBlue(raw).adapters = [SUPPORT];
        raw.models.qwen.slots.blue.targets.push({ ...qwenBlue(raw), serviceIp: "10.40.31.205", adapters: [LEGAL] });
        raw.cluster.gpuPools.a100.maxCount = 12;
      }),
    ).toEqual([
      `${AT.replace("[0]", "[1]")}.adapters: the targets of one slot serve the same adapters (a retry may go to either): ${AT} serves [support (acme/qwen-support-lora@0123456789ab)], this one [legal (acme/qwen-legal-lora@fedcba987654)]`,
    ]);
    // Both colours of one endpoint may serve a name (an adapter's rollout); another endpoint may not.
    expect(
      issuesWith((raw) => {
        qwenBlue(raw).adapters = [SUPPORT];
        raw.models.qwen.slots.green = { weight: 0, targets: [{ ...qwenBlue(raw), serviceIp: "10.40.31.205" }] };
      }),
    ).toEqual([]);
    expect(
      issuesWith((raw) => {
        qwenBlue(raw).adapters = [SUPPORT];
        raw.models.coder = {
          slots: { blue: { weight: 100, targets: [{ ...qwenBlue(raw), serviceIp: "10.40.31.205" }] } },
        };
        raw.cluster.gpuPools.a100.maxCount = 12;
      }),
    ).toContain(
      `models.coder.slots.blue.targets[0].adapters[0].name: "support" is already an adapter of endpoint qwen`,
    );
  });
});

describe("the vLLM server's LoRA options", () => {
  const base = { model: "Qwen/Qwen2.5-7B-Instruct", revision: REV, gpusPerReplica: 1, gpuMemoryUtilization: 0.9 };
  it("serves each adapter by name from its folder, Hugging Face ones in a folder per revision", () => {
    const args = vllmArgs("qwen", { ...base, adapters: [SUPPORT, LEGAL] });
    expect(args.slice(args.indexOf("--enable-lora"))).toEqual([
      "--enable-lora",
      "--lora-modules",
      `support=/cache/adapters/support/${REV}`,
      `legal=/cache/adapters/legal/${REV2}`,
      "--max-loras",
      "1",
      "--max-cpu-loras",
      "2",
      "--max-lora-rank",
      "16",
    ]);
    expect(vllmArgs("qwen", base)).not.toContain("--enable-lora");
  });
  it("takes the batch and rank limits from the config; no CPU cache option when every adapter fits a batch", () => {
    expect(loraArgs([SUPPORT, LEGAL], 2, 32)).toEqual([
      "--enable-lora",
      "--lora-modules",
      `support=/cache/adapters/support/${REV}`,
      `legal=/cache/adapters/legal/${REV2}`,
      "--max-loras",
      "2",
      "--max-lora-rank",
      "32",
    ]);
  });
  it("downloads each adapter on every start (finishing a half-done one), as arguments to a fixed program", () => {
    expect(adapterDownloads([SUPPORT, LEGAL])).toEqual([
      "acme/qwen-support-lora",
      REV,
      `/cache/adapters/support/${REV}`,
      "acme/qwen-legal-lora",
      REV2,
      `/cache/adapters/legal/${REV2}`,
    ]);
    expect(ADAPTER_DOWNLOAD_SCRIPT).not.toContain("acme");
    expect(ADAPTER_DOWNLOAD_SCRIPT).not.toContain("exists");
  });
});

describe("governance-vllm-allowed-models", () => {
  const rule = policies.find((p) => p.name === "governance-vllm-allowed-models")!;
  const server = (adapters: (typeof SUPPORT)[], revision = REV) => {
    const downloads = adapterDownloads(adapters);
    return {
      type: TYPES.statefulSet,
      name: "serving-qwen-blue-vllm-a100-0",
      props: {
        spec: {
          template: {
            spec: {
              ...(downloads.length > 0
                ? {
                    initContainers: [
                      { name: "adapters", command: ["python3", "-c", ADAPTER_DOWNLOAD_SCRIPT], args: downloads },
                    ],
                  }
                : {}),
              containers: [
                {
                  name: "vllm",
                  command: ["vllm", "serve"],
                  args: vllmArgs("qwen", {
                    model: "Qwen/Qwen2.5-7B-Instruct",
                    revision,
                    gpusPerReplica: 1,
                    gpuMemoryUtilization: 0.9,
                    adapters,
                  }),
                },
              ],
            },
          },
        },
      },
    };
  };
  const allowed = { models: ["Qwen/Qwen2.5-7B-Instruct", "acme/qwen-support-lora", "acme/qwen-legal-lora"] };

  it("reads the base model and each adapter's source from the server's command and downloads", () => {
    expect(servedModels(server([SUPPORT, LEGAL]).props.spec.template.spec)).toEqual([
      {
        model: "Qwen/Qwen2.5-7B-Instruct",
        revision: REV,
        adapters: [
          { name: "support", source: "acme/qwen-support-lora", revision: REV },
          { name: "legal", source: "acme/qwen-legal-lora", revision: REV2 },
        ],
      },
    ]);
  });
  it("passes allowed models and adapters at pinned revisions", async () => {
    expect((await runStackRule(rule, [server([SUPPORT, LEGAL])], allowed)).violations).toEqual([]);
  });
  it("reports an adapter from a source not on the list, and an unpinned model", async () => {
    expect(
      (
        await runStackRule(rule, [server([SUPPORT, LEGAL], "main")], {
          models: ["Qwen/Qwen2.5-7B-Instruct", "acme/qwen-support-lora"],
        })
      ).violations,
    ).toEqual([
      'serving-qwen-blue-vllm-a100-0: model revision "main" is not a commit',
      'serving-qwen-blue-vllm-a100-0: adapter legal comes from "acme/qwen-legal-lora"; allowed: Qwen/Qwen2.5-7B-Instruct, acme/qwen-support-lora',
    ]);
    // A folder the server loads that nothing downloads (no source), and a short revision.
    const planned = server([{ ...SUPPORT, revision: REV.slice(0, 7) }]);
    planned.props.spec.template.spec.containers[0]!.args.push("--lora-modules", "extra=/cache/extra");
    expect((await runStackRule(rule, [planned], allowed)).violations).toEqual([
      'serving-qwen-blue-vllm-a100-0: adapter support is not downloaded at a full commit ("0123456")',
      'serving-qwen-blue-vllm-a100-0: adapter extra comes from "/cache/extra"; allowed: Qwen/Qwen2.5-7B-Instruct, acme/qwen-support-lora, acme/qwen-legal-lora',
      "serving-qwen-blue-vllm-a100-0: adapter extra is not downloaded at a full commit (null)",
    ]);
    expect((await runStackRule(rule, [server([])], { models: ["BAAI/bge-m3"] })).violations).toEqual([
      'serving-qwen-blue-vllm-a100-0 serves "Qwen/Qwen2.5-7B-Instruct"; allowed: BAAI/bge-m3',
    ]);
    expect((await runStackRule(rule, [server([])], {})).violations).toEqual([
      "no allowed open models in the policy config: set models in policies/config/<environment>.json",
    ]);
  });
});

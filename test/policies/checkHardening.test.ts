// `npm run check` on hostile or broken input: every provider's types fail closed, an export's unknown
// values are mandatory, malformed exports and files are refused with exit 2 naming the problem, and
// nothing from a file reaches the terminal as an escape sequence.
import { beforeAll, describe, expect, it } from "vitest";
import { mkdirSync, mkdtempSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { policies } from "../../policies/rules";
import { baseEnforcement, buildPolicyConfig, policyFacts } from "../../cli/engine/policyConfig";
import {
  EXPORT_INTEGRITY,
  MAX_DEPTH,
  MAX_RESOURCES,
  checkpointResources,
  evaluatePolicies,
  parseUrn,
  pathTooDeep,
  unknownPaths,
  urnName,
  type CheckpointResource,
} from "../../cli/engine/policyRunner";
import { check } from "../../cli/commands/check";
import { MAX_EXPORT_BYTES } from "../../cli/shared/inputFile";
import { oneLine, printable, printed, terminalJson } from "../../cli/shared/terminalText";
import { selects } from "../../policies/lib";
import { isExemptType, unclassifiedMessage } from "../../policies/rules/governance/governance-type-classified";
import { PROJECT_DIR, planStack, validConfig } from "../helpers";
import { UNKNOWN } from "./harness";

const ESC = "\u001b";
const CSI8 = "\u009b";

interface Outcome {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

async function run(...args: string[]): Promise<Outcome> {
  let stdout = "";
  let stderr = "";
  const code = await check(args, { out: (s) => ((stdout += s), true), err: (s) => ((stderr += s), true) });
  return { code, stdout, stderr };
}

const scratch = () => mkdtempSync(join(tmpdir(), "genai-check-hardening-"));

function writeText(name: string, text: string | Buffer): string {
  const path = join(scratch(), name);
  writeFileSync(path, text);
  return path;
}

const urnOf = (type: string, name: string) => `urn:pulumi:prod::genai-platform::${type}::${name}`;

function resourceOf(type: string, name: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    urn: urnOf(type, name),
    custom: true,
    id: name,
    type,
    inputs: {},
    outputs: {},
    protect: false,
    dependencies: [],
    ...extra,
  };
}

const exportOf = (resources: unknown) => ({ version: 3, deployment: { manifest: {}, resources } });

describe("check on the planned prod export, edited", () => {
  let planned: string;
  let configFile: string;
  beforeAll(async () => {
    planned = JSON.stringify((await planStack("prod")).stackExport);
    configFile = writeText(
      "policy-config.json",
      JSON.stringify(buildPolicyConfig(baseEnforcement(PROJECT_DIR, "prod"), policyFacts(validConfig("prod")))),
    );
  });
  /** The prod export with `edit` applied, checked with prod's policy config. */
  async function checkEdited(edit: (resources: any[]) => void, ...extra: string[]) {
    const prod = JSON.parse(planned);
    edit(prod.deployment.resources);
    const file = writeText("stack.json", JSON.stringify(prod));
    return run(file, "--policy-config", configFile, ...extra);
  }
  const violationsOf = (outcome: Outcome) =>
    (
      JSON.parse(outcome.stdout) as {
        violations: { policy: string; enforcementLevel: string; message: string; urn?: string }[];
      }
    ).violations;

  describe("every provider fails closed (reproduction 1)", () => {
    it("says the provider name is case-sensitive for Azure-Native:sql:Server, an unknown type whose provider is azure-native in another case", async () => {
      const result = await checkEdited(
        (resources) => resources.push(resourceOf("Azure-Native:sql:Server", "stray")),
        "--json",
      );
      expect(result.code).toBe(1);
      const found = violationsOf(result).filter((v) => v.urn?.endsWith("::stray"));
      expect(found.map((v) => [v.policy, v.enforcementLevel])).toEqual([["governance-type-classified", "mandatory"]]);
      expect(found[0]!.message).toContain(
        "provider names are case-sensitive: Azure-Native is not azure-native, so Azure-Native:sql:Server is another type",
      );
    });

    it("does not exempt a custom resource (it has a provider) whose type looks like one of the platform's components", async () => {
      const provider = resourceOf("pulumi:providers:genai", "genai-provider");
      const result = await checkEdited(
        (resources) =>
          resources.push(
            provider,
            resourceOf("genai:storage:Bucket", "stray", { provider: `${provider.urn}::0c7b2f0e` }),
          ),
        "--json",
      );
      expect(result.code).toBe(1);
      const found = violationsOf(result).filter((v) => v.urn?.endsWith("::stray"));
      expect(found.map((v) => v.policy)).toEqual(["governance-type-classified"]);
      expect(found[0]!.message).toContain(
        "it is a custom resource (its provider is pulumi:providers:genai), not one of the platform's components",
      );
    });

    it("refuses a resource passed off as the stack: its type says pulumi:pulumi:Stack, its URN an S3 bucket (exit 2)", async () => {
      const result = await checkEdited((resources) =>
        resources.push({ ...resourceOf("aws:s3/bucket:Bucket", "stray"), type: "pulumi:pulumi:Stack" }),
      );
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('has type "pulumi:pulumi:Stack", but its URN names type "aws:s3/bucket:Bucket"');
    });

    it("refuses a custom resource typed as the stack, which Pulumi never writes (exit 2)", async () => {
      const result = await checkEdited((resources) => resources.push(resourceOf("pulumi:pulumi:Stack", "second")));
      expect(result.code).toBe(2);
      expect(result.stderr).toContain("is the stack (pulumi:pulumi:Stack) marked custom");
    });

    it.each(["constructor", "__proto__", "toString", ""])(
      "refuses the type %j, which is no Pulumi type token (exit 2, not a lookup of an object's own property)",
      async (type) => {
        const result = await checkEdited((resources) =>
          resources.push({ ...resourceOf("aws:s3/bucket:Bucket", "stray"), urn: urnOf(type, "stray"), type }),
        );
        expect(result.code).toBe(2);
        expect(result.stderr).toMatch(/is not a Pulumi (URN|type token)/);
      },
    );
  });

  describe("unknown values in an export are mandatory (reproduction 2)", () => {
    it("fails on an account whose security fields are unknown only in its outputs, which no rule reads", async () => {
      const result = await checkEdited((resources) => {
        const account = resources.find((r) => r.urn.endsWith("::openai-swc-account"));
        account.outputs.properties.publicNetworkAccess = UNKNOWN;
        account.outputs.properties.disableLocalAuth = "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7";
      }, "--json");
      expect(result.code).toBe(1);
      const found = violationsOf(result).filter((v) => v.policy === EXPORT_INTEGRITY.policy);
      expect(found.map((v) => [v.enforcementLevel, v.urn?.split("::").pop()])).toEqual([
        ["mandatory", "openai-swc-account"],
      ]);
      expect(found[0]!.message).toContain(
        "a value is unknown in this stack export at outputs.properties.disableLocalAuth, outputs.properties.publicNetworkAccess",
      );
    });

    it("fails on an unknown a rule reads and tolerates (a deployment's content filter, read as a preview's not-yet-known value)", async () => {
      const result = await checkEdited((resources) => {
        const deployment = resources.find((r) => r.type === "azure-native:cognitiveservices:Deployment");
        deployment.inputs.properties.raiPolicyName = UNKNOWN;
        deployment.outputs.properties.raiPolicyName = UNKNOWN;
      }, "--json");
      expect(result.code).toBe(1);
      expect(
        violationsOf(result).filter((v) => v.policy === EXPORT_INTEGRITY.policy && v.enforcementLevel === "mandatory"),
      ).toHaveLength(1);
    });

    it("a preview's unknowns stay the policy server's advisory results: the runner reports none of its own there", async () => {
      const resources = JSON.parse(planned).deployment.resources as CheckpointResource[];
      const account = resources.find((r) => r.urn.endsWith("::openai-swc-account")) as any;
      account.outputs.properties.publicNetworkAccess = UNKNOWN;
      const preview = await evaluatePolicies(resources, policies, {}, "mandatory", "preview");
      const exported = await evaluatePolicies(resources, policies, {}, "mandatory", "export");
      expect(preview.filter((v) => v.policy === EXPORT_INTEGRITY.policy)).toEqual([]);
      expect(exported.filter((v) => v.policy === EXPORT_INTEGRITY.policy)).toHaveLength(1);
    });
  });

  describe("malformed exports (reproduction 3)", () => {
    it("names the rule and the resource a rule cannot read (exit 2), instead of failing without either", async () => {
      const result = await checkEdited(
        (resources) => (resources.find((r) => r.urn.endsWith("::cluster-pool-a100")).inputs.nodeTaints = 5),
      );
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(
        "check: rule security-aks-node-pool-hardened could not run on urn:pulumi:prod::genai-platform::genai:cluster:Cluster$azure-native:containerservice:AgentPool::cluster-pool-a100:",
      );
    });

    it("strips escape sequences and control characters from the names and messages it prints, and escapes them in JSON", async () => {
      const name = `evil${ESC}[2J${ESC}]0;pwned\u0007${CSI8}31m\u202e-name`;
      const edit = (resources: any[]) =>
        resources.push({ ...resourceOf("aws:s3/bucket:Bucket", name), inputs: { bucket: name } });
      const text = await checkEdited(edit);
      expect(text.code).toBe(1);
      expect(text.stdout).toContain("evil-name");
      expect(text.stdout).not.toMatch(/[\u001b\u0007\u009b\u202e]/);
      const json = await checkEdited(edit, "--json");
      expect(json.stdout).not.toMatch(/[\u001b\u0007\u009b\u202e]/);
      expect(violationsOf(json).some((v) => v.urn === urnOf("aws:s3/bucket:Bucket", name))).toBe(true);
    });

    it("shows a name that holds :: whole, as Pulumi reads a URN", async () => {
      const result = await checkEdited((resources) => resources.push(resourceOf("aws:s3/bucket:Bucket", "logs::eu")));
      expect(result.stdout).toMatch(/│ logs::eu\s+│/);
    });
  });
});

describe("check refuses malformed exports with exit 2, naming the problem", () => {
  const fine = resourceOf("random:index/randomString:RandomString", "suffix");
  it.each([
    ["resources that are an object", exportOf({}), "deployment.resources is an object, not a list"],
    ["a null entry", exportOf([fine, null]), "deployment.resources[1] is null, not a resource object"],
    ["an entry that is a list", exportOf([[fine]]), "deployment.resources[0] is a list, not a resource object"],
    ["an entry without a type", exportOf([{ urn: fine.urn }]), "deployment.resources[0] has no type"],
    [
      "an entry whose urn is a number",
      exportOf([{ ...fine, urn: 7 }]),
      "deployment.resources[0] has a urn that is a number, not a string",
    ],
    [
      "an entry whose urn is no URN",
      exportOf([{ ...fine, urn: "suffix" }]),
      'deployment.resources[0] has urn "suffix", which is not a Pulumi URN',
    ],
    [
      "a flag that is not true or false",
      exportOf([{ ...fine, protect: "yes" }]),
      "deployment.resources[0].protect is a string, not true or false",
    ],
    [
      "a parent that is not a URN",
      exportOf([{ ...fine, parent: {} }]),
      "deployment.resources[0].parent is an object, not a URN",
    ],
    [
      "a provider that is no provider reference",
      exportOf([{ ...fine, provider: "azure" }]),
      'deployment.resources[0].provider is "azure", not a provider reference',
    ],
    ["a deployment that is a list", { version: 3, deployment: [] }, 'no "deployment" object'],
  ])("%s", async (_case, document, message) => {
    const result = await run(writeText("stack.json", JSON.stringify(document)));
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
  });

  it(`inputs nested deeper than ${MAX_DEPTH} (a rule would overflow the stack reading them)`, async () => {
    const deep = "[".repeat(100_000) + "]".repeat(100_000);
    const text = JSON.stringify(exportOf([fine])).replace('"inputs":{}', `"inputs":{"data":${deep}}`);
    const result = await run(writeText("stack.json", text));
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      `deployment.resources[0].inputs nests objects and lists more than ${MAX_DEPTH} deep (at inputs.data[0][0]`,
    );
  });

  it(`more than ${MAX_RESOURCES} resources (the stack rules would take hours)`, () => {
    const many = Array.from({ length: MAX_RESOURCES + 1 }, (_, i) =>
      resourceOf("random:index/randomString:RandomString", `s${i}`),
    );
    expect(() => checkpointResources(exportOf(many), "big.json")).toThrow(
      `big.json: deployment.resources holds ${MAX_RESOURCES + 1} resources; the check reads at most ${MAX_RESOURCES}`,
    );
  });
});

describe("check reads only a regular file of bounded size, and its options", () => {
  it("says a --state that is a folder is a folder", async () => {
    const dir = scratch();
    const result = await run("--state", dir);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`--state ${dir} is not a regular file (a folder): give the file itself`);
  });

  it.each(["/proc/self/environ", "/proc/self/status", "/dev/null", "/dev/zero"])(
    "refuses %s, a device or on a kernel file system, and prints nothing read from it",
    async (path) => {
      const result = await run("--state", path);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/is on a kernel file system|is not a regular file \(a device\)/);
      expect(result.stderr).not.toMatch(/PATH=|Pid:|not valid JSON/);
    },
  );

  it("refuses a symbolic link into /proc as /proc itself", async () => {
    const dir = scratch();
    const { symlinkSync } = await import("node:fs");
    symlinkSync("/proc/self/environ", join(dir, "stack.json"));
    const result = await run(join(dir, "stack.json"));
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("is on a kernel file system (/proc");
  });

  it("refuses a file over the size limit without reading it", async () => {
    const path = writeText("stack.json", "");
    truncateSync(path, MAX_EXPORT_BYTES + 1);
    const result = await run(path);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      `stack export ${path} is ${(MAX_EXPORT_BYTES + 1).toLocaleString("en-US")} bytes; at most ${MAX_EXPORT_BYTES.toLocaleString("en-US")} bytes are read`,
    );
  });

  it("says a UTF-16 export (a PowerShell redirect) is not UTF-8", async () => {
    const text = JSON.stringify(exportOf([]));
    const result = await run(
      writeText("stack.json", Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, "utf16le")])),
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("is UTF-16 (as a PowerShell redirect writes it), not UTF-8");
  });

  it("takes the export as --state FILE, and refuses two exports or two policy configs (the last would silently win)", async () => {
    const path = writeText(
      "stack.json",
      JSON.stringify(exportOf([resourceOf("random:index/randomString:RandomString", "suffix")])),
    );
    const config = writeText("policy-config.json", JSON.stringify({ all: "advisory" }));
    expect((await run("--state", path, "--policy-config", config)).code).toBe(0);
    for (const args of [
      ["--state", path, path],
      ["--state", path, "--state", path],
    ]) {
      const two = await run(...args);
      expect(two.code).toBe(2);
      expect(two.stderr).toContain("expected one stack export file, got 2");
    }
    const configs = await run(path, "--policy-config", config, "--policy-config", config);
    expect(configs.code).toBe(2);
    expect(configs.stderr).toContain("expected at most one --policy-config, got 2");
  });

  it("names an unknown option without printing the control characters it holds", async () => {
    const result = await run(`--st${ESC}[2Jate`, "x.json");
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("unknown option --st\\u001b[2Jate");
    expect(result.stderr).not.toContain(ESC);
  });

  it("prints a path holding control characters with them escaped", async () => {
    const dir = scratch();
    mkdirSync(join(dir, `a${ESC}]0;x\u0007b`));
    const result = await run(join(dir, `a${ESC}]0;x\u0007b`, "stack.json"));
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('a\\u001b]0;x\\u0007b/stack.json": no such file (ENOENT)');
    expect(result.stderr).not.toMatch(/[\u001b\u0007]/);
  });
});

describe("the pieces", () => {
  it("reads a URN as Pulumi does: the name is everything after the third ::", () => {
    expect(parseUrn("urn:pulumi:prod::p::genai:core:Core$azure-native:resources:ResourceGroup::core::rg")).toEqual({
      type: "azure-native:resources:ResourceGroup",
      name: "core::rg",
    });
    expect(urnName("urn:pulumi:prod::p::aws:s3/bucket:Bucket::logs::eu")).toBe("logs::eu");
    expect(parseUrn("urn:pulumi:prod::p")).toBeUndefined();
    expect(parseUrn("arn:aws:s3:::bucket")).toBeUndefined();
  });

  it("finds an unknown value anywhere, but not inside a secret", () => {
    const secret = { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", plaintext: UNKNOWN };
    expect(
      unknownPaths({ a: { b: [1, UNKNOWN] }, c: secret, d: "dd056dcd-154b-4c76-9bd3-c8f88648b5ff" }, "inputs"),
    ).toEqual(["inputs.a.b[1]", "inputs.d"]);
  });

  it("measures depth without recursion", () => {
    let deep: unknown = 1;
    for (let i = 0; i < 50_000; i++) deep = [deep];
    expect(pathTooDeep(deep, 3)).toBe("[0][0][0]");
    expect(pathTooDeep({ a: { b: 1 } }, 3)).toBeUndefined();
  });

  it("a selector selects by labels a pod has itself: a key such as constructor names none", () => {
    expect(selects({ matchExpressions: [{ key: "constructor", operator: "Exists" }] }, {})).toBe(false);
    expect(selects({ matchExpressions: [{ key: "toString", operator: "DoesNotExist" }] }, {})).toBe(true);
    expect(selects({ matchExpressions: [{ key: "__proto__", operator: "NotIn", values: ["x"] }] }, {})).toBe(true);
    expect(selects({ matchLabels: { app: "vllm" } }, { app: "vllm" })).toBe(true);
  });

  it("exempts Pulumi's own types and the components, never a custom resource, and names a provider in another case", () => {
    expect(isExemptType("genai:gateway:Gateway", undefined)).toBe(true);
    expect(isExemptType("genai:gateway:Gateway", "pulumi:providers:genai")).toBe(false);
    expect(isExemptType("pulumi:providers:azure-native", undefined)).toBe(true);
    expect(isExemptType("Pulumi:pulumi:Stack", undefined)).toBe(false);
    expect(unclassifiedMessage("Kubernetes:apps/v1:StatefulSet", undefined)).toContain(
      "type tokens are case-sensitive: kubernetes:apps/v1:StatefulSet is classified",
    );
    expect(unclassifiedMessage("Pulumi:pulumi:Stack", undefined)).toContain(
      "provider names are case-sensitive: Pulumi is not pulumi",
    );
    expect(unclassifiedMessage("aws:s3/bucket:Bucket", undefined)).not.toContain("case-sensitive");
  });

  it("prints text from a file without escape sequences or control characters", () => {
    expect(printable(`a${ESC}[31mb${ESC}]8;;http://x${ESC}\\c${CSI8}2Jd\u0000e\u202ef\ng`)).toBe("abcdef\ng");
    expect(oneLine("a\r\nb\tc")).toBe("a b c");
    expect(printed(`--st${ESC}[2Jate\nnext`)).toBe("--st\\u001b[2Jate\nnext");
    expect(JSON.parse(terminalJson({ v: `x${CSI8}y\u202e` }))).toEqual({ v: `x${CSI8}y\u202e` });
    expect(terminalJson({ v: `x${CSI8}` })).toContain("x\\u009b");
  });
});

// Loads the pack exactly as the Pulumi CLI does (@pulumi/pulumi's run-policy-pack program, TypeScript
// through ts-node with type checking) and drives it over the Analyzer gRPC protocol; the violations
// must equal the offline runner's on the insecure fixture.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { policies } from "../../policies/rules";
import { checkpointResources, evaluatePolicies, type CheckpointResource } from "../../cli/engine/policyRunner";
import type { PolicyPackConfig } from "../../cli/engine/policyConfig";
import { PROJECT_DIR } from "../helpers";

const analyzerPb = require("@pulumi/pulumi/proto/analyzer_pb");
const analyzerGrpc = require("@pulumi/pulumi/proto/analyzer_grpc_pb");

const FIXTURE = join(PROJECT_DIR, "test/fixtures/insecure");
const SIG_KEY = "4dabf18193072939515e22adb298388d";
const LEVELS: Record<string, number> = { advisory: 0, mandatory: 1, disabled: 2, remediate: 3 };
const LEVEL_NAMES = ["advisory", "mandatory", "disabled", "remediate"];

let pack: ChildProcess;
let client: any;

function call<T>(method: string, request: unknown): Promise<T> {
  return new Promise((resolve, reject) =>
    client[method](request, (error: Error | null, response: T) => (error ? reject(error) : resolve(response))),
  );
}

/** As the engine sends them: secrets as signed values (the policy runtime unwraps them). */
function wireProperties(r: CheckpointResource, view: "inputs" | "outputs") {
  const [preferred, fallback] = view === "inputs" ? [r.inputs, r.outputs] : [r.outputs, r.inputs];
  const props = preferred && Object.keys(preferred).length > 0 ? preferred : (fallback ?? {});
  const replaced = JSON.parse(JSON.stringify(props), (_k, v) =>
    v && typeof v === "object" && v[SIG_KEY] ? { [SIG_KEY]: v[SIG_KEY], value: "[secret]" } : v,
  );
  return Struct.fromJavaScript(replaced);
}

function options(r: CheckpointResource) {
  const o = new analyzerPb.AnalyzerResourceOptions();
  o.setProtect(r.protect === true);
  if (r.parent) o.setParent(r.parent);
  return o;
}

beforeAll(async () => {
  const runPolicyPack = join(PROJECT_DIR, "node_modules/@pulumi/pulumi/cmd/run-policy-pack/index.js");
  pack = spawn("node", [runPolicyPack, "127.0.0.1:0", "."], {
    cwd: join(PROJECT_DIR, "policies"),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  pack.stderr!.on("data", (d) => (stderr += d));
  const port = await new Promise<string>((resolve, reject) => {
    pack.stdout!.on("data", (d: Buffer) => {
      const line = d.toString().trim().split("\n")[0]!;
      if (/^\d+$/.test(line)) resolve(line);
    });
    pack.on("exit", (code) => reject(new Error(`the policy pack exited (${code}) before serving: ${stderr}`)));
  });
  client = new analyzerGrpc.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
}, 120_000);

afterAll(() => {
  client?.close();
  pack?.kill();
});

describe("the policy pack under the Analyzer protocol", () => {
  it("describes every rule of the pack", async () => {
    const info = await call<any>("getAnalyzerInfo", new Empty());
    expect(info.getName()).toBe("genai-platform");
    expect(
      info
        .getPoliciesList()
        .map((p: any) => p.getName())
        .sort(),
    ).toEqual(policies.map((p) => p.name).sort());
  });

  it("reports the same violations as the offline runner on the insecure fixture", async () => {
    const resources = checkpointResources(
      JSON.parse(readFileSync(join(FIXTURE, "stack.json"), "utf8")),
      "fixture",
    ).filter((r) => r.type !== "pulumi:pulumi:Stack");
    const config = JSON.parse(readFileSync(join(FIXTURE, "policy-config.json"), "utf8")) as PolicyPackConfig;

    // As the CLI does: resolve `all` into each policy's level and pass each policy its settings.
    const configure = new analyzerPb.ConfigureAnalyzerRequest();
    for (const policy of policies) {
      const own = config[policy.name];
      const level = (typeof own === "string" ? own : own?.enforcementLevel) ?? (config.all as string) ?? "mandatory";
      const { enforcementLevel: _ignored, ...settings } = typeof own === "object" ? own : {};
      const policyConfig = new analyzerPb.PolicyConfig();
      policyConfig.setEnforcementlevel(LEVELS[level]);
      policyConfig.setProperties(Struct.fromJavaScript(settings as Record<string, any>));
      configure.getPolicyconfigMap().set(policy.name, policyConfig);
    }
    await call("configure", configure);

    const descriptions = new Map(policies.map((p) => [p.name, p.description]));
    const seen: string[] = [];
    const collect = (response: any, fallbackUrn: string) => {
      for (const d of response.getDiagnosticsList()) {
        const message = String(d.getMessage()).slice(`${descriptions.get(d.getPolicyname())}\n`.length);
        seen.push(
          `${d.getPolicyname()} | ${LEVEL_NAMES[d.getEnforcementlevel()]} | ${d.getUrn() || fallbackUrn} | ${message}`,
        );
      }
    };
    for (const r of resources) {
      const request = new analyzerPb.AnalyzeRequest();
      request.setType(r.type);
      request.setUrn(r.urn);
      request.setName(r.urn.split("::").pop());
      request.setProperties(wireProperties(r, "inputs")); // Analyze sees a resource's inputs
      request.setOptions(options(r));
      collect(await call("analyze", request), r.urn);
    }
    const stackRequest = new analyzerPb.AnalyzeStackRequest();
    stackRequest.setResourcesList(
      resources.map((r) => {
        const resource = new analyzerPb.AnalyzerResource();
        resource.setType(r.type);
        resource.setUrn(r.urn);
        resource.setName(r.urn.split("::").pop());
        resource.setProperties(wireProperties(r, "outputs")); // AnalyzeStack sees the final outputs
        resource.setOptions(options(r));
        if (r.parent) resource.setParent(r.parent);
        resource.setDependenciesList(r.dependencies ?? []);
        for (const [property, urns] of Object.entries(r.propertyDependencies ?? {})) {
          const deps = new analyzerPb.AnalyzerPropertyDependencies();
          deps.setUrnsList(urns);
          resource.getPropertydependenciesMap().set(property, deps);
        }
        return resource;
      }),
    );
    collect(await call("analyzeStack", stackRequest), "");

    const offline = (await evaluatePolicies(resources, policies, config)).map(
      (v) => `${v.policy} | ${v.enforcementLevel} | ${v.urn ?? ""} | ${v.message}`,
    );
    expect(seen.length).toBeGreaterThan(15);
    expect([...seen].sort()).toEqual([...offline].sort());
  });
});

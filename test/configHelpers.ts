// What the tests share without the Pulumi runtime: the committed stack files as config, raw config to
// change one key, golden files. The unit project's files import only this (test/helpers.ts adds planning).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { expect } from "vitest";
import type { PlatformConfig } from "../stacks/config";
import { loadStackConfig, projectConfig } from "../stacks/load";
import { readStackFile, stackConfigFromDocument, type StackConfig } from "../cli/shared/stackFile";

export const PROJECT_DIR = resolve(__dirname, "..");

/** The day every test checks model lifecycle for, so results do not change with the clock. */
export const AS_OF = "2026-11-27";

export function stackFile(stack: string): StackConfig {
  return readStackFile(join(PROJECT_DIR, `Pulumi.${stack}.yaml`));
}

export function validConfig(stack: string): PlatformConfig {
  const result = loadStackConfig(stackFile(stack), { stack, asOf: AS_OF });
  if (!result.ok) throw new Error(result.issues.map((i) => `${i.path}: ${i.message}`).join("\n"));
  return result.config;
}

/** The raw (pre-validation) config object of a stack file, for mutating one field per test. */
export function rawConfig(stack: string): Record<string, any> {
  return structuredClone(projectConfig(stackFile(stack).config)) as Record<string, any>;
}

/** A raw config object as a stack file's `config:` block (keys under the genai-platform namespace). */
export function namespaced(raw: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(raw).map(([k, v]) => [`genai-platform:${k}`, v]));
}

/** A stack's raw config without its self-hosted models (the cluster and vLLM endpoints), for tests about the rest. */
export function withoutSelfHosted(raw: Record<string, any>): Record<string, any> {
  const vllm = Object.keys(raw.models).filter((e) =>
    Object.values(raw.models[e].slots).some((s: any) => s.targets.some((t: any) => t.kind === "vllm")),
  );
  for (const e of vllm) delete raw.models[e];
  delete raw.cluster;
  for (const team of Object.values<any>(raw.gateway?.teams ?? {}))
    team.endpoints = team.endpoints.filter((e: string) => !vllm.includes(e));
  return raw;
}

export function pulumiConfigOf(raw: Record<string, unknown>): StackConfig {
  return stackConfigFromDocument({ config: namespaced(raw) }, "test");
}

/** Compares with a golden file reviewed by hand; UPDATE_GOLDEN=1 rewrites it after a reviewed change. */
export function matchesGoldenFile(path: string, content: string): void {
  if (process.env.UPDATE_GOLDEN === "1") {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content);
  }
  expect(existsSync(path), `${path} is missing: render it with UPDATE_GOLDEN=1, review it, commit it`).toBe(true);
  expect(content).toBe(readFileSync(path, "utf8"));
}

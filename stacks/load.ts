// The edge of the program: a stack's config map as Pulumi hands it over (the plan reads the same map
// from the stack file) becomes a validated PlatformConfig, or every problem is reported at once.
// What depends on the stack rather than on the config's own shape is checked here: namespaces,
// secrets, the stack name against the environment, and model lifecycle on a given day.
import { clusterIssues } from "./clusterConfig";
import { closest, distance } from "fastest-levenshtein";
import { LIFECYCLE_TABLE_DATE, LIFECYCLE_TABLE_SOURCE, lifecycleFinding } from "../components/openai/lifecycle";
import {
  CONFIG_KEYS,
  CONFIG_NAMESPACE,
  ConfigValidationError,
  openAiDeploymentSpecs,
  parsePlatformConfig,
  type ConfigIssue,
  type PlatformConfig,
} from "./config";
import { hasOwn } from "../components/core/own";

/** Config namespaces the program reads: its own and those of the providers it uses. */
export const KNOWN_NAMESPACES = [CONFIG_NAMESPACE, "azure-native", "kubernetes", "random", "pulumi"] as const;

/**
 * Keys of this project whose values are secret and are read with `config.getSecret`, so they stay
 * secret outputs and are redacted in `out/`: the Hugging Face token vLLM downloads gated models with,
 * and the webhook the alerts call.
 * Every other key is a name, id, tag or setting that Azure and the state hold in clear, so a `secure:`
 * value there is refused; a secret key set in clear is refused too.
 */
export const SECRET_CONFIG_KEYS: readonly string[] = ["huggingFaceToken", "alertWebhookUrl", "alertmanagerWebhookUrl"];

/** A stack's config map: `namespace:key` -> text (JSON for structured values), and which keys are secret. */
export interface StackConfigInput {
  readonly config: Readonly<Record<string, string>>;
  readonly secretKeys: readonly string[];
}

export interface LoadContext {
  /** The Pulumi stack name. */
  readonly stack: string;
  /** The day lifecycle checks are made for (YYYY-MM-DD). */
  readonly asOf: string;
}

export type LoadResult =
  { ok: true; config: PlatformConfig; warnings: string[] } | { ok: false; issues: ConfigIssue[] };

/** Decodes a Pulumi config value: structured values arrive as JSON text, plain strings as they are. */
export function decodeConfigValue(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** This project's keys of a Pulumi config map (`genai-platform:<key>` -> text) as one object; other namespaces left out. */
export function projectConfig(config: Readonly<Record<string, string>>): Record<string, unknown> {
  const raw: Record<string, unknown> = {};
  for (const [fullKey, text] of Object.entries(config)) {
    const [namespace, ...rest] = fullKey.split(":");
    // Secret keys are read by the program with requireSecret/getSecret, never as plain config values.
    if (namespace === CONFIG_NAMESPACE && rest.length > 0 && !SECRET_CONFIG_KEYS.includes(rest.join(":")))
      raw[rest.join(":")] = decodeConfigValue(text);
  }
  return raw;
}

const ENVIRONMENT_WORDS: Readonly<Record<string, PlatformConfig["environment"]>> = {
  dev: "dev",
  development: "dev",
  prod: "prod",
  production: "prod",
  prd: "prod",
};

/** The environment a stack name speaks of (`prod`, `team-prod`, `dev.eu`), if any. */
export function environmentOfStackName(stack: string): PlatformConfig["environment"] | undefined {
  const named = new Set(
    stack
      .toLowerCase()
      .split(/[-_.]/)
      .flatMap((word) => (hasOwn(ENVIRONMENT_WORDS, word) ? [ENVIRONMENT_WORDS[word]!] : [])),
  );
  return named.size === 1 ? [...named][0] : undefined;
}

function namespaceIssues(keys: readonly string[]): ConfigIssue[] {
  const known = new Set<string>(KNOWN_NAMESPACES);
  const candidates = [...CONFIG_KEYS.map((k) => `${CONFIG_NAMESPACE}:${k}`)];
  return keys.flatMap((fullKey) => {
    const [namespace = "", ...rest] = fullKey.split(":");
    if (known.has(namespace)) return [];
    const name = rest.join(":");
    const guess = closest(fullKey, [
      ...candidates,
      ...KNOWN_NAMESPACES.filter((ns) => ns !== CONFIG_NAMESPACE).map((ns) => `${ns}:${name}`),
    ]);
    const near = distance(fullKey, guess) <= Math.max(3, Math.floor(guess.length / 4));
    return [
      {
        path: fullKey,
        message: `namespace "${namespace}" is not read by this program (it reads ${KNOWN_NAMESPACES.join(", ")}), so this value would be ignored; ${near ? `did you mean ${guess}?` : `this program's settings go under ${CONFIG_NAMESPACE}:`}`,
      },
    ];
  });
}

function secretIssues(secretKeys: readonly string[]): ConfigIssue[] {
  return secretKeys.flatMap((fullKey) => {
    const [namespace, ...rest] = fullKey.split(":");
    const name = rest.join(":");
    if (namespace !== CONFIG_NAMESPACE || SECRET_CONFIG_KEYS.includes(name)) return [];
    return [
      {
        path: name,
        message: `holds a secure: (secret) value, but ${name} is not secret: it becomes names, ids or tags that Azure and the stack state keep in clear; set it in clear (pulumi config set, without --secret)`,
      },
    ];
  });
}

/**
 * Validates a stack's config for the given stack and day: unknown namespaces, secrets where none is
 * expected, the schema and cross-field rules, the stack name against `environment`, and retired models.
 */
export function loadStackConfig(input: StackConfigInput, context: LoadContext): LoadResult {
  const inClear = SECRET_CONFIG_KEYS.filter(
    (k) => `${CONFIG_NAMESPACE}:${k}` in input.config && !input.secretKeys.includes(`${CONFIG_NAMESPACE}:${k}`),
  );
  const issues: ConfigIssue[] = [
    ...namespaceIssues([...new Set([...Object.keys(input.config), ...input.secretKeys])]),
    ...secretIssues(input.secretKeys),
    ...inClear.map((k) => ({
      path: k,
      message: `is a secret but is set in clear text in the stack file: set it with pulumi config set --secret ${k}`,
    })),
  ];
  const secretNames = new Set(issues.map((i) => i.path));
  const parsed = parsePlatformConfig(projectConfig(input.config));
  // A refused secret is reported once, not again as a value of the wrong shape.
  if (!parsed.ok) issues.push(...parsed.issues.filter((i) => !secretNames.has(i.path.split(/[.[]/)[0]!)));
  if (!parsed.ok || issues.length > 0) return { ok: false, issues };

  const config = parsed.config;
  const named = environmentOfStackName(context.stack);
  if (named && named !== config.environment && !config.allowEnvironmentMismatch) {
    issues.push({
      path: "environment",
      message: `stack "${context.stack}" names the ${named} environment but environment is ${config.environment}: ${config.environment === "dev" ? "prod's protections would be off" : "this would apply prod rules to it"}; fix environment, or set allowEnvironmentMismatch: true if this is intended`,
    });
  }
  // Azure takes a budget whose start is at most twelve months ahead of the day it is created.
  if (config.budget) {
    const limit = new Date(`${context.asOf}T00:00:00Z`);
    limit.setUTCMonth(limit.getUTCMonth() + 12);
    if (new Date(`${config.budget.startDate}T00:00:00Z`) > limit) {
      issues.push({
        path: "budget.startDate",
        message: `${config.budget.startDate} is more than twelve months after ${context.asOf}: Azure refuses a budget that starts that late`,
      });
    }
  }
  // One finding per model version, naming every target that pins it.
  const findings = new Map<string, { severity: "error" | "warning"; message: string; paths: string[] }>();
  for (const spec of openAiDeploymentSpecs(config)) {
    const finding = lifecycleFinding(spec.model, spec.version, context.asOf, config.lifecycleWarningDays);
    if (!finding) continue;
    const entry = findings.get(finding.message) ?? { ...finding, paths: [] };
    entry.paths.push(finding.severity === "error" ? `${spec.path}.version` : spec.path);
    findings.set(finding.message, entry);
  }
  const warnings: string[] = [...clusterIssues(config).warnings];
  if (config.cluster && !input.secretKeys.includes(`${CONFIG_NAMESPACE}:alertmanagerWebhookUrl`)) {
    warnings.push(
      "cluster: the in-cluster alerts (model slots' SLOs) reach no one until the secret alertmanagerWebhookUrl is set (pulumi config set --secret alertmanagerWebhookUrl https://...); they are visible in Alertmanager meanwhile",
    );
  }
  for (const { severity, message, paths } of findings.values()) {
    if (severity === "error")
      issues.push({
        path: paths.join(", "),
        message: `${message} (${LIFECYCLE_TABLE_SOURCE}, ${LIFECYCLE_TABLE_DATE})`,
      });
    else warnings.push(`${paths.join(", ")}: ${message}`);
  }
  return issues.length > 0 ? { ok: false, issues } : { ok: true, config, warnings };
}

/** `loadStackConfig`, throwing one error that lists every problem (nothing is registered). */
export function requirePlatformConfig(
  input: StackConfigInput,
  context: LoadContext,
): { config: PlatformConfig; warnings: string[] } {
  const result = loadStackConfig(input, context);
  if (!result.ok) throw new ConfigValidationError(result.issues);
  return result;
}

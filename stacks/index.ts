// The Pulumi program: `pulumi up` and the offline plan both load this file (package.json "main").
import * as pulumi from "@pulumi/pulumi";
import { CONFIG_NAMESPACE, ConfigValidationError } from "./config";
import { requirePlatformConfig, type StackConfigInput } from "./load";
import { AsOfError, asOfDay } from "./asOf";
import { buildPlatform } from "./platform";

/** Whether a config key holds a secret: the SDK's own test, which its public typings leave out. */
const isConfigSecret: (key: string) => boolean = require("@pulumi/pulumi/runtime/config").isConfigSecret;

/**
 * The stack's config as the engine hands it over. Only key names come from `allConfig()`; a secret's
 * decrypted value is never read here (the loader refuses secrets where none is expected, and a key
 * that needs one reads it with `config.requireSecret`, so it stays a secret output).
 */
function stackConfig(): StackConfigInput {
  const keys = Object.keys(pulumi.runtime.allConfig()).sort();
  const secretKeys = keys.filter((key) => isConfigSecret(key));
  const config: Record<string, string> = {};
  for (const key of keys) if (!secretKeys.includes(key)) config[key] = pulumi.runtime.getConfig(key) ?? "";
  return { config, secretKeys };
}

function readConfig() {
  try {
    const { config, warnings } = requirePlatformConfig(stackConfig(), { stack: pulumi.getStack(), asOf: asOfDay() });
    for (const warning of warnings) void pulumi.log.warn(warning);
    return config;
  } catch (error) {
    // A RunError prints its message without a stack trace; nothing has been registered yet.
    if (error instanceof ConfigValidationError || error instanceof AsOfError) throw new pulumi.RunError(error.message);
    throw error;
  }
}

// The secret settings: read as secret outputs, never as plain config.
const project = new pulumi.Config(CONFIG_NAMESPACE);
const huggingFaceToken = project.getSecret("huggingFaceToken");
const alertWebhookUrl = project.getSecret("alertWebhookUrl");
const alertmanagerWebhookUrl = project.getSecret("alertmanagerWebhookUrl");
const outputs = buildPlatform(readConfig(), {
  ...(huggingFaceToken ? { huggingFaceToken } : {}),
  ...(alertWebhookUrl ? { alertWebhookUrl } : {}),
  ...(alertmanagerWebhookUrl ? { alertmanagerWebhookUrl } : {}),
});

export const resourceGroupName = outputs.resourceGroupName;
export const workspaceId = outputs.workspaceId;
export const openAiEndpoints = outputs.openAiEndpoints;
export const deployments = outputs.deployments;
export const identities = outputs.identities;
// null, not undefined, without a cache: the output is always there, and the engine does not warn.
export const cacheHostName = outputs.cacheHostName ?? null;
export const gatewayUrl = outputs.gatewayUrl ?? null;
// Subscription keys of the teams that opted in, secret: `pulumi stack output --show-secrets gatewayKeys`.
export const gatewayKeys = outputs.gatewayKeys ?? {};

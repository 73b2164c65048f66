// The Pulumi program: `pulumi up` and the offline plan both load this file (package.json "main").
import * as pulumi from "@pulumi/pulumi";
import { ConfigValidationError, loadPlatformConfig } from "./config";
import { buildPlatform } from "./platform";

function readConfig() {
  try {
    return loadPlatformConfig(pulumi.runtime.allConfig());
  } catch (error) {
    // A RunError prints its message without a stack trace; nothing has been registered yet.
    if (error instanceof ConfigValidationError) throw new pulumi.RunError(error.message);
    throw error;
  }
}

const outputs = buildPlatform(readConfig());

export const resourceGroupName = outputs.resourceGroupName;
export const workspaceId = outputs.workspaceId;
export const openAiEndpoints = outputs.openAiEndpoints;
export const deployments = outputs.deployments;
export const identities = outputs.identities;
export const cacheHostName = outputs.cacheHostName;

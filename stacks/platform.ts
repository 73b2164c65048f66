import * as pulumi from "@pulumi/pulumi";
import { Provider } from "@pulumi/azure-native/provider";
import { Core, platformTags } from "../components/core";
import { OpenAiService } from "../components/openai";
import { namingContext, plannedDeployments, type PlatformConfig } from "./config";

export interface PlatformOutputs {
  readonly resourceGroupName: pulumi.Output<string>;
  readonly workspaceId: pulumi.Output<string>;
  /** Account endpoint by account key. */
  readonly openAiEndpoints: Record<string, pulumi.Output<string>>;
  /** Deployment names by endpoint, slot and account key. */
  readonly deployments: Record<string, Record<string, Record<string, string[]>>>;
}

/** Composes the platform's components, in dependency order, from a validated config. */
export function buildPlatform(config: PlatformConfig): PlatformOutputs {
  const naming = namingContext(config);
  const tags = platformTags(config.environment, config.tags);
  const protect = config.environment === "prod";

  // An explicit provider pins the subscription: a stack never deploys to whatever `az login` chose.
  const azure = new Provider("azure", { subscriptionId: config.subscriptionId, location: config.location });
  const opts: pulumi.ComponentResourceOptions = { providers: [azure] };

  const core = new Core("core", {
    naming,
    location: config.location,
    tags,
    logRetentionDays: config.logRetentionDays,
    protect,
  }, opts);

  const planned = plannedDeployments(config);
  const openAiEndpoints: Record<string, pulumi.Output<string>> = {};
  const deployments: Record<string, Record<string, Record<string, string[]>>> = {};
  for (const [accountKey, account] of Object.entries(config.accounts)) {
    const service = new OpenAiService(`openai-${accountKey}`, {
      naming,
      accountKey,
      location: account.location,
      kind: account.kind,
      resourceGroupName: core.resourceGroupName,
      tags,
      publicNetworkAccess: config.publicNetworkAccess,
      allowedIpRanges: config.allowedIpRanges,
      contentFilterThreshold: account.contentFilterThreshold,
      deployments: planned.filter((d) => d.account === accountKey),
      workspaceId: core.workspaceId,
      protect,
    }, opts);
    openAiEndpoints[accountKey] = service.endpoint;
    for (const [endpoint, bySlot] of Object.entries(service.deploymentNames)) {
      for (const [slot, names] of Object.entries(bySlot)) {
        ((deployments[endpoint] ??= {})[slot] ??= {})[accountKey] = names;
      }
    }
  }

  return { resourceGroupName: core.resourceGroupName, workspaceId: core.workspaceId, openAiEndpoints, deployments };
}

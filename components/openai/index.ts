import * as pulumi from "@pulumi/pulumi";
import { globallyUniqueName } from "../core/globalName";
import * as cognitiveservices from "@pulumi/azure-native/cognitiveservices";
import { sendDiagnostics } from "../core/diagnostics";
import { checkedName, resourceName, type NamingContext } from "../core/naming";
import { RAI_BASE_POLICY, contentFilters, type FilterThreshold } from "./contentFilter";
import { deploymentTags, type PlannedDeployment } from "./deployments";
import { accountProperties } from "./networkAcls";

export * from "./capacity";
export * from "./contentFilter";
export * from "./deployments";
export * from "./models";
export * from "./networkAcls";
export * from "./quota";

export interface OpenAiServiceArgs {
  /** Prefix and environment the account and filter names are built from. */
  readonly naming: NamingContext;
  /** The account's key in the config (`swc`), the last part of its name. */
  readonly accountKey: string;
  readonly location: string;
  /** `OpenAI` or `AIServices`. */
  readonly kind: string;
  readonly resourceGroupName: pulumi.Input<string>;
  readonly tags: Readonly<Record<string, string>>;
  /** `Disabled` (default) keeps the account private; `Enabled` is an explicit opt-out. */
  readonly publicNetworkAccess: "Disabled" | "Enabled";
  /** With public access on: the only client addresses admitted (none = any). */
  readonly allowedIpRanges: readonly string[];
  /** The only FQDNs the account may call out to (data loss prevention); empty: no outbound calls. */
  readonly allowedFqdns: readonly string[];
  readonly contentFilterThreshold: FilterThreshold;
  /** This account's deployments in chain order (from `planAccountDeployments`). */
  readonly deployments: readonly PlannedDeployment[];
  /** Log Analytics workspace for the account's diagnostic setting. */
  readonly workspaceId: pulumi.Input<string>;
  /** Protect the account (not its deployments, so a finished rollout can remove one). */
  readonly protect: boolean;
}

/**
 * One Azure OpenAI account with its content filter, deployments (chained: ARM refuses parallel writes
 * to one account) and a diagnostic setting to the platform's workspace.
 */
export class OpenAiService extends pulumi.ComponentResource {
  /** The end of the account's write chain: later writes to the account (a private endpoint) wait for it. */
  readonly lastWrite: pulumi.Resource;
  readonly accountName: pulumi.Output<string>;
  readonly accountId: pulumi.Output<string>;
  readonly endpoint: pulumi.Output<string>;
  /** Deployment names by endpoint and slot. */
  readonly deploymentNames: Record<string, Record<string, string[]>>;

  constructor(name: string, args: OpenAiServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("genai:openai:OpenAiService", name, {}, opts);
    const accountName = resourceName("cognitiveServicesAccount", args.naming, args.accountKey);

    // Custom subdomains are global host names.
    const subdomain = globallyUniqueName(`${name}-subdomain-suffix`, accountName, { accountName }, this);

    const account = new cognitiveservices.Account(
      `${name}-account`,
      {
        accountName,
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        kind: args.kind,
        sku: { name: "S0" },
        identity: { type: "SystemAssigned" },
        properties: accountProperties({ subdomain, ...args }),
        tags: args.tags,
      },
      { parent: this, protect: args.protect },
    );

    const raiPolicy = new cognitiveservices.RaiPolicy(
      `${name}-content-filter`,
      {
        accountName: account.name,
        resourceGroupName: args.resourceGroupName,
        raiPolicyName: resourceName("raiPolicy", args.naming),
        properties: {
          basePolicyName: RAI_BASE_POLICY,
          mode: "Default",
          contentFilters: contentFilters(args.contentFilterThreshold),
        },
        tags: args.tags,
      },
      { parent: this },
    );

    let previous: pulumi.Resource = raiPolicy;
    this.deploymentNames = {};
    for (const d of args.deployments) {
      const deployment: cognitiveservices.Deployment = new cognitiveservices.Deployment(
        `${name}-${d.name}`,
        {
          accountName: account.name,
          resourceGroupName: args.resourceGroupName,
          deploymentName: checkedName("openAiDeployment", d.name),
          sku: { name: d.deploymentType, capacity: d.skuCapacity },
          properties: {
            model: { format: "OpenAI", name: d.model, version: d.version },
            raiPolicyName: raiPolicy.name,
            // Only pay-as-you-go deployments auto-upgrade; versions change through config alone.
            ...(d.ptu ? {} : { versionUpgradeOption: "NoAutoUpgrade" }),
            ...(d.spilloverTo ? { spilloverDeploymentName: d.spilloverTo } : {}),
          },
          tags: { ...args.tags, ...deploymentTags(d) },
        },
        { parent: this, dependsOn: [previous] },
      );
      previous = deployment;
      const bySlot = (this.deploymentNames[d.endpoint] ??= {});
      (bySlot[d.slot] ??= []).push(d.name);
    }

    sendDiagnostics(
      `${name}-diagnostics`,
      { resourceUri: account.id, workspaceId: args.workspaceId, logs: true, metrics: true },
      { parent: this },
    );

    this.lastWrite = previous;
    this.accountName = account.name;
    this.accountId = account.id;
    this.endpoint = account.properties.apply((p) => p.endpoint);
    this.registerOutputs({
      accountName: this.accountName,
      accountId: this.accountId,
      endpoint: this.endpoint,
      deploymentNames: this.deploymentNames,
    });
  }
}

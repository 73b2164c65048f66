import * as pulumi from "@pulumi/pulumi";
import * as cognitiveservices from "@pulumi/azure-native/cognitiveservices";
import { globallyUniqueName } from "../core/globalName";
import { sendDiagnostics } from "../core/diagnostics";
import { resourceName, type NamingContext } from "../core/naming";
import { accountProperties } from "../openai/networkAcls";

export * from "./config";

export interface ContentSafetyArgs {
  readonly naming: NamingContext;
  readonly location: string;
  readonly resourceGroupName: pulumi.Input<string>;
  readonly tags: Readonly<Record<string, string>>;
  /** `Disabled` (with private networking, always): reached through its private endpoint only. */
  readonly publicNetworkAccess: "Disabled" | "Enabled";
  readonly allowedIpRanges: readonly string[];
  readonly workspaceId: pulumi.Input<string>;
  readonly protect: boolean;
}

/**
 * Azure AI Content Safety for the gateway's content checks: keys off (callers use Entra ID), no outbound
 * calls, private when the stack is, its logs and metrics in the platform's workspace.
 */
export class ContentSafety extends pulumi.ComponentResource {
  readonly accountId: pulumi.Output<string>;
  /** `https://<subdomain>.cognitiveservices.azure.com/`: what the gateway's backend calls. */
  readonly endpoint: pulumi.Output<string>;
  readonly account: cognitiveservices.Account;

  constructor(name: string, args: ContentSafetyArgs, opts?: pulumi.ComponentResourceOptions) {
    super("genai:safety:ContentSafety", name, {}, opts);
    const accountName = resourceName("contentSafetyAccount", args.naming);
    // Entra ID tokens are accepted only on a custom subdomain, a global host name.
    const subdomain = globallyUniqueName(`${name}-subdomain-suffix`, accountName, { accountName }, this);
    this.account = new cognitiveservices.Account(
      `${name}-account`,
      {
        accountName,
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        kind: "ContentSafety",
        sku: { name: "S0" },
        identity: { type: "SystemAssigned" },
        properties: accountProperties({ subdomain, ...args, allowedFqdns: [] }),
        tags: args.tags,
      },
      { parent: this, protect: args.protect },
    );
    sendDiagnostics(
      `${name}-diagnostics`,
      { resourceUri: this.account.id, workspaceId: args.workspaceId, logs: true, metrics: true },
      { parent: this },
    );
    this.accountId = this.account.id;
    this.endpoint = this.account.properties.apply((p) => p.endpoint);
    this.registerOutputs({ accountId: this.accountId, endpoint: this.endpoint });
  }
}

import * as pulumi from "@pulumi/pulumi";
import * as cognitiveservices from "@pulumi/azure-native/cognitiveservices";
import { globallyUniqueName } from "../core/globalName";
import { sendDiagnostics } from "../core/diagnostics";
import { resourceName, type NamingContext } from "../core/naming";
import { accountProperties } from "../openai/networkAcls";

export * from "./config";

/** The AI services the gateway's checks call: Content Safety (harms, Prompt Shields) and Language (PII). */
export const SAFETY_SERVICES = {
  contentSafety: { kind: "ContentSafety", sku: "S0", name: "contentSafetyAccount", type: "genai:safety:ContentSafety" },
  language: { kind: "TextAnalytics", sku: "S", name: "languageAccount", type: "genai:safety:Language" },
} as const;

export interface SafetyAccountArgs {
  /** Which service: Azure AI Content Safety (the default) or Azure AI Language (PII detection). */
  readonly service?: keyof typeof SAFETY_SERVICES;
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
 * An AI service account for the gateway's checks (Azure AI Content Safety, or Azure AI Language for PII):
 * keys off (callers use Entra ID), no outbound calls, private when the stack is, its logs and metrics in
 * the platform's workspace.
 */
export class SafetyAccount extends pulumi.ComponentResource {
  readonly accountId: pulumi.Output<string>;
  /** `https://<subdomain>.cognitiveservices.azure.com/`: what the gateway calls. */
  readonly endpoint: pulumi.Output<string>;
  readonly account: cognitiveservices.Account;

  constructor(name: string, args: SafetyAccountArgs, opts?: pulumi.ComponentResourceOptions) {
    const service = SAFETY_SERVICES[args.service ?? "contentSafety"];
    super(service.type, name, {}, opts);
    const accountName = resourceName(service.name, args.naming);
    // Entra ID tokens are accepted only on a custom subdomain, a global host name.
    const subdomain = globallyUniqueName(`${name}-subdomain-suffix`, accountName, { accountName }, this);
    this.account = new cognitiveservices.Account(
      `${name}-account`,
      {
        accountName,
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        kind: service.kind,
        sku: { name: service.sku },
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
export * from "./pii";

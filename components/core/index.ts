import * as pulumi from "@pulumi/pulumi";
import * as resources from "@pulumi/azure-native/resources";
import * as operationalinsights from "@pulumi/azure-native/operationalinsights";
import * as applicationinsights from "@pulumi/azure-native/applicationinsights";
import { resourceName, type NamingContext } from "./naming";

export {
  nameProblem,
  checkedName,
  resourceName,
  NAME_RULES,
  type NamingContext,
  type NamedResourceKind,
} from "./naming";
export { platformTags, type OwnershipTags } from "./tags";

export interface CoreArgs {
  /** Prefix and environment every name is built from. */
  readonly naming: NamingContext;
  /** Azure region of the resource group and the monitoring workspace. */
  readonly location: string;
  /** Tags for every taggable resource. */
  readonly tags: Readonly<Record<string, string>>;
  /** Log Analytics retention. */
  readonly logRetentionDays: number;
  /** Protect the stateful resources (resource group, workspace, Application Insights) from deletion. */
  readonly protect: boolean;
}

/**
 * The base every other component attaches to: a resource group, a Log Analytics workspace that
 * receives every diagnostic setting, and a workspace-based Application Insights for gateway loggers.
 */
export class Core extends pulumi.ComponentResource {
  readonly resourceGroupName: pulumi.Output<string>;
  readonly workspaceId: pulumi.Output<string>;
  readonly appInsightsId: pulumi.Output<string>;
  readonly appInsightsConnectionString: pulumi.Output<string>;

  constructor(name: string, args: CoreArgs, opts?: pulumi.ComponentResourceOptions) {
    super("genai:core:Core", name, {}, opts);
    const stateful: pulumi.CustomResourceOptions = { parent: this, protect: args.protect };

    const resourceGroup = new resources.ResourceGroup(
      `${name}-rg`,
      {
        resourceGroupName: resourceName("resourceGroup", args.naming),
        location: args.location,
        tags: args.tags,
      },
      stateful,
    );

    const workspace = new operationalinsights.Workspace(
      `${name}-log`,
      {
        workspaceName: resourceName("logAnalyticsWorkspace", args.naming),
        resourceGroupName: resourceGroup.name,
        location: args.location,
        sku: { name: "PerGB2018" },
        retentionInDays: args.logRetentionDays,
        // Entra ID only for queries and ingestion: no shared-key access.
        features: { disableLocalAuth: true },
        tags: args.tags,
      },
      stateful,
    );

    const appInsights = new applicationinsights.Component(
      `${name}-appi`,
      {
        resourceName: resourceName("applicationInsights", args.naming),
        resourceGroupName: resourceGroup.name,
        location: args.location,
        kind: "web",
        applicationType: "web",
        workspaceResourceId: workspace.id,
        ingestionMode: "LogAnalytics",
        // Telemetry is sent with Entra ID (managed identities), never the instrumentation key.
        disableLocalAuth: true,
        tags: args.tags,
      },
      { ...stateful, additionalSecretOutputs: ["connectionString", "instrumentationKey"] },
    );

    this.resourceGroupName = resourceGroup.name;
    this.workspaceId = workspace.id;
    this.appInsightsId = appInsights.id;
    this.appInsightsConnectionString = pulumi.secret(appInsights.connectionString);
    this.registerOutputs({
      resourceGroupName: this.resourceGroupName,
      workspaceId: this.workspaceId,
      appInsightsId: this.appInsightsId,
    });
  }
}

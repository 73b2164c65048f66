import * as pulumi from "@pulumi/pulumi";
import { globallyUniqueName } from "../core/globalName";
import * as apimanagement from "@pulumi/azure-native/apimanagement";
import { resourceName, type NamingContext } from "../core/naming";
import { grantRole } from "../identity";
import { apiPolicy, type ApiPolicySpec } from "./apiPolicy";
import { backendId, circuitBreaker, poolSpecs, DEFAULT_MAX_TRIP, type TargetRef } from "./backends";
import { renderPolicy } from "./policyXml";
import { endpointRoutes, type EndpointSlots } from "./routes";
import { GATEWAY_TIERS, type GatewaySku } from "./tiers";

export * from "./apiPolicy";
export * from "./backends";
export * from "./policyXml";
export * from "./routes";
export * from "./tiers";

/** Gateway settings that turn weak TLS off, towards clients and backends. */
export const TLS_HARDENING: Readonly<Record<string, string>> = Object.fromEntries(
  ["Protocols.Tls10", "Protocols.Tls11", "Protocols.Ssl30", "Backend.Protocols.Tls10", "Backend.Protocols.Tls11", "Backend.Protocols.Ssl30", "Ciphers.TripleDes168"].map((s) => [
    `Microsoft.WindowsAzure.ApiManagement.Gateway.Security.${s}`,
    "False",
  ]),
);

/** The named value the API policy reads the gateway identity's client id from. */
export const IDENTITY_CLIENT_ID_VALUE = "gateway-identity-client-id";

export interface GatewayTarget extends TargetRef {
  /** The backend's runtime URL, e.g. `https://<account>.openai.azure.com/openai`. */
  readonly url: pulumi.Input<string>;
}

export interface GatewayArgs {
  readonly naming: NamingContext;
  readonly subscriptionId: string;
  readonly location: string;
  readonly resourceGroupName: pulumi.Input<string>;
  readonly tags: Readonly<Record<string, string>>;
  readonly sku: GatewaySku;
  readonly capacity: number;
  readonly publisherEmail: string;
  readonly publisherName: string;
  /** The platform's gateway identity: backends and the logger authenticate with it. */
  readonly identity: { readonly id: pulumi.Input<string>; readonly clientId: pulumi.Input<string>; readonly principalId: pulumi.Input<string> };
  /** Application Insights (local auth off): the logger writes to it with the gateway identity. */
  readonly appInsights: { readonly id: pulumi.Input<string>; readonly connectionString: pulumi.Input<string> };
  /** The subnet the gateway joins when the stack has a network. */
  readonly subnetId?: pulumi.Input<string>;
  readonly models: Readonly<Record<string, EndpointSlots>>;
  readonly targets: readonly GatewayTarget[];
  readonly callers: Pick<ApiPolicySpec, "tenantId" | "audiences" | "clientApplicationIds" | "tokensPerMinute" | "monthlyTokenQuota">;
  /** The longest a backend stays tripped (ISO 8601 duration). */
  readonly maxTripDuration?: string;
  /** Log request and response bodies (prompts and completions): an explicit opt-in the pack reports. */
  readonly logBodies: boolean;
  readonly protect: boolean;
}

/**
 * API Management as the AI gateway: the service (TLS hardened, the platform identity attached), a
 * logger and diagnostic to Application Insights with managed-identity credentials, one backend per
 * target with a circuit breaker, one pool per endpoint slot, and the model API with its policy.
 * The service waits for nothing but the resource group and identity; only the children that need
 * the accounts (backends) wait for them.
 */
export class Gateway extends pulumi.ComponentResource {
  readonly serviceId: pulumi.Output<string>;
  readonly gatewayUrl: pulumi.Output<string>;
  /** The API policy as deployed, for the plan's artifacts. */
  readonly apiPolicyXml: string;

  constructor(name: string, args: GatewayArgs, opts?: pulumi.ComponentResourceOptions) {
    super("genai:gateway:Gateway", name, {}, opts);
    // The service name is a public host name (<name>.azure-api.net), unique across all customers.
    const baseName = resourceName("apiManagementService", args.naming);
    const tier = GATEWAY_TIERS[args.sku];
    const network = args.subnetId
      ? tier.vnetInjection
        ? { virtualNetworkType: "Internal", virtualNetworkConfiguration: { subnetResourceId: args.subnetId } }
        : { virtualNetworkType: "External", virtualNetworkConfiguration: { subnetResourceId: args.subnetId } }
      : { virtualNetworkType: "None" };

    const service = new apimanagement.ApiManagementService(`${name}-service`, {
      serviceName: globallyUniqueName(`${name}-name-suffix`, baseName, { baseName }, this),
      resourceGroupName: args.resourceGroupName,
      location: args.location,
      sku: { name: args.sku, capacity: args.capacity },
      publisherEmail: args.publisherEmail,
      publisherName: args.publisherName,
      // System-assigned for semantic-cache embeddings; the platform identity for backends and the logger.
      identity: {
        type: "SystemAssigned, UserAssigned",
        userAssignedIdentities: pulumi.output(args.identity.id).apply((id) => ({ [id]: {} })),
      },
      customProperties: TLS_HARDENING,
      ...network,
      tags: args.tags,
    }, { parent: this, protect: args.protect });
    const child = { parent: this };
    const serviceArgs = { resourceGroupName: args.resourceGroupName, serviceName: service.name };

    // App Insights accepts the gateway's telemetry only with an Entra token from its identity.
    const publisher = grantRole(`${name}-metrics-publisher`, {
      subscriptionId: args.subscriptionId,
      scope: args.appInsights.id,
      principalId: args.identity.principalId,
      role: "monitoringMetricsPublisher",
    }, child);
    const logger = new apimanagement.Logger(`${name}-logger`, {
      ...serviceArgs,
      loggerId: "appinsights",
      loggerType: "applicationInsights",
      resourceId: args.appInsights.id,
      credentials: pulumi.all([args.appInsights.connectionString, args.identity.clientId]).apply(([connectionString, identityClientId]) => ({ connectionString, identityClientId })),
    }, { ...child, dependsOn: [publisher] });
    const bodies = { request: { body: { bytes: args.logBodies ? 8192 : 0 } }, response: { body: { bytes: args.logBodies ? 8192 : 0 } } };
    new apimanagement.Diagnostic(`${name}-diagnostic`, {
      ...serviceArgs,
      diagnosticId: "applicationinsights",
      loggerId: logger.id,
      metrics: true,
      alwaysLog: "allErrors",
      verbosity: "information",
      sampling: { samplingType: "fixed", percentage: 100 },
      frontend: bodies,
      backend: bodies,
    }, child);

    const clientIdValue = new apimanagement.NamedValue(`${name}-identity-client-id`, {
      ...serviceArgs,
      namedValueId: IDENTITY_CLIENT_ID_VALUE,
      displayName: IDENTITY_CLIENT_ID_VALUE,
      value: args.identity.clientId,
    }, child);

    const backends = args.targets.map(
      (t) =>
        new apimanagement.Backend(`${name}-${backendId(t)}`, {
          ...serviceArgs,
          backendId: backendId(t),
          type: "Single",
          protocol: "http",
          url: t.url,
          circuitBreaker: circuitBreaker(t.kind, args.maxTripDuration ?? DEFAULT_MAX_TRIP),
        }, child),
    );
    const byId = new Map(args.targets.map((t, i) => [backendId(t), backends[i]!]));
    const pools = poolSpecs(args.targets).map(
      (pool) =>
        new apimanagement.Backend(`${name}-${pool.id}`, {
          ...serviceArgs,
          backendId: pool.id,
          type: "Pool",
          pool: { services: pool.members.map((m) => ({ id: byId.get(m.backendId)!.id, priority: m.priority })) },
        }, child),
    );

    const api = new apimanagement.Api(`${name}-openai`, {
      ...serviceArgs,
      apiId: "openai",
      displayName: "Azure OpenAI",
      path: "openai",
      protocols: ["https"],
      subscriptionRequired: false,
    }, child);
    const operations = [
      ["chat-completions", "chat/completions"],
      ["completions", "completions"],
      ["embeddings", "embeddings"],
    ].map(
      ([id, path]) =>
        new apimanagement.ApiOperation(`${name}-op-${id}`, {
          ...serviceArgs,
          apiId: api.name,
          operationId: id!,
          displayName: id!,
          method: "POST",
          // The api-version query string passes through to the backend as the client sent it.
          urlTemplate: `/deployments/{deployment-id}/${path}`,
          templateParameters: [{ name: "deployment-id", type: "string", required: true }],
        }, child),
    );
    this.apiPolicyXml = renderPolicy(
      apiPolicy({ shape: "azure-openai", ...args.callers, identityClientId: `{{${IDENTITY_CLIENT_ID_VALUE}}}`, endpoints: endpointRoutes(args.models) }),
    );
    new apimanagement.ApiPolicy(`${name}-openai-policy`, {
      ...serviceArgs,
      apiId: api.name,
      policyId: "policy",
      format: "rawxml",
      value: this.apiPolicyXml,
    }, { ...child, dependsOn: [clientIdValue, ...pools, ...operations] });

    this.serviceId = service.id;
    this.gatewayUrl = service.gatewayUrl;
    this.registerOutputs({ serviceId: this.serviceId, gatewayUrl: this.gatewayUrl });
  }
}

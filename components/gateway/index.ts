import * as pulumi from "@pulumi/pulumi";
import { globallyUniqueName } from "../core/globalName";
import * as apimanagement from "@pulumi/azure-native/apimanagement";
import * as privatedns from "@pulumi/azure-native/privatedns";
import * as resources from "@pulumi/azure-native/resources";
import { resourceName, type NamingContext } from "../core/naming";
import { grantRole } from "../identity";
import { sendDiagnostics } from "../core/diagnostics";
import * as random from "@pulumi/random";
import {
  COGNITIVE_SERVICES_RESOURCE,
  GATEWAY_API_IDS,
  apiPolicy,
  chatCachePolicy,
  operationTemplates,
  type ApiPolicySpec,
  type CachePolicySpec,
  type TeamRoute,
} from "./apiPolicy";
import { backendId, circuitBreaker, poolSpecs, type TargetRef } from "./backends";
import { renderPolicy } from "./policyXml";
import { endpointRoutes, type EndpointSlots } from "./routes";
import type { SafetyRoute } from "../safety/config";
import { LANGUAGE_ENDPOINT_VALUE } from "../safety/pii";
import { GATEWAY_TIERS, type GatewaySku } from "./tiers";
import { AZURE_MONITOR_DIAGNOSTIC, LLM_LOGS_API_VERSION, llmLogDiagnostic } from "./logs";

export * from "./apiPolicy";
export * from "./backends";
export * from "./logs";
export * from "./policyXml";
export * from "./routes";
export * from "./tiers";

/** Gateway settings that turn weak TLS off, towards clients and backends. */
export const TLS_HARDENING: Readonly<Record<string, string>> = Object.fromEntries(
  [
    "Protocols.Tls10",
    "Protocols.Tls11",
    "Protocols.Ssl30",
    "Backend.Protocols.Tls10",
    "Backend.Protocols.Tls11",
    "Backend.Protocols.Ssl30",
    "Ciphers.TripleDes168",
  ].map((s) => [`Microsoft.WindowsAzure.ApiManagement.Gateway.Security.${s}`, "False"]),
);

/** The named value the API policy reads the gateway identity's client id from. */
export const IDENTITY_CLIENT_ID_VALUE = "gateway-identity-client-id";

/** The named value holding the external cache's connection string (a secret). */
export const CACHE_CONNECTION_VALUE = "semantic-cache-connection";

/** The backend the gateway's content checks call: the stack's Azure AI Content Safety resource. */
export const CONTENT_SAFETY_BACKEND = "be-content-safety";

/**
 * The API version of the content-safety backend. Its managed-identity credentials (`credentials.managedIdentity`,
 * which `llm-content-safety` requires) are in no published API Management schema, so @pulumi/azure-native's
 * Backend cannot set them; ARM accepts them on this version, as Microsoft's AI gateway content-safety lab
 * deploys them (Azure-Samples/AI-Gateway labs/content-safety/main.bicep). The backend is therefore a generic
 * ARM resource.
 */
export const CONTENT_SAFETY_BACKEND_API_VERSION = "2024-06-01-preview";

/** The backend the semantic cache computes prompt embeddings with. */
export const CACHE_EMBEDDINGS_BACKEND = "be-semantic-cache-embeddings";

export interface GatewayTarget extends TargetRef {
  /** The backend's runtime URL, pinned to the target's deployment: `https://<account>.../openai/deployments/<name>`. */
  readonly url: pulumi.Input<string>;
}

/** A consuming team: its Entra ID applications, endpoints and budget, and whether it gets keys. */
export interface GatewayTeam extends TeamRoute {
  readonly subscriptionKeys: boolean;
}

export interface GatewaySemanticCache extends Omit<CachePolicySpec, "embeddingsBackendId"> {
  /** The embeddings deployment's URL (`.../openai/deployments/<name>/embeddings`). */
  readonly embeddingsUrl: pulumi.Input<string>;
  /** Accounts the service's system identity calls for embeddings, by account key (it gets OpenAI User on each). */
  readonly embeddingsAccounts: Readonly<Record<string, pulumi.Input<string>>>;
  /** The Redis database: its id, host and access key (a secret). */
  readonly redis: {
    readonly databaseId: pulumi.Input<string>;
    readonly hostName: pulumi.Input<string>;
    readonly primaryKey: pulumi.Input<string>;
  };
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
  readonly identity: {
    readonly id: pulumi.Input<string>;
    readonly clientId: pulumi.Input<string>;
    readonly principalId: pulumi.Input<string>;
  };
  /** Application Insights (local auth off): the logger writes to it with the gateway identity. */
  readonly appInsights: { readonly id: pulumi.Input<string>; readonly connectionString: pulumi.Input<string> };
  /** The platform's Log Analytics workspace: the service's gateway logs and metrics go there. */
  readonly workspaceId: pulumi.Input<string>;
  /** The subnet the gateway joins when the stack has a network. */
  readonly subnetId?: pulumi.Input<string>;
  /** The network's azure-api.net private zone (its id): an internal gateway's host names get their A records there. */
  readonly privateDnsZoneId?: pulumi.Input<string>;
  readonly models: Readonly<Record<string, EndpointSlots>>;
  readonly targets: readonly GatewayTarget[];
  readonly tenantId: string;
  readonly audiences: readonly string[];
  readonly teams: readonly GatewayTeam[];
  /** The longest a backend stays tripped (ISO 8601 duration), and the same in seconds for Retry-After. */
  readonly maxTripDuration: string;
  readonly retryAfterSeconds: number;
  /** Log prompts and completions in the LLM log: an explicit opt-in the pack reports. */
  readonly logBodies: boolean;
  /** With logBodies: the most bytes of each prompt and completion logged. */
  readonly logBodyBytes: number;
  /** Share of calls (percent) Application Insights keeps the trace of (failed and throttled ones always). */
  readonly traceSamplingPercent: number;
  readonly semanticCache?: GatewaySemanticCache;
  /** The content checks: the Azure AI Content Safety account and the routes it checks. */
  readonly contentSafety?: GatewayContentSafety;
  /** The PII checks: the Azure AI Language account's endpoint and the endpoints checked, by mode. */
  readonly pii?: {
    readonly languageEndpoint: pulumi.Input<string>;
    readonly routes: NonNullable<ApiPolicySpec["pii"]>;
  };
  readonly protect: boolean;
}

export interface GatewayContentSafety {
  readonly accountId: pulumi.Input<string>;
  /** The account's endpoint (`https://<subdomain>.cognitiveservices.azure.com/`). */
  readonly endpoint: pulumi.Input<string>;
  readonly routes: readonly SafetyRoute[];
}

/** The host names internal mode serves, relative to azure-api.net: gateway, portals, management and Git. */
export const INTERNAL_HOST_LABELS = ["", "portal", "developer", "management", "scm"] as const;

/**
 * A records for an internal gateway's host names in the network's azure-api.net zone (made here or named
 * by id for a central zone), all pointing to its private address: internal mode answers only on these names.
 */
function internalHostRecords(
  name: string,
  service: apimanagement.ApiManagementService,
  zoneId: pulumi.Input<string>,
  opts: pulumi.CustomResourceOptions,
): void {
  const zone = pulumi.output(zoneId).apply((id) => {
    const match = /\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Network\/privateDnsZones\/([^/]+)$/i.exec(id);
    if (!match) throw new Error(`${id} is not the id of a private DNS zone`);
    return { resourceGroupName: match[1]!, privateZoneName: match[2]! };
  });
  const address = service.privateIPAddresses.apply((ips) => ips?.[0] ?? "");
  for (const label of INTERNAL_HOST_LABELS) {
    new privatedns.PrivateRecordSet(
      `${name}-dns${label ? `-${label}` : ""}`,
      {
        resourceGroupName: zone.resourceGroupName,
        privateZoneName: zone.privateZoneName,
        recordType: "A",
        relativeRecordSetName: pulumi.interpolate`${service.name}${label ? `.${label}` : ""}`,
        ttl: 300,
        aRecords: [{ ipv4Address: address }],
      },
      opts,
    );
  }
}

/**
 * API Management as the AI gateway: the service (TLS hardened, the platform identity attached), a
 * logger and diagnostic to Application Insights with managed-identity credentials, one backend per
 * target with a circuit breaker, one pool per endpoint slot, the model API in both URL shapes with its
 * policy, a product and keys for each team that opts in, and the semantic cache when configured.
 * The service waits for nothing but the resource group and identity; only the children that need
 * the accounts or the cache wait for them.
 */
export class Gateway extends pulumi.ComponentResource {
  readonly serviceId: pulumi.Output<string>;
  readonly gatewayUrl: pulumi.Output<string>;
  /** Subscription keys of the teams that opted in (secret outputs). */
  readonly subscriptionKeys: Readonly<Record<string, pulumi.Output<string>>>;

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

    const service = new apimanagement.ApiManagementService(
      `${name}-service`,
      {
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
      },
      { parent: this, protect: args.protect },
    );
    const child = { parent: this };
    const serviceArgs = { resourceGroupName: args.resourceGroupName, serviceName: service.name };
    if (network.virtualNetworkType === "Internal") {
      if (!args.privateDnsZoneId)
        throw new Error(
          "an internal gateway needs the network's azure-api.net zone: nobody could resolve its host names",
        );
      internalHostRecords(name, service, args.privateDnsZoneId, child);
    }
    sendDiagnostics(
      `${name}-diagnostics`,
      { resourceUri: service.id, workspaceId: args.workspaceId, logs: true, metrics: true, dedicatedTables: true },
      child,
    );

    // App Insights accepts the gateway's telemetry only with an Entra token from its identity.
    const publisher = grantRole(
      `${name}-metrics-publisher`,
      {
        subscriptionId: args.subscriptionId,
        scope: args.appInsights.id,
        principalId: args.identity.principalId,
        role: "monitoringMetricsPublisher",
      },
      child,
    );
    const logger = new apimanagement.Logger(
      `${name}-logger`,
      {
        ...serviceArgs,
        loggerId: "appinsights",
        loggerType: "applicationInsights",
        resourceId: args.appInsights.id,
        credentials: pulumi
          .all([args.appInsights.connectionString, args.identity.clientId])
          .apply(([connectionString, identityClientId]) => ({ connectionString, identityClientId })),
      },
      { ...child, dependsOn: [publisher] },
    );
    // Application Insights gets metrics and traces, never bodies: prompts and completions go, where the stack
    // opts in, to the LLM log in Log Analytics (each API's azuremonitor diagnostic), which keeps streaming.
    const bodies = { request: { body: { bytes: 0 } }, response: { body: { bytes: 0 } } };
    // Resource logs (the gateway log, the LLM log) go through the service's built-in Azure Monitor logger to the
    // diagnostic setting above: it exists with the service, so it is referenced, never created (a create would
    // find it there and fail).
    const azureMonitorLoggerId = pulumi.interpolate`${service.id}/loggers/${AZURE_MONITOR_DIAGNOSTIC}`;
    new apimanagement.Diagnostic(
      `${name}-diagnostic`,
      {
        ...serviceArgs,
        diagnosticId: "applicationinsights",
        loggerId: logger.id,
        metrics: true,
        // Traces follow W3C trace context: a client's traceparent is continued, and every backend call
        // carries it on, so one request is followed from the client through the gateway to its backend.
        httpCorrelationProtocol: "W3C",
        // Sampling keeps a share of traces; every failed call (4xx, a 429 included, and 5xx) is kept whatever the share.
        alwaysLog: "allErrors",
        verbosity: "information",
        sampling: { samplingType: "fixed", percentage: args.traceSamplingPercent },
        frontend: bodies,
        backend: bodies,
      },
      child,
    );

    const clientIdValue = new apimanagement.NamedValue(
      `${name}-identity-client-id`,
      {
        ...serviceArgs,
        namedValueId: IDENTITY_CLIENT_ID_VALUE,
        displayName: IDENTITY_CLIENT_ID_VALUE,
        value: args.identity.clientId,
      },
      child,
    );

    const backends = args.targets.map(
      (t) =>
        new apimanagement.Backend(
          `${name}-${backendId(t)}`,
          {
            ...serviceArgs,
            backendId: backendId(t),
            type: "Single",
            protocol: "http",
            url: t.url,
            circuitBreaker: circuitBreaker(t.kind, args.maxTripDuration),
          },
          child,
        ),
    );
    const byId = new Map(args.targets.map((t, i) => [backendId(t), backends[i]!]));
    const pools = poolSpecs(args.targets).map(
      (pool) =>
        new apimanagement.Backend(
          `${name}-${pool.id}`,
          {
            ...serviceArgs,
            backendId: pool.id,
            type: "Pool",
            pool: { services: pool.members.map((m) => ({ id: byId.get(m.backendId)!.id, priority: m.priority })) },
          },
          child,
        ),
    );

    const cache =
      args.semanticCache &&
      this.semanticCache(name, service, serviceArgs, args.semanticCache, args.subscriptionId, args.maxTripDuration);
    const safety =
      args.contentSafety && this.contentSafety(name, service, serviceArgs, args.contentSafety, args.subscriptionId);
    // The PII checks call Azure AI Language at the endpoint this named value holds.
    const languageValue =
      args.pii &&
      new apimanagement.NamedValue(
        `${name}-language-endpoint`,
        {
          ...serviceArgs,
          namedValueId: LANGUAGE_ENDPOINT_VALUE,
          displayName: LANGUAGE_ENDPOINT_VALUE,
          value: args.pii.languageEndpoint,
        },
        child,
      );
    const endpoints = endpointRoutes(args.models);
    const keyed = args.teams.filter((t) => t.subscriptionKeys);
    const apis = (["entra-id", ...(keyed.length > 0 ? ["subscription-key" as const] : [])] as const).map((auth) => {
      const apiName = GATEWAY_API_IDS[auth];
      const api = new apimanagement.Api(
        `${name}-${apiName}`,
        {
          ...serviceArgs,
          apiId: apiName,
          displayName: auth === "entra-id" ? "Models (Entra ID)" : "Models (subscription keys)",
          // Both keep the `openai` segment, so SDKs append their usual paths: the keyed one lives under /keys.
          path: auth === "entra-id" ? "openai" : "keys/openai",
          protocols: ["https"],
          subscriptionRequired: auth === "subscription-key",
          // The Azure OpenAI SDKs send their key as `api-key`: the keyed API reads the product key there.
          ...(auth === "subscription-key"
            ? { subscriptionKeyParameterNames: { header: "api-key", query: "api-key" } }
            : {}),
        },
        child,
      );
      const operations = operationTemplates().map((op) => ({
        id: op.id,
        resource: new apimanagement.ApiOperation(
          `${name}-${apiName}-op-${op.id}`,
          {
            ...serviceArgs,
            apiId: api.name,
            operationId: op.id,
            displayName: op.id,
            method: "POST",
            // The api-version query string passes through to the backend as the client sent it.
            urlTemplate: op.urlTemplate,
            ...(op.shape === "azure-openai"
              ? { templateParameters: [{ name: "deployment-id", type: "string", required: true }] }
              : {}),
          },
          child,
        ),
      }));
      const xml = renderPolicy(
        apiPolicy({
          auth,
          tenantId: args.tenantId,
          audiences: args.audiences,
          teams: auth === "entra-id" ? args.teams : keyed,
          identityClientId: `{{${IDENTITY_CLIENT_ID_VALUE}}}`,
          endpoints,
          retryAfterSeconds: args.retryAfterSeconds,
          ...(safety ? { contentSafety: { backendId: CONTENT_SAFETY_BACKEND, routes: safety.routes } } : {}),
          ...(args.pii ? { pii: args.pii.routes } : {}),
        }),
      );
      new apimanagement.ApiPolicy(
        `${name}-${apiName}-policy`,
        {
          ...serviceArgs,
          apiId: api.name,
          policyId: "policy",
          format: "rawxml",
          value: xml,
        },
        {
          ...child,
          dependsOn: [
            clientIdValue,
            ...pools,
            ...operations.map((o) => o.resource),
            ...(safety?.dependsOn ?? []),
            ...(languageValue ? [languageValue] : []),
          ],
        },
      );
      // The audit trail: token counts of every call in the LLM log, prompts and completions only by opt-in.
      new resources.Resource(
        `${name}-${apiName}-llm-logs`,
        {
          resourceGroupName: args.resourceGroupName,
          resourceProviderNamespace: "Microsoft.ApiManagement",
          parentResourcePath: pulumi.interpolate`service/${service.name}/apis/${api.name}`,
          resourceType: "diagnostics",
          resourceName: AZURE_MONITOR_DIAGNOSTIC,
          apiVersion: LLM_LOGS_API_VERSION,
          properties: llmLogDiagnostic({
            loggerId: azureMonitorLoggerId,
            logMessages: args.logBodies,
            maxMessageBytes: args.logBodyBytes,
          }),
        },
        child,
      );
      if (cache) {
        const cacheXml = renderPolicy(
          chatCachePolicy({ ...cache.spec, embeddingsBackendId: CACHE_EMBEDDINGS_BACKEND }),
        );
        for (const op of operations.filter((o) => o.id.endsWith("chat-completions"))) {
          new apimanagement.ApiOperationPolicy(
            `${name}-${apiName}-${op.id}-cache`,
            {
              ...serviceArgs,
              apiId: api.name,
              operationId: op.resource.name,
              policyId: "policy",
              format: "rawxml",
              value: cacheXml,
            },
            { ...child, dependsOn: cache.dependsOn },
          );
        }
      }
      return api;
    });

    // Teams that opted in to keys: a product each, on the keyed API, with one subscription whose keys are secret outputs.
    const subscriptionKeys: Record<string, pulumi.Output<string>> = {};
    for (const team of keyed) {
      const product = new apimanagement.Product(
        `${name}-product-${team.name}`,
        {
          ...serviceArgs,
          productId: team.name,
          displayName: team.name,
          description: `Team ${team.name}: ${team.endpoints.join(", ")}; ${team.tokensPerMinute} tokens per minute${team.monthlyTokenQuota ? `, ${team.monthlyTokenQuota} per month` : ""}`,
          subscriptionRequired: true,
          approvalRequired: true,
          subscriptionsLimit: 1,
          state: "published",
        },
        child,
      );
      new apimanagement.ProductApi(
        `${name}-product-${team.name}-api`,
        { ...serviceArgs, productId: product.name, apiId: apis[1]!.name },
        child,
      );
      const keys = (["primary", "secondary"] as const).map((which) =>
        pulumi.secret(
          new random.RandomPassword(`${name}-key-${team.name}-${which}`, { length: 48, special: false }, child).result,
        ),
      );
      new apimanagement.Subscription(
        `${name}-subscription-${team.name}`,
        {
          ...serviceArgs,
          sid: team.name,
          displayName: team.name,
          scope: pulumi.interpolate`/products/${product.name}`,
          primaryKey: keys[0]!,
          secondaryKey: keys[1]!,
          state: "active",
        },
        child,
      );
      subscriptionKeys[team.name] = keys[0]!;
    }

    this.subscriptionKeys = subscriptionKeys;
    this.serviceId = service.id;
    this.gatewayUrl = service.gatewayUrl;
    this.registerOutputs({ serviceId: this.serviceId, gatewayUrl: this.gatewayUrl });
  }

  /**
   * The content checks' backend: the Content Safety endpoint, called with the service's system identity
   * (audience https://cognitiveservices.azure.com), which gets Cognitive Services User on that account only.
   */
  private contentSafety(
    name: string,
    service: apimanagement.ApiManagementService,
    serviceArgs: { resourceGroupName: pulumi.Input<string>; serviceName: pulumi.Input<string> },
    safety: GatewayContentSafety,
    subscriptionId: string,
  ) {
    const child = { parent: this };
    const grant = grantRole(
      `${name}-system-content-safety-user`,
      {
        subscriptionId,
        scope: safety.accountId,
        principalId: service.identity.apply((id) => id?.principalId ?? ""),
        role: "cognitiveServicesUser",
      },
      child,
    );
    const backend = new resources.Resource(
      `${name}-${CONTENT_SAFETY_BACKEND}`,
      {
        resourceGroupName: serviceArgs.resourceGroupName,
        resourceProviderNamespace: "Microsoft.ApiManagement",
        parentResourcePath: pulumi.interpolate`service/${serviceArgs.serviceName}`,
        resourceType: "backends",
        resourceName: CONTENT_SAFETY_BACKEND,
        apiVersion: CONTENT_SAFETY_BACKEND_API_VERSION,
        properties: {
          url: pulumi.output(safety.endpoint).apply((e) => e.replace(/\/$/, "")),
          protocol: "http",
          credentials: { managedIdentity: { resource: COGNITIVE_SERVICES_RESOURCE } },
        },
      },
      { ...child, dependsOn: [grant] },
    );
    return { routes: safety.routes, dependsOn: [backend] };
  }

  /**
   * The semantic cache's parts: the external cache (Redis, its connection string a secret named value),
   * the embeddings backend, and OpenAI User for the service's own identity where it computes embeddings.
   */
  private semanticCache(
    name: string,
    service: apimanagement.ApiManagementService,
    serviceArgs: { resourceGroupName: pulumi.Input<string>; serviceName: pulumi.Input<string> },
    cache: GatewaySemanticCache,
    subscriptionId: string,
    maxTripDuration: string,
  ) {
    const child = { parent: this };
    const connection = new apimanagement.NamedValue(
      `${name}-cache-connection`,
      {
        ...serviceArgs,
        namedValueId: CACHE_CONNECTION_VALUE,
        displayName: CACHE_CONNECTION_VALUE,
        secret: true,
        value: pulumi.secret(
          pulumi.interpolate`${cache.redis.hostName}:10000,password=${cache.redis.primaryKey},ssl=True,abortConnect=False`,
        ),
      },
      child,
    );
    const external = new apimanagement.Cache(
      `${name}-cache`,
      {
        ...serviceArgs,
        cacheId: "default",
        useFromLocation: "default",
        connectionString: `{{${CACHE_CONNECTION_VALUE}}}`,
        resourceId: pulumi.interpolate`https://management.azure.com${cache.redis.databaseId}`,
      },
      { ...child, dependsOn: [connection] },
    );
    const embeddings = new apimanagement.Backend(
      `${name}-${CACHE_EMBEDDINGS_BACKEND}`,
      {
        ...serviceArgs,
        backendId: CACHE_EMBEDDINGS_BACKEND,
        type: "Single",
        protocol: "http",
        url: cache.embeddingsUrl,
        circuitBreaker: circuitBreaker("azure-openai", maxTripDuration),
      },
      child,
    );
    const grants = Object.entries(cache.embeddingsAccounts).map(([accountKey, scope]) =>
      grantRole(
        `${name}-system-openai-user-${accountKey}`,
        {
          subscriptionId,
          scope,
          principalId: service.identity.apply((id) => id?.principalId ?? ""),
          role: "cognitiveServicesOpenAiUser",
        },
        child,
      ),
    );
    return {
      spec: {
        scoreThreshold: cache.scoreThreshold,
        ttlSeconds: cache.ttlSeconds,
        callsPerMinute: cache.callsPerMinute,
      },
      dependsOn: [external, embeddings, ...grants],
    };
  }
}

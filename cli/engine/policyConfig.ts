import { readFileSync } from "node:fs";
import { join } from "node:path";
import { PTU_DEPLOYMENT_TYPES, PTU_MODELS, isPtuType, ptuIncrement, sizePtu } from "../../components/openai";
import { KEY_AUTH_EXCEPTION } from "../../components/cache";
import { composeName } from "../../components/core/naming";
import { GATEWAY_API_IDS } from "../../components/gateway/apiPolicy";
import { VLLM_IMAGE_DIGESTS, VLLM_IMAGE_REPOSITORY } from "../../components/serving/vllmReleases";
import { NVIDIA_DEVICE_PLUGIN_DIGEST, NVIDIA_DEVICE_PLUGIN_IMAGE } from "../../components/cluster/gpuSkus";
import { OTEL_COLLECTOR } from "../../components/observability/charts";
import { namingContext, plannedDeployments, type PlatformConfig } from "../../stacks/config";
import { COLOURS } from "../../components/core/colours";

type Level = "advisory" | "mandatory" | "remediate" | "disabled";
/** Pulumi's `--policy-pack-config` format: per policy a level, or an object with `enforcementLevel` and the policy's own settings. */
export type PolicyPackConfig = Record<string, Level | ({ enforcementLevel?: Level } & Record<string, unknown>)>;

/** The facts rules need that resources do not show, keyed by the policy that reads them. */
export function policyFacts(config: PlatformConfig): Record<string, Record<string, unknown>> {
  const requirements = Object.entries(config.models).flatMap(([endpoint, e]) =>
    COLOURS.flatMap((slot) => {
      const s = e.slots[slot];
      const ptuTarget = s?.targets.find((t) => t.kind === "azure-openai" && isPtuType(t.deploymentType));
      if (!s?.workload || !ptuTarget || ptuTarget.kind !== "azure-openai" || !isPtuType(ptuTarget.deploymentType))
        return [];
      const sizing = sizePtu(ptuTarget.model, ptuTarget.deploymentType, s.workload);
      return sizing ? [{ endpoint, slot, requiredPtu: sizing.requiredPtu }] : [];
    }),
  );
  const usedPtuModels = new Set(
    plannedDeployments(config)
      .filter((d) => d.ptu)
      .map((d) => d.model),
  );
  // Where the stack's resources live: an id elsewhere names another resource, whatever its name.
  const stackScope = {
    subscriptionId: config.subscriptionId,
    resourceGroup: composeName("resourceGroup", namingContext(config)),
  };
  return {
    "security-network-private-endpoint": { stackScope },
    "observability-azure-diagnostics-to-workspace": { stackScope },
    "cost-openai-paygo-within-quota": {
      quota: config.quota
        .filter((q) => !isPtuType(q.deploymentType))
        .map(({ region, model, deploymentType, limit, usedElsewhere }) => ({
          region,
          model,
          deploymentType,
          limit,
          usedElsewhere,
        })),
    },
    "cost-openai-ptu-within-cap": {
      ptuCap: config.ptuCap,
      ptuQuota: config.quota
        .filter((q) => isPtuType(q.deploymentType))
        .map(({ region, deploymentType, limit, usedElsewhere }) => ({ region, deploymentType, limit, usedElsewhere })),
    },
    "capacity-openai-ptu-sized": {
      ptuIncrements: Object.keys(PTU_MODELS)
        .filter((model) => usedPtuModels.has(model))
        .flatMap((model) =>
          PTU_DEPLOYMENT_TYPES.map((deploymentType) => ({
            model,
            deploymentType,
            ...ptuIncrement(model, deploymentType)!,
          })),
        ),
      ptuRequirements: requirements,
    },
    "security-redis-key-auth-exception": {
      exceptions: config.cache?.accessKeysForGateway
        ? [
            {
              cluster: composeName("redisCluster", namingContext(config)),
              database: KEY_AUTH_EXCEPTION.database,
              reason: KEY_AUTH_EXCEPTION.reason,
            },
          ]
        : [],
    },
    // Logging prompts and completions is the stack's explicit opt-in: reported, as advisory, not refused.
    ...(config.gateway?.logBodies
      ? { "observability-apim-diagnostics-no-bodies": { enforcementLevel: "advisory" as const, logBodies: true } }
      : {}),
    // The keyed API exists only for teams that opted in to subscription keys: only it may rely on them.
    ...Object.fromEntries(
      ["security-apim-caller-authenticated", "security-apim-api-hardened"].map((rule) => [
        rule,
        {
          keyedApis: Object.values(config.gateway?.teams ?? {}).some((t) => t.subscriptionKeys)
            ? [GATEWAY_API_IDS["subscription-key"]]
            : [],
        },
      ]),
    ),
    // A public prod gateway is the stack's explicit opt-out: reported, as advisory, on every run.
    ...(config.gateway?.allowPublicAccess
      ? { "security-apim-gateway-private": { enforcementLevel: "advisory" as const, publicAccessAccepted: true } }
      : {}),
    // The sourced digests of the dated image tables: an image whose tag has one must run pinned to it.
    "security-k8s-image-digest": {
      digests: {
        [NVIDIA_DEVICE_PLUGIN_IMAGE]: NVIDIA_DEVICE_PLUGIN_DIGEST,
        [`${OTEL_COLLECTOR.image}:${OTEL_COLLECTOR.tag}`]: OTEL_COLLECTOR.digest,
        ...Object.fromEntries(
          Object.entries(VLLM_IMAGE_DIGESTS).map(([tag, digest]) => [`${VLLM_IMAGE_REPOSITORY}:${tag}`, digest]),
        ),
      },
    },
    // The only address range a NetworkPolicy may admit: the gateway's subnet (to the model servers).
    "security-k8s-network-policy": { allowedCidrs: config.network?.subnets ? [config.network.subnets.gateway] : [] },
    // Plain http from the gateway only to the self-hosted servers' internal load balancers (the nodes' subnet).
    "security-apim-backend-tls": { httpCidrs: config.network?.subnets ? [config.network.subnets.aksNodes] : [] },
    "lifecycle-endpoint-live-slot": {
      endpoints: Object.fromEntries(
        Object.entries(config.models).map(([name, e]) => [
          name,
          Object.fromEntries(
            Object.entries(e.slots)
              .filter(([, s]) => s)
              .map(([slot, s]) => [slot, s!.weight]),
          ),
        ]),
      ),
    },
  };
}

/** The environment's enforcement levels (policies/config/<environment>.json). */
export function baseEnforcement(projectDir: string, environment: string): PolicyPackConfig {
  return JSON.parse(
    readFileSync(join(projectDir, "policies", "config", `${environment}.json`), "utf8"),
  ) as PolicyPackConfig;
}

/** Base levels merged with the facts: what `pulumi preview --policy-pack-config` and `npm run check` read. */
export function buildPolicyConfig(
  base: PolicyPackConfig,
  facts: Record<string, Record<string, unknown>>,
): PolicyPackConfig {
  const merged: PolicyPackConfig = { ...base };
  for (const [policy, settings] of Object.entries(facts)) {
    const existing = merged[policy];
    const level = typeof existing === "string" ? existing : existing?.enforcementLevel;
    merged[policy] = {
      ...(typeof existing === "object" ? existing : {}),
      ...(level ? { enforcementLevel: level } : {}),
      ...settings,
    };
  }
  return merged;
}

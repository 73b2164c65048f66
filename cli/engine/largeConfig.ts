import { stringify } from "yaml";

const REGIONS = [
  "swedencentral",
  "eastus2",
  "westus3",
  "francecentral",
  "uksouth",
  "japaneast",
  "australiaeast",
  "canadaeast",
  "norwayeast",
  "switzerlandnorth",
];
// Versions live on 2026-11-27 with PTU figures (see components/openai/lifecycle.ts and models.ts).
const MODELS: [string, string][] = [
  ["gpt-5.1", "2025-11-13"],
  ["gpt-5", "2025-08-07"],
  ["gpt-5-mini", "2025-08-07"],
];

/**
 * A stack file of `regions` accounts x `endpoints` model endpoints: each endpoint's blue slot has a
 * PTU deployment in the first region and a GlobalStandard deployment in every region. For benchmarks
 * and scale tests.
 */
export function largeStackFile(regions = 10, endpoints = 10): string {
  const accounts = Object.fromEntries(REGIONS.slice(0, regions).map((location, i) => [`r${i}`, { location }]));
  const models: Record<string, unknown> = {};
  const quota: unknown[] = [
    { region: REGIONS[0], deploymentType: "GlobalProvisionedManaged", limit: 15 * endpoints, usedElsewhere: 0 },
  ];
  for (let e = 0; e < endpoints; e++) {
    const [model, version] = MODELS[e % MODELS.length]!;
    models[`endpoint${e}`] = {
      slots: {
        blue: {
          weight: 100,
          workload: { peakInputTpm: 20000, peakOutputTpm: 2000, cacheHitRate: 0.1 },
          targets: [
            {
              kind: "azure-openai",
              account: "r0",
              model,
              version,
              deploymentType: "GlobalProvisionedManaged",
              capacity: 15,
              priority: 1,
            },
            ...Object.keys(accounts).map((account) => ({
              kind: "azure-openai",
              account,
              model,
              version,
              deploymentType: "GlobalStandard",
              capacity: 10000,
              priority: 2,
            })),
          ],
        },
      },
    };
  }
  for (const region of REGIONS.slice(0, regions)) {
    for (const [model] of MODELS.slice(0, endpoints))
      quota.push({ region, model, deploymentType: "GlobalStandard", limit: 1_000_000, usedElsewhere: 0 });
  }
  const config = {
    "genai-platform:environment": "prod",
    "genai-platform:subscriptionId": "00000000-0000-4000-8000-000000000000",
    "genai-platform:location": REGIONS[0],
    "genai-platform:namePrefix": "large",
    "genai-platform:tags": { owner: "bench@contoso.com", costCenter: "CC-0001" },
    "genai-platform:ptuCap": 15 * endpoints,
    "genai-platform:network": {
      addressSpace: "10.50.0.0/16",
      subnets: { gateway: "10.50.0.0/27", privateEndpoints: "10.50.1.0/24", aksNodes: "10.50.16.0/20" },
    },
    "genai-platform:cache": { sku: "Balanced_B5", accessKeysForGateway: true },
    "genai-platform:budget": { monthlyAmount: 500000, startDate: "2026-12-01", contactEmails: ["bench@contoso.com"] },
    "genai-platform:alerts": { emails: ["bench@contoso.com"] },
    "genai-platform:gateway": {
      sku: "Premium",
      publisher: { name: "Bench", email: "bench@contoso.com" },
      tenantId: "00000000-0000-4000-8000-00000000000a",
      audiences: ["api://genai-gateway", "00000000-0000-4000-8000-00000000000c"],
      teams: {
        bench: {
          applications: ["00000000-0000-4000-8000-00000000000b"],
          endpoints: Object.keys(models),
          tokensPerMinute: 100000,
        },
      },
    },
    "genai-platform:accounts": accounts,
    "genai-platform:quota": quota,
    "genai-platform:models": models,
  };
  return stringify({ config }, { aliasDuplicateObjects: false });
}

/** The prod policy config with the large config's regions and models allowed (`npm run plan -- --policy-config`). */
export function largePolicyConfig(regions = 10): Record<string, unknown> {
  return {
    all: "mandatory",
    "governance-azure-allowed-regions": { regions: REGIONS.slice(0, regions) },
    "governance-openai-allowed-models": { models: [...new Set(MODELS.map(([model]) => model))] },
  };
}

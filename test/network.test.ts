import { describe, expect, it } from "vitest";
import { addressPlanIssues, parseRange } from "../components/network/addressPlan";
import { accountDnsZones } from "../components/network/dnsZones";
import { parsePlatformConfig } from "../stacks/config";
import { rawConfig, withoutSelfHosted } from "./configHelpers";

const good = {
  addressSpace: "10.40.0.0/16",
  subnets: { gateway: "10.40.0.0/27", privateEndpoints: "10.40.1.0/26", aksNodes: "10.40.16.0/20" },
};

describe("address plan", () => {
  it("accepts the prod plan", () => expect(addressPlanIssues(good)).toEqual([]));

  it.each([
    [
      "a subnet outside the VNet",
      { ...good, subnets: { ...good.subnets, aksNodes: "10.41.0.0/20" } },
      "network.subnets.aksNodes: 10.41.0.0/20 is outside the address space 10.40.0.0/16",
    ],
    [
      "overlapping subnets",
      { ...good, subnets: { ...good.subnets, privateEndpoints: "10.40.0.16/28" } },
      "network.subnets.privateEndpoints: 10.40.0.16/28 overlaps gateway (10.40.0.0/27)",
    ],
    [
      "a gateway subnet too small",
      { ...good, subnets: { ...good.subnets, gateway: "10.40.0.0/28" } },
      "network.subnets.gateway: 10.40.0.0/28 has 11 usable addresses: API Management VNet integration needs at least a /27 (/27 or larger)",
    ],
    [
      "an AKS subnet too small",
      { ...good, subnets: { ...good.subnets, aksNodes: "10.40.16.0/26" } },
      "network.subnets.aksNodes: 10.40.16.0/26 has 59 usable addresses: AKS nodes take one address each (Azure CNI Overlay); a /24 holds 251 nodes (/24 or larger)",
    ],
    [
      "a range off its boundary",
      { ...good, addressSpace: "10.40.3.0/16" },
      'network.addressSpace: "10.40.3.0/16" is not on a /16 boundary: use 10.40.0.0/16',
    ],
    [
      "not a CIDR",
      { ...good, subnets: { ...good.subnets, gateway: "10.40.0.0" } },
      'network.subnets.gateway: "10.40.0.0" is not a CIDR range such as 10.40.0.0/16',
    ],
    [
      "IPv6",
      { ...good, addressSpace: "fd00::/48" },
      'network.addressSpace: "fd00::/48" is IPv6; the address plan is IPv4',
    ],
  ] as const)("refuses %s", (_case, plan, message) => {
    expect(addressPlanIssues(plan).map((i) => `${i.path}: ${i.message}`)).toContain(message);
  });

  it("parses ranges to first and last address", () => {
    expect(parseRange("10.0.0.0/30")).toEqual({ first: 167772160, last: 167772163, prefix: 30 });
  });
});

describe("network config", () => {
  const issues = (mutate: (raw: Record<string, any>) => void) => {
    const raw = withoutSelfHosted(rawConfig("prod"));
    mutate(raw);
    const result = parsePlatformConfig(raw);
    return result.ok ? [] : result.issues.map((i) => `${i.path}: ${i.message}`);
  };

  it("reports address plan problems by key", () => {
    expect(issues((r) => (r.network.subnets.gateway = "10.40.0.0/29"))).toEqual([
      "network.subnets.gateway: 10.40.0.0/29 has 3 usable addresses: API Management VNet integration needs at least a /27 (/27 or larger)",
    ]);
  });
  it("requires private networking in prod", () => {
    expect(issues((r) => delete r.network)).toEqual([
      "network: prod needs private networking: give addressSpace + subnets, or an existing network",
    ]);
  });
  it("refuses public access together with private networking", () => {
    expect(issues((r) => (r.publicNetworkAccess = "Enabled"))).toContain(
      "publicNetworkAccess: Enabled conflicts with private networking (network is set), which turns public access off: remove publicNetworkAccess",
    );
  });
  it("takes an existing hub network and central DNS zones by id", () => {
    const id = (path: string) =>
      `/subscriptions/3f9a2b71-6c4d-4e8f-a1b2-c3d4e5f60718/resourceGroups/hub/providers/${path}`;
    expect(
      issues((r) => {
        r.network = {
          existing: {
            location: "swedencentral",
            virtualNetworkId: id("Microsoft.Network/virtualNetworks/hub"),
            subnetIds: {
              gateway: id("Microsoft.Network/virtualNetworks/hub/subnets/a"),
              privateEndpoints: id("Microsoft.Network/virtualNetworks/hub/subnets/b"),
              aksNodes: id("Microsoft.Network/virtualNetworks/hub/subnets/c"),
            },
          },
          privateDnsZoneIds: {
            openai: id("Microsoft.Network/privateDnsZones/privatelink.openai.azure.com"),
            redis: id("Microsoft.Network/privateDnsZones/privatelink.redis.azure.net"),
            apiManagement: id("Microsoft.Network/privateDnsZones/azure-api.net"),
          },
        };
      }),
    ).toEqual([]);
  });
  it("requires central DNS zones with an existing network", () => {
    const id = (path: string) =>
      `/subscriptions/3f9a2b71-6c4d-4e8f-a1b2-c3d4e5f60718/resourceGroups/hub/providers/${path}`;
    expect(
      issues((r) => {
        r.network = {
          existing: {
            location: "swedencentral",
            virtualNetworkId: id("Microsoft.Network/virtualNetworks/hub"),
            subnetIds: {
              gateway: id("Microsoft.Network/virtualNetworks/hub/subnets/a"),
              privateEndpoints: id("Microsoft.Network/virtualNetworks/hub/subnets/b"),
              aksNodes: id("Microsoft.Network/virtualNetworks/hub/subnets/c"),
            },
          },
        };
      }),
    ).toEqual([
      "network.privateDnsZoneIds: an existing network resolves through its own private DNS zones: name openai, redis, apiManagement by id (creating duplicates would break its DNS)",
    ]);
  });
  it("refuses access keys on a cache reachable from the internet", () => {
    const raw = rawConfig("dev");
    delete raw.network;
    raw.publicNetworkAccess = "Enabled";
    raw.cache.accessKeysForGateway = true;
    const result = parsePlatformConfig(raw);
    expect(result.ok ? [] : result.issues.map((i) => `${i.path}: ${i.message}`)).toEqual([
      "cache.accessKeysForGateway: access keys on a cache reachable from the internet: configure network (private endpoints), or set accessKeysForGateway: false",
    ]);
  });
  it("refuses address forms that are not plain dotted quads", () => {
    expect(issues((r) => (r.network.addressSpace = "010.40.0.0/16"))).toContain(
      'network.addressSpace: "010.40.0.0/16" is not a CIDR range such as 10.40.0.0/16',
    );
  });
  it("refuses a new VNet plan and an existing network at once", () => {
    const id = (path: string) =>
      `/subscriptions/3f9a2b71-6c4d-4e8f-a1b2-c3d4e5f60718/resourceGroups/hub/providers/${path}`;
    const found = issues((r) => {
      r.network.existing = {
        location: "swedencentral",
        virtualNetworkId: id("Microsoft.Network/virtualNetworks/hub"),
        subnetIds: {
          gateway: id("Microsoft.Network/virtualNetworks/hub/subnets/a"),
          privateEndpoints: id("Microsoft.Network/virtualNetworks/hub/subnets/b"),
          aksNodes: id("Microsoft.Network/virtualNetworks/hub/subnets/c"),
        },
      };
    });
    expect(found).toContain(
      "network: give either addressSpace + subnets (a new VNet) or existing (a hub VNet), not both",
    );
  });
  it("refuses ids that are not resource ids", () => {
    const found = issues((r) => {
      r.network.existing = {
        virtualNetworkId: "hub",
        subnetIds: { gateway: "a", privateEndpoints: "b", aksNodes: "c" },
      };
    });
    expect(found).toContain(
      'network.existing.virtualNetworkId: "hub" is not the resource id of the virtual network (Microsoft.Network/virtualNetworks): /subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.Network/virtualNetworks/<name>',
    );
    expect(found).toContain(
      'network.existing.subnetIds.gateway: "a" is not the resource id of a subnet (Microsoft.Network/virtualNetworks/subnets): /subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.Network/virtualNetworks/<name>/subnets/<name>',
    );
  });
  it("needs AIServices accounts' three zones", () => {
    expect(accountDnsZones("AIServices")).toEqual(["openai", "cognitiveServices", "aiServices"]);
    expect(accountDnsZones("OpenAI")).toEqual(["openai"]);
  });
});

describe("cache config", () => {
  it("refuses SKUs that are not Azure Managed Redis", () => {
    const raw = rawConfig("prod");
    raw.cache.sku = "Enterprise_E10";
    const result = parsePlatformConfig(raw);
    const found = result.ok ? [] : result.issues.map((i) => `${i.path}: ${i.message}`);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(
      /^cache\.sku: an Azure Managed Redis SKU with RediSearch: Balanced_B0, .*MemoryOptimized_M10, .* \(got "Enterprise_E10"\)$/,
    );
    expect(found[0]).not.toContain("FlashOptimized");
  });
});

describe("the gateway subnet", () => {
  it("is delegated to Microsoft.Web/serverFarms for a v2 tier's outbound integration, and opens 3443 to API Management for injection", async () => {
    const { gatewaySubnetSettings } = await import("../components/network/gatewaySubnet");
    expect(gatewaySubnetSettings("integration")).toEqual({
      securityRules: [],
      delegations: [{ name: "apim-outbound", serviceName: "Microsoft.Web/serverFarms" }],
      defaultOutboundAccess: false,
    });
    expect(gatewaySubnetSettings("injection").securityRules).toEqual([
      expect.objectContaining({
        direction: "Inbound",
        sourceAddressPrefix: "ApiManagement",
        destinationPortRange: "3443",
      }),
    ]);
    expect(gatewaySubnetSettings("injection").defaultOutboundAccess).toBe(true);
    expect(gatewaySubnetSettings(undefined)).toEqual({
      securityRules: [],
      delegations: [],
      defaultOutboundAccess: false,
    });
  });
});

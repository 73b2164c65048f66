import * as pulumi from "@pulumi/pulumi";
import * as network from "@pulumi/azure-native/network";
import * as privatedns from "@pulumi/azure-native/privatedns";
import type * as azureTypes from "@pulumi/azure-native/types";
import { resourceName, type NamingContext } from "../core/naming";
import { SUBNET_ROLES, type AddressPlan, type SubnetRole } from "./addressPlan";

export * from "./addressPlan";
export * from "./dnsZones";
export * from "./gatewaySubnet";
import { gatewaySubnetSettings } from "./gatewaySubnet";
import { PRIVATE_DNS_ZONES, accountDnsZones, type PrivateDnsZoneKey } from "./dnsZones";

/** Enterprises bring their own hub network and centrally owned DNS zones, by resource id. */
export interface ExistingNetwork {
  /** Region of the network: private endpoints are created there. */
  readonly location: string;
  readonly virtualNetworkId: string;
  readonly subnetIds: Readonly<Record<SubnetRole, string>>;
}

export interface PrivateNetworkArgs {
  readonly naming: NamingContext;
  readonly location: string;
  readonly resourceGroupName: pulumi.Input<string>;
  readonly tags: Readonly<Record<string, string>>;
  /** Create a VNet from this plan... */
  readonly addressPlan?: AddressPlan;
  /** ...or use an existing one. */
  readonly existing?: ExistingNetwork;
  /** Zones this platform needs. */
  readonly zones: readonly PrivateDnsZoneKey[];
  /** Centrally owned zones by id; the others are created here and linked to the VNet. */
  readonly existingZoneIds: Readonly<Partial<Record<PrivateDnsZoneKey, string>>>;
  /** How the gateway uses its subnet: injected into it (Developer, Premium) or integrated for outbound calls (v2 tiers). */
  readonly gatewaySubnet?: "injection" | "integration";
}

/** The VNet, subnets with NSGs, and private DNS zones the platform's private endpoints use. */
export class PrivateNetwork extends pulumi.ComponentResource {
  readonly subnetIds: Record<SubnetRole, pulumi.Output<string>>;
  readonly zoneIds: Partial<Record<PrivateDnsZoneKey, pulumi.Output<string>>>;
  readonly virtualNetworkId: pulumi.Output<string>;

  constructor(name: string, args: PrivateNetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super("genai:network:PrivateNetwork", name, {}, opts);
    if (args.existing) {
      this.virtualNetworkId = pulumi.output(args.existing.virtualNetworkId);
      this.subnetIds = Object.fromEntries(
        SUBNET_ROLES.map((role) => [role, pulumi.output(args.existing!.subnetIds[role])]),
      ) as Record<SubnetRole, pulumi.Output<string>>;
    } else if (args.addressPlan) {
      const vnet = new network.VirtualNetwork(
        `${name}-vnet`,
        {
          virtualNetworkName: resourceName("virtualNetwork", args.naming),
          resourceGroupName: args.resourceGroupName,
          location: args.location,
          addressSpace: { addressPrefixes: [args.addressPlan.addressSpace] },
          tags: args.tags,
        },
        { parent: this, ignoreChanges: ["subnets"] },
      );
      this.virtualNetworkId = vnet.id;
      const subnetIds: Partial<Record<SubnetRole, pulumi.Output<string>>> = {};
      let previous: pulumi.Resource = vnet;
      const gateway = gatewaySubnetSettings(args.gatewaySubnet);
      for (const role of SUBNET_ROLES) {
        const nsg = new network.NetworkSecurityGroup(
          `${name}-nsg-${role}`,
          {
            networkSecurityGroupName: resourceName("networkSecurityGroup", args.naming, role.toLowerCase()),
            resourceGroupName: args.resourceGroupName,
            location: args.location,
            ...(role === "gateway" && gateway.securityRules.length > 0 ? { securityRules: gateway.securityRules } : {}),
            tags: args.tags,
          },
          { parent: this },
        );
        // Subnets of one VNet cannot be written concurrently: chain them.
        const subnet: network.Subnet = new network.Subnet(
          `${name}-snet-${role}`,
          {
            subnetName: resourceName("subnet", args.naming, role.toLowerCase()),
            virtualNetworkName: vnet.name,
            resourceGroupName: args.resourceGroupName,
            addressPrefix: args.addressPlan.subnets[role],
            networkSecurityGroup: { id: nsg.id },
            // No implicit internet egress, except for an injected gateway's own dependencies.
            defaultOutboundAccess: role === "gateway" && gateway.defaultOutboundAccess,
            ...(role === "privateEndpoints" ? { privateEndpointNetworkPolicies: "Enabled" } : {}),
            ...(role === "gateway" && gateway.delegations.length > 0 ? { delegations: gateway.delegations } : {}),
          },
          { parent: this, dependsOn: [previous] },
        );
        previous = subnet;
        subnetIds[role] = subnet.id;
      }
      this.subnetIds = subnetIds as Record<SubnetRole, pulumi.Output<string>>;
    } else {
      throw new Error("PrivateNetwork needs an addressPlan or an existing network");
    }

    this.zoneIds = {};
    for (const key of args.zones) {
      const existing = args.existingZoneIds[key];
      if (existing) {
        this.zoneIds[key] = pulumi.output(existing);
        continue;
      }
      const zone = new privatedns.PrivateZone(
        `${name}-zone-${key}`,
        {
          privateZoneName: PRIVATE_DNS_ZONES[key],
          resourceGroupName: args.resourceGroupName,
          location: "global",
          tags: args.tags,
        },
        { parent: this },
      );
      new privatedns.VirtualNetworkLink(
        `${name}-zone-${key}-link`,
        {
          privateZoneName: zone.name,
          resourceGroupName: args.resourceGroupName,
          virtualNetworkLinkName: `link-${args.naming.prefix}-${args.naming.environment}`,
          location: "global",
          virtualNetwork: { id: this.virtualNetworkId },
          registrationEnabled: false,
          tags: args.tags,
        },
        { parent: this },
      );
      this.zoneIds[key] = zone.id;
    }
    this.registerOutputs({ virtualNetworkId: this.virtualNetworkId, subnetIds: this.subnetIds, zoneIds: this.zoneIds });
  }
}

export interface PrivateLinkArgs {
  /** Writes to the target that must finish first (ARM refuses concurrent writes to one resource). */
  readonly after?: readonly pulumi.Resource[];
  readonly naming: NamingContext;
  /** What the endpoint is for, the last part of its name: `oai-swc`, `redis`. */
  readonly target: string;
  readonly location: string;
  readonly resourceGroupName: pulumi.Input<string>;
  readonly tags: Readonly<Record<string, string>>;
  readonly subnetId: pulumi.Input<string>;
  /** The resource reached privately. */
  readonly resourceId: pulumi.Input<string>;
  readonly groupId: string;
  readonly zoneIds: readonly pulumi.Input<string>[];
}

/** A private endpoint to one resource, registered in the private DNS zones its name resolves through. */
export class PrivateLink extends pulumi.ComponentResource {
  readonly endpointId: pulumi.Output<string>;

  constructor(name: string, args: PrivateLinkArgs, opts?: pulumi.ComponentResourceOptions) {
    super("genai:network:PrivateLink", name, {}, opts);
    const endpointName = resourceName("privateEndpoint", args.naming, args.target);
    const endpoint = new network.PrivateEndpoint(
      `${name}-pe`,
      {
        privateEndpointName: endpointName,
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        subnet: { id: args.subnetId },
        privateLinkServiceConnections: [
          { name: endpointName, privateLinkServiceId: args.resourceId, groupIds: [args.groupId] },
        ],
        tags: args.tags,
      },
      { parent: this, ...(args.after ? { dependsOn: [...args.after] } : {}) },
    );
    new network.PrivateDnsZoneGroup(
      `${name}-dns`,
      {
        privateDnsZoneGroupName: "default",
        privateEndpointName: endpoint.name,
        resourceGroupName: args.resourceGroupName,
        privateDnsZoneConfigs: args.zoneIds.map((zoneId, i) => ({ name: `zone-${i}`, privateDnsZoneId: zoneId })),
      },
      { parent: this },
    );
    this.endpointId = endpoint.id;
    this.registerOutputs({ endpointId: this.endpointId });
  }
}

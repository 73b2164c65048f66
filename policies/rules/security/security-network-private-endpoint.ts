import type { StackValidationPolicy } from "@pulumi/policy";
import { entryOf } from "../../catalogue";
import {
  PRIVATE_ONLY_TYPES,
  TYPES,
  baseType,
  checklist,
  decideEach,
  describe,
  known,
  ofType,
  targetOf,
  type StackScope,
} from "../../lib";

export const securityNetworkPrivateEndpoint: StackValidationPolicy = {
  name: "security-network-private-endpoint",
  description:
    "Every resource the type catalogue marks private-only (Azure OpenAI accounts, the Azure Managed Redis cluster) is reached through a private endpoint of its private-link group.",
  severity: "high",
  enforcementLevel: "mandatory",
  framework: checklist(
    [4, 6],
    ["MCSB NS-2", "Azure Policy 'Azure AI Services resources should use Azure Private Link'"],
  ),
  remediationSteps:
    "Configure private networking (network in the stack config); the platform then adds a private endpoint and DNS registration for each.",
  configSchema: { properties: { stackScope: { type: "object" } } },
  validateStack: (args, report) => {
    const { stackScope } = args.getConfig<{ stackScope?: StackScope }>();
    const privateOnly = args.resources.filter((r) => PRIVATE_ONLY_TYPES.has(baseType(r.type)));
    // Each endpoint's first connection, resolved by its privateLinkServiceId where known, else by dependency.
    const connections = ofType(args.resources, TYPES.privateEndpoint).map((pe) => ({
      ...targetOf(
        pe,
        "privateLinkServiceConnections",
        (p) => p.privateLinkServiceConnections?.[0]?.privateLinkServiceId,
        privateOnly,
        stackScope,
      ),
      groups: known(() => pe.props.privateLinkServiceConnections?.[0]?.groupIds as string[] | undefined),
    }));
    const undecided = connections.find((c) => c.unknown)?.unknown;
    decideEach(privateOnly, describe, (resource) => {
      const group = entryOf(resource.type)!.privateLinkGroup!;
      const reaching = connections.filter((c) => c.target === resource);
      // An endpoint whose target no one can tell yet might be this resource's.
      if (reaching.length === 0 && undecided) throw undecided;
      if (reaching.length === 0) report(`${describe(resource)} has no private endpoint`, resource.urn);
      else if (!reaching.some((c) => c.groups === undefined || c.groups.includes(group))) {
        report(
          `${describe(resource)}: its private endpoint connects group ${JSON.stringify(reaching[0]!.groups)}, not "${group}"`,
          resource.urn,
        );
      }
    });
  },
};

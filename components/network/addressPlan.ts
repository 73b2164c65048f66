import ipaddr from "ipaddr.js";

/** The subnets the platform places workloads in. */
export const SUBNET_ROLES = ["gateway", "privateEndpoints", "aksNodes"] as const;
export type SubnetRole = (typeof SUBNET_ROLES)[number];

// Smallest subnet each role may use, and why. Azure reserves 5 addresses in every subnet.
// Sources: Microsoft Learn, API Management virtual network injection (v2 tiers: /27 minimum),
// private endpoints (one address each), AKS with Azure CNI Overlay (one address per node). 2026-05.
export const MINIMUM_PREFIX: Readonly<Record<SubnetRole, { prefix: number; why: string }>> = {
  gateway: { prefix: 27, why: "API Management VNet integration needs at least a /27" },
  privateEndpoints: { prefix: 28, why: "private endpoints take one address each; a /28 holds 11" },
  aksNodes: { prefix: 24, why: "AKS nodes take one address each (Azure CNI Overlay); a /24 holds 251 nodes" },
};

export const AZURE_RESERVED_ADDRESSES = 5;

export interface AddressPlan {
  readonly addressSpace: string;
  readonly subnets: Readonly<Record<SubnetRole, string>>;
}

export interface AddressPlanIssue {
  readonly path: string;
  readonly message: string;
}

interface Range {
  readonly first: number;
  readonly last: number;
  readonly prefix: number;
}

function toNumber(address: ipaddr.IPv4): number {
  return address.toByteArray().reduce((n, byte) => n * 256 + byte, 0);
}

/** Parses an IPv4 CIDR that starts on its network boundary, or says why it cannot. */
export function parseRange(cidr: string): Range | string {
  const address = cidr.split("/")[0] ?? "";
  // ipaddr.js also reads octal and short forms (010.40.0.0, 10.40): only plain dotted quads are meant.
  if (address.includes(".") && !ipaddr.IPv4.isValidFourPartDecimal(address))
    return `"${cidr}" is not a CIDR range such as 10.40.0.0/16`;
  let parsed: [ipaddr.IPv4 | ipaddr.IPv6, number];
  try {
    parsed = ipaddr.parseCIDR(cidr);
  } catch {
    return `"${cidr}" is not a CIDR range such as 10.40.0.0/16`;
  }
  const [start, prefix] = parsed;
  if (start.kind() !== "ipv4") return `"${cidr}" is IPv6; the address plan is IPv4`;
  const size = 2 ** (32 - prefix);
  const first = toNumber(start as ipaddr.IPv4);
  const aligned = first - (first % size);
  if (aligned !== first) {
    const network = ipaddr
      .fromByteArray([aligned >>> 24, (aligned >>> 16) & 255, (aligned >>> 8) & 255, aligned & 255])
      .toString();
    return `"${cidr}" is not on a /${prefix} boundary: use ${network}/${prefix}`;
  }
  return { first, last: first + size - 1, prefix };
}

// Address blocks a VNet may use without colliding with the internet: RFC 1918 and shared (CGNAT) space.
export const PRIVATE_BLOCKS = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10"] as const;

/** Why an address space is not private (RFC 1918 / CGNAT), or undefined when it is. */
export function privateSpaceProblem(cidr: string, range: Range): string | undefined {
  const inside = PRIVATE_BLOCKS.some((block) => {
    const outer = parseRange(block) as Range;
    return range.first >= outer.first && range.last <= outer.last;
  });
  if (inside) return undefined;
  return `${cidr} is not private address space: a VNet must lie within ${PRIVATE_BLOCKS.join(", ")} (RFC 1918 or shared CGNAT space), or it hides those internet addresses from every workload`;
}

/** Every problem with an address plan: bad ranges, subnets outside the VNet or overlapping, subnets too small. */
export function addressPlanIssues(plan: AddressPlan, path = "network"): AddressPlanIssue[] {
  const issues: AddressPlanIssue[] = [];
  const space = parseRange(plan.addressSpace);
  if (typeof space === "string") issues.push({ path: `${path}.addressSpace`, message: space });
  else {
    const problem = privateSpaceProblem(plan.addressSpace, space);
    if (problem) issues.push({ path: `${path}.addressSpace`, message: problem });
  }
  const parsed: { role: SubnetRole; cidr: string; range: Range }[] = [];
  for (const role of SUBNET_ROLES) {
    const cidr = plan.subnets[role];
    const range = parseRange(cidr);
    const at = `${path}.subnets.${role}`;
    if (typeof range === "string") {
      issues.push({ path: at, message: range });
      continue;
    }
    const minimum = MINIMUM_PREFIX[role];
    if (range.prefix > minimum.prefix) {
      const usable = 2 ** (32 - range.prefix) - AZURE_RESERVED_ADDRESSES;
      issues.push({
        path: at,
        message: `${cidr} has ${Math.max(usable, 0)} usable addresses: ${minimum.why} (/${minimum.prefix} or larger)`,
      });
    }
    if (typeof space !== "string" && (range.first < space.first || range.last > space.last)) {
      issues.push({ path: at, message: `${cidr} is outside the address space ${plan.addressSpace}` });
    }
    parsed.push({ role, cidr, range });
  }
  for (let i = 0; i < parsed.length; i++) {
    for (let j = i + 1; j < parsed.length; j++) {
      const a = parsed[i]!;
      const b = parsed[j]!;
      if (a.range.first <= b.range.last && b.range.first <= a.range.last) {
        issues.push({ path: `${path}.subnets.${b.role}`, message: `${b.cidr} overlaps ${a.role} (${a.cidr})` });
      }
    }
  }
  return issues;
}

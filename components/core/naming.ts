// Azure naming rules for every resource type this platform names explicitly.
// Source: Microsoft Learn, "Naming rules and restrictions for Azure resources" (checked 2026-05).
export interface NameRule {
  readonly min: number;
  readonly max: number;
  readonly pattern: RegExp;
  /** The allowed characters in words, for messages. */
  readonly allowed: string;
}

const alnumHyphen = /^[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?$/;
/** Letters or digits in runs joined by single hyphens: DNS-style names that Azure refuses with `--`. */
const singleHyphens = /^[a-zA-Z0-9]+(?:-[a-zA-Z0-9]+)*$/;

export const NAME_RULES = {
  resourceGroup: {
    min: 1,
    max: 90,
    pattern: /^[-\w.()]*[-\w()]$/,
    allowed: "letters, digits, -, _, ., ( and ), not ending in .",
  },
  logAnalyticsWorkspace: {
    min: 4,
    max: 63,
    pattern: alnumHyphen,
    allowed: "letters, digits and -, starting and ending with a letter or digit",
  },
  applicationInsights: {
    min: 1,
    max: 260,
    pattern: /^[^%&\\?/]*[^%&\\?/. ]$/,
    allowed: "anything but % & \\ ? /, not ending in . or space",
  },
  cognitiveServicesAccount: {
    min: 2,
    max: 64,
    pattern: alnumHyphen,
    allowed: "letters, digits and -, starting and ending with a letter or digit",
  },
  contentSafetyAccount: {
    min: 2,
    max: 64,
    pattern: alnumHyphen,
    allowed: "letters, digits and -, starting and ending with a letter or digit",
  },
  languageAccount: {
    min: 2,
    max: 64,
    pattern: alnumHyphen,
    allowed: "letters, digits and -, starting and ending with a letter or digit",
  },
  customSubDomain: {
    min: 2,
    max: 64,
    pattern: /^[a-z0-9]+(?:-[a-z0-9]+)*$/,
    allowed: "lower-case letters, digits and single hyphens, starting and ending with a letter or digit",
  },
  openAiDeployment: {
    min: 2,
    max: 64,
    pattern: /^[a-zA-Z0-9][\w.-]*$/,
    allowed: "letters, digits, -, _ and ., starting with a letter or digit",
  },
  raiPolicy: { min: 2, max: 64, pattern: /^[a-zA-Z0-9][\w-]*$/, allowed: "letters, digits, - and _" },
  diagnosticSetting: {
    min: 1,
    max: 260,
    pattern: /^[^<>*%{}&:\\?+/#|]+$/,
    allowed: "anything but < > * % { } & : \\ ? + / # |",
  },
  userAssignedIdentity: {
    min: 3,
    max: 128,
    pattern: /^[a-zA-Z0-9][\w-]*$/,
    allowed: "letters, digits, - and _, starting with a letter or digit",
  },
  virtualNetwork: {
    min: 2,
    max: 64,
    pattern: /^[a-zA-Z0-9][\w.-]*[\w]$/,
    allowed: "letters, digits, -, _ and ., starting with a letter or digit, ending with a letter, digit or _",
  },
  subnet: {
    min: 1,
    max: 80,
    pattern: /^[a-zA-Z0-9]([\w.-]*[\w])?$/,
    allowed: "letters, digits, -, _ and ., ending with a letter, digit or _",
  },
  networkSecurityGroup: {
    min: 1,
    max: 80,
    pattern: /^[a-zA-Z0-9]([\w.-]*[\w])?$/,
    allowed: "letters, digits, -, _ and ., ending with a letter, digit or _",
  },
  privateEndpoint: {
    min: 2,
    max: 64,
    pattern: /^[a-zA-Z0-9][\w.-]*[\w]$/,
    allowed: "letters, digits, -, _ and ., ending with a letter, digit or _",
  },
  apiManagementService: {
    min: 1,
    max: 50,
    pattern: /^[a-zA-Z](?:[a-zA-Z0-9]|-(?=[a-zA-Z0-9]))*$/,
    allowed: "letters, digits and single hyphens, starting with a letter and ending with a letter or digit",
  },
  redisCluster: {
    min: 1,
    max: 60,
    pattern: singleHyphens,
    allowed: "letters, digits and single hyphens (no --), starting and ending with a letter or digit",
  },
  budget: {
    min: 1,
    max: 63,
    pattern: /^[a-zA-Z0-9][\w-]*$/,
    allowed: "letters, digits, - and _, starting with a letter or digit",
  },
  managedCluster: {
    min: 1,
    max: 63,
    pattern: /^[a-zA-Z0-9](?:[\w-]*[a-zA-Z0-9])?$/,
    allowed: "letters, digits, - and _, starting and ending with a letter or digit",
  },
} as const satisfies Record<string, NameRule>;

export type NamedResourceKind = keyof typeof NAME_RULES;

/** Why `name` breaks the rules of its resource kind, or undefined when it is valid. */
export function nameProblem(kind: NamedResourceKind, name: string): string | undefined {
  const rule: NameRule = NAME_RULES[kind];
  if (name.length < rule.min || name.length > rule.max) {
    return `${kind} name "${name}" is ${name.length} characters; allowed ${rule.min}-${rule.max}`;
  }
  if (!rule.pattern.test(name))
    return `${kind} name "${name}" has characters that are not allowed; allowed: ${rule.allowed}`;
  return undefined;
}

/** Returns `name` if it is valid for `kind`, else throws with the rule it breaks. */
export function checkedName(kind: NamedResourceKind, name: string): string {
  const problem = nameProblem(kind, name);
  if (problem) throw new Error(problem);
  return name;
}

/** The parts every platform name is built from: `<abbreviation>-<prefix>-<environment>[-<qualifier>]`. */
export interface NamingContext {
  readonly prefix: string;
  readonly environment: string;
}

const ABBREVIATIONS: Readonly<Record<NamedResourceKind, string>> = {
  resourceGroup: "rg",
  logAnalyticsWorkspace: "log",
  applicationInsights: "appi",
  cognitiveServicesAccount: "oai",
  contentSafetyAccount: "cs",
  languageAccount: "lang",
  customSubDomain: "oai",
  openAiDeployment: "dep",
  raiPolicy: "rai",
  diagnosticSetting: "diag",
  userAssignedIdentity: "id",
  virtualNetwork: "vnet",
  subnet: "snet",
  networkSecurityGroup: "nsg",
  privateEndpoint: "pe",
  redisCluster: "amr",
  apiManagementService: "apim",
  managedCluster: "aks",
  budget: "budget",
};

/** A name in the Cloud Adoption Framework style, e.g. `oai-genai-prod-swc`, not yet checked. */
export function composeName(kind: NamedResourceKind, context: NamingContext, qualifier?: string): string {
  return [ABBREVIATIONS[kind], context.prefix, context.environment, qualifier]
    .filter((p): p is string => Boolean(p))
    .join("-");
}

/** `composeName`, checked against the kind's rules (throws when broken). */
export function resourceName(kind: NamedResourceKind, context: NamingContext, qualifier?: string): string {
  return checkedName(kind, composeName(kind, context, qualifier));
}

/**
 * The cluster's node resource group, where AKS creates the node scale sets, their disks and load
 * balancers. Named explicitly in AKS's own default form (`MC_<group>_<cluster>_<region>`), so a cluster
 * created before the name was explicit already has it, and the budget can name it before it exists.
 */
export function nodeResourceGroupName(context: NamingContext, location: string): string {
  return `MC_${resourceName("resourceGroup", context)}_${resourceName("managedCluster", context)}_${location}`.slice(
    0,
    80,
  );
}

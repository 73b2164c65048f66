// Shared vocabulary of the rules: resource type tokens, the checklist reference, small readers of
// plain inputs. Rules import nothing from the program or from @pulumi/azure-native.
import type {
  PolicyComplianceFramework,
  PolicyResource,
  ReportViolation,
  ResourceValidationArgs,
} from "@pulumi/policy";
import * as ipaddr from "ipaddr.js";
import { baseType, entryOf, typesWhere } from "./catalogue";
import { own } from "../components/core/own";
import { PAYGO_DEPLOYMENT_TYPES, PTU_DEPLOYMENT_TYPES } from "../components/openai/models";

export { baseType } from "./catalogue";

/** The policy runtime's error for a value a preview does not know yet (internal to @pulumi/policy, so typed here). */
const { UnknownValueError } = require("@pulumi/policy/proxy") as { UnknownValueError: new (...args: never[]) => Error };

export function isUnknownValueError(error: unknown): error is Error {
  return error instanceof UnknownValueError;
}

/** The annotation that gives an AKS internal load balancer its static address (the gateway's backend address of a vLLM target). */
export const LOAD_BALANCER_IP_ANNOTATION = "service.beta.kubernetes.io/azure-load-balancer-ipv4";

export const TYPES = {
  resourceGroup: "azure-native:resources:ResourceGroup",
  workspace: "azure-native:operationalinsights:Workspace",
  appInsights: "azure-native:applicationinsights:Component",
  openAiAccount: "azure-native:cognitiveservices:Account",
  openAiDeployment: "azure-native:cognitiveservices:Deployment",
  raiPolicy: "azure-native:cognitiveservices:RaiPolicy",
  diagnosticSetting: "azure-native:monitor:DiagnosticSetting",
  roleAssignment: "azure-native:authorization:RoleAssignment",
  userAssignedIdentity: "azure-native:managedidentity:UserAssignedIdentity",
  federatedCredential: "azure-native:managedidentity:FederatedIdentityCredential",
  subnet: "azure-native:network:Subnet",
  privateEndpoint: "azure-native:network:PrivateEndpoint",
  privateDnsZoneGroup: "azure-native:network:PrivateDnsZoneGroup",
  redisCluster: "azure-native:redisenterprise:RedisEnterprise",
  redisDatabase: "azure-native:redisenterprise:Database",
  redisAccessPolicyAssignment: "azure-native:redisenterprise:AccessPolicyAssignment",
  apiManagementService: "azure-native:apimanagement:ApiManagementService",
  apimApiPolicy: "azure-native:apimanagement:ApiPolicy",
  managedCluster: "azure-native:containerservice:ManagedCluster",
  budget: "azure-native:consumption:Budget",
  agentPool: "azure-native:containerservice:AgentPool",
  statefulSet: "kubernetes:apps/v1:StatefulSet",
  daemonSet: "kubernetes:apps/v1:DaemonSet",
  k8sService: "kubernetes:core/v1:Service",
  podDisruptionBudget: "kubernetes:policy/v1:PodDisruptionBudget",
  apimOperationPolicy: "azure-native:apimanagement:ApiOperationPolicy",
  apimBackend: "azure-native:apimanagement:Backend",
  apimDiagnostic: "azure-native:apimanagement:Diagnostic",
  helmRelease: "kubernetes:helm.sh/v3:Release",
  podMonitor: "kubernetes:monitoring.coreos.com/v1:PodMonitor",
  prometheusRule: "kubernetes:monitoring.coreos.com/v1:PrometheusRule",
} as const;

/** Azure types that take tags (cost allocation needs environment, owner and cost center on each). */
export const TAGGABLE_TYPES: ReadonlySet<string> = typesWhere((e) => e.taggable);

/** Azure types that hold state a user owns; prod protects them from deletion. */
export const STATEFUL_TYPES: ReadonlySet<string> = typesWhere((e) => e.stateful);

/** Azure types that must send diagnostics to the workspace (the categories are in the catalogue). */
export const DIAGNOSABLE_TYPES: ReadonlySet<string> = typesWhere((e) => e.diagnostics !== undefined);

/** Resources that must be reached only through a private endpoint in prod. */
export const PRIVATE_ONLY_TYPES: ReadonlySet<string> = typesWhere((e) => e.privateLinkGroup !== undefined);

export const PTU_SKUS: ReadonlySet<string> = new Set(PTU_DEPLOYMENT_TYPES);
export const PAYGO_SKUS: ReadonlySet<string> = new Set(PAYGO_DEPLOYMENT_TYPES);

/**
 * The reference every rule carries: which items of CHECKLIST.md it enforces (`checklist(4, 14)`), and
 * with `checklist([4, 14], [...controls])` the standard controls it implements (a Pod Security
 * Standards control, a Microsoft cloud security benchmark control, an Azure Policy built-in, a Checkov
 * check), written after the items: `#4, #14 | PSS restricted: Seccomp; Checkov CKV_K8S_31`.
 */
export function checklist(...args: number[] | [readonly number[], readonly string[]]): PolicyComplianceFramework {
  const [items, controls] = Array.isArray(args[0])
    ? (args as [readonly number[], readonly string[]])
    : [args as number[], []];
  return {
    name: "genai-platform production checklist",
    version: "1",
    reference: [items.map((i) => `#${i}`).join(", "), ...(controls.length > 0 ? [controls.join("; ")] : [])].join(
      " | ",
    ),
    specification: "policies/CHECKLIST.md",
  };
}

/** The standard controls a rule's framework reference names (after the checklist items). */
export function controlsOf(reference: string | undefined): string[] {
  const [, controls] = (reference ?? "").split(" | ");
  return controls ? controls.split("; ") : [];
}

/** Runs `check` on resources of `type` and reports every other type as not applicable. */
export function forType(
  type: string,
  check: (props: Record<string, any>, args: ResourceValidationArgs, report: ReportViolation) => void,
) {
  return (args: ResourceValidationArgs, report: ReportViolation): void => {
    if (baseType(args.type) !== type) args.notApplicable(`applies only to ${type}`);
    check(args.props, args, report);
  };
}

/** The Azure type tokens of @pulumi/azure-native (`azure-native:<module>:<Type>`). */
export function isAzureResource(type: string): boolean {
  return type.startsWith("azure-native:");
}

/** The resources of `type`, whatever API version their type token names. */
export function ofType(resources: readonly PolicyResource[], type: string): PolicyResource[] {
  return resources.filter((r) => baseType(r.type) === type);
}

/**
 * The resource of `type` that `resource`'s `property` came from. Read from property dependencies, not
 * values, so it also works in a preview, where the value (an output of the other resource) is unknown.
 */
export function sourceOf(resource: PolicyResource, property: string, type: string): PolicyResource | undefined {
  return resource.propertyDependencies[property]?.find((r) => baseType(r.type) === type);
}

/** `read()`, or undefined where it reads a value a preview does not know yet. */
export function known<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch (error) {
    if (isUnknownValueError(error)) return undefined;
    throw error;
  }
}

/** What an ARM resource id names: a scope wider than a resource, or a resource by its ARM type and name. */
export type ArmTarget =
  | { readonly scope: "managementGroup" | "subscription" | "resourceGroup" }
  | {
      readonly scope: "resource";
      readonly armType: string;
      readonly names: readonly string[];
      readonly subscription: string;
      readonly resourceGroup: string;
    };

/** Parses an ARM id (`/subscriptions/s/resourceGroups/g/providers/Ns/type/name[/child/name...]`), or undefined. */
export function parseArmId(id: string): ArmTarget | undefined {
  const parts = id.split("/");
  if (parts[0] !== "" || parts.length < 3) return undefined;
  if (/^providers$/i.test(parts[1]!) && /^Microsoft\.Management$/i.test(parts[2] ?? "") && parts.length === 5)
    return { scope: "managementGroup" };
  if (!/^subscriptions$/i.test(parts[1]!) || !parts[2]) return undefined;
  if (parts.length === 3) return { scope: "subscription" };
  if (!/^resourceGroups$/i.test(parts[3] ?? "") || !parts[4]) return undefined;
  if (parts.length === 5) return { scope: "resourceGroup" };
  if (!/^providers$/i.test(parts[5] ?? "") || parts.length < 9 || (parts.length - 7) % 2 !== 0) return undefined;
  const namespace = parts[6]!;
  const segments = parts.slice(7);
  const types = segments.filter((_, i) => i % 2 === 0);
  const names = segments.filter((_, i) => i % 2 === 1);
  return {
    scope: "resource",
    armType: `${namespace}/${types.join("/")}`,
    names,
    subscription: parts[2]!,
    resourceGroup: parts[4]!,
  };
}

/** Where a reference property points: a resource of the stack, or an id outside it; `unknown` when neither its value nor a dependency tells. */
export interface Reference {
  readonly target?: PolicyResource;
  readonly outside?: ArmTarget;
  readonly id?: string;
  /** The preview's unknown-value error, when the id is unknown and no dependency resolves it. */
  readonly unknown?: Error;
}

/** Where the stack's own resources live, when the policy config says (`stackScope`): ids elsewhere name other resources. */
export interface StackScope {
  readonly subscriptionId?: string;
  readonly resourceGroup?: string;
}

/**
 * A resource's ARM names, parents first (`[cluster, database]`), read from its `name` and the resources
 * it depends on that are of its parent types; undefined where a parent is not in the stack.
 */
export function armNames(resource: PolicyResource): string[] | undefined {
  const arm = entryOf(resource.type)?.arm;
  if (!arm) return undefined;
  const own = known(() => resource.props.name);
  if (typeof own !== "string") return undefined;
  const [namespace, ...types] = arm.split("/");
  if (types.length === 1) return [own];
  const parentArm = `${namespace}/${types.slice(0, -1).join("/")}`.toLowerCase();
  const parent = resource.dependencies.find((d) => entryOf(d.type)?.arm?.toLowerCase() === parentArm);
  const chain = parent && armNames(parent);
  return chain ? [...chain, own] : undefined;
}

const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/**
 * The resource of the stack that `resource`'s `property` points at. By the id first (a literal or a
 * known output, so a relation stands without a dependency, and a dependency cannot vouch for a wrong
 * id); by the property's dependencies only where the id is not known (a preview of new resources).
 * `id` reads the property's id from the props.
 */
export function targetOf(
  resource: PolicyResource,
  property: string,
  id: (props: Record<string, any>) => unknown,
  candidates: readonly PolicyResource[],
  where: StackScope = {},
): Reference {
  let value: unknown;
  let unknown: Error | undefined;
  try {
    value = id(resource.props);
  } catch (error) {
    if (!isUnknownValueError(error)) throw error;
    unknown = error;
  }
  if (typeof value === "string" && value !== "") {
    const parsed = parseArmId(value);
    if (!parsed) return { id: value };
    if (parsed.scope !== "resource") return { outside: parsed, id: value };
    // The whole id must fit: the stack's subscription and resource group (where known), type, and every name.
    const inStack =
      (!where.subscriptionId || same(where.subscriptionId, parsed.subscription)) &&
      (!where.resourceGroup || same(where.resourceGroup, parsed.resourceGroup));
    const target = !inStack
      ? undefined
      : candidates.find((c) => {
          const arm = entryOf(c.type)?.arm;
          const names = arm && same(arm, parsed.armType) ? armNames(c) : undefined;
          return (
            names !== undefined &&
            names.length === parsed.names.length &&
            names.every((n, i) => same(n, parsed.names[i]!))
          );
        });
    return target ? { target, id: value } : { outside: parsed, id: value };
  }
  const urns = new Set(candidates.map((c) => c.urn));
  const viaDependency = resource.propertyDependencies[property]?.find((r) => urns.has(r.urn));
  if (viaDependency) return { target: viaDependency };
  return unknown ? { unknown } : {};
}

/**
 * Reads a value of each item; items whose value a preview does not know yet are left out and named in
 * `undecided` (an unknown-value error to throw once the known ones are decided).
 */
export function readEach<T, V>(
  items: readonly T[],
  label: (item: T) => string,
  read: (item: T) => V,
): { values: { item: T; value: V }[]; undecided?: Error; undecidedItems: T[] } {
  const values: { item: T; value: V }[] = [];
  const undecidedItems: T[] = [];
  const missing: string[] = [];
  let first: Error | undefined;
  for (const item of items) {
    try {
      values.push({ item, value: read(item) });
    } catch (error) {
      if (!isUnknownValueError(error)) throw error;
      missing.push(label(item));
      undecidedItems.push(item);
      first ??= error;
    }
  }
  if (first) first.message = `undecided for ${missing.join(", ")}: ${first.message}`;
  return first ? { values, undecided: first, undecidedItems } : { values, undecidedItems };
}

/**
 * Runs `decide` for each item; a value a preview does not know leaves that item undecided instead of
 * the whole rule. Violations of the decided items stand; if any item was undecided, the rule then
 * ends as the policy runtime expects (an unknown-value error, reported advisory) naming them.
 */
export function decideEach<T>(items: readonly T[], label: (item: T) => string, decide: (item: T) => void): void {
  const undecided: string[] = [];
  let first: Error | undefined;
  for (const item of items) {
    try {
      decide(item);
    } catch (error) {
      if (!isUnknownValueError(error)) throw error;
      undecided.push(label(item));
      first ??= error;
    }
  }
  if (first) {
    first.message = `undecided for ${undecided.join(", ")}: ${first.message}`;
    throw first;
  }
}

/**
 * A deployment's name, from the `deployment` tag the platform sets (an input, so known in a preview)
 * or else the `name` output.
 */
export function deploymentNameOf(deployment: PolicyResource): string {
  return deployment.props.tags?.deployment ?? deployment.props.name;
}

/** A region as the config writes it: Azure returns some locations in display form ("Sweden Central"). */
export function regionName(location: unknown): string | undefined {
  return typeof location === "string" ? location.toLowerCase().replace(/\s+/g, "") : undefined;
}

/** What the capacity rules read of a deployment (throws where a preview does not know a value yet). */
export function deploymentFacts(d: PolicyResource) {
  return {
    name: deploymentNameOf(d),
    sku: String(d.props.sku?.name),
    capacity: Number(d.props.sku?.capacity ?? 0),
    model: d.props.properties?.model?.name as string | undefined,
    region: regionName(sourceOf(d, "accountName", TYPES.openAiAccount)?.props.location),
    endpoint: d.props.tags?.endpoint as string | undefined,
    slot: d.props.tags?.slot as string | undefined,
  };
}

export function describe(resource: { name: string; type: string }): string {
  return `${resource.name} (${resource.type})`;
}

/** Workload kinds whose pod template rules read: every kind that renders pods (a Job's, a CronJob's included). */
export const WORKLOAD_TYPES: ReadonlySet<string> = new Set([
  "kubernetes:apps/v1:StatefulSet",
  "kubernetes:apps/v1:DaemonSet",
  "kubernetes:apps/v1:Deployment",
  "kubernetes:apps/v1:ReplicaSet",
  "kubernetes:batch/v1:Job",
  "kubernetes:batch/v1:CronJob",
  "kubernetes:core/v1:Pod",
]);

/** Workload kinds that run a long-lived server (a Job or CronJob runs to completion). */
export const SERVER_TYPES: ReadonlySet<string> = new Set([
  "kubernetes:apps/v1:StatefulSet",
  "kubernetes:apps/v1:Deployment",
  "kubernetes:apps/v1:ReplicaSet",
  "kubernetes:apps/v1:DaemonSet",
]);

/** The pod template of a workload of any kind: its metadata and spec (a CronJob's sits one level deeper, a Pod is its own). */
export function podTemplateOf(
  type: string,
  props: Record<string, any>,
): { metadata: Record<string, any>; spec: Record<string, any> } {
  const kind = baseType(type);
  if (kind === "kubernetes:core/v1:Pod") return { metadata: props.metadata ?? {}, spec: props.spec ?? {} };
  const template =
    kind === "kubernetes:batch/v1:CronJob" ? props.spec?.jobTemplate?.spec?.template : props.spec?.template;
  return { metadata: template?.metadata ?? {}, spec: template?.spec ?? {} };
}

/**
 * A list field as a list: what a malformed resource holds there instead (an object, a string) reads as
 * empty, so a rule reports what is missing rather than failing to run (the API server refuses it anyway).
 */
export function listOf(value: unknown): any[] {
  return Array.isArray(value) ? value : [];
}

/** The pod spec of a workload's template, and its containers (init and ephemeral containers included). */
export function podOf(
  props: Record<string, any>,
  type = "kubernetes:apps/v1:Deployment",
): { spec: Record<string, any>; containers: Record<string, any>[]; metadata: Record<string, any> } {
  const { metadata, spec } = podTemplateOf(type, props);
  return {
    spec,
    metadata,
    containers: [
      ...listOf(spec.initContainers),
      ...listOf(spec.containers),
      ...listOf(spec.ephemeralContainers),
    ].filter((c) => c && typeof c === "object"),
  };
}

/** A resource rule on Kubernetes workloads: `check` sees the pod spec and the containers. */
export function forWorkloads(
  check: (pod: ReturnType<typeof podOf>, report: (message: string) => void, args: ResourceValidationArgs) => void,
) {
  return (args: ResourceValidationArgs, report: ReportViolation): void => {
    if (!WORKLOAD_TYPES.has(baseType(args.type))) args.notApplicable("applies only to Kubernetes workloads");
    check(podOf(args.props, args.type), (message) => report(message), args);
  };
}

/** The namespace and name of a Kubernetes object, as `namespace/name` (the key of the exception tables). */
export function k8sKey(props: Record<string, any>): string {
  return `${props.metadata?.namespace ?? "default"}/${props.metadata?.name ?? "?"}`;
}

/**
 * Whether a Kubernetes label selector (matchLabels, matchExpressions) selects `labels`; an empty selector
 * selects everything. A label is one the object has itself: a key such as `constructor` names none.
 */
export function selects(selector: Record<string, any> | undefined, labels: Readonly<Record<string, string>>): boolean {
  if (!selector) return false;
  const matchLabels: Record<string, string> = selector.matchLabels ?? {};
  if (!Object.entries(matchLabels).every(([k, v]) => own(labels, k) === v)) return false;
  return listOf(selector.matchExpressions).every((e: { key: string; operator: string; values?: string[] }) => {
    const value = own(labels, String(e.key));
    switch (e.operator) {
      case "In":
        return value !== undefined && listOf(e.values).includes(value);
      case "NotIn":
        return value === undefined || !listOf(e.values).includes(value);
      case "Exists":
        return value !== undefined;
      case "DoesNotExist":
        return value === undefined;
      default:
        return false;
    }
  });
}

/** Whether the range `cidr` (or a single address) lies inside one of `allowed`; false for anything unparsable. */
export function withinCidrs(cidr: string, allowed: readonly string[]): boolean {
  let inner: [ipaddr.IPv4 | ipaddr.IPv6, number];
  try {
    inner = cidr.includes("/")
      ? ipaddr.parseCIDR(cidr)
      : [ipaddr.parse(cidr), ipaddr.parse(cidr).kind() === "ipv4" ? 32 : 128];
  } catch {
    return false;
  }
  return allowed.some((a) => {
    try {
      const outer = ipaddr.parseCIDR(a);
      return outer[0].kind() === inner[0].kind() && inner[1] >= outer[1] && inner[0].match(outer);
    } catch {
      return false;
    }
  });
}

// What the gateway will do with a request, per API and operation: the effective policy (global →
// product → API → operation) and every execution path through it (policies/apimPipeline.ts), with
// the resource to blame when a path misses a requirement: the API's policy when the API scope alone
// misses it, the operation's policy when the operation drops what the API guaranteed.
import type { PolicyResource } from "@pulumi/policy";
import { effectivePipeline, executionPaths, type ExecutionPath } from "./apimPipeline";
import { allElements } from "./policyDocument";
import { baseType, isUnknownValueError, known } from "./lib";
import { isGenericOf } from "./catalogue";

const T = (name: string) => `azure-native:apimanagement:${name}`;

/** The resources of the gateway a request meets, related by their Pulumi dependencies (or ids where given). */
export interface GatewayApi {
  readonly api: PolicyResource;
  readonly apiId: string;
  readonly policy?: PolicyResource;
  readonly operations: readonly { readonly id: string; readonly policy?: PolicyResource }[];
  readonly products: readonly { readonly id: string; readonly policy?: PolicyResource }[];
}

export interface Analysis {
  /** Paths of one operation (or the API scope alone), with the resource a missing requirement is blamed on. */
  readonly scope: "api" | "operation";
  readonly api: GatewayApi;
  readonly operation?: string;
  readonly product?: string;
  readonly blame: PolicyResource;
  readonly paths?: readonly ExecutionPath[];
  readonly problem?: string;
}

const nameOf = (r: PolicyResource, idKey: string): string =>
  String(known(() => r.props[idKey]) ?? known(() => r.props.name) ?? r.name);

/** The resource of `candidates` that `r`'s `property` names: by dependency, else by id. */
function related(
  r: PolicyResource,
  property: string,
  candidates: readonly PolicyResource[],
  idKey: string,
): PolicyResource | undefined {
  const byDependency = r.propertyDependencies[property]?.find((d) => candidates.includes(d));
  if (byDependency) return byDependency;
  const id = known(() => r.props[property]);
  return typeof id === "string" ? candidates.find((c) => nameOf(c, idKey) === id.split("/").pop()) : undefined;
}

export function gatewayApis(resources: readonly PolicyResource[]): GatewayApi[] {
  const of = (type: string) => resources.filter((r) => baseType(r.type) === T(type));
  const apis = of("Api");
  const operations = of("ApiOperation");
  const apiPolicies = of("ApiPolicy");
  const operationPolicies = of("ApiOperationPolicy");
  const products = of("Product");
  const productApis = of("ProductApi");
  const productPolicies = of("ProductPolicy");
  return apis.map((api) => {
    const ops = operations.filter((o) => related(o, "apiId", apis, "apiId") === api);
    return {
      api,
      apiId: nameOf(api, "apiId"),
      policy: apiPolicies.find((p) => related(p, "apiId", apis, "apiId") === api),
      operations: ops.map((o) => ({
        id: nameOf(o, "operationId"),
        policy: operationPolicies.find((p) => related(p, "operationId", operations, "operationId") === o),
      })),
      products: productApis
        .filter((pa) => related(pa, "apiId", apis, "apiId") === api)
        .flatMap((pa) => {
          const product = related(pa, "productId", products, "productId");
          const id = product ? nameOf(product, "productId") : String(known(() => pa.props.productId) ?? "");
          return [
            {
              id,
              policy: productPolicies.find(
                (pp) =>
                  (product && related(pp, "productId", products, "productId") === product) ||
                  known(() => pp.props.productId) === id,
              ),
            },
          ];
        }),
    };
  });
}

const valueOf = (r: PolicyResource | undefined): string | undefined =>
  r ? String(known(() => r.props.value) ?? "") : undefined;

const cache = new WeakMap<PolicyResource, { count: number; analyses: Analysis[] }>();

/**
 * Every scope to check, computed once per stack (the stack rules that read it share it): per API and
 * product, the API scope alone; per operation with its own policy, the effective pipeline.
 */
export function gatewayAnalyses(resources: readonly PolicyResource[]): Analysis[] {
  const key = resources.find((r) => baseType(r.type) === T("Api"));
  if (!key) return [];
  const hit = cache.get(key);
  if (hit && hit.count === resources.length) return hit.analyses;
  const global = valueOf(resources.find((r) => baseType(r.type) === T("Policy")));
  const analyses: Analysis[] = [];
  for (const api of gatewayApis(resources)) {
    const scenarios: { id?: string; policy?: PolicyResource }[] = [{}, ...api.products];
    for (const product of scenarios) {
      const base = { global, product: valueOf(product.policy), api: valueOf(api.policy) };
      const analyse = (
        scope: "api" | "operation",
        blame: PolicyResource,
        operation?: { id: string; policy?: PolicyResource },
      ): Analysis => {
        const pipeline = effectivePipeline({ ...base, ...(operation ? { operation: valueOf(operation.policy) } : {}) });
        const common = {
          scope,
          api,
          blame,
          ...(operation ? { operation: operation.id } : {}),
          ...(product.id ? { product: product.id } : {}),
        };
        if ("problem" in pipeline) return { ...common, problem: pipeline.problem };
        const walked = executionPaths(pipeline.sections);
        return "problem" in walked ? { ...common, problem: walked.problem } : { ...common, paths: walked.paths };
      };
      analyses.push(analyse("api", api.policy ?? api.api));
      for (const operation of api.operations.filter((o) => o.policy))
        analyses.push(analyse("operation", operation.policy!, operation));
    }
  }
  cache.set(key, { count: resources.length, analyses });
  return analyses;
}

/** A gateway backend as the rules see it: its URL, pool members and managed-identity audience. */
export interface BackendView {
  readonly url?: string;
  readonly members: string[];
  /** The audience of its managed-identity credentials (`credentials.managedIdentity.resource`), if any. */
  readonly managedIdentityResource?: string;
  readonly unknown?: Error;
  /** Why a pool member's id is not known yet (a preview): what the members are cannot be decided. */
  readonly memberUnknown?: Error;
}

/** The backends of the stack by their id, with pool members resolved; generic ARM backends included. */
export function backendsById(resources: readonly PolicyResource[]): Map<string, BackendView> {
  const map = new Map<string, BackendView>();
  for (const g of resources.filter(
    (r) =>
      baseType(r.type) === "azure-native:resources:Resource" &&
      isGenericOf(r.props, "Microsoft.ApiManagement", "backends", known),
  )) {
    try {
      const properties = (g.props.properties ?? {}) as {
        url?: string;
        credentials?: { managedIdentity?: { resource?: string } };
      };
      map.set(String(g.props.resourceName ?? g.props.name), {
        url: properties.url,
        members: [],
        ...(properties.credentials?.managedIdentity?.resource
          ? { managedIdentityResource: properties.credentials.managedIdentity.resource }
          : {}),
      });
    } catch (error) {
      if (!isUnknownValueError(error)) throw error;
      map.set(String(known(() => g.props.resourceName ?? g.props.name) ?? g.name), { members: [], unknown: error });
    }
  }
  for (const b of resources.filter((r) => baseType(r.type) === T("Backend"))) {
    const services = (known(() => b.props.pool?.services) ?? []) as { id?: string }[];
    // A member's id is an output in a preview: its count is still known.
    let memberUnknown: Error | undefined;
    const members = services.map((_, i) => {
      try {
        return String(services[i]!.id).split("/").pop()!;
      } catch (error) {
        if (!isUnknownValueError(error)) throw error;
        memberUnknown ??= error;
        return `(member ${i + 1}, not known yet)`;
      }
    });
    const unknownMembers = memberUnknown ? { memberUnknown } : {};
    try {
      map.set(nameOf(b, "backendId"), { url: b.props.url as string | undefined, members, ...unknownMembers });
    } catch (error) {
      if (!isUnknownValueError(error)) throw error;
      map.set(nameOf(b, "backendId"), { members, unknown: error, ...unknownMembers });
    }
  }
  return map;
}

/** Whether a path reaches a backend: it forwards, and names one (or the API has a service URL). */
export function reachesBackend(path: ExecutionPath, api: GatewayApi): boolean {
  return path.end === "backend" && (path.backend !== undefined || Boolean(known(() => api.api.props.serviceUrl)));
}

/** A short description of a path for a message: where it goes and the branches it took. */
export function describePath(path: ExecutionPath, api: GatewayApi): string {
  const to = path.backend ?? String(known(() => api.api.props.serviceUrl) ?? "the API's service URL");
  const branches =
    path.branches.length > 0
      ? ` (via ${path.branches.slice(0, 4).join(", ")}${path.branches.length > 4 ? ", …" : ""})`
      : "";
  return `a path to ${to}${branches}`;
}

/**
 * Runs `requirement` on every backend path of every scope and reports, once per blamed resource, the
 * first path that misses it: on the API's policy (or the API, when it has none) where the API scope
 * itself misses it; on an operation's policy where only the operation does.
 */
export function checkPaths(
  resources: readonly PolicyResource[],
  requirement: (path: ExecutionPath, api: GatewayApi) => string | undefined,
  report: (message: string, urn: string) => void,
): void {
  const failing = new Set<string>();
  const reported = new Set<string>();
  const undecided: string[] = [];
  let firstUnknown: Error | undefined;
  for (const a of gatewayAnalyses(resources)) {
    const where = `API ${a.api.apiId}${a.operation ? `, operation ${a.operation}` : ""}${a.product ? `, product ${a.product}` : ""}`;
    const say = (message: string) => {
      if (reported.has(a.blame.urn)) return;
      reported.add(a.blame.urn);
      report(`${where}: ${message}`, a.blame.urn);
    };
    if (a.problem) {
      say(`its effective policy cannot be followed: ${a.problem}`);
      continue;
    }
    const apiKey = `${a.api.api.urn}|${a.product ?? ""}`;
    // An operation is blamed only for what it breaks: where the API scope itself fails, the API is.
    if (a.scope === "operation" && failing.has(apiKey)) continue;
    try {
      for (const path of a.paths ?? []) {
        if (!reachesBackend(path, a.api)) continue;
        const missing = requirement(path, a.api);
        if (!missing) continue;
        if (a.scope === "api") failing.add(apiKey);
        say(`${describePath(path, a.api)} ${missing}`);
        break;
      }
    } catch (error) {
      // A value a preview does not know yet leaves this scope undecided, not the others.
      if (!isUnknownValueError(error)) throw error;
      undecided.push(where);
      firstUnknown ??= error;
    }
  }
  if (firstUnknown) {
    firstUnknown.message = `undecided for ${undecided.join("; ")}: ${firstUnknown.message}`;
    throw firstUnknown;
  }
}

/**
 * The hosts of every backend some path through the gateway forwards to (a pool's members included), and
 * the scopes that could not be followed or whose backends a preview does not know yet: where those are
 * not empty, what the gateway reaches cannot be decided.
 */
export function routedHosts(resources: readonly PolicyResource[]): { hosts: Set<string>; undecided: string[] } {
  const backends = backendsById(resources);
  const hosts = new Set<string>();
  const undecided: string[] = [];
  const hostOf = (url: unknown) => (typeof url === "string" && URL.canParse(url) ? new URL(url).hostname : undefined);
  for (const a of gatewayAnalyses(resources)) {
    const where = `API ${a.api.apiId}${a.operation ? `, operation ${a.operation}` : ""}`;
    if (a.problem) {
      undecided.push(`${where}: ${a.problem}`);
      continue;
    }
    for (const path of a.paths ?? []) {
      if (!reachesBackend(path, a.api)) continue;
      const backend = path.backend === undefined ? undefined : backends.get(path.backend);
      const urls = path.backend === undefined ? [known(() => a.api.api.props.serviceUrl)] : [path.backend];
      // A backend named by an expression, or by an id the plan has no backend for: where it goes is unknown.
      if (path.backend !== undefined && !backend && !URL.canParse(path.backend))
        undecided.push(`${where}: backend ${path.backend} is not a backend of the plan`);
      if (backend) {
        if (backend.unknown || backend.memberUnknown) undecided.push(`${where}: backend ${path.backend} not known yet`);
        urls.push(backend.url, ...backend.members.map((m) => backends.get(m)?.url));
      }
      for (const url of urls) {
        const host = hostOf(url);
        if (host) hosts.add(host);
      }
    }
  }
  return { hosts, undecided };
}

/** Whether the path's forward runs inside a retry (its last step is a child of a retry step). */
export function forwardsInRetry(path: ExecutionPath): { retry: ReturnType<typeof allElements>[number] } | undefined {
  const forward = path.steps[path.steps.length - 1];
  const retry = path.steps.find(
    (s) => s.tag === "retry" && forward !== undefined && allElements(s.children).includes(forward),
  );
  return retry ? { retry } : undefined;
}

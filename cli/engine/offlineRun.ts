import { createHash } from "node:crypto";
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { mockCall, mockResource, type MockContext } from "./mockOutputs";
import { AS_OF_ENV } from "../../stacks/asOf";

/** One resource as the engine would record it in the checkpoint. */
export interface RecordedResource {
  readonly urn: string;
  readonly type: string;
  readonly name: string;
  readonly custom: boolean;
  readonly id?: string;
  readonly parent?: string;
  readonly provider?: string;
  readonly protect: boolean;
  readonly dependencies: string[];
  readonly propertyDependencies: Record<string, string[]>;
  readonly additionalSecretOutputs: string[];
  /** Inputs as serialized on the wire (secrets keep their signature wrapper). */
  readonly inputs: Record<string, unknown>;
  outputs: Record<string, unknown>;
}

export interface OfflineRunOptions {
  readonly projectDir: string;
  readonly project: string;
  readonly stack: string;
  readonly config: Record<string, string>;
  readonly secretKeys: readonly string[];
  /** The day the program checks model lifecycle for (YYYY-MM-DD). */
  readonly asOf: string;
  /** Run as `pulumi preview` would (outputs of new resources unknown). */
  readonly preview: boolean;
  readonly mockContext: MockContext;
  /** The program to run instead of the project's (package.json "main"): the benchmark's bare replay. */
  readonly program?: () => unknown;
}

export interface OfflineRun {
  readonly resources: RecordedResource[];
  /** Problems the real engine would refuse: program errors, unmocked types, duplicate URNs. */
  readonly errors: string[];
  /** What the program logged as warnings (`pulumi.log.warn`), once each, for the plan's report. */
  readonly warnings: string[];
}

/** How the SDK prints a program's warning when no engine is attached (the mock runtime). */
const RUNTIME_WARNING = "warning: [runtime] ";

const STACK_TYPE = "pulumi:pulumi:Stack";

/** The URN the real engine gives a resource: the parent's type chain, without the root stack. */
export function engineUrn(stack: string, project: string, type: string, name: string, parentUrn?: string): string {
  let qualifiedType = type;
  if (parentUrn) {
    const parentQualifiedType = parentUrn.split("::")[2] ?? "";
    if (parentQualifiedType !== STACK_TYPE) qualifiedType = `${parentQualifiedType}$${type}`;
  }
  return `urn:pulumi:${stack}::${project}::${qualifiedType}::${name}`;
}

function programPath(projectDir: string): string {
  const manifest = JSON.parse(readFileSync(join(projectDir, "package.json"), "utf8")) as { main?: string };
  return resolve(projectDir, manifest.main ?? "index.ts");
}

/**
 * Forgets the program's entry module so that requiring it runs the program afresh. The modules it
 * imports stay loaded: they define components and pure functions, and hold no state of a run (the
 * runtime's mocks, config and stack are set anew by every run; a plan repeated in one process is
 * byte-identical, test/hardening.test.ts).
 */
function forgetProgram(program: string, requireFromProject: NodeJS.Require): void {
  delete requireFromProject.cache[program];
}

/**
 * A resource's options without the type aliases its provider SDK declares for it: the types it had in the
 * provider's earlier API versions (azure-native lists up to 60 a resource, `azure-native:network/v20150615:VirtualNetwork`),
 * which the engine matches against resources already in a stack. The SDK turns each into an Output and a URN
 * at construction, more than half of an offline run's time, and nothing of a run's record depends on them.
 * The SDK has merged them into the program's options by the time this runs, so the form decides: an alias
 * that names only another type of the resource's own package goes (every azure-native and kubernetes
 * resource alias has that form); any other is kept (a rename, a new parent, a component's or a provider's
 * earlier type). The program declares no aliases of its own (test/hardening.test.ts keeps it so).
 */
export function withoutProviderTypeAliases(
  args: pulumi.ResourceTransformationArgs,
): pulumi.ResourceTransformationResult {
  const aliases = args.opts.aliases;
  const colon = args.type.indexOf(":");
  // instanceof: the SDK marks a custom resource only after its base constructor, which runs this.
  if (!aliases || colon <= 0 || args.type.startsWith("pulumi:") || !(args.resource instanceof pulumi.CustomResource))
    return { props: args.props, opts: args.opts };
  const pkg = args.type.slice(0, colon + 1);
  const kept = aliases.filter((alias) => !isProviderTypeAlias(alias, pkg));
  return { props: args.props, opts: { ...args.opts, aliases: kept } };
}

/** An alias that names only another type of the same package: the form of a provider SDK's own. */
function isProviderTypeAlias(alias: unknown, pkg: string): boolean {
  if (typeof alias !== "object" || alias === null || pulumi.Output.isInstance(alias)) return false;
  const keys = Object.keys(alias);
  const type = (alias as { type?: unknown }).type;
  return keys.length === 1 && typeof type === "string" && type.startsWith(pkg);
}

/** The provider reference `urn::id` with its URN translated to the engine's. */
function translateReference(reference: string, urns: Map<string, string>): string {
  const at = reference.lastIndexOf("::");
  if (at < 0) return reference;
  const urn = reference.slice(0, at);
  return `${urns.get(urn) ?? urn}::${reference.slice(at + 2)}`;
}

/**
 * Where finished runs may be kept and found again. A run depends only on its options and on the program's
 * code, so a caller that knows the code cannot change meanwhile may install one: the test suite does, shared
 * by its workers (test/runStore.ts). Nothing installs one by default. A store hands back its own copy on
 * every `get`.
 */
export interface RunStore {
  get(key: string): OfflineRun | undefined;
  set(key: string, run: OfflineRun): void;
}

let runStore: RunStore | undefined;

/** Installs `store` (or none) for the runs that follow; returns the one it replaces. */
export function setRunStore(store: RunStore | undefined): RunStore | undefined {
  const previous = runStore;
  runStore = store;
  return previous;
}

/** Everything a run of the project's own program depends on besides its code, as one key. */
function runKey(options: OfflineRunOptions): string {
  const { projectDir, project, stack, config, secretKeys, asOf, preview, mockContext } = options;
  const identity = JSON.stringify([projectDir, project, stack, config, secretKeys, asOf, preview, mockContext]);
  return createHash("sha256").update(identity).digest("hex");
}

/** The end of the last run asked for: the Pulumi runtime is global state, so runs in one process go one at a time. */
let running: Promise<unknown> = Promise.resolve();

/**
 * Runs the Pulumi program in this process under Pulumi's mock runtime and records every resource
 * registration (type, name, inputs, parent, dependencies, protect) as the engine would. A run that found
 * no problem is kept in the installed run store, if any, and taken from it when asked again.
 */
export function runOffline(options: OfflineRunOptions): Promise<OfflineRun> {
  const run = running.then(() => storedOrRun(options));
  running = run.catch(() => undefined);
  return run;
}

async function storedOrRun(options: OfflineRunOptions): Promise<OfflineRun> {
  const store = options.program ? undefined : runStore;
  if (!store) return runProgramOffline(options);
  const key = runKey(options);
  const kept = store.get(key);
  if (kept) return kept;
  const run = await runProgramOffline(options);
  if (run.errors.length === 0) store.set(key, run);
  return run;
}

async function runProgramOffline(options: OfflineRunOptions): Promise<OfflineRun> {
  // Read before the run changes any of the process's state, so that nothing is left changed if it throws.
  const program = programPath(options.projectDir);
  const requireFromProject = createRequire(join(options.projectDir, "package.json"));
  const errors: string[] = [];
  const warnings: string[] = [];
  const resources: RecordedResource[] = [];
  const engineUrns = new Map<string, string>(); // mock URN -> engine URN
  const byUrn = new Map<string, RecordedResource>();

  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        // Components and the stack are the program's own; only custom resources reach a provider.
        if (!args.custom) return { id: undefined, state: {} };
        try {
          return mockResource(args.type, args.name, args.inputs, options.mockContext, options.preview);
        } catch (error) {
          // Recorded (the plan fails), not thrown: a rejected registration would leave the program hanging.
          errors.push((error as Error).message);
          return { id: `unmocked-${args.name}`, state: args.inputs };
        }
      },
      call: (args) => {
        try {
          return mockCall(args.token, args.inputs, options.mockContext);
        } catch (error) {
          errors.push((error as Error).message);
          throw error;
        }
      },
    },
    options.project,
    options.stack,
    options.preview,
  );
  pulumi.runtime.setAllConfig(options.config, [...options.secretKeys]);

  const monitor = pulumi.runtime.getMonitor() as any;
  const registerResource = monitor.registerResource.bind(monitor);
  monitor.registerResource = (request: any, callback: (error: unknown, response: any) => void) => {
    registerResource(request, (error: unknown, response: any) => {
      if (!error && response) {
        const mockParent: string = request.getParent();
        const parent = mockParent ? (engineUrns.get(mockParent) ?? mockParent) : undefined;
        const urn = engineUrn(options.stack, options.project, request.getType(), request.getName(), parent);
        engineUrns.set(response.getUrn(), urn);
        if (byUrn.has(urn)) {
          errors.push(
            `duplicate resource URN ${urn}: the engine refuses two resources of one type and name under one parent`,
          );
        }
        const propertyDependencies: Record<string, string[]> = {};
        request.getPropertydependenciesMap().forEach((deps: any, property: string) => {
          propertyDependencies[property] = deps.getUrnsList().map((u: string) => engineUrns.get(u) ?? u);
        });
        const provider: string = request.getProvider();
        const record: RecordedResource = {
          urn,
          type: request.getType(),
          name: request.getName(),
          custom: request.getCustom(),
          ...(request.getCustom() ? { id: response.getId() } : {}),
          ...(parent ? { parent } : {}),
          ...(provider ? { provider: translateReference(provider, engineUrns) } : {}),
          protect: request.getProtect() === true,
          dependencies: request.getDependenciesList().map((u: string) => engineUrns.get(u) ?? u),
          propertyDependencies,
          additionalSecretOutputs: request.getAdditionalsecretoutputsList(),
          inputs: (request.getObject()?.toJavaScript() ?? {}) as Record<string, unknown>,
          outputs: (response.getObject()?.toJavaScript() ?? {}) as Record<string, unknown>,
        };
        byUrn.set(urn, record);
        resources.push(record);
      }
      callback(error, response);
    });
  };
  const registerResourceOutputs = monitor.registerResourceOutputs.bind(monitor);
  monitor.registerResourceOutputs = (request: any, callback: (error: unknown, response: any) => void) => {
    const record = byUrn.get(engineUrns.get(request.getUrn()) ?? "");
    if (record && !record.custom)
      record.outputs = (request.getOutputs()?.toJavaScript() ?? {}) as Record<string, unknown>;
    registerResourceOutputs(request, callback);
  };

  const onRejection = (reason: unknown) => {
    const message = reason instanceof Error ? reason.message : String(reason);
    if (!errors.includes(message)) errors.push(message);
  };
  process.on("unhandledRejection", onRejection);
  // The engine shows a program's warnings once in its output; here they go to the plan's report.
  const consoleWarn = console.warn;
  console.warn = (...parts: unknown[]) => {
    const text = parts.map(String).join(" ");
    if (!text.startsWith(RUNTIME_WARNING)) return consoleWarn(...parts);
    if (!warnings.includes(text.slice(RUNTIME_WARNING.length))) warnings.push(text.slice(RUNTIME_WARNING.length));
  };
  // The SDK captures a stack trace for every resource and every promise it tracks (a third of a
  // plan's time with its garbage); the planner reports errors by message, so the run captures none.
  // GENAI_PLAN_STACK_TRACES=1 keeps them, and GENAI_PLAN_PROVIDER_ALIASES=1 the providers' type aliases,
  // for debugging the planner itself (a run records the same either way: test/hardening.test.ts).
  const stackTraceLimit = Error.stackTraceLimit;
  const prepareStackTrace = Error.prepareStackTrace;
  if (!process.env.GENAI_PLAN_STACK_TRACES) {
    Error.stackTraceLimit = 0;
    // The SDK's resource constructor raises the limit to capture its caller's source position (for the
    // engine's display) and formats the whole stack with source maps: an empty stack leaves it unknown.
    // Any error whose stack is first read during the run reads empty too (its message is kept).
    Error.prepareStackTrace = () => "";
  }
  const previousAsOf = process.env[AS_OF_ENV];
  process.env[AS_OF_ENV] = options.asOf;
  if (!options.program) forgetProgram(program, requireFromProject);
  // A registration that fails leaves the program waiting forever: Node then drains its event loop.
  let onDrained: () => void = () => undefined;
  const drained = new Promise<never>((_, reject) => {
    onDrained = () =>
      reject(new Error("the program stopped before every resource was registered (see the errors above)"));
    process.once("beforeExit", onDrained);
  });
  try {
    await Promise.race([
      (async () => {
        await pulumi.runtime.runInPulumiStack(async () => {
          if (!process.env.GENAI_PLAN_PROVIDER_ALIASES)
            pulumi.runtime.registerStackTransformation(withoutProviderTypeAliases);
          // As the Node.js language host does: the module's exports are the stack outputs.
          try {
            const exported = options.program ?? requireFromProject(program);
            return typeof exported === "function" ? await exported() : exported;
          } catch (error) {
            errors.push(error instanceof Error ? error.message : String(error));
            return {};
          }
        });
        await pulumi.runtime.disconnect();
      })(),
      drained,
    ]);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (!errors.includes(message)) errors.push(message);
  } finally {
    Error.stackTraceLimit = stackTraceLimit;
    Error.prepareStackTrace = prepareStackTrace;
    console.warn = consoleWarn;
    if (previousAsOf === undefined) delete process.env[AS_OF_ENV];
    else process.env[AS_OF_ENV] = previousAsOf;
    process.off("unhandledRejection", onRejection);
    process.off("beforeExit", onDrained);
  }
  return { resources, errors, warnings };
}

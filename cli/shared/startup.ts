// Start-up and per-resource costs of the offline planner (this process only, never `pulumi up`):
// @pulumi/pulumi loads the TypeScript compiler, npm's Arborist and the Automation API at import time
// (~0.6 s here), yet uses the first two only to serialize function closures and the third not at all
// in a program. Within the planner process they load on first use instead.
import Module from "node:module";

/** Modules @pulumi/pulumi loads eagerly that the program never uses: closures' compiler and npm tree, the Automation API. */
const LAZY_FROM_PULUMI = new Set(["typescript", "@npmcli/arborist", "./automation"]);

type Load = (request: string, parent: { filename?: string } | undefined, isMain: boolean) => unknown;
const moduleInternals = Module as unknown as { _load: Load };
const load = moduleInternals._load;

moduleInternals._load = function lazyLoad(this: unknown, request, parent, isMain) {
  if (!LAZY_FROM_PULUMI.has(request) || !parent?.filename?.includes(`@pulumi${"/"}pulumi`))
    return load.call(this, request, parent, isMain);
  let real: object | undefined;
  const target = () => (real ??= load.call(this, request, parent, isMain) as object);
  return new Proxy(
    {},
    {
      // Reported as an ES module so `__importStar` hands back this proxy instead of copying every key.
      get: (_, property) => (property === "__esModule" ? true : Reflect.get(target(), property)),
      has: (_, property) => Reflect.has(target(), property),
      ownKeys: () => Reflect.ownKeys(target()),
      getOwnPropertyDescriptor: (_, property) => {
        // Loaders probe every module for interop markers once loaded; these CommonJS modules have none.
        if (property === "__esModule") return { value: true, configurable: true, enumerable: false, writable: false };
        if (property === "module.exports") return undefined;
        const descriptor = Reflect.getOwnPropertyDescriptor(target(), property);
        return descriptor ? { ...descriptor, configurable: true } : undefined;
      },
    },
  );
};

// The SDK captures a stack trace for every resource it registers; mapping each through tsx's source
// maps costs ~4 ms a resource. The planner reports config paths, not stack frames, so it skips that.
process.setSourceMapsEnabled(false);

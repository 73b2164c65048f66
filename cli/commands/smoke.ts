// `npm run smoke -- --stack <name> --gateway URL [--audience URI] [--api-key KEY] [--attempts N] [--min-requests N]
//   [--timeout S | connect=S,first-byte=S,idle=S] [--config-file FILE]`
// After `pulumi up`: one short request at a time per model endpoint until every slot with weight above 0
// has answered and at least --min-requests were sent (the gateway draws the slot by weight, so a slot is
// reached by asking again, up to --attempts), checking the status, the protocol's answer
// (cli/loadtest/protocol.ts), the slot the gateway names, and the usage it returns; then that a key
// is refused on the Entra ID API, and, with --api-key, that the keyed API answers. Everything the gateway
// sends is printed without escape sequences or control characters (cli/shared/terminalText.ts). Then the edges it
// can see from the caller's side (cli/smoke/edges.ts): the gateway's DNS answer here (private for an
// internal gateway), its certificate's names, and the statuses of every backend the gateway named.
// Entra ID: GENAI_GATEWAY_TOKEN (a bearer token) or DefaultAzureCredential for the gateway's audience;
// the identity must be one of a team's applications. Exit codes: 0 every check passed; 1 a check failed;
// 2 invalid arguments or stack file (nothing sent).
import "../shared/startup";
import { join, resolve } from "node:path";
import { type CommandSpec, helpText, parseCommandLine, usageLine, wantsHelp } from "../shared/args";
import { TOKEN_ENV, gatewayToken } from "../shared/credential";
import { loadStackConfig } from "../../stacks/load";
import { asOfDay } from "../../stacks/asOf";
import { type CommandIo, EXIT, UsageError, quietOnClosedPipe } from "../shared/io";
import { table } from "../shared/table";
import { MAX_STACK_FILE_BYTES, StackFileError, readStackFile } from "../shared/stackFile";
import { stackNameProblem } from "../shared/stackFile";
import {
  client,
  embeddingsRequest,
  succeeded,
  timedRequest,
  type RequestResult,
  type Target,
} from "../loadtest/request";
import { renderTraces } from "../loadtest/traceContext";
import { TIMEOUT_HELP, audience as audienceArg, decimal, gatewayUrl, plainText, timeouts } from "../loadtest/args";
import { createFetch, timeoutReason, type Timeouts } from "../loadtest/transport";
import { readBody } from "../loadtest/protocol";
import { printable } from "../shared/terminalText";
import { inputFileProblem } from "../shared/inputFile";
import { backendEdges, gatewayEdges, observeTls, resolveHost, type EdgeCheck } from "../smoke/edges";
import { GATEWAY_TIERS } from "../../components/gateway/tiers";
import { ENTRA_ID_REFUSAL } from "../../components/gateway/policyXml";
import { DATA_PLANE_API_VERSION } from "../../components/openai/apiVersions";
import { COLOURS } from "../../components/core/colours";

interface Check {
  readonly endpoint: string;
  readonly check: string;
  readonly ok: boolean | "skipped";
  readonly detail: string;
}

export const SMOKE_SPEC: CommandSpec = {
  command: "smoke",
  summary:
    "After pulumi up: asks each model endpoint of the stack until every slot with weight has answered, checking the status, the answer, the slot the gateway names and the usage; then that a key is refused on the Entra ID API, that the keyed API answers (with --api-key), and the edges seen from here (DNS, certificate, backends). Credentials: $GENAI_GATEWAY_TOKEN (a bearer token), else Entra ID through the Azure credential chain (az login); with --api-key alone, the Entra ID checks are skipped.",
  options: {
    stack: {
      type: "string",
      value: "NAME",
      help: "the stack whose endpoints and slots are checked (Pulumi.<NAME>.yaml)",
    },
    gateway: { type: "string", value: "URL", help: "the gateway's base URL" },
    audience: {
      type: "string",
      value: "URI",
      help: "the Entra ID audience (default the stack's first gateway audience)",
    },
    "api-key": { type: "string", value: "KEY", help: "a subscription key: also checks the keyed API" },
    attempts: { type: "string", value: "N", default: "20", help: "the most requests per endpoint" },
    "min-requests": { type: "string", value: "N", help: "the fewest requests per endpoint (default 4)" },
    timeout: { type: "string", value: "S|connect=S,first-byte=S,idle=S", help: TIMEOUT_HELP },
    "config-file": { type: "string", value: "FILE", help: "the stack file instead of Pulumi.<stack>.yaml" },
  },
  examples: [
    "npm run smoke -- --stack prod --gateway https://apim-x.azure-api.net",

    "npm run demo   # against the loopback gateway, offline",
  ],
  notes: [
    "exit codes: 0 every check passed; 1 a check failed; 2 invalid arguments, stack file or no credential (nothing sent)",
  ],
};
const USAGE = usageLine(SMOKE_SPEC);

/** The most of a refusal's body read: the gateway's 401 is a line of JSON. */
const MAX_REFUSAL_BYTES = 64 * 1024;

/** The arguments, checked before anything is sent; undefined for --help. */
function parse(argv: string[], projectDir: string) {
  if (wantsHelp(argv)) return undefined;
  const { values } = parseCommandLine(SMOKE_SPEC, argv);
  const gateway = gatewayUrl(values.gateway);
  for (const [option, value] of Object.entries(values))
    if (typeof value === "string") plainText(`--${option}`, value, option === "api-key");
  if (!values.stack) throw new UsageError("--stack is required");
  const stackProblem = stackNameProblem(values.stack);
  if (stackProblem) throw new UsageError(stackProblem);
  const attempts = decimal("attempts", values.attempts, { min: 1, max: 1000 });
  const minRequests =
    values["min-requests"] !== undefined
      ? decimal("min-requests", values["min-requests"], { min: 1, max: attempts })
      : Math.min(4, attempts);
  const limits = timeouts(values.timeout);
  const audience = values.audience !== undefined ? audienceArg(values.audience) : undefined;
  // Read by gatewayToken (cli/shared/credential.ts); checked here, before anything is sent.
  const token = process.env[TOKEN_ENV];
  if (token) plainText(TOKEN_ENV, token, true);
  const configFile = resolve(values["config-file"] ?? join(projectDir, `Pulumi.${values.stack}.yaml`));
  const fileProblem = inputFileProblem(
    values["config-file"] !== undefined ? "--config-file" : "stack file",
    configFile,
    MAX_STACK_FILE_BYTES,
  );
  if (fileProblem) throw new UsageError(fileProblem);
  return {
    stack: values.stack,
    gateway,
    audience,
    apiKey: values["api-key"],
    attempts,
    minRequests,
    timeouts: limits,
    configFile,
  };
}

/** A failed request's reason as the table shows it: the status first when the gateway answered. */
function reasonOf(r: RequestResult): string {
  if (r.failure === undefined) return `status ${r.status}`;
  return r.status === 0 || r.failure.startsWith("http-")
    ? (r.error ?? r.failure)
    : `status ${r.status}: ${r.error ?? r.failure}`;
}

export async function smoke(argv: string[], projectDir: string, io: CommandIo): Promise<number> {
  let args;
  try {
    args = parse(argv, projectDir);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.err(`smoke: ${error.message}${error.message.includes("usage: ") ? "" : `\n${USAGE}`}\n`);
    return EXIT.invalid;
  }
  if (args === undefined) {
    io.out(helpText(SMOKE_SPEC));
    return EXIT.ok;
  }
  let loaded;
  try {
    loaded = loadStackConfig(readStackFile(args.configFile), { stack: args.stack, asOf: asOfDay() });
  } catch (error) {
    if (!(error instanceof StackFileError)) throw error;
    io.err(`smoke: ${error.message}\n`);
    return EXIT.invalid;
  }
  if (!loaded.ok) {
    io.err(`smoke: the stack file is not valid:\n${loaded.issues.map((i) => `  ${i.path}: ${i.message}\n`).join("")}`);
    return EXIT.invalid;
  }
  const config = loaded.config;
  const audience = args.audience ?? config.gateway?.audiences[0] ?? "api://genai-gateway";
  // One token source for every endpoint: a missing sign-in is one line, once. With --api-key alone the
  // Entra ID checks are skipped and the keyed ones still run.
  const source = await gatewayToken(audience);
  if (!source.ok && !args.apiKey) {
    io.err(`smoke: ${source.problem}\n`);
    return EXIT.invalid;
  }
  const token = source.ok ? source.token : undefined;
  const checks: Check[] = [];
  const { attempts, minRequests } = args;
  const clock = () => performance.now();
  const answers: RequestResult[] = [];
  // Each endpoint is asked on its own, all at once (a silent gateway costs one timeout, not one per
  // endpoint); their checks are listed in the stack file's order.
  const probe = async (
    endpoint: string,
    e: (typeof config.models)[string],
    checks: Check[],
    answers: RequestResult[],
  ) => {
    if (!token) {
      checks.push({
        endpoint,
        check: "answers 200",
        ok: "skipped",
        detail: "no Entra ID credential: --api-key alone checks the keyed API only",
      });
      return;
    }
    const target: Target = { gateway: args.gateway, endpoint, shape: "azure", token, timeouts: args.timeouts };
    const openai = client(target);
    const live = COLOURS.filter((s) => (e.slots[s]?.weight ?? 0) > 0);
    // By the slot the gateway names (remote text, made printable): a Map, so no name reads an object's own properties.
    const seen = new Map<string, { status: number; usage: boolean }>();
    const failures: string[] = [];
    const isEmbeddings = Object.values(e.slots).some((s) =>
      s?.targets.some((t) => t.kind === "azure-openai" && t.model.includes("embedding")),
    );
    // Until every live slot answered, and at least --min-requests times: a slot at weight 0 can only be
    // sampled (the gateway draws slots itself), and more answers make its silence more telling.
    let answered = 0;
    for (let i = 0; i < attempts && (i < minRequests || live.some((s) => !seen.has(s))); i++) {
      const r = isEmbeddings
        ? await embeddingsRequest(openai, target, clock)
        : await timedRequest(
            openai,
            target,
            { messages: [{ role: "user", content: "Reply with one word: ok" }], maxTokens: 8, stream: false },
            { attempts: 1, baseMs: 0, maxWaitMs: 0 },
            clock,
            0,
          );
      answers.push(r);
      if (succeeded(r)) answered++;
      else failures.push(`${reasonOf(r)}${r.traceId ? ` (trace ${r.traceId})` : ""}`);
      if (r.slot)
        seen.set(r.slot, {
          status: r.status,
          usage: succeeded(r) && (isEmbeddings || (r.completionTokens ?? 0) > 0) && (r.promptTokens ?? 0) > 0,
        });
      else if (succeeded(r)) failures.push("no x-genai-slot header");
      if (failures.length > 0) break;
    }
    checks.push({
      endpoint,
      check: "answers 200",
      ok: failures.length === 0,
      detail: failures.join("; ") || `${[...seen.keys()].join(", ")} answered`,
    });
    for (const slot of COLOURS) {
      if (!e.slots[slot]) continue;
      if (!live.includes(slot)) {
        if (!seen.has(slot))
          checks.push({
            endpoint,
            check: `slot ${slot}`,
            ok: "skipped",
            detail: `weight 0: not among ${answered} answers (sampled, not proven)`,
          });
        continue;
      }
      const s = seen.get(slot);
      checks.push({
        endpoint,
        check: `slot ${slot}`,
        ok: s !== undefined && s.usage,
        detail: !s
          ? `not reached in ${attempts} requests (weight ${e.slots[slot]!.weight})`
          : s.usage
            ? "answered with usage"
            : "answered without usage",
      });
    }
    for (const slot of seen.keys()) {
      // Only the two colour names are looked up: a name such as `constructor` reads nothing of the object.
      const colour = slot === "blue" || slot === "green" ? slot : undefined;
      if (!colour || !e.slots[colour])
        checks.push({
          endpoint,
          check: `slot ${slot}`,
          ok: false,
          detail: "the gateway named a slot the stack does not have",
        });
      else if (!live.includes(colour))
        checks.push({
          endpoint,
          check: `slot ${slot}`,
          ok: false,
          detail: "answered although its weight is 0: the gateway's routing is not the stack's",
        });
    }
  };
  // A key must not open the Entra ID API (checked on a chat endpoint where there is one).
  const first =
    Object.entries(config.models).find(
      ([, e]) =>
        !Object.values(e.slots).some((s) =>
          s?.targets.some((t) => t.kind === "azure-openai" && t.model.includes("embedding")),
        ),
    )?.[0] ?? Object.keys(config.models)[0]!;
  const base = args.gateway.replace(/\/$/, "");
  const keyedTarget: Target | undefined = args.apiKey
    ? { gateway: `${base}/keys`, endpoint: first, shape: "azure", apiKey: args.apiKey, timeouts: args.timeouts }
    : undefined;
  // Every check is sent at once; their rows follow the stack file's order.
  const [probed, keyed, keyedAnswer] = await Promise.all([
    Promise.all(
      Object.entries(config.models).map(async ([endpoint, e]) => {
        const found = { checks: [] as Check[], answers: [] as RequestResult[] };
        await probe(endpoint, e, found.checks, found.answers);
        return found;
      }),
    ),
    refusal(
      `${base}/openai/deployments/${first}/chat/completions?api-version=${DATA_PLANE_API_VERSION}`,
      args.timeouts,
    ),
    keyedTarget
      ? timedRequest(
          client(keyedTarget),
          keyedTarget,
          { messages: [{ role: "user", content: "Reply with one word: ok" }], maxTokens: 8, stream: false },
          { attempts: 1, baseMs: 0, maxWaitMs: 0 },
          clock,
          0,
        )
      : undefined,
  ]);
  for (const found of probed) {
    checks.push(...found.checks);
    answers.push(...found.answers);
  }
  const refused = keyed.status === 401 && keyed.message === ENTRA_ID_REFUSAL;
  checks.push({
    endpoint: first,
    check: "key refused on the Entra ID API",
    ok: refused,
    detail: refused
      ? "status 401 from the gateway's token check"
      : `${keyed.status === 0 ? keyed.message : `status ${keyed.status}${keyed.message ? `: ${keyed.message}` : ""}`} (expected 401 with the gateway's message "${ENTRA_ID_REFUSAL}")`,
  });
  if (keyedAnswer)
    checks.push({
      endpoint: first,
      check: "keyed API answers",
      ok: succeeded(keyedAnswer),
      detail: succeeded(keyedAnswer) ? `status ${keyedAnswer.status}` : reasonOf(keyedAnswer),
    });
  const edges = await observedEdges(new URL(args.gateway), internalGateway(config), answers, args.timeouts);
  const failed = [...checks, ...edges].filter((c) => c.ok === false);
  const result = (ok: boolean | "skipped") => (ok === "skipped" ? "skipped" : ok ? "ok" : "FAILED");
  io.out(
    `${table(
      ["endpoint", "check", "result", "detail"],
      checks.map((c) => [c.endpoint, c.check, result(c.ok), c.detail]),
    )}\n`,
  );
  io.out(
    `${table(
      ["edge (seen from this machine)", "result", "seen"],
      edges.map((e) => [e.edge, result(e.ok), e.seen]),
    )}\n`,
  );
  io.out(renderTraces(answers));
  io.out(failed.length === 0 ? "smoke: every check passed\n" : `smoke: ${failed.length} check(s) failed\n`);
  return failed.length === 0 ? EXIT.ok : EXIT.policy;
}

/** Whether the stack plans the gateway in internal VNet mode (an injected tier in the stack's network): only its private address answers. */
function internalGateway(config: { network?: unknown; gateway?: { sku: keyof typeof GATEWAY_TIERS } }): boolean {
  return Boolean(config.network) && config.gateway !== undefined && GATEWAY_TIERS[config.gateway.sku].vnetInjection;
}

/** The caller → gateway edges (DNS here, TLS) and the gateway → backend edges seen in the answers. */
async function observedEdges(
  url: URL,
  internal: boolean,
  answers: readonly RequestResult[],
  limits: Timeouts,
): Promise<EdgeCheck[]> {
  const dnsSeen = await resolveHost(url.hostname);
  const tls = url.protocol === "https:" ? await observeTls(url.hostname, Number(url.port || 443), limits) : undefined;
  return [...gatewayEdges(url, internal, { dns: dnsSeen, ...(tls ? { tls } : {}) }), ...backendEdges(answers)];
}

/**
 * A chat request with a key on the Entra ID API (through the load test's transport and its limits): the
 * status and the refusal's message (printable), or why there was no answer. The gateway's own refusal
 * carries its validate-azure-ad-token message, which a backend's 401 passed through does not.
 */
async function refusal(url: string, limits: Timeouts): Promise<{ status: number; message: string }> {
  let response: Response;
  try {
    response = await createFetch({ timeouts: limits })(url, {
      method: "POST",
      headers: { "content-type": "application/json", "api-key": "not-a-valid-key" },
      body: JSON.stringify({ messages: [{ role: "user", content: "ok" }], max_tokens: 1 }),
    });
  } catch (error) {
    return {
      status: 0,
      message: timeoutReason(error, limits)?.reason ?? `unreachable: ${printable((error as Error).message, 200)}`,
    };
  }
  const text = await readBody(response.body, MAX_REFUSAL_BYTES).catch(() => "");
  let message: string;
  try {
    const parsed = JSON.parse(text) as { message?: unknown; error?: { message?: unknown } } | null;
    message = String(parsed?.message ?? parsed?.error?.message ?? "");
  } catch {
    message = text;
  }
  return { status: response.status, message: printable(message, 200) };
}

if (require.main === module) {
  quietOnClosedPipe();
  smoke(process.argv.slice(2), resolve(__dirname, "../.."), {
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t),
  }).then(
    (code) => (process.exitCode = code),
    (error) => {
      process.stderr.write(`smoke: ${(error as Error).stack ?? error}\n`);
      process.exitCode = EXIT.programFailed;
    },
  );
}

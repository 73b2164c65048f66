// `npm run smoke -- --stack <name> --gateway URL [--audience URI] [--api-key KEY] [--attempts N] [--min-requests N] [--config-file FILE]`
// After `pulumi up`: one short request at a time per model endpoint until every slot with weight above 0
// has answered and at least --min-requests were sent (the gateway draws the slot by weight, so a slot is
// reached by asking again, up to --attempts), checking the status, the slot the gateway names, and the usage it returns; then that a key
// is refused on the Entra ID API, and, with --api-key, that the keyed API answers.
// Entra ID: GENAI_GATEWAY_TOKEN (a bearer token) or DefaultAzureCredential for the gateway's audience;
// the identity must be one of a team's applications. Exit codes: 0 every check passed; 1 a check failed;
// 2 invalid arguments or stack file.
import "./startup";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { loadStackConfig } from "../stacks/load";
import { asOfDay } from "../stacks/asOf";
import { EXIT } from "./exitCodes";
import { table } from "./report";
import { StackFileError, readStackFile } from "./stackFile";
import { client, timedRequest, type Target } from "./loadtest/request";
import { ENTRA_ID_REFUSAL } from "../components/gateway/policyXml";
import { DATA_PLANE_API_VERSION } from "../components/openai/apiVersions";

export interface SmokeIo { out(text: string): void; err(text: string): void }
interface Check { readonly endpoint: string; readonly check: string; readonly ok: boolean | "skipped"; readonly detail: string }

const USAGE = "usage: npm run smoke -- --stack <name> --gateway URL [--audience URI] [--api-key KEY] [--attempts N] [--min-requests N] [--config-file FILE]";

export async function smoke(argv: string[], projectDir: string, io: SmokeIo): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      options: {
        stack: { type: "string" },
        gateway: { type: "string" },
        audience: { type: "string" },
        "api-key": { type: "string" },
        attempts: { type: "string", default: "20" },
        "min-requests": { type: "string" },
        "config-file": { type: "string" },
      },
    }));
    if (!values.stack) throw new Error("--stack is required");
    if (!values.gateway || !/^https?:\/\//.test(values.gateway)) throw new Error("--gateway must be the gateway's URL (pulumi stack output gatewayUrl)");
    if (!Number.isInteger(Number(values.attempts)) || Number(values.attempts) < 1) throw new Error(`--attempts ${values.attempts} is not a whole number of at least 1`);
    if (values["min-requests"] !== undefined && (!Number.isInteger(Number(values["min-requests"])) || Number(values["min-requests"]) < 1 || Number(values["min-requests"]) > Number(values.attempts))) throw new Error(`--min-requests ${values["min-requests"]} is not a whole number from 1 to --attempts (${values.attempts})`);
  } catch (error) {
    io.err(`smoke: ${(error as Error).message}\n${USAGE}\n`);
    return EXIT.invalid;
  }
  let loaded;
  try {
    loaded = loadStackConfig(readStackFile(resolve(values["config-file"] ?? join(projectDir, `Pulumi.${values.stack}.yaml`))), { stack: values.stack, asOf: asOfDay() });
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
  const audience = values.audience ?? config.gateway?.audiences[0] ?? "api://genai-gateway";
  let token: () => Promise<string>;
  if (process.env.GENAI_GATEWAY_TOKEN) {
    const fixed = process.env.GENAI_GATEWAY_TOKEN;
    token = () => Promise.resolve(fixed);
  } else {
    const { DefaultAzureCredential, getBearerTokenProvider } = await import("@azure/identity");
    token = getBearerTokenProvider(new DefaultAzureCredential(), `${audience}/.default`);
  }
  const checks: Check[] = [];
  const attempts = Number(values.attempts);
  const minRequests = values["min-requests"] !== undefined ? Number(values["min-requests"]) : Math.min(4, attempts);
  for (const [endpoint, e] of Object.entries(config.models)) {
    const target: Target = { gateway: values.gateway, endpoint, shape: "azure", token };
    const openai = client(target);
    const live = (["blue", "green"] as const).filter((s) => (e.slots[s]?.weight ?? 0) > 0);
    const seen = new Map<string, { status: number; usage: boolean }>();
    const failures: string[] = [];
    const isEmbeddings = Object.values(e.slots).some((s) => s?.targets.some((t) => t.kind === "azure-openai" && t.model.includes("embedding")));
    // Until every live slot answered, and at least --min-requests times: a slot at weight 0 can only be
    // sampled (the gateway draws slots itself), and more answers make its silence more telling.
    let answered = 0;
    for (let i = 0; i < attempts && (i < minRequests || live.some((s) => !seen.has(s))); i++) {
      const r = isEmbeddings ? await embed(openai, endpoint) : await timedRequest(openai, target, { messages: [{ role: "user", content: "Reply with one word: ok" }], maxTokens: 8, stream: false }, { attempts: 1, baseMs: 0, maxWaitMs: 0 }, () => performance.now(), 0);
      if (r.status === 200) answered++;
      else failures.push(`status ${r.status}${r.error ? ` (${r.error})` : ""}`);
      if (r.slot) seen.set(r.slot, { status: r.status, usage: (isEmbeddings || (r.completionTokens ?? 0) > 0) && (r.promptTokens ?? 0) > 0 });
      else if (r.status === 200) failures.push("no x-genai-slot header");
      if (failures.length > 0) break;
    }
    checks.push({ endpoint, check: "answers 200", ok: failures.length === 0, detail: failures.join("; ") || `${[...seen.keys()].join(", ")} answered` });
    for (const slot of ["blue", "green"] as const) {
      if (!e.slots[slot]) continue;
      if (!live.includes(slot)) {
        if (!seen.has(slot)) checks.push({ endpoint, check: `slot ${slot}`, ok: "skipped", detail: `weight 0: not among ${answered} answers (sampled, not proven)` });
        continue;
      }
      const s = seen.get(slot);
      checks.push({ endpoint, check: `slot ${slot}`, ok: s !== undefined && s.usage, detail: !s ? `not reached in ${attempts} requests (weight ${e.slots[slot]!.weight})` : s.usage ? "answered with usage" : "answered without usage" });
    }
    for (const slot of seen.keys()) {
      if (!e.slots[slot as "blue" | "green"]) checks.push({ endpoint, check: `slot ${slot}`, ok: false, detail: "the gateway named a slot the stack does not have" });
      else if (!live.includes(slot as "blue" | "green")) checks.push({ endpoint, check: `slot ${slot}`, ok: false, detail: "answered although its weight is 0: the gateway's routing is not the stack's" });
    }
  }
  // A key must not open the Entra ID API (checked on a chat endpoint where there is one).
  const first = Object.entries(config.models).find(([, e]) => !Object.values(e.slots).some((s) => s?.targets.some((t) => t.kind === "azure-openai" && t.model.includes("embedding"))))?.[0] ?? Object.keys(config.models)[0]!;
  const base = values.gateway.replace(/\/$/, "");
  // The gateway's own refusal (its validate-azure-ad-token message), not a backend's 401 passed through.
  const keyed = await fetch(`${base}/openai/deployments/${first}/chat/completions?api-version=${DATA_PLANE_API_VERSION}`, {
    method: "POST",
    headers: { "content-type": "application/json", "api-key": "not-a-valid-key" },
    body: JSON.stringify({ messages: [{ role: "user", content: "ok" }], max_tokens: 1 }),
  }).then(
    async (r) => {
      const text = await r.text().catch(() => "");
      let message = "";
      try {
        const parsed = JSON.parse(text) as { message?: unknown; error?: { message?: unknown } } | null;
        message = String(parsed?.message ?? parsed?.error?.message ?? "");
      } catch {
        message = text.slice(0, 200);
      }
      return { status: r.status, message };
    },
    (error: Error) => ({ status: 0, message: `unreachable: ${error.message}` }),
  );
  const refused = keyed.status === 401 && keyed.message === ENTRA_ID_REFUSAL;
  checks.push({ endpoint: first, check: "key refused on the Entra ID API", ok: refused, detail: refused ? "status 401 from the gateway's token check" : `status ${keyed.status}${keyed.message ? `: ${keyed.message}` : ""} (expected 401 with the gateway's message "${ENTRA_ID_REFUSAL}")` });
  if (values["api-key"]) {
    const target: Target = { gateway: `${base}/keys`, endpoint: first, shape: "azure", apiKey: values["api-key"] };
    const r = await timedRequest(client(target), target, { messages: [{ role: "user", content: "Reply with one word: ok" }], maxTokens: 8, stream: false }, { attempts: 1, baseMs: 0, maxWaitMs: 0 }, () => performance.now(), 0);
    checks.push({ endpoint: first, check: "keyed API answers", ok: r.status === 200, detail: `status ${r.status}${r.error ? ` (${r.error})` : ""}` });
  }
  const failed = checks.filter((c) => c.ok === false);
  io.out(`${table(["endpoint", "check", "result", "detail"], checks.map((c) => [c.endpoint, c.check, c.ok === "skipped" ? "skipped" : c.ok ? "ok" : "FAILED", c.detail]))}\n`);
  io.out(failed.length === 0 ? "smoke: every check passed\n" : `smoke: ${failed.length} check(s) failed\n`);
  return failed.length === 0 ? EXIT.ok : EXIT.policy;
}

/** One embeddings request: status, the slot the gateway names, prompt tokens. */
async function embed(openai: ReturnType<typeof client>, endpoint: string): Promise<{ status: number; slot?: string; promptTokens?: number; completionTokens?: number; error?: string }> {
  try {
    const { data, response } = await openai.embeddings.create({ model: endpoint, input: "ok" }).withResponse();
    const slot = response.headers.get("x-genai-slot");
    return { status: response.status, ...(slot ? { slot } : {}), promptTokens: data.usage?.prompt_tokens ?? 0 };
  } catch (error) {
    return { status: (error as { status?: number }).status ?? 0, error: (error as Error).message };
  }
}

if (require.main === module) {
  smoke(process.argv.slice(2), resolve(__dirname, ".."), { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) }).then(
    (code) => (process.exitCode = code),
    (error) => {
      process.stderr.write(`smoke: ${(error as Error).stack ?? error}\n`);
      process.exitCode = EXIT.programFailed;
    },
  );
}

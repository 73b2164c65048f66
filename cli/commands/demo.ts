// `npm run demo [-- --out DIR]`: the verify tools, offline. Starts the loopback gateway (a local server that
// answers as the platform's gateway does: streamed chat and embeddings with usage, the x-genai-slot
// header, 401 for a missing token or key), runs a load test and the smoke test of the dev stack against it,
// and stops it. Nothing leaves this machine. Exit codes: 0 both ran and passed; 1 a check failed; 2
// invalid arguments.
import "../shared/startup";
import { join, resolve } from "node:path";
import { type CommandSpec, helpText, parseCommandLine, wantsHelp } from "../shared/args";
import { type CommandIo, EXIT, UsageError, processIo, quietOnClosedPipe } from "../shared/io";
import { startLoopback } from "../loadtest/loopbackServer";
import { spawn } from "node:child_process";
import { TOKEN_ENV } from "../shared/credential";
import { outputDirProblem } from "../shared/outWriter";

/** Runs `npm run <command> -- <argv>` as a person would (a command never imports another), its output passed on. */
function run(
  command: string,
  argv: string[],
  projectDir: string,
  io: CommandIo,
  env: NodeJS.ProcessEnv,
): Promise<number> {
  return new Promise((done) => {
    const child = spawn(process.execPath, ["--import", "tsx", join("cli", "commands", `${command}.ts`), ...argv], {
      cwd: projectDir,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout.on("data", (chunk: Buffer) => io.out(chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => io.err(chunk.toString()));
    child.on("close", (code) => done(code ?? EXIT.programFailed));
    child.on("error", (error) => {
      io.err(`demo: ${command}: ${error.message}\n`);
      done(EXIT.programFailed);
    });
  });
}

export const DEMO_SPEC: CommandSpec = {
  command: "demo",
  summary:
    "The load test and the smoke test, offline: against the loopback gateway (a local server that answers as the platform's gateway does, with a fixed first-token delay), a 40-request load test of the dev stack's chat endpoint, then the smoke test of every dev endpoint. Nothing leaves this machine.",
  options: {
    out: {
      type: "string",
      value: "DIR",
      default: "out/demo",
      help: "where the load test's charts and JSON are written",
    },
  },
  examples: ["npm run demo", "npm run demo -- --out /tmp/demo"],
  notes: ["exit codes: 0 both ran and every check passed; 1 a check failed; 2 invalid arguments"],
};

export async function demo(argv: string[], projectDir: string, io: CommandIo = processIo): Promise<number> {
  if (wantsHelp(argv)) {
    io.out(helpText(DEMO_SPEC));
    return EXIT.ok;
  }
  let out: string;
  try {
    const given = parseCommandLine(DEMO_SPEC, argv).values.out as string;
    out = resolve(given);
    // Checked before the gateway starts: a folder that cannot take the results refuses the whole demo.
    const problem = outputDirProblem(out);
    if (problem) throw new UsageError(`--out ${given}: ${problem}; nothing was run`);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.err(`demo: ${error.message}\n`);
    return EXIT.invalid;
  }
  const server = await startLoopback({
    requireAuth: true,
    firstTokenDelayMs: 120,
    interTokenDelayMs: 10,
    outputTokens: 24,
    slotOf: () => "blue",
  });
  // The demo's own bearer token, for the commands it runs: the loopback gateway checks its shape, not its signature.
  const env = { ...process.env, [TOKEN_ENV]: "demo-token" };
  try {
    io.out(`demo: the loopback gateway listens on ${server.url} (a local stand-in for the gateway)\n\n`);
    io.out(`$ npm run loadtest -- --gateway ${server.url} --endpoint chat --rps 20 --requests 40\n`);
    const loaded = await run(
      "loadtest",
      [
        "--gateway",
        server.url,
        "--endpoint",
        "chat",
        "--rps",
        "20",
        "--requests",
        "40",
        "--json",
        join(out, "results.json"),
        "--out",
        join(out, "charts"),
      ],
      projectDir,
      io,
      env,
    );
    io.out(`\n$ npm run smoke -- --stack dev --gateway ${server.url} --api-key demo-key --timeout 5\n`);
    const smoked = await run(
      "smoke",
      ["--stack", "dev", "--gateway", server.url, "--api-key", "demo-key", "--timeout", "5"],
      projectDir,
      io,
      env,
    );
    io.out(
      `\ndemo: the load test ${loaded === 0 ? "ran" : `exited ${loaded}`}, the smoke test ${smoked === 0 ? "passed" : `exited ${smoked}`}; against a deployed gateway, run the same two commands with its URL (docs/load-and-smoke-tests.md)\n`,
    );
    return Math.max(loaded, smoked);
  } finally {
    await server.close();
  }
}

if (require.main === module) {
  quietOnClosedPipe();
  demo(process.argv.slice(2), resolve(__dirname, "../..")).then(
    (code) => (process.exitCode = code),
    (error: unknown) => {
      process.stderr.write(`demo: ${error instanceof Error ? error.stack : String(error)}\n`);
      process.exitCode = EXIT.programFailed;
    },
  );
}

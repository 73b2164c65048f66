// `npm run smoke` against gateways that misbehave: one that never answers (bounded by --timeout), one
// whose errors carry terminal escape sequences (printed without them), one that names a slot such as
// `constructor` (a slot the stack does not have, not a property of every object), one that answers 200
// with an HTML page (a failure, not an answer). And its arguments: refused before anything is sent.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createTcpServer, type AddressInfo, type Server as TcpServer, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { smoke } from "../cli/commands/smoke";
import { startLoopback, type Loopback } from "../cli/loadtest/loopbackServer";
import { PROJECT_DIR } from "./helpers";

let servers: (Server | TcpServer)[] = [];
let sockets: Socket[] = [];
let loopback: Loopback | undefined;
afterEach(async () => {
  for (const s of sockets) s.destroy();
  await Promise.all(servers.map((s) => new Promise<void>((done) => s.close(() => done()))));
  await loopback?.close();
  servers = [];
  sockets = [];
  loopback = undefined;
});

async function http(handle: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  const server = createServer((req, res) => {
    sockets.push(req.socket);
    req.resume();
    req.on("end", () => handle(req, res));
  });
  servers.push(server);
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function run(...args: string[]): Promise<{ code: number; out: string }> {
  let out = "";
  const previous = process.env.GENAI_GATEWAY_TOKEN;
  process.env.GENAI_GATEWAY_TOKEN = "test-token";
  try {
    const code = await smoke(["--stack", "prod", "--attempts", "2", ...args], PROJECT_DIR, {
      out: (t) => (out += t),
      err: (t) => (out += t),
    });
    return { code, out };
  } finally {
    if (previous === undefined) delete process.env.GENAI_GATEWAY_TOKEN;
    else process.env.GENAI_GATEWAY_TOKEN = previous;
  }
}

describe("npm run smoke against a misbehaving gateway", () => {
  it("gives up on a gateway that accepts and never answers after --timeout, naming the limit (exit 1)", async () => {
    const server = createTcpServer((socket) => {
      sockets.push(socket);
      socket.on("error", () => undefined);
    });
    servers.push(server);
    await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
    const { code, out } = await run(
      "--gateway",
      `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      "--timeout",
      "1",
    );
    expect(code).toBe(1);
    expect(out).toMatch(/chat\s+│ answers 200\s+│ FAILED\s+│ timeout \(first byte after 1 s\)/);
    expect(out).toMatch(/key refused on the Entra ID API │ FAILED\s+│ timeout \(first byte after 1 s\)/);
  });

  it("prints what the gateway sends without its escape sequences and control characters", async () => {
    const url = await http((req, res) => {
      const evil = "\u001b[2J\u001b]0;owned\u0007denied \u009b31mhere\r\u0000";
      if (req.headers["api-key"])
        return void res
          .writeHead(401, { "content-type": "application/json" })
          .end(JSON.stringify({ statusCode: 401, message: evil }));
      res
        .writeHead(500, { "content-type": "application/json", "x-genai-slot": "blue" })
        .end(JSON.stringify({ error: { message: evil } }));
    });
    const { code, out } = await run("--gateway", url);
    expect(code).toBe(1);
    expect(out).toContain("status 500: denied here");
    expect(out).toContain("status 401: denied here");
    expect(out).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
  });

  it("reports a slot named like an object property as a slot the stack does not have", async () => {
    loopback = await startLoopback({
      firstTokenDelayMs: 0,
      interTokenDelayMs: 0,
      outputTokens: 2,
      requireAuth: true,
      slotOf: () => "constructor" as "blue",
    });
    const { code, out } = await run("--gateway", loopback.url);
    expect(code).toBe(1);
    expect(out).toMatch(/chat\s+│ slot constructor\s+│ FAILED\s+│ the gateway named a slot the stack does not have/);
    expect(out).not.toContain("answered although its weight is 0");
  });

  it("counts a 200 with an HTML page as a failed answer, not as the slot answering", async () => {
    const url = await http((_req, res) =>
      res.writeHead(200, { "content-type": "text/html", "x-genai-slot": "blue" }).end("<html>maintenance</html>"),
    );
    const { code, out } = await run("--gateway", url);
    expect(code).toBe(1);
    expect(out).toMatch(
      /chat\s+│ answers 200\s+│ FAILED\s+│ status 200: content type "text\/html", not application\/json/,
    );
    expect(out).toMatch(/embeddings\s+│ answers 200\s+│ FAILED\s+│ status 200: content type "text\/html"/);
  });
});

describe("npm run smoke's arguments", () => {
  it.each([
    [["--gateway", "http://"], '--gateway "http://" is not a URL'],
    [["--gateway", "http://[::1"], '--gateway "http://[::1" is not a URL'],
    [["--gateway", "https://g.example/a b"], "holds a space or a control character"],
    [
      ["--gateway", "https://g.example", "--attempts", "0x19"],
      '--attempts "0x19": give a whole number from 1 to 1000 in decimal digits',
    ],
    [["--gateway", "https://g.example", "--attempts", ""], '--attempts "": give a whole number from 1 to 1000'],
    [
      ["--gateway", "https://g.example", "--min-requests", "1e1"],
      '--min-requests "1e1": give a whole number from 1 to 2 in decimal digits',
    ],
    [["--gateway", "https://g.example", "--timeout", "0x19"], '--timeout "0x19": give a whole number from 1 to 3600'],
    [
      ["--gateway", "https://g.example", "--audience", "api://x\nY"],
      '--audience "api://x\\nY" holds a control character',
    ],
    [["--gateway", "https://g.example", "--api-key", "k\r\n"], "--api-key holds a control character"],
    [["--gateway", "https://g.example", "--stack", "../prod"], '--stack "../prod" is not a stack name'],
    [
      ["--gateway", "https://g.example", "--config-file", "/dev/zero"],
      "--config-file /dev/zero is not a regular file (a device)",
    ],
  ])("refuses %j before sending anything (exit 2)", async (args, message) => {
    loopback = await startLoopback({ firstTokenDelayMs: 0, interTokenDelayMs: 0, outputTokens: 2 });
    const { code, out } = await run(...args.map((a) => (a === "https://g.example" ? loopback!.url : a)));
    expect(code).toBe(2);
    expect(out).toContain(message);
    expect(loopback.arrivals).toHaveLength(0);
  });

  it("documents --timeout and its defaults in --help", async () => {
    let out = "";
    expect(await smoke(["--help"], PROJECT_DIR, { out: (t) => (out += t), err: (t) => (out += t) })).toBe(0);
    expect(out).toMatch(
      /--timeout S\|connect=S,first-byte=S,idle=S\s+limits in seconds, each or all \(default connect=10,first-byte=60,idle=60\)/,
    );
  });
});

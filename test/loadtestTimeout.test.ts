// --timeout bounds what a silent server costs: a connection that never completes (a TLS handshake never
// answered), a server that accepts and never answers or trickles its headers, a stream that falls silent.
// Each ends the request as a failure whose reason names the limit, with one-second limits on loopback.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createTcpServer, type AddressInfo, type Server as TcpServer, type Socket } from "node:net";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadtest } from "../cli/commands/loadtest";

// The tests wait on timers, not the CPU: they run concurrently, each against servers of its own, closed at the end.
const servers: (Server | TcpServer)[] = [];
const sockets: Socket[] = [];
afterAll(async () => {
  for (const s of sockets) s.destroy();
  await Promise.all(servers.map((s) => new Promise<void>((done) => s.close(() => done()))));
});

/** A TCP server that accepts, reads, and does `onRequest` with the socket (or nothing); resolves to its port. */
async function tcp(onRequest?: (socket: Socket) => void): Promise<number> {
  const server = createTcpServer((socket) => {
    sockets.push(socket);
    socket.on("error", () => undefined);
    socket.once("data", () => onRequest?.(socket));
  });
  servers.push(server);
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  return (server.address() as AddressInfo).port;
}

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

async function run(
  gateway: string,
  ...args: string[]
): Promise<{
  code: number;
  out: string;
  requests: { status: number; failure?: string; error?: string }[];
  failures: Record<string, number>;
}> {
  const dir = mkdtempSync(join(tmpdir(), "genai-loadtest-timeout-"));
  let out = "";
  const code = await loadtest(
    [
      "--gateway",
      gateway,
      "--endpoint",
      "chat",
      "--api-key",
      "k",
      "--requests",
      "1",
      "--attempts",
      "1",
      "--json",
      join(dir, "r.json"),
      "--out",
      join(dir, "charts"),
      ...args,
    ],
    { out: (t) => (out += t), err: (t) => (out += t) },
  );
  const json = JSON.parse(readFileSync(join(dir, "r.json"), "utf8"));
  return { code, out, requests: json.requests, failures: json.summary.all.failures };
}

describe.concurrent("--timeout", () => {
  it("fails a request to a server that accepts and never answers: timeout (first byte after N s)", async () => {
    const port = await tcp();
    const { code, out, requests, failures } = await run(`http://127.0.0.1:${port}`, "--timeout", "1");
    expect(code).toBe(0);
    expect(requests).toEqual([
      expect.objectContaining({ status: 0, failure: "timeout-first-byte", error: "timeout (first byte after 1 s)" }),
    ]);
    expect(failures).toEqual({ "timeout-first-byte": 1 });
    expect(out).toContain("timeout (first byte after 1 s)");
  });

  it("cuts off a server that trickles its headers a byte at a time, by the first-byte limit alone", async () => {
    const port = await tcp((socket) => {
      socket.write("HTTP/1.1 200 OK\r\n");
      const timer = setInterval(() => socket.write("X"), 100);
      socket.on("close", () => clearInterval(timer));
    });
    const { requests } = await run(
      `http://127.0.0.1:${port}`,
      "--timeout",
      "connect=5,first-byte=1,idle=5",
      "--no-stream",
    );
    expect(requests[0]).toMatchObject({ failure: "timeout-first-byte", error: "timeout (first byte after 1 s)" });
  });

  it("fails a stream that falls silent after two chunks: timeout (idle after N s)", async () => {
    const url = await http((_req, res) => {
      res.writeHead(200, { "content-type": "text/event-stream", "x-genai-slot": "green" });
      res.write(`data: ${JSON.stringify({ choices: [{ index: 0, delta: { role: "assistant", content: "" } }] })}\n\n`);
      res.write(`data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: "Hi" } }] })}\n\n`); // then silence
    });
    const { requests, failures } = await run(url, "--timeout", "idle=1");
    expect(requests[0]).toMatchObject({
      status: 200,
      failure: "timeout-idle",
      error: "timeout (idle after 1 s) after 2 events",
    });
    expect(failures).toEqual({ "timeout-idle": 1 });
  });

  it("fails a connection whose TLS handshake never completes: timeout (connect after N s)", async () => {
    const port = await tcp(); // accepts TCP, never answers the ClientHello
    const { requests } = await run(`https://127.0.0.1:${port}`, "--timeout", "connect=1");
    expect(requests[0]).toMatchObject({ status: 0, failure: "timeout-connect", error: "timeout (connect after 1 s)" });
  });

  it("retries a timed-out attempt like a refused one, each attempt within the limit", async () => {
    const port = await tcp();
    const { requests } = await run(`http://127.0.0.1:${port}`, "--timeout", "1", "--attempts", "2", "--max-wait", "0");
    expect(requests[0]).toMatchObject({ retries: 1, failure: "timeout-first-byte" });
  });
});

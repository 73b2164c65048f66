// The load generator's HTTP transport (the `openai` client's fetch hook over undici's request API)
// behaves as fetch does for what the client relies on: method, headers and body out; status, repeated
// headers and a streamed, decoded body back; no body on 204; an abort or a silent stream ends it; a
// status fetch refuses frees the socket; other bodies fall back.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { gzipSync } from "node:zlib";
import { DEFAULT_TIMEOUTS, createFetch, fetchForClient } from "../cli/loadtest/transport";

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise<void>((done) => (server ? server.close(() => done()) : done()));
  server = undefined;
});

async function serve(handle: (req: IncomingMessage, body: string, res: ServerResponse) => void): Promise<string> {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req
      .on("data", (c: Buffer) => chunks.push(c))
      .on("end", () => handle(req, Buffer.concat(chunks).toString("utf8"), res));
  });
  await new Promise<void>((done) => server!.listen(0, "127.0.0.1", done));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe("fetchForClient", () => {
  it("sends method, headers and body; returns status, repeated headers and the body", async () => {
    const url = await serve((req, body, res) => {
      res.setHeader("set-cookie", ["a=1", "b=2"]);
      res.writeHead(429, {
        "content-type": "application/json",
        "retry-after": "3",
        "x-echo": `${req.method} ${req.headers["api-key"]} ${body}`,
      });
      res.end('{"error":{"message":"slow down"}}');
    });
    const response = await fetchForClient(`${url}/openai/v1/chat/completions`, {
      method: "POST",
      headers: { "api-key": "k", "content-type": "application/json" },
      body: '{"x":1}',
    });
    expect(response.status).toBe(429);
    expect(response.ok).toBe(false);
    expect(response.headers.get("retry-after")).toBe("3");
    expect(response.headers.get("x-echo")).toBe('POST k {"x":1}');
    expect(response.headers.getSetCookie()).toEqual(["a=1", "b=2"]);
    expect(await response.json()).toEqual({ error: { message: "slow down" } });
  });

  it("streams the body as it arrives, and has no body on 204", async () => {
    let release: () => void = () => undefined;
    const url = await serve((req, _body, res) => {
      if (req.url === "/empty") return void res.writeHead(204).end();
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write("data: 1\n\n");
      release = () => res.end("data: [DONE]\n\n");
    });
    const empty = await fetchForClient(`${url}/empty`);
    expect(empty.status).toBe(204);
    expect(empty.body).toBeNull();
    const streamed = await fetchForClient(`${url}/stream`);
    const reader = streamed.body!.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe("data: 1\n\n"); // before the server ends
    release();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe("data: [DONE]\n\n");
    expect((await reader.read()).done).toBe(true);
  });

  it("asks for gzip and decodes it, as fetch does", async () => {
    const url = await serve((req, _body, res) => {
      res.writeHead(200, { "content-type": "application/json", "content-encoding": "gzip" });
      res.end(gzipSync(JSON.stringify({ asked: req.headers["accept-encoding"] })));
    });
    expect(await (await fetchForClient(`${url}/z`)).json()).toEqual({ asked: "gzip, deflate" });
  });

  it("sets host and content-length itself, whatever the caller passes", async () => {
    const url = await serve((req, body, res) =>
      res.writeHead(200).end(`${req.headers.host} ${req.headers["content-length"]} ${body}`),
    );
    const response = await fetchForClient(`${url}/h`, {
      method: "POST",
      headers: { host: "other.example", "content-length": "99" },
      body: "abc",
    });
    expect(await response.text()).toBe(`${new URL(url).host} 3 abc`);
  });

  it("ends a stream when the signal aborts after the headers, and fails one that falls silent", async () => {
    const url = await serve((_req, _body, res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write("data: 1\n\n"); // then silence
    });
    const controller = new AbortController();
    const aborted = await fetchForClient(`${url}/a`, { signal: controller.signal });
    const reader = aborted.body!.getReader();
    await reader.read();
    controller.abort();
    await expect(reader.read()).rejects.toThrow(/abort/i);
    const silent = await createFetch({ timeouts: { ...DEFAULT_TIMEOUTS, idleMs: 200 } })(`${url}/s`);
    const silentReader = silent.body!.getReader();
    await silentReader.read();
    await expect(silentReader.read()).rejects.toThrow(/timeout/i);
  });

  it("frees the socket when the status is one a Response cannot have", async () => {
    let closed = 0;
    const url = await serve((_req, _body, res) => {
      res.socket!.on("close", () => closed++);
      res.writeHead(999).write("partial");
    });
    await expect(fetchForClient(`${url}/odd`)).rejects.toThrow(RangeError);
    await expect.poll(() => closed, { timeout: 2_000 }).toBe(1);
  });

  it("stops waiting when the signal aborts", async () => {
    const url = await serve(() => undefined); // never answers
    const controller = new AbortController();
    const pending = fetchForClient(`${url}/hang`, { signal: controller.signal });
    controller.abort();
    await expect(pending).rejects.toThrow(/abort/i);
  });

  it("hands bodies the request API does not take to the global fetch", async () => {
    const url = await serve((req, body, res) =>
      res
        .writeHead(200, { "content-type": "text/plain" })
        .end(`${req.headers["content-type"]?.split(";")[0]} ${body.includes('name="f"') ? "form" : "?"}`),
    );
    const form = new FormData();
    form.set("f", "v");
    const response = await fetchForClient(`${url}/upload`, { method: "POST", body: form });
    expect(await response.text()).toBe("multipart/form-data form");
  });
});

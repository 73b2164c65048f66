// A request counts as answered only when the answer is the protocol's, and every failure is counted by
// kind: an HTML page or an empty body with status 200, an event stream to a non-streaming request, a
// stream cut after two chunks, without `data: [DONE]` or without the usage chunk it was asked for, a
// malformed event, a line over the limit. The event-stream reader splits lines on CR, LF and CRLF across
// chunk boundaries and refuses a line past its limit; remote text reaches the terminal without escape
// sequences or control characters. Served by a tiny server per test on loopback.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { loadtest } from "../cli/commands/loadtest";
import { printable } from "../cli/shared/terminalText";
import { SseDecoder, SseTooLarge, MAX_LINE_BYTES } from "../cli/loadtest/sse";

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise<void>((done) => (server ? server.close(() => done()) : done()));
  server = undefined;
});

/** A server answering the n-th request (from 0) with `answer`; resolves to its URL. */
async function serve(answer: (n: number, req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  let n = 0;
  server = createServer((req, res) => {
    const i = n++;
    req.resume();
    req.on("end", () => answer(i, req, res));
  });
  await new Promise<void>((done) => server!.listen(0, "127.0.0.1", done));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const chunk = (delta: Record<string, unknown>) =>
  `data: ${JSON.stringify({ id: "c", object: "chat.completion.chunk", choices: [{ index: 0, delta, finish_reason: null }] })}\n\n`;
const usageChunk = `data: ${JSON.stringify({ id: "c", object: "chat.completion.chunk", choices: [], usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 } })}\n\n`;
const completion = (usage = true) =>
  JSON.stringify({
    id: "c",
    object: "chat.completion",
    choices: [{ index: 0, message: { role: "assistant", content: "ok" }, finish_reason: "stop" }],
    ...(usage ? { usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 } } : {}),
  });
const sse = (res: ServerResponse) =>
  res.writeHead(200, { "content-type": "text/event-stream", "x-genai-slot": "blue" });

async function loadtestJson(
  url: string,
  ...args: string[]
): Promise<{
  code: number;
  out: string;
  json: {
    summary: { all: { ok: number; requests: number; errorRate: number; failures: Record<string, number> } };
    requests: { failure?: string; error?: string; status: number }[];
  };
}> {
  const dir = mkdtempSync(join(tmpdir(), "genai-loadtest-protocol-"));
  let out = "";
  const code = await loadtest(
    [
      "--gateway",
      url,
      "--endpoint",
      "chat",
      "--api-key",
      "k",
      "--concurrency",
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
  return { code, out, json: code === 0 ? JSON.parse(readFileSync(join(dir, "r.json"), "utf8")) : undefined };
}

describe("what counts as an answer", () => {
  it("without streaming: only application/json holding a chat completion with usage; the rest counted by kind", async () => {
    const url = await serve((n, _req, res) => {
      if (n === 0)
        return void res
          .writeHead(200, { "content-type": "text/html" })
          .end("<html><body>Service maintenance</body></html>");
      if (n === 1) return void res.writeHead(200, { "content-type": "application/json" }).end();
      if (n === 2) return void (sse(res), res.end(`${chunk({ content: "ok" })}${usageChunk}data: [DONE]\n\n`));
      if (n === 3) return void res.writeHead(200, { "content-type": "application/json" }).end(completion(false));
      if (n === 4) return void res.writeHead(200, { "content-type": "application/json" }).end('{"choices": [');
      if (n === 5)
        return void res.writeHead(200, { "content-type": "application/json" }).end('{"object": "list", "data": []}');
      res
        .writeHead(200, { "content-type": "application/json; charset=utf-8", "x-genai-slot": "blue" })
        .end(completion());
    });
    const { code, out, json } = await loadtestJson(url, "--no-stream", "--requests", "7");
    expect(code).toBe(0);
    expect(json.summary.all.ok).toBe(1);
    expect(json.summary.all.failures).toEqual({
      "content-type": 2,
      "malformed-json": 2,
      "no-usage": 1,
      "not-a-completion": 1,
    });
    expect(json.requests.map((r) => r.error)).toEqual([
      'content type "text/html", not application/json',
      "the body is empty, not JSON",
      'content type "text/event-stream", not application/json',
      "the chat completion has no usage block (prompt_tokens, completion_tokens)",
      "the body is not well-formed JSON",
      "the JSON is not a chat completion (no choices with a message)",
      undefined,
    ]);
    expect(json.requests.every((r) => r.status === 200)).toBe(true);
    expect(out).toMatch(
      /failures by kind[\s\S]*content-type\s+│ 2\s+│ content type "text\/html", not application\/json/,
    );
  });

  it("streaming: only an event stream of JSON chunks ending in data: [DONE], with the usage chunk asked for; the rest counted by kind", async () => {
    const url = await serve((n, _req, res) => {
      if (n === 0) {
        sse(res);
        res.write(chunk({ role: "assistant", content: "" }));
        res.write(chunk({ content: "Hel" }));
        return void setTimeout(() => res.socket?.destroy(), 20); // a reset after two chunks
      }
      if (n === 1) return void (sse(res), res.end(`${chunk({ content: "Hi" })}${usageChunk}`));
      if (n === 2) return void (sse(res), res.end(`${chunk({ content: "Hi" })}data: [DONE]\n\n`));
      if (n === 3)
        return void (
          sse(res),
          res.end(`${chunk({ content: "Hi" })}data: {"choices": [\n\n${usageChunk}data: [DONE]\n\n`)
        );
      if (n === 4) return void res.writeHead(200, { "content-type": "application/json" }).end(completion());
      if (n === 5) {
        sse(res);
        res.write('data: {"choices": [{"delta": {"content": "');
        res.write("a".repeat(MAX_LINE_BYTES + 1));
        return void res.end(`"}}]}\n\n${usageChunk}data: [DONE]\n\n`);
      }
      if (n === 6)
        return void (
          sse(res),
          res.end(`${chunk({ content: "Hi" })}data: {"error": {"message": "content filtered"}}\n\ndata: [DONE]\n\n`)
        );
      if (n === 7)
        return void (
          sse(res),
          res.end(`${chunk({ content: "Hi" })}data: {"id": "c"}\n\n${usageChunk}data: [DONE]\n\n`)
        );
      sse(res);
      res.end(
        `: keep-alive\r\n\r\n${chunk({ role: "assistant" })}${chunk({ content: "Hi" })}${chunk({ content: " there" })}${usageChunk}data: [DONE]\n\n`,
      );
    });
    const { code, out, json } = await loadtestJson(url, "--requests", "9");
    expect(code).toBe(0);
    expect(json.summary.all.ok).toBe(1);
    expect(json.summary.all.failures).toEqual({
      "content-type": 1,
      "error-event": 1,
      "malformed-json": 1,
      "no-done": 1,
      "no-usage": 1,
      "not-a-completion": 1,
      "stream-broken": 1,
      "too-large": 1,
    });
    const reasons = json.requests.map((r) => r.error);
    expect(reasons[0]).toMatch(/^the body broke after 2 events: /);
    expect(reasons.slice(1)).toEqual([
      "the stream ended after 2 events without data: [DONE]",
      "the stream ended without a usage chunk (stream_options.include_usage asked for one)",
      "event 2 is not well-formed JSON",
      'content type "application/json", not text/event-stream',
      `an event-stream line longer than ${MAX_LINE_BYTES} bytes`,
      "event 2 is an error: content filtered",
      "event 2 is not a chat-completion chunk (no choices)",
      undefined,
    ]);
    expect(out).toMatch(/failures by kind[\s\S]*stream-broken\s+│ 1/);
    // A broken colour fails the gate's error rate: 8 of 9 failed.
    expect(json.summary.all.errorRate).toBeCloseTo(8 / 9, 6);
  });
});

describe("the event-stream reader", () => {
  const decode = (chunks: (string | Buffer)[], max = MAX_LINE_BYTES) => {
    const decoder = new SseDecoder(max);
    return chunks.flatMap((c) => decoder.push(typeof c === "string" ? Buffer.from(c) : c));
  };

  it("splits lines on LF, CR and CRLF, also where a chunk ends between CR and LF, and joins data lines", () => {
    expect(decode(["data: a\n\n", "data: b\r\n\r\n", "data: c\r\r", "data: d\r", "\n\r", "\n"])).toEqual([
      { data: "a" },
      { data: "b" },
      { data: "c" },
      { data: "d" },
    ]);
    expect(decode(["data: one\ndata:two\n", "data\n\n"])).toEqual([{ data: "one\ntwo\n" }]);
    expect(decode([": comment\nevent: error\ndata: {}\n\n", "id: 7\nretry: 10\ndata: x\n\n"])).toEqual([
      { event: "error", data: "{}" },
      { data: "x" },
    ]);
    // A line spread over many chunks, a multi-byte character cut between two, a byte order mark first.
    const text = Buffer.from("\ufeffdata: héllo wörld\n\n");
    expect(decode(Array.from(text, (b) => Buffer.from([b])))).toEqual([{ data: "héllo wörld" }]);
    // An event without its blank line is dropped at the end; an empty data line dispatches nothing.
    expect(decode(["data:\n\n", "data: cut"])).toEqual([]);
  });

  it("refuses a line over its limit, in one chunk or across many, and takes one exactly at it", () => {
    expect(decode([`data: ${"x".repeat(10)}\n\n`], 16)).toEqual([{ data: "x".repeat(10) }]);
    expect(() => decode([`data: ${"x".repeat(11)}\n\n`], 16)).toThrow(SseTooLarge);
    expect(() => decode(["data: ", "xxxx", "xxxx", "xxx", "\n\n"], 16)).toThrow(
      "an event-stream line longer than 16 bytes",
    );
    // A line that never ends fails as soon as it passes the limit, not when the body ends.
    const decoder = new SseDecoder(16);
    decoder.push(Buffer.from("data: 0123456789"));
    expect(() => decoder.push(Buffer.from("x"))).toThrow(SseTooLarge);
    // Many lines within the limit make one event whose data is over it.
    expect(() => decode(["data: 0123456789\n".repeat(3), "\n"], 32)).toThrow(
      "an event-stream event with more than 32 bytes of data",
    );
  });
});

describe("remote text on the terminal", () => {
  it("drops escape sequences and control characters, keeps tab and newline", () => {
    expect(printable("ok\u001b[31mred\u001b[0m")).toBe("okred");
    expect(printable("a\u001b]0;title\u0007b\u001b]8;;http://x\u001b\\c")).toBe("abc");
    expect(printable("a\u009b2Jb\u009d0;t\u009cc")).toBe("abc");
    expect(printable("x\u0000y\u0008z\rw\u007fv\u0085u")).toBe("xyzwvu");
    expect(printable("line\n\tindented")).toBe("line\n indented");
    expect(printable("abc\u202eevil\u2066")).toBe("abcevil");
    expect(printable("\u001bPq#0;2;0;0;0\u001b\\after")).toBe("after");
    expect(printable("trailing \u001b")).toBe("trailing ");
    expect(printable("0123456789", 4)).toBe("0123… (6 more characters)");
  });

  it("prints a failing server's escape sequences nowhere in the load test's report", async () => {
    const url = await serve((_n, _req, res) => {
      res.writeHead(503, { "content-type": "application/json", "x-genai-slot": "blue\u009b2J" });
      res.end(JSON.stringify({ error: { message: "\u001b[2J\u001b]0;owned\u0007backend \u009b31mdown\r\u0000" } }));
    });
    const { code, out, json } = await loadtestJson(url, "--requests", "2");
    expect(code).toBe(0);
    expect(out).toContain("status 503: backend down");
    expect(out).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
    expect(json.requests[0]!.error).toBe("status 503: backend down");
    expect(Object.keys(json.summary)).toEqual(["all", "blue"]);
  });
});

// The edges `npm run smoke` reports from the caller's side: DNS (an internal gateway must resolve to a
// private address), TLS (a trusted certificate naming the host), and the statuses of each backend the
// gateway named; pure checks first, then a real TLS handshake against a local server.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  backendEdges,
  gatewayEdges,
  isPrivateAddress,
  observeTls,
  resolveHost,
  type TlsSeen,
} from "../cli/smoke/edges";
import { DEFAULT_TIMEOUTS } from "../cli/loadtest/transport";

const internalUrl = new URL("https://apim-genai-prod.azure-api.net");

describe("caller → gateway, from what was seen", () => {
  it("classifies private and public addresses", () => {
    for (const a of ["10.0.0.4", "172.16.3.1", "192.168.1.1", "100.64.0.1", "127.0.0.1", "::1", "fd00::1", "fe80::1"])
      expect(isPrivateAddress(a), a).toBe(true);
    for (const a of ["20.50.1.2", "172.32.0.1", "8.8.8.8", "2001:db8::1", "not-an-ip"])
      expect(isPrivateAddress(a), a).toBe(false);
  });

  it("fails an internal gateway whose name resolves to a public address here, naming the private zone", () => {
    const [dns] = gatewayEdges(internalUrl, true, { dns: { addresses: ["20.50.1.2"] } });
    expect(dns).toMatchObject({ edge: "caller → gateway: DNS", ok: false });
    expect(dns!.seen).toContain("20.50.1.2 (public)");
    expect(dns!.seen).toContain("azure-api.net private zone");
    expect(gatewayEdges(internalUrl, true, { dns: { addresses: ["10.0.0.4"] } })[0]).toMatchObject({
      ok: true,
      seen: "apim-genai-prod.azure-api.net → 10.0.0.4 (private)",
    });
    // A public gateway may resolve to a public address.
    expect(gatewayEdges(internalUrl, false, { dns: { addresses: ["20.50.1.2"] } })[0]!.ok).toBe(true);
  });

  it("fails a name that does not resolve, and says where an internal gateway's names come from", () => {
    const [dns] = gatewayEdges(internalUrl, true, {
      dns: { addresses: [], error: "ENOTFOUND: getaddrinfo ENOTFOUND" },
    });
    expect(dns!.ok).toBe(false);
    expect(dns!.seen).toMatch(/does not resolve here \(ENOTFOUND.*private zone/);
  });

  it("fails a certificate for another name or one this machine does not trust; skips TLS over http", () => {
    const tls = (seen: TlsSeen) => gatewayEdges(internalUrl, true, { dns: { addresses: ["10.0.0.4"] }, tls: seen })[1]!;
    expect(tls({ names: ["*.azure-api.net"], authorized: true, nameMatches: true, protocol: "TLSv1.3" })).toMatchObject(
      { ok: true, seen: "*.azure-api.net, trusted, TLSv1.3" },
    );
    expect(tls({ names: ["api.contoso.com"], authorized: true, nameMatches: false })).toMatchObject({
      ok: false,
      seen: "the certificate names api.contoso.com, not apim-genai-prod.azure-api.net",
    });
    expect(
      tls({
        names: ["apim-genai-prod.azure-api.net"],
        authorized: false,
        nameMatches: true,
        error: "self-signed certificate",
      }),
    ).toMatchObject({ ok: false, seen: "not trusted here (self-signed certificate)" });
    expect(tls({ names: [], authorized: false, nameMatches: false, error: "connect ECONNREFUSED" })).toMatchObject({
      ok: false,
      seen: "no handshake: connect ECONNREFUSED",
    });
    expect(
      gatewayEdges(new URL("http://127.0.0.1:8080"), false, { dns: { addresses: ["127.0.0.1"] } })[1],
    ).toMatchObject({ ok: "skipped" });
  });
});

describe("gateway → backends, from the answers", () => {
  it("passes a backend that answered 2xx and points a refused one at its role or network rules", () => {
    const edges = backendEdges([
      { backend: "aoai-swc.openai.azure.com", status: 200 },
      { backend: "aoai-swc.openai.azure.com", status: 429 },
      { backend: "aoai-eus.openai.azure.com", status: 403 },
      { backend: "aoai-eus.openai.azure.com", status: 403 },
      { status: 500 },
    ]);
    expect(edges).toEqual([
      { edge: "gateway → aoai-swc.openai.azure.com", ok: true, seen: "200 ×1, 429 ×1" },
      {
        edge: "gateway → aoai-eus.openai.azure.com",
        ok: false,
        seen: "403 ×2: refused by the backend (the gateway identity's role on it, or its network rules)",
      },
    ]);
  });
});

describe("a real handshake", () => {
  let server: Server | undefined;
  let port = 0;
  const reason =
    spawnSync("openssl", ["version"]).status === 0
      ? undefined
      : "openssl is not installed, so no test certificate can be made";
  beforeAll(async () => {
    if (reason) return;
    const dir = mkdtempSync(join(tmpdir(), "genai-smoke-tls-"));
    const made = spawnSync("openssl", [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-days",
      "1",
      "-subj",
      "/CN=localhost",
      "-addext",
      "subjectAltName=DNS:localhost",
      "-keyout",
      join(dir, "key.pem"),
      "-out",
      join(dir, "cert.pem"),
    ]);
    expect(made.status, made.stderr.toString()).toBe(0);
    server = createServer(
      { key: readFileSync(join(dir, "key.pem")), cert: readFileSync(join(dir, "cert.pem")) },
      (_req, res) => res.end("ok"),
    );
    await new Promise<void>((done) => server!.listen(0, "127.0.0.1", done));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((done) => (server ? server.close(() => done()) : done())));

  it("reads the certificate's names, and reports it untrusted (self-signed) and matching localhost only", async (ctx) => {
    if (reason) {
      console.log(`skipped: ${reason}`);
      ctx.skip();
    }
    const seen = await observeTls("localhost", port, DEFAULT_TIMEOUTS);
    expect(seen.names).toEqual(["localhost"]);
    expect(seen.nameMatches).toBe(true);
    expect(seen.authorized).toBe(false);
    expect(seen.error).toMatch(/self.signed/i);
    const byAddress = await observeTls("127.0.0.1", port, DEFAULT_TIMEOUTS);
    expect(byAddress.nameMatches).toBe(false);
  });

  it("resolves localhost through this machine's resolver", async () => {
    const seen = await resolveHost("localhost");
    expect(seen.addresses.some((a) => a === "127.0.0.1" || a === "::1")).toBe(true);
    expect(await resolveHost("[::1]")).toEqual({ addresses: ["::1"] });
  });
});

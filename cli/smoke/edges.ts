// What the smoke test can see of the platform's edges from the caller's side: how the gateway's host
// name resolves here (and whether that address is private, as an internal gateway's must be), the name
// on the certificate it presents, and, for every answer, the backend the gateway says it forwarded to.
// A failed deploy then points at the edge: a public answer for an internal gateway is the missing
// azure-api.net zone, a certificate for another name is a custom domain not bound, a backend that only
// ever answers 401 or 403 is a role or a network rule on the account (the plan's reachability table
// names the same edges from the planned resources: policies/reachability.ts).
import { promises as dns } from "node:dns";
import { BlockList, isIP } from "node:net";
import { checkServerIdentity, connect, type PeerCertificate } from "node:tls";
import { printable } from "../shared/terminalText";
import type { Timeouts } from "../loadtest/transport";

/** Address ranges that never leave a private network: RFC 1918, shared (RFC 6598), loopback, link-local, unique local. */
const PRIVATE = new BlockList();
for (const [address, prefix] of [
  ["10.0.0.0", 8],
  ["172.16.0.0", 12],
  ["192.168.0.0", 16],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
] as const)
  PRIVATE.addSubnet(address, prefix, "ipv4");
for (const [address, prefix] of [
  ["fc00::", 7],
  ["fe80::", 10],
  ["::1", 128],
] as const)
  PRIVATE.addSubnet(address, prefix, "ipv6");

export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  return family !== 0 && PRIVATE.check(address, family === 4 ? "ipv4" : "ipv6");
}

export interface DnsSeen {
  readonly addresses: readonly string[];
  readonly error?: string;
}
export interface TlsSeen {
  readonly names: readonly string[];
  readonly authorized: boolean;
  readonly nameMatches: boolean;
  readonly protocol?: string;
  readonly error?: string;
}

/** The gateway's host name as this machine resolves it (the resolver every client here uses). */
export async function resolveHost(host: string): Promise<DnsSeen> {
  if (isIP(host.replace(/^\[|\]$/g, ""))) return { addresses: [host.replace(/^\[|\]$/g, "")] };
  try {
    return { addresses: (await dns.lookup(host, { all: true, verbatim: true })).map((a) => a.address) };
  } catch (error) {
    return {
      addresses: [],
      error: `${(error as NodeJS.ErrnoException).code ?? "error"}: ${printable((error as Error).message, 200)}`,
    };
  }
}

/** The names a certificate is issued for: its DNS subject alternative names, else its common name. */
function namesOf(cert: PeerCertificate): string[] {
  const alt = (cert.subjectaltname ?? "")
    .split(/,\s*/)
    .filter((n) => n.startsWith("DNS:"))
    .map((n) => n.slice(4));
  const cn = cert.subject?.CN;
  return alt.length > 0 ? alt : cn ? [String(cn)] : [];
}

/** The certificate the gateway presents for `host` (SNI), whether this machine trusts it and whether it names `host`. */
export function observeTls(host: string, port: number, limits: Timeouts): Promise<TlsSeen> {
  return new Promise((done) => {
    const socket = connect({
      host,
      port,
      servername: isIP(host) ? undefined : host,
      rejectUnauthorized: false,
      ALPNProtocols: ["http/1.1"],
    });
    const timer = setTimeout(() => {
      socket.destroy();
      done({
        names: [],
        authorized: false,
        nameMatches: false,
        error: `no TLS handshake within ${limits.connectMs / 1000} s`,
      });
    }, limits.connectMs);
    socket.once("secureConnect", () => {
      clearTimeout(timer);
      const cert = socket.getPeerCertificate();
      const names = namesOf(cert).map((n) => printable(n, 200));
      const mismatch =
        cert && Object.keys(cert).length > 0 ? checkServerIdentity(host, cert) : new Error("no certificate");
      done({
        names,
        authorized: socket.authorized,
        nameMatches: mismatch === undefined,
        protocol: socket.getProtocol() ?? undefined,
        ...(socket.authorized ? {} : { error: printable(String(socket.authorizationError ?? "not trusted"), 200) }),
      });
      socket.end();
    });
    socket.once("error", (error) => {
      clearTimeout(timer);
      done({ names: [], authorized: false, nameMatches: false, error: printable(error.message, 200) });
    });
  });
}

export interface EdgeCheck {
  readonly edge: string;
  readonly ok: boolean | "skipped";
  readonly seen: string;
}

/** The caller → gateway checks from what was seen: DNS (private for an internal gateway) and TLS (trusted, naming the host). */
export function gatewayEdges(url: URL, internal: boolean, seen: { dns: DnsSeen; tls?: TlsSeen }): EdgeCheck[] {
  const host = url.hostname;
  const edges: EdgeCheck[] = [];
  const { addresses, error } = seen.dns;
  if (error || addresses.length === 0) {
    edges.push({
      edge: "caller → gateway: DNS",
      ok: false,
      seen: `${host} does not resolve here (${error ?? "no address"})${internal ? ": an internal gateway's names resolve only through the network's azure-api.net private zone (linked to the caller's VNet)" : ""}`,
    });
  } else {
    const publicOnes = addresses.filter((a) => !isPrivateAddress(a));
    const list = addresses.map((a) => `${a} (${isPrivateAddress(a) ? "private" : "public"})`).join(", ");
    edges.push(
      internal && publicOnes.length > 0
        ? {
            edge: "caller → gateway: DNS",
            ok: false,
            seen: `${host} → ${list}: an internal gateway answers only on its private address; this resolver does not use the network's azure-api.net private zone (link it to the caller's VNet, or forward to Azure DNS from there)`,
          }
        : { edge: "caller → gateway: DNS", ok: true, seen: `${host} → ${list}` },
    );
  }
  if (url.protocol !== "https:") {
    edges.push({
      edge: "caller → gateway: TLS",
      ok: "skipped",
      seen: `${url.protocol.replace(":", "")}: no TLS (a deployed gateway is reached over https)`,
    });
  } else if (seen.tls) {
    const t = seen.tls;
    const names = t.names.join(", ");
    const seenTls =
      t.error !== undefined && t.names.length === 0
        ? `no handshake: ${t.error}`
        : !t.nameMatches
          ? `the certificate names ${names || "no names"}, not ${host}`
          : !t.authorized
            ? `not trusted here (${t.error ?? "unknown issuer"})`
            : `${names}, trusted, ${t.protocol ?? "TLS"}`;
    edges.push({ edge: "caller → gateway: TLS", ok: t.authorized && t.nameMatches, seen: seenTls });
  }
  return edges;
}

/** The gateway → backend edges seen in answers: per backend host the gateway named, the statuses it answered with. */
export function backendEdges(answers: readonly { readonly backend?: string; readonly status: number }[]): EdgeCheck[] {
  const byBackend = new Map<string, Map<number, number>>();
  for (const a of answers) {
    if (!a.backend) continue;
    const statuses = byBackend.get(a.backend) ?? new Map<number, number>();
    statuses.set(a.status, (statuses.get(a.status) ?? 0) + 1);
    byBackend.set(a.backend, statuses);
  }
  return [...byBackend].map(([backend, statuses]) => {
    const list = [...statuses]
      .sort(([a], [b]) => a - b)
      .map(([s, n]) => `${s} ×${n}`)
      .join(", ");
    const ok = [...statuses.keys()].some((s) => s >= 200 && s < 300);
    const denied = [...statuses.keys()].filter((s) => s === 401 || s === 403);
    const hint = ok
      ? ""
      : denied.length > 0
        ? ": refused by the backend (the gateway identity's role on it, or its network rules)"
        : ": never answered 2xx";
    return { edge: `gateway → ${backend}`, ok, seen: `${list}${hint}` };
  });
}

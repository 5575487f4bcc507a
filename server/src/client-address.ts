import { BlockList, isIPv4, isIPv6 } from "node:net";
import type { Context } from "hono";

/**
 * Which proxies in front of the server may say who the client is (TRUST_PROXY):
 * none (the socket's peer is the client), a number of hops (the Nth address
 * from the right of X-Forwarded-For, counting the socket's peer as the first),
 * or the networks the proxies live in (walk X-Forwarded-For from the right,
 * skipping trusted addresses; the first untrusted one is the client).
 */
export type TrustProxy = { hops: number } | { networks: string[] };

/** "2" → two hops; "10.0.0.0/8, 192.168.1.5" → those networks; empty or "0" → trust nothing. */
export function parseTrustProxy(text: string | undefined): TrustProxy | null {
  const v = (text ?? "").trim();
  if (v === "" || v === "false") return { hops: 0 };
  if (/^\d{1,2}$/.test(v)) return { hops: Number(v) };
  const networks = v.split(",").map((s) => s.trim()).filter(Boolean);
  return networks.every((n) => toSubnet(n) !== null) ? { networks } : null;
}

function toSubnet(text: string): { address: string; prefix: number; type: "ipv4" | "ipv6" } | null {
  const [address = "", bits] = text.split("/");
  const type = isIPv4(address) ? "ipv4" : isIPv6(address) ? "ipv6" : null;
  if (!type) return null;
  const max = type === "ipv4" ? 32 : 128;
  const prefix = bits === undefined ? max : /^\d{1,3}$/.test(bits) ? Number(bits) : NaN;
  return prefix >= 0 && prefix <= max ? { address, prefix, type } : null;
}

/** "::ffff:10.0.0.1" (an IPv4 peer on a dual-stack socket) is 10.0.0.1. */
const plain = (address: string) => address.trim().replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/i, "$1");

/** The client's address from the socket's peer and X-Forwarded-For, under `trust`. */
export function resolveClientAddress(peer: string, forwardedFor: string | undefined, trust: TrustProxy): string {
  const chain = [...(forwardedFor ?? "").split(",").map(plain).filter((a) => isIPv4(a) || isIPv6(a)), plain(peer)];
  if ("hops" in trust) return chain[Math.max(0, chain.length - 1 - trust.hops)]!;
  const trusted = new BlockList();
  for (const n of trust.networks) {
    const s = toSubnet(n)!;
    trusted.addSubnet(s.address, s.prefix, s.type);
  }
  const isTrusted = (a: string) => trusted.check(a, isIPv4(a) ? "ipv4" : "ipv6");
  for (let i = chain.length - 1; i > 0; i--) if (!isTrusted(chain[i]!)) return chain[i]!;
  return chain[0]!;
}

/**
 * The client's address as the rate limits count it: the one function that
 * reads X-Forwarded-For. Without a socket (app.request in tests, without an
 * env) every caller shares one key.
 */
export function clientAddress(c: Context, trust: TrustProxy): string {
  const peer = (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming?.socket?.remoteAddress;
  return peer ? resolveClientAddress(peer, c.req.header("x-forwarded-for"), trust) : "local";
}

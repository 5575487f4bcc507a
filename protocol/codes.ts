import { createHmac, sign, timingSafeEqual, verify, type KeyObject } from "node:crypto";

/**
 * Code formats (DESIGN §6).
 *
 * Personal pass: `P1.{payload}.{signature}`, payload = base64url JSON
 * {"p": personId, "i": issued-at epoch seconds}, signed with the server's
 * Ed25519 key so an onboard scanner verifies it offline. It carries no name or
 * phone: a lost card reveals nothing.
 *
 * Live code: `L1.{vehicleId}.{expiresAt epoch seconds}.{HMAC-SHA256}`, shown
 * as a QR of `{PUBLIC_URL}/v/{token}` on the driver's screen.
 */

export interface PassClaims {
  personId: string;
  issuedAt: number;
}

export function signPass(key: KeyObject, claims: PassClaims): string {
  const payload = Buffer.from(JSON.stringify({ p: claims.personId, i: claims.issuedAt })).toString("base64url");
  const signature = sign(null, Buffer.from(`P1.${payload}`), key).toString("base64url");
  return `P1.${payload}.${signature}`;
}

/** The claims of a genuine pass, or null for anything forged, damaged or not a pass. */
export function verifyPass(key: KeyObject, token: string): PassClaims | null {
  const parts = token.trim().split(".");
  if (parts.length !== 3 || parts[0] !== "P1") return null;
  const [, payload, signature] = parts as [string, string, string];
  try {
    if (!verify(null, Buffer.from(`P1.${payload}`), key, Buffer.from(signature, "base64url"))) return null;
    const body = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as { p?: unknown; i?: unknown };
    if (typeof body.p !== "string" || typeof body.i !== "number") return null;
    return { personId: body.p, issuedAt: body.i };
  } catch {
    return null;
  }
}

function liveMac(key: Buffer, vehicleId: string, expiresAtSec: number): string {
  return createHmac("sha256", key).update(`L1.${vehicleId}.${expiresAtSec}`).digest("base64url");
}

export function signLiveCode(key: Buffer, vehicleId: string, expiresAt: Date): string {
  const exp = Math.floor(expiresAt.getTime() / 1000);
  return `L1.${vehicleId}.${exp}.${liveMac(key, vehicleId, exp)}`;
}

export type LiveCodeCheck =
  | { ok: true; vehicleId: string; expiresAt: Date }
  | { ok: false; reason: "malformed" | "bad_signature" | "expired" };

export function isLiveCode(token: string): boolean {
  return token.startsWith("L1.");
}

export function verifyLiveCode(key: Buffer, token: string, now: Date): LiveCodeCheck {
  const parts = token.split(".");
  if (parts.length !== 4 || parts[0] !== "L1" || !/^\d+$/.test(parts[2] ?? "")) return { ok: false, reason: "malformed" };
  const [, vehicleId, expText, mac] = parts as [string, string, string, string];
  const exp = Number(expText);
  const expected = Buffer.from(liveMac(key, vehicleId, exp));
  const given = Buffer.from(mac);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return { ok: false, reason: "bad_signature" };
  const expiresAt = new Date(exp * 1000);
  if (expiresAt.getTime() <= now.getTime()) return { ok: false, reason: "expired" };
  return { ok: true, vehicleId, expiresAt };
}

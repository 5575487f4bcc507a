import { createHmac, timingSafeEqual } from "node:crypto";
import { signLiveCode, type LiveCodeCheck } from "../../../protocol/codes.ts";
import type { AppDeps } from "../context.ts";

/**
 * The live code a vehicle's screen shows (DESIGN §6): `{PUBLIC_URL}/v/{token}`,
 * valid for LIVE_CODE_TTL_SECONDS. The MQTT display publisher calls this and
 * republishes before `expiresAt`; the check-in path accepts the token in place
 * of a poster code id.
 */
export function liveCodeUrl(deps: Pick<AppDeps, "config" | "keys" | "clock">, vehicleId: string) {
  const expiresAt = new Date(deps.clock.now().getTime() + deps.config.liveCodeTtlSeconds * 1000);
  const token = signLiveCode(deps.keys.liveCode, vehicleId, expiresAt);
  return { token, url: `${deps.config.publicUrl}/v/${token}`, expiresAt };
}

export const posterCodeUrl = (publicUrl: string, codeId: string) => `${publicUrl}/v/${codeId}`;

/**
 * A passenger who scanned a valid live code may take longer than its 60 s to
 * type a phone number (and a one-time code) on the first scan. The page they
 * opened carries this ticket instead: a token type of its own (`T1.`, under a
 * key of its own), bound to the vehicle, accepted only by POST /checkins, and
 * expiring a fixed time after the live code it came from: opening the page
 * again does not renew it (GET /v/{ticket} is refused), so a photo of the
 * screen cannot be kept alive by chaining tickets. It is never shown on a
 * screen, so it does not bring back the photo-of-the-screen problem either.
 */
export const PAGE_TICKET_MS = 10 * 60_000;
const TICKET = "T1";

const ticketMac = (key: Buffer, vehicleId: string, exp: number) => createHmac("sha256", key).update(`${TICKET}.${vehicleId}.${exp}`).digest("base64url");

export function pageTicket(deps: Pick<AppDeps, "keys">, vehicleId: string, liveCodeExpiresAt: Date): string {
  const exp = Math.floor((liveCodeExpiresAt.getTime() + PAGE_TICKET_MS) / 1000);
  return `${TICKET}.${vehicleId}.${exp}.${ticketMac(deps.keys.pageTicket, vehicleId, exp)}`;
}

export const isPageTicket = (token: string) => token.startsWith(`${TICKET}.`);

export function verifyPageTicket(key: Buffer, token: string, now: Date): LiveCodeCheck {
  const parts = token.split(".");
  if (parts.length !== 4 || parts[0] !== TICKET || !/^\d{1,12}$/.test(parts[2] ?? "")) return { ok: false, reason: "malformed" };
  const [, vehicleId, expText, mac] = parts as [string, string, string, string];
  const exp = Number(expText);
  const expected = Buffer.from(ticketMac(key, vehicleId, exp));
  const given = Buffer.from(mac);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return { ok: false, reason: "bad_signature" };
  const expiresAt = new Date(exp * 1000);
  if (expiresAt.getTime() <= now.getTime()) return { ok: false, reason: "expired" };
  return { ok: true, vehicleId, expiresAt };
}

import { signLiveCode } from "../../../protocol/codes.ts";
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
 * type a phone number on the first scan. The page they opened carries this
 * ticket instead: the same signed format, bound to the vehicle, valid for 10
 * minutes. It is never shown on a screen, so it does not bring back the
 * photo-of-the-screen problem the live code solves.
 */
export const PAGE_TICKET_MS = 10 * 60_000;

export function pageTicket(deps: Pick<AppDeps, "keys" | "clock">, vehicleId: string): string {
  return signLiveCode(deps.keys.liveCode, vehicleId, new Date(deps.clock.now().getTime() + PAGE_TICKET_MS));
}

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

import type { Logger } from "pino";
import { signLiveCode } from "../../../protocol/index.ts";
import type { AppDeps } from "../context.ts";
import type { VehicleBus } from "../mqtt/vehicle-bus.ts";

/** The URL a live code's QR carries (DESIGN §6): the passenger page accepts the token in place of a poster code id. */
export function liveCodeUrl(publicUrl: string, token: string): string {
  return `${publicUrl}/v/${token}`;
}

/**
 * Keeps a fresh signed live code on each online vehicle's retained `display`
 * topic: every TTL/2 for all online vehicles, so a new code is always there
 * before the last one expires, and at once when a vehicle comes online.
 */
export function createLiveCodePublisher(
  deps: Pick<AppDeps, "config" | "clock" | "keys"> & { logger: Logger },
  bus: VehicleBus,
  onlineVehicles: () => Promise<string[]>,
) {
  const ttlMs = deps.config.liveCodeTtlSeconds * 1000;

  async function publishTo(vehicleId: string) {
    const expiresAt = new Date(deps.clock.now().getTime() + ttlMs);
    const token = signLiveCode(deps.keys.liveCode, vehicleId, expiresAt);
    // Whole seconds, as the token carries them, so the screen's countdown matches what the server checks.
    await bus.display(vehicleId, { url: liveCodeUrl(deps.config.publicUrl, token), expiresAt: Math.floor(expiresAt.getTime() / 1000) * 1000 });
  }

  return {
    /** Republish period: half the TTL, so a code is replaced well before it expires. */
    periodMs: Math.max(1_000, ttlMs / 2),
    publishTo,
    async publishAll() {
      const ids = await onlineVehicles();
      const results = await Promise.allSettled(ids.map(publishTo));
      const failed = results.filter((r) => r.status === "rejected").length;
      if (failed) deps.logger.warn({ failed, of: ids.length }, "could not publish some live codes");
    },
  };
}

export type LiveCodePublisher = ReturnType<typeof createLiveCodePublisher>;

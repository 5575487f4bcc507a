import type { Logger } from "pino";
import { liveCodeUrl } from "../codes/live-code.ts";
import type { AppDeps } from "../context.ts";
import type { VehicleBus } from "../mqtt/vehicle-bus.ts";

/**
 * Keeps a fresh signed live code (codes/live-code.ts) on each online
 * vehicle's retained `display` topic: every TTL/2 for all online vehicles, so
 * a new code is always there before the last one expires, and at once when a
 * vehicle comes online.
 */
export function createLiveCodePublisher(
  deps: Pick<AppDeps, "config" | "clock" | "keys" | "metrics"> & { logger: Logger },
  bus: VehicleBus,
  onlineVehicles: () => Promise<string[]>,
) {
  async function publish(vehicleId: string, trigger: "schedule" | "online") {
    const { url, expiresAt } = liveCodeUrl(deps, vehicleId);
    // Whole seconds, as the token carries them, so the screen's countdown matches what the server checks.
    await bus.display(vehicleId, { url, expiresAt: Math.floor(expiresAt.getTime() / 1000) * 1000 });
    deps.metrics.liveCodesPublished.inc({ trigger });
  }

  return {
    /** Republish period: half the TTL, so a code is replaced well before it expires. */
    periodMs: Math.max(1_000, (deps.config.liveCodeTtlSeconds * 1000) / 2),
    /** At once, to a vehicle that just came online (in whichever process took its status). */
    publishTo: (vehicleId: string) => publish(vehicleId, "online"),
    /** The round over all online vehicles: run by the leader only (jobs/leader-lease.ts). */
    async publishAll() {
      const ids = await onlineVehicles();
      const results = await Promise.allSettled(ids.map((id) => publish(id, "schedule")));
      const failed = results.filter((r) => r.status === "rejected").length;
      if (failed) deps.logger.warn({ failed, of: ids.length }, "could not publish some live codes");
    },
  };
}

export type LiveCodePublisher = ReturnType<typeof createLiveCodePublisher>;

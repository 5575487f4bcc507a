import type { Logger } from "pino";
import { liveCodeUrl } from "../codes/live-code.ts";
import type { AppDeps } from "../context.ts";
import type { VehicleBus } from "../mqtt/vehicle-bus.ts";

const ROUND_SLICE = 200;

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

  /** Republish period: half the TTL, so a code is replaced well before it expires. */
  const periodMs = Math.max(1_000, (deps.config.liveCodeTtlSeconds * 1000) / 2);

  return {
    periodMs,
    /** At once, to a vehicle that just came online (in whichever process took its status). */
    publishTo: (vehicleId: string) => publish(vehicleId, "online"),
    /** The round over all online vehicles: run by the leader only (jobs/leader-lease.ts). */
    /**
     * In slices of ROUND_SLICE spread over a third of the period, each slice
     * confirmed by the broker before the next: 10,000 codes signed and
     * published in one go held the event loop for seconds every 30 s, and
     * every fix arriving meanwhile waited (npm run bench:fleet, fix-to-row
     * p99). In id order, so a vehicle's turn comes at the same point of every
     * round: its code is replaced every period, well before it expires.
     */
    async publishAll() {
      const ids = (await onlineVehicles()).sort();
      const slices = Math.ceil(ids.length / ROUND_SLICE);
      const gapMs = slices > 1 ? periodMs / 3 / slices : 0;
      let failed = 0;
      for (let i = 0; i < ids.length; i += ROUND_SLICE) {
        if (i > 0) await new Promise((r) => setTimeout(r, gapMs));
        const results = await Promise.allSettled(ids.slice(i, i + ROUND_SLICE).map((id) => publish(id, "schedule")));
        failed += results.filter((r) => r.status === "rejected").length;
      }
      if (failed) deps.logger.warn({ failed, of: ids.length }, "could not publish some live codes");
    },
  };
}

export type LiveCodePublisher = ReturnType<typeof createLiveCodePublisher>;

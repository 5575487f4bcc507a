import type { Logger } from "pino";
import { liveCodeUrl } from "../codes/live-code.ts";
import type { AppDeps } from "../context.ts";
import { createFlowRepository } from "../flow/flow.repository.ts";
import { createBatcher } from "../batcher.ts";
import type { VehicleBus } from "../mqtt/vehicle-bus.ts";

type Trigger = "schedule" | "online" | "on_board";
const ROUND_SLICE = 200;

/**
 * Keeps each online vehicle's retained `display` topic current: a fresh
 * signed live code (codes/live-code.ts) every TTL/2 for all online vehicles,
 * so a new code is always there before the last one expires, and at once
 * when a vehicle comes online — with the number of passengers on board now
 * (DESIGN §7), for the driver's screen. A boarding or a getting off
 * (onBoardChanged) publishes again half a second later (a stop's boarding
 * folded into one count), so the count follows the
 * passengers rather than the round.
 */
/** How long a vehicle's screen waits after a boarding or a getting off for the ones that follow it. */
export const ON_BOARD_SETTLE_MS = 500;

export function createLiveCodePublisher(
  deps: Pick<AppDeps, "config" | "clock" | "keys" | "metrics" | "db"> & { logger: Logger },
  bus: VehicleBus,
  vehicles: { online(): Promise<string[]>; onlineAmong(vehicleIds: string[]): Promise<Set<string>> },
) {
  // The primary, never a standby: the count must include the check-in just written.
  const flow = createFlowRepository({ db: deps.db });

  /** The counts, or none when they cannot be had: the live code goes out regardless. */
  async function onBoard(ids: string[], at: Date): Promise<Map<string, number> | null> {
    try {
      return await flow.onBoardCounts(ids, at);
    } catch (err) {
      deps.logger.warn({ err, vehicles: ids.length }, "could not count passengers on board; the live code goes out without the count");
      return null;
    }
  }

  async function publish(vehicleId: string, trigger: Trigger, counts: Map<string, number> | null, at: Date) {
    const { url, expiresAt } = liveCodeUrl(deps, vehicleId);
    // Whole seconds, as the token carries them, so the screen's countdown matches what the server checks.
    const count = counts ? { onBoard: counts.get(vehicleId) ?? 0, onBoardAt: at.getTime() } : {};
    await bus.display(vehicleId, { url, expiresAt: Math.floor(expiresAt.getTime() / 1000) * 1000, ...count });
    deps.metrics.liveCodesPublished.inc({ trigger });
  }

  /** Republish period: half the TTL, so a code is replaced well before it expires. */
  const periodMs = Math.max(1_000, (deps.config.liveCodeTtlSeconds * 1000) / 2);

  /**
   * Screens to refresh now — a vehicle that came online, or whose count
   * changed — a batch at a time: one online check and one count for the
   * whole batch. One query each per vehicle, a fleet connecting at once
   * (10,000 statuses and trip starts in a minute) filled the pool ahead of
   * the positions' inserts for the first minute (npm run bench:fleet).
   */
  const screens = createBatcher(
    async (asks: { vehicleId: string; trigger: Trigger }[]): Promise<PromiseSettledResult<void>[]> => {
      const at = deps.clock.now();
      // A vehicle with no agent online gets nothing retained for it: it learns the count when it connects.
      const countChanged = asks.filter((a) => a.trigger === "on_board").map((a) => a.vehicleId);
      const stillOnline = countChanged.length
        ? await vehicles.onlineAmong(countChanged).catch((err: unknown) => {
            // Unknown, so none is told; a vehicle that just came online still gets its code, without the count.
            deps.logger.warn({ err, vehicles: countChanged.length }, "could not tell which vehicles are online; their screens keep the last count");
            return new Set<string>();
          })
        : new Set<string>();
      const due = new Map<string, Trigger>();
      for (const a of asks) if (a.trigger !== "on_board" || stillOnline.has(a.vehicleId)) due.set(a.vehicleId, a.trigger);
      const counts = await onBoard([...due.keys()], at);
      const sent = new Map(await Promise.all([...due].map(async ([id, trigger]) => [id, await settle(publish(id, trigger, counts, at))] as const)));
      return asks.map((a) => sent.get(a.vehicleId) ?? { status: "fulfilled", value: undefined });
    },
    { maxBatch: ROUND_SLICE },
  );

  async function publishOne(vehicleId: string, trigger: Trigger) {
    const result = await screens.add({ vehicleId, trigger });
    if (result.status === "rejected") throw result.reason;
  }

  // One publish per vehicle at a time, a moment after the change; changes meanwhile make one more after it, not one each.
  const pending = new Map<string, { again: boolean; done?: Promise<void> }>();
  async function drain(vehicleId: string, state: { again: boolean }) {
    try {
      do {
        state.again = false;
        await publishOne(vehicleId, "on_board");
      } while (state.again);
    } catch (err) {
      deps.logger.warn({ err, vehicleId }, "could not tell the driver's screen the passengers on board");
    } finally {
      pending.delete(vehicleId);
    }
  }

  return {
    periodMs,
    /** At once, to a vehicle that just came online (in whichever process took its status). */
    publishTo: (vehicleId: string) => publishOne(vehicleId, "online"),
    /**
     * The round over all online vehicles: run by the leader only
     * (jobs/leader-lease.ts), with one count for all of them. In slices of ROUND_SLICE spread over a third of the period, each slice
     * confirmed by the broker before the next: 10,000 codes signed and
     * published in one go held the event loop for seconds every 30 s, and
     * every fix arriving meanwhile waited (npm run bench:fleet, fix-to-row
     * p99). In id order, so a vehicle's turn comes at the same point of every
     * round: its code is replaced every period, well before it expires.
     */
    async publishAll() {
      const ids = (await vehicles.online()).sort();
      const at = deps.clock.now();
      const counts = await onBoard(ids, at);
      const slices = Math.ceil(ids.length / ROUND_SLICE);
      const gapMs = slices > 1 ? periodMs / 3 / slices : 0;
      let failed = 0;
      for (let i = 0; i < ids.length; i += ROUND_SLICE) {
        if (i > 0) await new Promise((r) => setTimeout(r, gapMs));
        const results = await Promise.allSettled(ids.slice(i, i + ROUND_SLICE).map((id) => publish(id, "schedule", counts, at)));
        failed += results.filter((r) => r.status === "rejected").length;
      }
      if (failed) deps.logger.warn({ failed, of: ids.length }, "could not publish some live codes");
    },
    /**
     * Someone boarded or got off `vehicleId` (a scan, a pass, a check-out, a
     * trip's end): its screen gets the new count. Returns at once; runs after
     * the change is committed, in whichever process made it.
     */
    onBoardChanged(vehicleId: string): void {
      const running = pending.get(vehicleId);
      if (running) {
        running.again = true;
        return;
      }
      const state: { again: boolean; done?: Promise<void> } = { again: false };
      pending.set(vehicleId, state);
      // A stop's boarding is many scans within a second or two: one count after it, not a query and a publish each.
      state.done = new Promise<void>((settle) => setTimeout(settle, ON_BOARD_SETTLE_MS).unref()).then(() => drain(vehicleId, state));
    },
    /** Resolves once every count asked for so far has gone out (tests, and a stopping server). */
    async settled(): Promise<void> {
      await Promise.all([...pending.values()].map((p) => p.done));
    },
  };
}

export type LiveCodePublisher = ReturnType<typeof createLiveCodePublisher>;

const settle = <T>(p: Promise<T>): Promise<PromiseSettledResult<T>> =>
  p.then(
    (value) => ({ status: "fulfilled", value }),
    (reason: unknown) => ({ status: "rejected", reason }),
  );

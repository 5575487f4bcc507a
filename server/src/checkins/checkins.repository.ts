import { and, desc, eq, gte, isNull, lte, or, sql } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { tripOpenAt } from "../tracing/tracing.repository.ts";
import { checkins, vehicles } from "../db/schema/index.ts";

export type CheckinRow = typeof checkins.$inferSelect;
export type NewCheckin = typeof checkins.$inferInsert;
type Tx = Parameters<Parameters<Db["transaction"]>[0]>[0];

export function createCheckinsRepository({ db }: { db: Db }) {
  return {
    /** Runs `work` holding a per-person lock, so a double tap cannot make two check-ins. */
    async lockedForPerson<T>(personId: string, work: (tx: Tx) => Promise<T>): Promise<T> {
      return db.transaction(async (tx) => {
        await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${personId}))`);
        return work(tx);
      });
    },

    /** The person's own scan of this vehicle since `since`, if any: a repeat scan returns it instead of a second row. */
    async recentScan(tx: Tx, personId: string, vehicleId: string, since: Date, until: Date): Promise<CheckinRow | null> {
      const [row] = await tx
        .select()
        .from(checkins)
        .where(
          and(
            eq(checkins.personId, personId),
            eq(checkins.vehicleId, vehicleId),
            eq(checkins.source, "scan"),
            gte(checkins.boardedAt, since),
            lte(checkins.boardedAt, until),
          ),
        )
        .orderBy(desc(checkins.boardedAt))
        .limit(1);
      return row ?? null;
    },

    /** The person's latest ride on this vehicle since `since` that they have not checked out of. */
    async openRide(personId: string, vehicleId: string, since: Date): Promise<CheckinRow | null> {
      const [row] = await db
        .select()
        .from(checkins)
        .where(and(eq(checkins.personId, personId), eq(checkins.vehicleId, vehicleId), gte(checkins.boardedAt, since), isNull(checkins.alightedAt)))
        .orderBy(desc(checkins.boardedAt))
        .limit(1);
      return row ?? null;
    },

    async insert(tx: Tx, rows: NewCheckin[]): Promise<void> {
      if (rows.length > 0) await tx.insert(checkins).values(rows);
    },

    async companionsOf(checkinId: string, vehicleId: string, boardedAt: Date): Promise<CheckinRow[]> {
      // Companions share the main check-in's vehicle and time, which prunes to one partition.
      return db
        .select()
        .from(checkins)
        .where(and(eq(checkins.vehicleId, vehicleId), eq(checkins.boardedAt, boardedAt), eq(checkins.companionOf, checkinId)));
    },

    async byId(id: string): Promise<CheckinRow | null> {
      const [row] = await db.select().from(checkins).where(eq(checkins.id, id)).limit(1);
      return row ?? null;
    },

    /** Marks the check-in and its companions as alighted at `at`; rows already alighted keep their time. */
    async alight(row: CheckinRow, at: Date): Promise<void> {
      await db
        .update(checkins)
        .set({ alightedAt: at })
        .where(
          and(
            eq(checkins.vehicleId, row.vehicleId),
            eq(checkins.boardedAt, row.boardedAt),
            or(eq(checkins.id, row.id), eq(checkins.companionOf, row.id)),
            isNull(checkins.alightedAt),
          ),
        );
    },

    /** The trip this scan belongs to (DESIGN §7), by the tracing rule itself. */
    tripAt: (vehicleId: string, at: Date, now: Date) => tripOpenAt(db, vehicleId, at, now),

    /**
     * The person's latest ride at or before `before` (within `days`): for a
     * close contact, the ride that most likely made them one.
     */
    async lastRideBefore(personId: string, before: Date, days = 14) {
      const [ride] = await db
        .select({ vehicleId: checkins.vehicleId, plate: vehicles.plate, routeId: vehicles.routeId, boardedAt: checkins.boardedAt })
        .from(checkins)
        .innerJoin(vehicles, eq(vehicles.id, checkins.vehicleId))
        .where(
          and(
            eq(checkins.personId, personId),
            lte(checkins.boardedAt, before),
            gte(checkins.boardedAt, new Date(before.getTime() - days * 86_400_000)),
          ),
        )
        .orderBy(desc(checkins.boardedAt))
        .limit(1);
      return ride ?? null;
    },
  };
}

export type CheckinsRepository = ReturnType<typeof createCheckinsRepository>;

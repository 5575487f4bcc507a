import { and, eq, sql } from "drizzle-orm";
import type { TripMessage } from "../../../protocol/index.ts";
import { rowsOf, type Db } from "../db/client.ts";
import { drivers, persons, trips, vehicleDrivers, vehicles, vehicleState } from "../db/schema/index.ts";

// Raw sql`` templates get timestamps as ISO text: drizzle's postgres.js setup does not serialize Date parameters.

/** The low-volume ingest writes: trip events, onboard check-ins, presence. Positions have their own writer. */
export function createIngestRepository({ db }: { db: Db }) {
  /**
   * The trip's driver when the agent named none: the vehicle's one linked
   * driver (a ride-hail car, a taxi with a single shift), so driverId on the
   * trip still names a known driver (issue 16). With several linked drivers
   * the agent must say who drives; a guess would put the wrong person in a trace.
   */
  async function soleDriverRef(vehicleId: string): Promise<string | null> {
    const rows = await db
      .select({ ref: drivers.ref })
      .from(vehicleDrivers)
      .innerJoin(drivers, eq(drivers.id, vehicleDrivers.driverId))
      .where(eq(vehicleDrivers.vehicleId, vehicleId))
      .limit(2);
    return rows.length === 1 ? rows[0]!.ref : null;
  }

  return {
    async vehicleExists(id: string): Promise<boolean> {
      const [v] = await db.select({ id: vehicles.id }).from(vehicles).where(eq(vehicles.id, id));
      return !!v;
    },

    /**
     * Idempotent on tripId, in any order: an `end` that arrives before its
     * `start` creates the trip with only ended_at; the start fills in the rest.
     * Returns false if the trip id belongs to another vehicle.
     */
    async applyTrip(vehicleId: string, m: TripMessage): Promise<boolean> {
      const at = new Date(m.ts);
      // Trips are keyed (vehicle_id, id) so they can be distributed by vehicle; a trip id is still one vehicle's.
      // This look-up by id alone fans out over every shard on Citus: trip events are a few per vehicle per hour.
      const [taken] = await db
        .select({ one: sql`1` })
        .from(trips)
        .where(and(eq(trips.id, m.tripId), sql`${trips.vehicleId} <> ${vehicleId}`))
        .limit(1);
      if (taken) return false;
      if (m.event === "start") {
        const driverId = m.driverId ?? (await soleDriverRef(vehicleId));
        const details = { routeId: m.routeId ?? null, direction: m.direction ?? null, driverId, orderRef: m.orderRef ?? null };
        const [trip] = await db
          .insert(trips)
          .values({ id: m.tripId, vehicleId, startedAt: at, ...details })
          .onConflictDoUpdate({ target: [trips.vehicleId, trips.id], set: { startedAt: at, ...details } })
          .returning({ endedAt: trips.endedAt });
        if (!trip) return false;
        // The vehicle's open trip, unless this one already ended or a later one is open.
        if (!trip.endedAt) {
          await db.execute(sql`
            insert into vehicle_state (vehicle_id, open_trip_id) values (${vehicleId}, ${m.tripId})
            on conflict (vehicle_id) do update set open_trip_id = excluded.open_trip_id, updated_at = now()
            where vehicle_state.open_trip_id is null
               or not exists (select 1 from trips t where t.vehicle_id = vehicle_state.vehicle_id and t.id = vehicle_state.open_trip_id and t.ended_at is null and t.started_at > ${at.toISOString()})`);
        }
        return true;
      }
      const [trip] = await db
        .insert(trips)
        .values({ id: m.tripId, vehicleId, endedAt: at })
        .onConflictDoUpdate({ target: [trips.vehicleId, trips.id], set: { endedAt: at } })
        .returning({ id: trips.id });
      if (!trip) return false;
      await db
        .update(vehicleState)
        .set({ openTripId: null, updatedAt: sql`now()` })
        .where(and(eq(vehicleState.vehicleId, vehicleId), eq(vehicleState.openTripId, m.tripId)));
      return true;
    },

    async personStatus(personId: string): Promise<"clear" | "close_contact" | "case" | null> {
      const [p] = await db.select({ status: persons.status }).from(persons).where(eq(persons.id, personId));
      return p?.status ?? null;
    },

    /** Idempotent on checkinId. True when this call stored it, false when it was already there. */
    async insertPassCheckin(c: { id: string; vehicleId: string; boardedAt: Date; personId: string; seat?: string }): Promise<boolean> {
      const result = await db.execute(sql`
        insert into checkins (id, vehicle_id, boarded_at, person_id, source, seat)
        select ${c.id}, ${c.vehicleId}, ${c.boardedAt.toISOString()}::timestamptz, ${c.personId}, 'pass', ${c.seat ?? null}
        where not exists (select 1 from checkins where id = ${c.id})
        on conflict do nothing
        returning id`);
      return rowsOf(result).length > 0;
    },

    async setPresence(vehicleId: string, online: boolean, agentVersion: string | undefined, at: Date): Promise<number> {
      await db
        .insert(vehicleState)
        .values({ vehicleId, online, agentVersion: agentVersion ?? null, statusAt: at })
        .onConflictDoUpdate({
          target: vehicleState.vehicleId,
          set: { online, statusAt: at, updatedAt: sql`now()`, ...(agentVersion ? { agentVersion } : {}) },
          // Statuses are stored concurrently: an offline (a will, a closed connection) and the online of
          // the reconnect right after it may commit in either order; the one received later wins.
          setWhere: sql`${vehicleState.statusAt} is null or ${vehicleState.statusAt} <= excluded.status_at`,
        });
      const [row] = rowsOf<{ n: number | string }>(await db.execute(sql`select count(*) as n from vehicle_state where online`));
      return Number(row?.n ?? 0);
    },

    async onlineVehicles(): Promise<string[]> {
      const rows = await db.select({ id: vehicleState.vehicleId }).from(vehicleState).where(eq(vehicleState.online, true));
      return rows.map((r) => r.id);
    },

    async isOnline(vehicleId: string): Promise<boolean> {
      const [row] = await db.select({ online: vehicleState.online }).from(vehicleState).where(eq(vehicleState.vehicleId, vehicleId));
      return row?.online ?? false;
    },
  };
}

export type IngestRepository = ReturnType<typeof createIngestRepository>;

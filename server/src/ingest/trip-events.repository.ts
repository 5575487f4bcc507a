import { sql } from "drizzle-orm";
import type { TripMessage } from "../../../protocol/index.ts";
import { rowsOf, type Db } from "../db/client.ts";
import { pgArray } from "./bulk-query.ts";

export interface TripEvent {
  vehicleId: string;
  message: TripMessage;
}

/**
 * Trip events stored a batch at a time (trip-events.writer.ts): a fleet
 * connecting at once opens 10,000 trips in a minute, and one event at a time
 * (four statements each) they took minutes on a loaded machine. Here a batch
 * is at most six statements whatever its size. Rows go in key order in every
 * statement, so two ingest processes never deadlock on them.
 *
 * The rules are those of one event at a time: idempotent on the trip id, in
 * any order — an `end` that arrives before its `start` creates the trip with
 * only ended_at, the start fills in the rest; a trip id another vehicle
 * already has is refused (false); the vehicle's open trip is the latest
 * started one not yet ended. Raw sql`` gets timestamps as ISO text (drizzle's
 * postgres.js setup does not serialize Date parameters); rows go as one JSON
 * parameter, read with json_to_recordset, the same on PGlite.
 */
export function createTripEventsRepository({ db }: { db: Db }) {
  const rows = async <T>(query: ReturnType<typeof sql>) => rowsOf<T>(await db.execute(query));
  const iso = (ms: number) => new Date(ms).toISOString();
  const byKey = <T extends { vehicle_id: string; id: string }>(a: T, b: T) =>
    a.vehicle_id < b.vehicle_id ? -1 : a.vehicle_id > b.vehicle_id ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;

  /**
   * Which events name a trip id another vehicle has. Keyed (vehicle_id, id)
   * so Citus can distribute trips by vehicle, a trip id is still one
   * vehicle's; this look-up by id alone fans out over every shard on Citus
   * (a few trip events per vehicle per hour). Two vehicles naming one new id
   * in one batch: the first keeps it.
   */
  async function refused(events: TripEvent[]): Promise<boolean[]> {
    const ids = [...new Set(events.map((e) => e.message.tripId))];
    const owners = new Map<string, Set<string>>();
    for (const r of await rows<{ id: string; vehicle_id: string }>(sql`select id, vehicle_id from trips where id = any(${pgArray(ids)}::uuid[])`)) {
      owners.set(r.id, (owners.get(r.id) ?? new Set()).add(r.vehicle_id));
    }
    return events.map((e) => {
      const known = owners.get(e.message.tripId);
      if (!known) owners.set(e.message.tripId, new Set([e.vehicleId]));
      return !!known && [...known].some((v) => v !== e.vehicleId);
    });
  }

  /**
   * Each vehicle's one linked driver (a ride-hail car, a taxi with a single
   * shift), for starts that name none, so driverId on the trip still names a
   * known driver (issue 16). With several linked drivers the agent must say
   * who drives; a guess would put the wrong person in a trace.
   */
  async function soleDrivers(vehicleIds: string[]): Promise<Map<string, string>> {
    if (!vehicleIds.length) return new Map();
    const found = await rows<{ vehicle_id: string; ref: string; n: number | string }>(sql`
      select vd.vehicle_id, min(d.ref) as ref, count(*) as n
      from vehicle_drivers vd join drivers d on d.id = vd.driver_id
      where vd.vehicle_id = any(${pgArray(vehicleIds)}::uuid[])
      group by vd.vehicle_id`);
    return new Map(found.filter((r) => Number(r.n) === 1).map((r) => [r.vehicle_id, r.ref]));
  }

  return {
    /** Stores the events; per event, false when its trip id is another vehicle's. */
    async applyTrips(events: TripEvent[]): Promise<boolean[]> {
      const taken = await refused(events);
      const accepted = events.filter((_, i) => !taken[i]);
      // One row per trip and kind of event (a statement cannot update a row twice): the event received last wins.
      const starts = new Map<string, { vehicle_id: string; id: string; started_at: string; route_id?: string; direction?: string; driver_id?: string; order_ref?: string }>();
      const ends = new Map<string, { vehicle_id: string; id: string; ended_at: string }>();
      for (const { vehicleId, message: m } of accepted) {
        const key = `${vehicleId}/${m.tripId}`;
        if (m.event === "start") {
          starts.set(key, { vehicle_id: vehicleId, id: m.tripId, started_at: iso(m.ts), route_id: m.routeId, direction: m.direction, driver_id: m.driverId, order_ref: m.orderRef });
        } else ends.set(key, { vehicle_id: vehicleId, id: m.tripId, ended_at: iso(m.ts) });
      }

      if (starts.size) {
        const drivers = await soleDrivers([...new Set([...starts.values()].filter((s) => !s.driver_id).map((s) => s.vehicle_id))]);
        for (const s of starts.values()) s.driver_id ??= drivers.get(s.vehicle_id);
        const stored = await rows<{ vehicle_id: string; id: string; started_at: string | Date; ended_at: string | Date | null }>(sql`
          insert into trips (id, vehicle_id, started_at, route_id, direction, driver_id, order_ref)
          select id, vehicle_id, started_at, route_id, direction, driver_id, order_ref
          from json_to_recordset(${JSON.stringify([...starts.values()].sort(byKey))}::json)
            as s(id uuid, vehicle_id uuid, started_at timestamptz, route_id text, direction text, driver_id text, order_ref text)
          on conflict (vehicle_id, id) do update set started_at = excluded.started_at, route_id = excluded.route_id,
            direction = excluded.direction, driver_id = excluded.driver_id, order_ref = excluded.order_ref
          returning vehicle_id, id, started_at, ended_at`);
        // The vehicle's open trip: its latest start not already ended, unless a later one is open.
        const open = new Map<string, { vehicle_id: string; id: string; at: number }>();
        for (const t of stored) {
          const at = new Date(t.started_at).getTime();
          if (t.ended_at === null && !(at < (open.get(t.vehicle_id)?.at ?? -Infinity))) open.set(t.vehicle_id, { vehicle_id: t.vehicle_id, id: t.id, at });
        }
        if (open.size) {
          await db.execute(sql`
            insert into vehicle_state (vehicle_id, open_trip_id)
            select vehicle_id, id from json_to_recordset(${JSON.stringify([...open.values()].sort(byKey))}::json) as o(vehicle_id uuid, id uuid)
            on conflict (vehicle_id) do update set open_trip_id = excluded.open_trip_id, updated_at = now()
            where vehicle_state.open_trip_id is null
               or not exists (select 1 from trips t where t.vehicle_id = vehicle_state.vehicle_id and t.id = vehicle_state.open_trip_id and t.ended_at is null
                              and t.started_at > (select n.started_at from trips n where n.vehicle_id = excluded.vehicle_id and n.id = excluded.open_trip_id))`);
        }
      }

      if (ends.size) {
        const ended = JSON.stringify([...ends.values()].sort(byKey));
        await db.execute(sql`
          insert into trips (id, vehicle_id, ended_at)
          select id, vehicle_id, ended_at from json_to_recordset(${ended}::json) as e(id uuid, vehicle_id uuid, ended_at timestamptz)
          on conflict (vehicle_id, id) do update set ended_at = excluded.ended_at`);
        // Locked in vehicle-id order first (an UPDATE … FROM takes its rows in the join's order).
        await db.execute(sql`
          with e as (select vehicle_id, id from json_to_recordset(${ended}::json) as e(vehicle_id uuid, id uuid)),
               closing as (select s.vehicle_id from vehicle_state s join e on e.vehicle_id = s.vehicle_id and e.id = s.open_trip_id order by s.vehicle_id for update of s)
          update vehicle_state set open_trip_id = null, updated_at = now() where vehicle_id in (select vehicle_id from closing)`);
      }
      return taken.map((t) => !t);
    },
  };
}

export type TripEventsRepository = ReturnType<typeof createTripEventsRepository>;

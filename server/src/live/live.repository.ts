import { sql } from "drizzle-orm";
import type { StaffUser } from "../context.ts";
import { rowsOf, type Db } from "../db/client.ts";
import type { LiveVehicle } from "../../../protocol/api/live.ts";

interface Row {
  vehicle_id: string;
  plate: string;
  kind: string;
  route_id: string | null;
  lat: number | null;
  lon: number | null;
  last_ts: Date | string | null;
  speed: number | null;
  heading: number | null;
  online: boolean;
  open_trip_id: string | null;
  occupancy: number | string | null;
  updated_at: Date | string;
}

const iso = (v: Date | string | null) => (v === null ? null : new Date(v).toISOString());

/**
 * Reads only vehicle_state (one row per vehicle) joined to the registry, so
 * the live map never scans position history. Occupancy counts the check-ins
 * of the open trip, from the day partitions that can hold them.
 */
export function createLiveRepository({ db }: { db: Db }) {
  return {
    /** Vehicles whose state changed after `since` (all when null), for this staff member's scope. */
    async changedSince(user: StaffUser, since: Date | null): Promise<{ vehicles: LiveVehicle[]; signatures: Map<string, string>; cursor: Date | null }> {
      const scope = user.role === "operator" ? sql`and v.operator_id = ${user.operatorId ?? "00000000-0000-0000-0000-000000000000"}` : sql``;
      const changed = since ? sql`and s.updated_at > ${since.toISOString()}::timestamptz` : sql``;
      const rows = rowsOf<Row>(
        await db.execute(sql`
          select s.vehicle_id, v.plate, v.kind, coalesce(t.route_id, v.route_id) as route_id,
                 s.lat, s.lon, s.last_ts, s.speed, s.heading, s.online, s.open_trip_id, s.updated_at,
                 (select count(*) from checkins c
                   where t.id is not null and c.vehicle_id = s.vehicle_id
                     and c.boarded_at >= t.started_at - interval '2 minutes'
                     and c.boarded_at >= now() - interval '2 days'
                     and c.alighted_at is null) as occupancy
            from vehicle_state s
            join vehicles v on v.id = s.vehicle_id
            left join trips t on t.vehicle_id = s.vehicle_id and t.id = s.open_trip_id and t.ended_at is null
           where true ${scope} ${changed}
           order by s.updated_at`),
      );
      const signatures = new Map<string, string>();
      let cursor: Date | null = since;
      const vehicles = rows.map((r) => {
        const updated = new Date(r.updated_at);
        if (!cursor || updated > cursor) cursor = updated;
        const v: LiveVehicle = {
          vehicleId: r.vehicle_id,
          plate: r.plate,
          kind: r.kind,
          routeId: r.route_id,
          lat: r.lat === null ? null : Number(r.lat),
          lon: r.lon === null ? null : Number(r.lon),
          ts: iso(r.last_ts),
          speed: r.speed === null ? null : Number(r.speed),
          heading: r.heading === null ? null : Number(r.heading),
          online: r.online,
          tripId: r.open_trip_id,
          occupancy: r.open_trip_id ? Number(r.occupancy ?? 0) : null,
        };
        signatures.set(v.vehicleId, `${updated.getTime()}|${v.ts}|${v.online}|${v.tripId}|${v.occupancy}`);
        return v;
      });
      return { vehicles, signatures, cursor };
    },
  };
}

export type LiveRepository = ReturnType<typeof createLiveRepository>;

import { sql } from "drizzle-orm";
import type { StaffUser } from "../context.ts";
import { rowsOf, type Db } from "../db/client.ts";
import { onBoardSql } from "../tracing/tracing.repository.ts";
import { DEFAULT_RIDE_MS, MAX_ON_BOARD_MS, TRIP_GRACE_MS } from "../tracing/tracing.rules.ts";

const { onBoard, tripEnd, ts, ms } = onBoardSql;
const NO_OPERATOR = "00000000-0000-0000-0000-000000000000";

/** Passenger flow: boardings per route or vehicle per hour, and who is on board now (same rules as tracing). */
export function createFlowRepository({ db }: { db: Db }) {
  const scope = (user: StaffUser) => (user.role === "operator" ? sql`and v.operator_id = ${user.operatorId ?? NO_OPERATOR}::uuid` : sql``);

  return {
    /**
     * Boardings in [from, to) per UTC hour. A check-in's route is that of the
     * trip it belongs to (DESIGN §7), else its vehicle's registered route.
     */
    async boardings(user: StaffUser, q: { groupBy: "route" | "vehicle"; from: Date; to: Date }, now: Date) {
      const key = q.groupBy === "vehicle" ? sql`v.id::text` : sql`coalesce(tr.route_id, v.route_id)`;
      const label = q.groupBy === "vehicle" ? sql`min(v.plate)` : sql`null::text`;
      const trip =
        q.groupBy === "route"
          ? sql`left join lateral (
              select t.route_id, ${tripEnd("t", ts(now))} as end_at from trips t
              where t.vehicle_id = c.vehicle_id and t.started_at <= c.boarded_at + ${sql.raw(`interval '${TRIP_GRACE_MS / 1000} seconds'`)}
              order by t.started_at desc limit 1
            ) tr on tr.end_at > c.boarded_at`
          : sql``;
      const rows = rowsOf<{ hour: number; key: string | null; label: string | null; boardings: number }>(
        await db.execute(sql`
          select ${ms(sql`date_trunc('hour', c.boarded_at at time zone 'UTC') at time zone 'UTC'`)} as hour, ${key} as key, ${label} as label,
            count(*)::int as boardings
          from checkins c join vehicles v on v.id = c.vehicle_id
          ${trip}
          where c.boarded_at >= ${ts(q.from)} and c.boarded_at < ${ts(q.to)} ${scope(user)}
          group by 1, 2 order by 1, 2`),
      );
      return rows.map((r) => ({ hour: Number(r.hour), key: r.key, label: r.label, boardings: Number(r.boardings) }));
    },

    /**
     * People on board at `now` per vehicle: check-ins whose interval reaches
     * now (an open trip's riders end exactly at now, hence a >= now).
     */
    async occupancy(user: StaffUser, now: Date) {
      const rows = rowsOf<{ vehicle_id: string; plate: string; kind: string; capacity: number | null; route_id: string | null; on_board: number; since: number }>(
        await db.execute(sql`
          select v.id as vehicle_id, v.plate, v.kind, v.capacity, v.route_id, count(distinct c.person_id)::int as on_board,
            ${ms(sql`min(c.boarded_at)`)} as since
          from checkins c join vehicles v on v.id = c.vehicle_id
          ${onBoard("c", ts(now), { from: now.getTime() - MAX_ON_BOARD_MS, to: now.getTime() + 1 })}
          where c.boarded_at > ${ts(now.getTime() - MAX_ON_BOARD_MS)} and c.boarded_at <= ${ts(now)} and c_ob.a >= ${ts(now)} ${scope(user)}
          group by v.id, v.plate, v.kind, v.capacity, v.route_id
          order by on_board desc, v.plate`),
      );
      return rows.map((r) => ({
        vehicleId: r.vehicle_id,
        plate: r.plate,
        kind: r.kind,
        routeId: r.route_id,
        capacity: r.capacity === null ? null : Number(r.capacity),
        onBoard: Number(r.on_board),
      }));
    },

    /**
     * People on board of each of these vehicles at `now`, by the same rule as
     * `occupancy`, for the drivers' screens: every online vehicle each live-code
     * round, and one vehicle at each boarding or getting off. Vehicles with
     * nobody on board are left out.
     *
     * Only check-ins that can still be on board are looked at: those of the
     * last hour (no trip: the default ride) and those since the start of the
     * vehicle's latest trip (less the grace). An earlier one belongs to an
     * earlier trip, which ended when that latest one started (a vehicle runs
     * one trip at a time), or to none and its hour is over. Without this bound
     * each count would walk the whole day's check-ins of a busy bus.
     */
    async onBoardCounts(vehicleIds: string[], now: Date): Promise<Map<string, number>> {
      if (vehicleIds.length === 0) return new Map();
      const lastHour = ts(now.getTime() - DEFAULT_RIDE_MS);
      const rows = rowsOf<{ vehicle_id: string; on_board: number }>(
        await db.execute(sql`
          with s as (
            select v.id, greatest(${ts(now.getTime() - MAX_ON_BOARD_MS)}, least(${lastHour}, coalesce(
              (select max(t.started_at) from trips t where t.vehicle_id = v.id and t.started_at <= ${ts(now)})
                - ${sql.raw(`interval '${TRIP_GRACE_MS / 1000} seconds'`)},
              ${lastHour}))) as since
            from unnest(${`{${vehicleIds.join(",")}}`}::uuid[]) as v(id)
          )
          select c.vehicle_id, count(distinct c.person_id)::int as on_board
          from s join checkins c on c.vehicle_id = s.id and c.boarded_at >= s.since and c.boarded_at <= ${ts(now)}
          ${onBoard("c", ts(now), { from: now.getTime() - MAX_ON_BOARD_MS, to: now.getTime() + 1 })}
          where c.boarded_at > ${ts(now.getTime() - MAX_ON_BOARD_MS)} and c_ob.a >= ${ts(now)}
          group by c.vehicle_id`),
      );
      return new Map(rows.map((r) => [r.vehicle_id, Number(r.on_board)]));
    },
  };
}

export type FlowRepository = ReturnType<typeof createFlowRepository>;

import { sql } from "drizzle-orm";
import type { StaffUser } from "../context.ts";
import { rowsOf, type Db } from "../db/client.ts";
import { onBoardSql } from "../tracing/tracing.repository.ts";

const { tripEnd, ts, ms } = onBoardSql;

export interface TripRow {
  id: string;
  vehicleId: string;
  plate: string;
  kind: string;
  operatorId: string | null;
  routeId: string | null;
  driverId: string | null;
  orderRef: string | null;
  startedAt: number | null;
  /** Null while open; `endsAt` is where it counts as ending (now, or the vehicle's next trip). */
  endedAt: number | null;
  endsAt: number | null;
}

type Row = {
  id: string;
  vehicle_id: string;
  plate: string;
  kind: string;
  operator_id: string | null;
  route_id: string | null;
  driver_id: string | null;
  order_ref: string | null;
  started_at: number | null;
  ended_at: number | null;
  ends_at: number | null;
};

const num = (v: number | null) => (v === null ? null : Number(v));
const toTrip = (r: Row): TripRow => ({
  id: r.id,
  vehicleId: r.vehicle_id,
  plate: r.plate,
  kind: r.kind,
  operatorId: r.operator_id,
  routeId: r.route_id,
  driverId: r.driver_id,
  orderRef: r.order_ref,
  startedAt: num(r.started_at),
  endedAt: num(r.ended_at),
  endsAt: num(r.ends_at),
});

export function createTripsRepository({ db }: { db: Db }) {
  const columns = (now: Date) => sql`t.id, t.vehicle_id, v.plate, v.kind, v.operator_id, coalesce(t.route_id, v.route_id) as route_id,
    t.driver_id, t.order_ref, ${ms(sql`t.started_at`)} as started_at, ${ms(sql`t.ended_at`)} as ended_at,
    ${ms(sql`case when t.started_at is not null then ${tripEnd("t", ts(now))} end`)} as ends_at`;

  return {
    /** Trips running at some time in [from, to), of one vehicle or of every vehicle this staff member may see. */
    async list(user: StaffUser, filter: { vehicleId?: string; from: Date; to: Date }, now: Date, limit = 1000): Promise<TripRow[]> {
      const rows = rowsOf<Row>(
        await db.execute(sql`
          select ${columns(now)} from trips t join vehicles v on v.id = t.vehicle_id
          where t.started_at < ${ts(filter.to)} and t.started_at >= ${ts(filter.from.getTime() - 86_400_000)}
            and coalesce(t.ended_at, ${ts(now)}) > ${ts(filter.from)}
            ${filter.vehicleId ? sql`and t.vehicle_id = ${filter.vehicleId}::uuid` : sql``}
            ${user.role === "operator" ? sql`and v.operator_id = ${user.operatorId ?? "00000000-0000-0000-0000-000000000000"}::uuid` : sql``}
          order by t.started_at, t.id
          limit ${limit}`),
      );
      return rows.map(toTrip);
    },

    async get(id: string, now: Date): Promise<TripRow | null> {
      const [row] = rowsOf<Row>(await db.execute(sql`select ${columns(now)} from trips t join vehicles v on v.id = t.vehicle_id where t.id = ${id}::uuid`));
      return row ? toTrip(row) : null;
    },
  };
}

export type TripsRepository = ReturnType<typeof createTripsRepository>;

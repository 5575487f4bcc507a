import { sql, type SQL } from "drizzle-orm";
import { rowsOf, type Db } from "../db/client.ts";
import { genericPlanRunner } from "../db/prepared.ts";
import type { HealthStatus } from "../persons/persons.repository.ts";
import { effectiveStatusSql } from "../persons/status.ts";
import { DEFAULT_RIDE_MS, MAX_ON_BOARD_MS, TRIP_GRACE_MS, type VehicleKind } from "./tracing.rules.ts";

/*
 * The tracing join of DESIGN §7, in one place. Nothing here is stored: every
 * interval is computed from the rows as they are now, so a trip end, a trip
 * start or a check-in that arrives late changes the answer exactly as if it
 * had come on time.
 *
 * A check-in c (person p, vehicle v, boarded b) is on board during [b, a):
 *   trip(c) = the latest trip of v that starts at or before b + TRIP_GRACE,
 *             if it is still open at b (its end, or "now" while open, is after b).
 *             An open trip followed by a later trip of v ends where that one starts
 *             (a vehicle runs one trip at a time); trips whose start never arrived
 *             are not matched until it does.
 *   a        = least(own alight (if after b), end of trip(c), p's next check-in
 *                    (of the same kind: a verified ride ends at p's next verified
 *                    one, so a stranger's unverified scan of p's phone never cuts
 *                    p's real ride short, issue 11),
 *                    b + DEFAULT_RIDE when there is no trip(c), b + MAX_ON_BOARD)
 *   alightEstimated unless a is the passenger's own alight.
 *
 * Indexes used (server/src/db/schema/movements.ts): checkins PK (vehicle_id,
 * boarded_at, id) for fellow passengers, checkins_person_idx (person_id,
 * boarded_at) for a person's check-ins and their next one, trips_vehicle_time_idx
 * (vehicle_id, started_at) for trip(c), trips_driver_time_idx (driver_id,
 * started_at) for a driver's later trips, positions PK (vehicle_id, ts) for paths.
 * Every query on checkins/positions also carries constant time bounds, so the
 * planner prunes day partitions.
 */

const interval = (ms: number) => sql.raw(`interval '${ms / 1000} seconds'`);
const GRACE = interval(TRIP_GRACE_MS);
const DEFAULT_RIDE = interval(DEFAULT_RIDE_MS);
const MAX_ON_BOARD = interval(MAX_ON_BOARD_MS);
const ts = (d: Date | number) => sql`${new Date(d).toISOString()}::timestamptz`;
const ms = (expr: SQL) => sql`(extract(epoch from ${expr}) * 1000)::float8`;

/** A time as epoch ms, or already a timestamptz expression (a compiled statement's placeholder). */
const at = (t: number | SQL) => (typeof t === "number" ? ts(t) : t);
/** The latest a check-in boarded before `t` can still be on board at: `t` + MAX_ON_BOARD. */
const maxOnBoardAfter = (t: number | SQL) => (typeof t === "number" ? ts(t + MAX_ON_BOARD_MS) : sql`(${t} + ${MAX_ON_BOARD})`);

/** End of trip `t`: its end event, or while open, now or the start of the vehicle's next trip. */
const tripEnd = (t: string, now: SQL) =>
  sql`coalesce(${sql.raw(t)}.ended_at, least(${now}, (select min(t2.started_at) from trips t2
        where t2.vehicle_id = ${sql.raw(t)}.vehicle_id and t2.started_at > ${sql.raw(t)}.started_at)))`;

/**
 * Lateral joins that put the on-board interval of check-in alias `c` in
 * `<c>_ob.a` (with `<c>_tr` its trip and `<c>_ob.own_alight`). `boarded`
 * bounds c.boarded_at; it lets the planner prune the day partitions searched
 * for the next check-in, which is most of the planning time.
 */
function onBoard(c: string, now: SQL, boarded: { from: number | SQL; to: number | SQL }): SQL {
  const C = sql.raw(c);
  const TR = sql.raw(`${c}_tr`);
  const NX = sql.raw(`${c}_nx`);
  const OB = sql.raw(`${c}_ob`);
  return sql`
    left join lateral (
      select t.id, t.started_at, t.driver_id, t.route_id, ${tripEnd("t", now)} as end_at
      from trips t
      where t.vehicle_id = ${C}.vehicle_id and t.started_at <= ${C}.boarded_at + ${GRACE}
      order by t.started_at desc limit 1
    ) ${TR} on ${TR}.end_at > ${C}.boarded_at
    left join lateral (
      select min(n.boarded_at) as at from checkins n
      where n.person_id = ${C}.person_id and n.verified = ${C}.verified and n.boarded_at > ${C}.boarded_at and n.boarded_at < ${C}.boarded_at + ${MAX_ON_BOARD}
        and n.boarded_at > ${at(boarded.from)} and n.boarded_at < ${maxOnBoardAfter(boarded.to)}
    ) ${NX} on true
    cross join lateral (
      select least(
        case when ${C}.alighted_at > ${C}.boarded_at then ${C}.alighted_at end,
        ${TR}.end_at,
        ${NX}.at,
        case when ${TR}.id is null then ${C}.boarded_at + ${DEFAULT_RIDE} end,
        ${C}.boarded_at + ${MAX_ON_BOARD}) as a
    ) ${OB}0
    cross join lateral (
      select ${OB}0.a, coalesce(${C}.alighted_at = ${OB}0.a, false) as own_alight
    ) ${OB}`;
}

/** Columns describing check-in `c` and its interval, in epoch ms. */
function segmentColumns(c: string): SQL {
  const C = sql.raw(c);
  const TR = sql.raw(`${c}_tr`);
  const OB = sql.raw(`${c}_ob`);
  return sql`${C}.id as checkin_id, ${C}.person_id, ${C}.vehicle_id, ${C}.seat, ${C}.verified,
    ${ms(sql`${C}.boarded_at`)} as b, ${ms(sql`${OB}.a`)} as a, ${OB}.own_alight,
    ${TR}.id as trip_id, ${ms(sql`${TR}.started_at`)} as trip_start, ${ms(sql`${TR}.end_at`)} as trip_end,
    ${TR}.driver_id, ${TR}.route_id`;
}

export interface Segment {
  checkinId: string;
  personId: string;
  vehicleId: string;
  seat: string | null;
  /** False for a typed phone its owner had not proved on the scanning device: listed apart, never one of the owner's rides. */
  verified: boolean;
  /** Boarded at, and on board until (epoch ms). */
  b: number;
  a: number;
  alightEstimated: boolean;
  tripId: string | null;
  tripStart: number | null;
  tripEnd: number | null;
  driverId: string | null;
  routeId: string | null;
}

type SegmentRow = {
  checkin_id: string;
  person_id: string;
  vehicle_id: string;
  seat: string | null;
  verified: boolean;
  b: number;
  a: number;
  own_alight: boolean;
  trip_id: string | null;
  trip_start: number | null;
  trip_end: number | null;
  driver_id: string | null;
  route_id: string | null;
};

const toSegment = (r: SegmentRow): Segment => ({
  checkinId: r.checkin_id,
  personId: r.person_id,
  vehicleId: r.vehicle_id,
  seat: r.seat,
  verified: r.verified !== false,
  b: Number(r.b),
  a: Number(r.a),
  alightEstimated: !r.own_alight,
  tripId: r.trip_id,
  tripStart: r.trip_start === null ? null : Number(r.trip_start),
  tripEnd: r.trip_end === null ? null : Number(r.trip_end),
  driverId: r.driver_id,
  routeId: r.route_id,
});

/** What the risk score and the map need to know about a vehicle. */
export interface VehicleInfo {
  kind: VehicleKind;
  capacity: number | null;
  plate: string;
  routeId: string | null;
}
type VehicleRow = { kind: VehicleKind; capacity: number | null; plate: string; vehicle_route_id: string | null };
const vehicleColumns = sql`v.kind, v.capacity, v.plate, v.route_id as vehicle_route_id`;
const toVehicle = (r: VehicleRow): VehicleInfo => ({
  kind: r.kind,
  capacity: r.capacity === null ? null : Number(r.capacity),
  plate: r.plate,
  routeId: r.vehicle_route_id,
});

/** A stretch of time on one vehicle whose fellow passengers we want. */
export interface Source {
  vehicleId: string;
  from: number;
  to: number;
  /** The person whose stretch it is (left out of their own contacts); null for a driver. */
  personId: string | null;
  /** Only passengers of this trip (a driver's exposure is to the trip they drive). */
  tripId?: string | null;
}

type PersonRow = { phone_enc: string | null; name_enc: string | null; status: HealthStatus | null };

/** A contact's identity as stored (encrypted); only a tracer's trace decrypts it. */
export interface StoredIdentity {
  phoneEnc: string | null;
  nameEnc: string | null;
  status: HealthStatus | null;
}

export interface Exposure extends Segment {
  person: StoredIdentity;
  /** Index into the sources given. */
  source: number;
  /** The overlap of the passenger's interval with the source's stretch (epoch ms). */
  from: number;
  to: number;
}

/** For a stretch starting at `lo` on vehicle `v`: the earliest boarding whose interval can still reach `lo`. */
const earliestReaching = (v: SQL, lo: SQL) => sql`greatest(${lo} - ${MAX_ON_BOARD}, least(
  ${lo} - ${DEFAULT_RIDE},
  (select min(t.started_at) from trips t
    where t.vehicle_id = ${v} and t.started_at <= ${lo} + ${GRACE} and t.started_at >= ${lo} - ${MAX_ON_BOARD} - ${GRACE}
      and (t.ended_at is null or t.ended_at > ${lo})) - ${GRACE},
  (select case when o.ended_at is null or o.ended_at > ${lo} then ${lo} - ${MAX_ON_BOARD} end from trips o
    where o.vehicle_id = ${v} and o.started_at < ${lo} - ${MAX_ON_BOARD} - ${GRACE}
    order by o.started_at desc limit 1)))`;

/**
 * A case's segments as SQL rows (k, v, lo, hi, person_id, trip_id): their
 * verified check-ins boarded in [from, to), in the order segments() returns
 * them (k counts verified segments only).
 */
export function caseSpans(personId: string, from: number, to: number, now: Date): SQL {
  return sql`select (row_number() over (order by c.boarded_at, c.id) - 1)::int as k, c.vehicle_id as v, c.boarded_at as lo, c_ob.a as hi,
      c.person_id, null::uuid as trip_id
    from checkins c
    ${onBoard("c", ts(now), { from, to })}
    where c.person_id = ${personId}::uuid and c.verified and c.boarded_at >= ${ts(from)} and c.boarded_at < ${ts(to)}`;
}

export function createTracingRepository({ db }: { db: Db }) {
  const run = genericPlanRunner(db);
  /** Everyone else on board during each source stretch (rows k, v, lo, hi, person_id, trip_id), all within `span`. */
  async function exposuresOf(sources: SQL, span: { from: number; to: number }, now: Date): Promise<Exposure[]> {
    const lo = span.from - MAX_ON_BOARD_MS;
    const hi = span.to;
    // Stretches on one vehicle share most of their candidates (a coach's forty passengers at depth 2):
    // each candidate's interval is computed once, then matched to every stretch it meets.
    const rows = await run<SegmentRow & { k: number; from: number; to: number } & PersonRow>(sql`
        with s as materialized (
          select s.*, ${earliestReaching(sql`s.v`, sql`s.lo`)} as since
          from (${sources}) s
        ), c as materialized (
          select distinct on (c.vehicle_id, c.boarded_at, c.id) c.*
          from s join checkins c on c.vehicle_id = s.v and c.boarded_at >= s.since and c.boarded_at < s.hi
            and c.boarded_at >= ${ts(lo)} and c.boarded_at < ${ts(hi)}
        ), iv as materialized (
          select ${segmentColumns("c")}, c.boarded_at as boarded, c_ob.a as until
          from c
          ${onBoard("c", ts(now), { from: lo, to: hi })}
        )
        select s.k, iv.*, ${ms(sql`greatest(iv.boarded, s.lo)`)} as "from", ${ms(sql`least(iv.until, s.hi)`)} as "to",
          p.phone_enc, p.name_enc, ${effectiveStatusSql("p", now)} as status
        from s join iv on iv.vehicle_id = s.v and iv.boarded >= s.since and iv.boarded < s.hi and iv.until > s.lo
          and iv.person_id is distinct from s.person_id and (s.trip_id is null or iv.trip_id = s.trip_id)
          left join persons p on p.id = iv.person_id
        order by s.k, iv.boarded, iv.checkin_id`);
    return rows.map((r) => ({
      ...toSegment(r),
      source: Number(r.k),
      from: Number(r.from),
      to: Number(r.to),
      person: { phoneEnc: r.phone_enc, nameEnc: r.name_enc, status: r.status },
    }));
  }

  return {
    /**
     * Check-ins of each person boarded in [boardedFrom, boardedTo), with their
     * intervals, clipped to start no earlier than `after` (and dropped when
     * they end before it).
     */
    async segments(
      people: { personId: string; boardedFrom: number; boardedTo: number; after?: number }[],
      now: Date,
    ): Promise<(Segment & { person: number; from: number; vehicle: VehicleInfo })[]> {
      if (people.length === 0) return [];
      const input = people.map((p, k) => ({
        k,
        person_id: p.personId,
        lo: new Date(p.boardedFrom).toISOString(),
        hi: new Date(p.boardedTo).toISOString(),
        after: new Date(p.after ?? p.boardedFrom).toISOString(),
      }));
      const lo = Math.min(...people.map((p) => p.boardedFrom));
      const hi = Math.max(...people.map((p) => p.boardedTo));
      const rows = await run<SegmentRow & VehicleRow & { k: number; from: number }>(sql`
          select s.k, ${segmentColumns("c")}, ${ms(sql`greatest(c.boarded_at, s.after)`)} as "from", ${vehicleColumns}
          from jsonb_to_recordset(${JSON.stringify(input)}::jsonb) as s(k int, person_id uuid, lo timestamptz, hi timestamptz, after timestamptz)
          join checkins c on c.person_id = s.person_id and c.boarded_at >= s.lo and c.boarded_at < s.hi
            and c.boarded_at >= ${ts(lo)} and c.boarded_at < ${ts(hi)}
          join vehicles v on v.id = c.vehicle_id
          ${onBoard("c", ts(now), { from: lo, to: hi })}
          where c_ob.a > s.after
          order by s.k, c.boarded_at, c.id`);
      return rows.map((r) => ({ ...toSegment(r), person: Number(r.k), from: Number(r.from), vehicle: toVehicle(r) }));
    },

    /**
     * Everyone else whose interval on the source's vehicle overlaps the
     * source's stretch by any time at all (the caller applies minOverlapMinutes,
     * and counts the rest as "on board" for the risk score).
     */
    async exposures(sources: Source[], now: Date): Promise<Exposure[]> {
      if (sources.length === 0) return [];
      const input = sources.map((s, k) => ({
        k,
        v: s.vehicleId,
        lo: new Date(s.from).toISOString(),
        hi: new Date(s.to).toISOString(),
        person_id: s.personId,
        trip_id: s.tripId ?? null,
      }));
      return exposuresOf(
        sql`select * from jsonb_to_recordset(${JSON.stringify(input)}::jsonb) as s(k int, v uuid, lo timestamptz, hi timestamptz, person_id uuid, trip_id uuid)`,
        { from: Math.min(...sources.map((s) => s.from)), to: Math.max(...sources.map((s) => s.to)) },
        now,
      );
    },

    /**
     * The same for a case's own segments, computed inside the statement, so
     * it can run alongside segments() instead of after it (k = the segment's
     * place in segments()).
     */
    async exposuresOfCase(personId: string, from: number, to: number, now: Date): Promise<Exposure[]> {
      return exposuresOf(caseSpans(personId, from, to, now), { from, to: to + MAX_ON_BOARD_MS }, now);
    },

    /** Trips each driver drove that were still running at or after `after` and started before `before`. */
    async tripsOfDrivers(drivers: { driverId: string; after: number; before: number }[], now: Date) {
      if (drivers.length === 0) return [];
      const input = drivers.map((d, k) => ({ k, driver_id: d.driverId, after: new Date(d.after).toISOString(), before: new Date(d.before).toISOString() }));
      const rows = await run<VehicleRow & { k: number; id: string; vehicle_id: string; start: number; end: number; driver_id: string }>(sql`
          select s.k, t.id, t.vehicle_id, t.driver_id, ${ms(sql`t.started_at`)} as start, ${ms(sql`e.end_at`)} as "end", ${vehicleColumns}
          from jsonb_to_recordset(${JSON.stringify(input)}::jsonb) as s(k int, driver_id text, after timestamptz, before timestamptz)
          join trips t on t.driver_id = s.driver_id and t.started_at < s.before and t.started_at >= s.after - ${MAX_ON_BOARD}
          join vehicles v on v.id = t.vehicle_id
          cross join lateral (select ${tripEnd("t", ts(now))} as end_at) e
          where e.end_at > s.after
          order by s.k, t.started_at`);
      return rows.map((r) => ({
        driver: Number(r.k),
        tripId: r.id,
        vehicleId: r.vehicle_id,
        driverId: r.driver_id,
        start: Number(r.start),
        end: Number(r.end),
        vehicle: toVehicle(r),
      }));
    },

    /** The passengers of one trip: check-ins on its vehicle whose trip (by the rules above) is this one. */
    async tripPassengers(trip: { id: string; vehicleId: string; start: number; end: number }, now: Date): Promise<Segment[]> {
      const rows = await run<SegmentRow>(sql`
          select ${segmentColumns("c")}
          from checkins c
          ${onBoard("c", ts(now), { from: trip.start - TRIP_GRACE_MS, to: trip.end })}
          where c.vehicle_id = ${trip.vehicleId}::uuid and c.boarded_at >= ${ts(trip.start - TRIP_GRACE_MS)} and c.boarded_at < ${ts(trip.end)}
            and c_tr.id = ${trip.id}::uuid
          order by c.boarded_at, c.id`);
      return rows.map(toSegment);
    },
  };
}

export type TracingRepository = ReturnType<typeof createTracingRepository>;

/**
 * trip(c) of DESIGN §7 for one scan: the trip open on the vehicle at `at` (or
 * starting within the grace window after it), by the same rule the trace uses,
 * so the tripId a passenger is told matches what a tracer later sees.
 */
/**
 * The trip of `vehicleId` that a boarding at `at` belongs to (DESIGN §7), as a
 * scalar subquery, so the check-in statement can answer it in the same round trip.
 */
/**
 * Until when a trip must be open for a scan at `at` to belong to it, asked at
 * `now`: at scan time a trip starting within the grace window has not begun
 * yet, and "open until now" must still cover the scan.
 */
export function tripOpenUntil(at: Date, now: Date): Date {
  return new Date(Math.max(now.getTime(), at.getTime() + TRIP_GRACE_MS + 1));
}

/** `vehicleId`, `at` (ISO) and `openUntil` (tripOpenUntil, ISO): values, or a compiled statement's placeholders. */
export function tripOpenAtSql(vehicleId: unknown, at: unknown, openUntil: unknown): SQL {
  return sql`(select t.id from (
        select t.id, ${tripEnd("t", sql`${openUntil}::timestamptz`)} as end_at from trips t
        where t.vehicle_id = ${vehicleId}::uuid and t.started_at <= ${at}::timestamptz + ${GRACE}
        order by t.started_at desc limit 1
      ) t where t.end_at > ${at}::timestamptz)`;
}

export async function tripOpenAt(db: Db, vehicleId: string, at: Date, now: Date): Promise<string | null> {
  const [row] = rowsOf<{ id: string | null }>(await db.execute(sql`select ${tripOpenAtSql(vehicleId, at.toISOString(), tripOpenUntil(at, now).toISOString())} as id`));
  return row?.id ?? null;
}

/** For the flow figures and the trips API: the same interval fragments, so every screen agrees with tracing. */
export const onBoardSql = { onBoard, tripEnd, segmentColumns, toSegment, ts, ms };
export type { SegmentRow };

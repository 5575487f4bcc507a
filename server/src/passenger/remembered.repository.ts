import { sql } from "drizzle-orm";
import { readsSql } from "../audit/audit.repository.ts";
import { onBoardWindowAt, type CheckinsRepository } from "../checkins/checkins.repository.ts";
import type { Db } from "../db/client.ts";
import { compiledStatement } from "../db/prepared.ts";
import type { PersonsRepository } from "../persons/persons.repository.ts";

/** Reads of their records a passenger's page lists. */
const LATEST_READS = 5;

interface Row extends Record<string, unknown> {
  ride_id: string | null;
  ride_boarded_at: string | Date | null;
  ride_companions: number;
  reads_count: number;
  reads_latest: string[] | null;
  /** Whether the person's latest boarding may be a ride on this vehicle: only then is the ride looked for. */
  maybe_on_board: boolean;
}

interface Values extends Record<string, unknown> {
  personId: string;
  vehicleId: string | null;
  now: string;
  from: string;
  to: string;
}

/**
 * What a remembered passenger's page shows of them: who they are, the ride on
 * this vehicle they are on board of (checkins.onBoardRideSql) with its
 * companions, and the reads of their records (audit readsSql). Compiled once
 * (building it through drizzle was a twelfth of the page's CPU).
 *
 * Most pages a scan opens are of a vehicle the passenger is not on yet, and
 * a ride is looked for in the day partitions only when their latest boarding
 * (latest_rides) may be one on this vehicle: it names this vehicle, or no
 * single vehicle, or is not yet past. Any later boarding ends a ride (DESIGN
 * §7), so a ride on board now is the latest boarding unless that one is still
 * to come. Reading the partitions cost the page twice the PostgreSQL time of
 * the rest (bench:checkin (d): 295 µs a page against 52 for /health), as a
 * generic plan over them locks every day partition at each execution.
 * Both statements run on the generic-plan connections (db/prepared.ts):
 * the first too, though it reads no partition, measured better there
 * (bench:checkin (d) 0.51–0.55 of /health, three runs, against 0.48–0.50
 * on the main pool).
 *
 * The companions are counted within the ride's own window as well as at its
 * boarding time: bounds that are parameters prune the day partitions when the
 * statement starts, a correlation (r.boarded_at) only row by row, after every
 * partition was opened. With a month of partitions that was twice the
 * statement's time (0.70 ms against 0.26 ms, 39 partitions).
 */
export function createRememberedLookup({ db, persons, checkins }: { db: Db; persons: PersonsRepository; checkins: CheckinsRepository }) {
  const statement = (onVehicle: boolean) =>
    compiledStatement<Values>(
      db,
      (v) => {
        const ride = onVehicle
          ? checkins.onBoardRideSql(v.personId, v.vehicleId, { now: sql`${v.now}::timestamptz`, from: sql`${v.from}::timestamptz`, to: sql`${v.to}::timestamptz` })
          : sql`select null::uuid as id, null::timestamptz as boarded_at, null::uuid as vehicle_id where false`;
        const companions = onVehicle
          ? sql`(select count(*)::int from checkins cc
                  where cc.vehicle_id = r.vehicle_id and cc.boarded_at = r.boarded_at and cc.companion_of = r.id
                    and cc.boarded_at > ${v.from}::timestamptz and cc.boarded_at <= ${v.now}::timestamptz)`
          : sql`0`;
        return sql`
          with ride as (${ride}),
          reads as (${readsSql(v.personId)})
          select p.*, r.id as ride_id, r.boarded_at as ride_boarded_at, ${companions} as ride_companions,
                 (select count(*)::int from reads) as reads_count,
                 (select json_agg(l.at order by l.at desc) from (select at from reads order by at desc limit ${LATEST_READS}) l) as reads_latest,
                 ${v.vehicleId}::uuid is not null and exists (
                   select 1 from latest_rides lr
                    where lr.person_id = p.id and lr.boarded_at > ${v.from}::timestamptz
                      and (lr.vehicle_id = ${v.vehicleId}::uuid or lr.vehicle_id is null or lr.boarded_at >= ${v.now}::timestamptz)) as maybe_on_board
            from persons p left join ride r on true
           where p.id = ${v.personId}::uuid`;
      },
      { onGenericPlan: true },
    );
  const onVehicle = statement(true);
  const whoAndReads = statement(false);

  return async function remembered(personId: string, vehicleId: string | null, now: Date) {
    const values = { personId, vehicleId, ...onBoardWindowAt(now) };
    let [row] = await whoAndReads<Row>(values);
    if (row?.maybe_on_board) [row] = await onVehicle<Row>(values);
    if (!row) return null;
    return {
      person: persons.revealed(row),
      onBoard: row.ride_id ? { checkinId: row.ride_id, boardedAt: new Date(row.ride_boarded_at!), companions: row.ride_companions } : null,
      reads: { count: row.reads_count, latest: (row.reads_latest ?? []).map((at) => new Date(at)) },
    };
  };
}

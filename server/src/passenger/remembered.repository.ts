import { sql } from "drizzle-orm";
import { readsSql } from "../audit/audit.repository.ts";
import type { CheckinsRepository } from "../checkins/checkins.repository.ts";
import type { Db } from "../db/client.ts";
import { genericPlanRunner } from "../db/prepared.ts";
import type { PersonsRepository } from "../persons/persons.repository.ts";

/** Reads of their records a passenger's page lists. */
const LATEST_READS = 5;

interface Row extends Record<string, unknown> {
  ride_id: string | null;
  ride_boarded_at: string | Date | null;
  ride_companions: number;
  reads_count: number;
  reads_latest: string[] | null;
}

/**
 * What a remembered passenger's page shows of them, in one round trip (the
 * page a scan opens is the busiest page there is): who they are, the ride on
 * this vehicle they are on board of (checkins.onBoardRide) with its
 * companions, and the reads of their records (audit readsOf). On the
 * generic-plan connections, as the ride is a read of the day partitions.
 */
export function createRememberedLookup({ db, persons, checkins }: { db: Db; persons: PersonsRepository; checkins: CheckinsRepository }) {
  const read = genericPlanRunner(db);

  return async function remembered(personId: string, vehicleId: string | null, now: Date) {
    const ride = vehicleId ? checkins.onBoardRideSql(personId, vehicleId, now) : sql`select c.* from checkins c where false`;
    const [row] = await read<Row>(sql`
      with ride as (${ride}),
      reads as (${readsSql(personId)})
      select p.*, r.id as ride_id, r.boarded_at as ride_boarded_at,
             (select count(*)::int from checkins cc
               where cc.vehicle_id = r.vehicle_id and cc.boarded_at = r.boarded_at and cc.companion_of = r.id) as ride_companions,
             (select count(*)::int from reads) as reads_count,
             (select json_agg(l.at order by l.at desc) from (select at from reads order by at desc limit ${LATEST_READS}) l) as reads_latest
        from persons p left join ride r on true
       where p.id = ${personId}::uuid`);
    if (!row) return null;
    return {
      person: persons.revealed(row),
      onBoard: row.ride_id ? { checkinId: row.ride_id, boardedAt: new Date(row.ride_boarded_at!), companions: row.ride_companions } : null,
      reads: { count: row.reads_count, latest: (row.reads_latest ?? []).map((at) => new Date(at)) },
    };
  };
}

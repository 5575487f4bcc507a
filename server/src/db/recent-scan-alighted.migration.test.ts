import { PGlite } from "@electric-sql/pglite";
import { afterAll, describe, expect, it } from "vitest";
import { runMigration, runMigrationsBefore } from "../../test/migrations.ts";

/*
 * Migration 0013 adds recent_scans.alighted, which the repeat-scan rule reads
 * instead of the day partitions, kept by a trigger on checkins. A claim made
 * before the upgrade must know its ride was checked out of, or a passenger
 * who got off and boards again within the minute would be handed the
 * finished ride; and every write that checks a ride out keeps it, not only
 * the server's own.
 */
const db = new PGlite();
afterAll(() => db.close());
const run = (file: string) => runMigration(db, file);

const id = (n: number) => `00000000-0000-7000-8000-${String(n).padStart(12, "0")}`;
const [BUS, ANNA, BO, CHEN] = [id(1), id(11), id(12), id(13)];

describe("migration 0013 (whether a claimed ride is alighted)", () => {
  it("marks the claims whose rides were checked out of, then keeps the mark at each checking out", async () => {
    await runMigrationsBefore(db, "0013");
    let migrated = false;
    const ride = async (n: number, person: string, at: string, opts: { verified?: boolean; source?: string; claim?: boolean } = {}) => {
      const verified = opts.verified ?? true;
      await db.query(`insert into checkins (id, vehicle_id, boarded_at, person_id, source, verified) values ($1, $2, $3, $4, $5, $6)`, [id(n), BUS, at, person, opts.source ?? "scan", verified]);
      if (opts.claim !== false) {
        await db.query(`insert into recent_scans (person_id, verified, vehicle_id, checkin_id, boarded_at) values ($1, $2, $3, $4, $5)
           on conflict (person_id, verified) do update set checkin_id = excluded.checkin_id, boarded_at = excluded.boarded_at${migrated ? ", alighted = false" : ""}`, [person, verified, BUS, id(n), at]);
      }
    };
    const checkOut = (n: number) => db.query(`update checkins set alighted_at = boarded_at + interval '5 minutes' where id = $1`, [id(n)]);
    await ride(101, ANNA, "2026-12-01T08:00:00Z");
    await checkOut(101);
    await ride(102, BO, "2026-12-01T08:00:00Z");
    await run("0013_recent_scan_alighted.sql");
    migrated = true;

    const alighted = async () =>
      (await db.query<{ person_id: string; verified: boolean; alighted: boolean }>(`select person_id, verified, alighted from recent_scans order by person_id, verified`)).rows;
    expect(await alighted()).toEqual([
      { person_id: ANNA, verified: true, alighted: true },
      { person_id: BO, verified: true, alighted: false },
    ]);

    await checkOut(102);
    await ride(103, CHEN, "2026-12-01T09:00:00Z", { verified: false }); // a stranger typing Chen's phone: their own slot
    await ride(104, CHEN, "2026-12-01T09:00:00Z");
    await checkOut(103);
    // A companion's ride is not the claim of the person it names.
    await ride(105, ANNA, "2026-12-01T09:00:00Z");
    await ride(106, ANNA, "2026-12-01T09:00:00Z", { source: "companion", claim: false });
    await checkOut(106);
    expect(await alighted()).toEqual([
      { person_id: ANNA, verified: true, alighted: false },
      { person_id: BO, verified: true, alighted: true },
      { person_id: CHEN, verified: false, alighted: true },
      { person_id: CHEN, verified: true, alighted: false },
    ]);
  });
});

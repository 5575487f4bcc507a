import { PGlite } from "@electric-sql/pglite";
import { afterAll, describe, expect, it } from "vitest";
import { runMigration, runMigrationsBefore } from "../../test/migrations.ts";

/*
 * Migration 0012 adds latest_rides, kept by a trigger on checkins. A database
 * that already holds rides must start with each person's latest verified
 * boarding in it, or a passenger on board at the upgrade would not be offered
 * to get off.
 */
const db = new PGlite();
afterAll(() => db.close());
const run = (file: string) => runMigration(db, file);

const id = (n: number) => `00000000-0000-7000-8000-${String(n).padStart(12, "0")}`;
const [BUS, COACH, ANNA, BO, CHEN] = [id(1), id(2), id(11), id(12), id(13)];

describe("migration 0012 (each person's latest boarding)", () => {
  it("fills latest_rides from the rides already recorded, then keeps it at each new one", async () => {
    await runMigrationsBefore(db, "0012");
    const ride = (n: number, vehicle: string, person: string, at: string, verified = true) =>
      db.query(`insert into checkins (id, vehicle_id, boarded_at, person_id, source, verified) values ($1, $2, $3, $4, 'scan', $5)`, [id(n), vehicle, at, person, verified]);
    await ride(101, BUS, ANNA, "2026-12-01T08:00:00Z");
    await ride(102, COACH, ANNA, "2026-12-01T09:00:00Z");
    await ride(103, BUS, ANNA, "2026-12-01T10:00:00Z", false); // a stranger typing Anna's phone: not hers
    await ride(104, BUS, BO, "2026-12-01T08:00:00Z");
    await ride(105, COACH, BO, "2026-12-01T08:00:00Z"); // two at one instant: either may be the ride
    await run("0012_latest_rides.sql");

    const latest = async () =>
      (await db.query<{ person_id: string; vehicle_id: string | null; at: string }>(`select person_id, vehicle_id, to_char(boarded_at at time zone 'UTC', 'HH24:MI') as at from latest_rides order by person_id`)).rows;
    expect(await latest()).toEqual([
      { person_id: ANNA, vehicle_id: COACH, at: "09:00" },
      { person_id: BO, vehicle_id: null, at: "08:00" },
    ]);

    await ride(106, BUS, BO, "2026-12-01T09:30:00Z");
    await ride(107, BUS, ANNA, "2026-12-01T07:00:00Z"); // read late, from an agent that was offline
    await ride(108, COACH, CHEN, "2026-12-01T11:00:00Z", false);
    expect(await latest()).toEqual([
      { person_id: ANNA, vehicle_id: COACH, at: "09:00" },
      { person_id: BO, vehicle_id: BUS, at: "09:30" },
    ]);
    // A scan verified later (the device proved the phone) is a boarding from then on.
    await db.query(`update checkins set verified = true where id = $1`, [id(108)]);
    expect((await latest())[2]).toEqual({ person_id: CHEN, vehicle_id: COACH, at: "11:00" });
  });
});

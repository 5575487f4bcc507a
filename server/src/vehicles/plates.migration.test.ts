import { PGlite } from "@electric-sql/pglite";
import { afterAll, describe, expect, it } from "vitest";
import { runMigration, runMigrationsBefore } from "../../test/migrations.ts";

/*
 * Migration 0008 adds a unique index on (operator, plate) for vehicles in
 * service. A database that already holds a plate twice must still migrate:
 * the later vehicles get " (2)", " (3)" added to their plate.
 */
const db = new PGlite();
afterAll(() => db.close());
const run = (file: string) => runMigration(db, file);

describe("migration 0008 (unique plates per fleet)", () => {
  it("migrates a database that already has a plate twice, renaming the later ones", async () => {
    await runMigrationsBefore(db, "0008");
    await db.exec(`insert into vehicles (id, plate, kind, agent_password_hash, created_at) values
      ('00000000-0000-7000-8000-000000000001', '鲁A·1', 'bus', 'x', now() - interval '2 day'),
      ('00000000-0000-7000-8000-000000000002', '鲁A·1', 'bus', 'x', now() - interval '1 day'),
      ('00000000-0000-7000-8000-000000000003', '鲁A·1', 'taxi', 'x', now()),
      ('00000000-0000-7000-8000-000000000004', '鲁A·2', 'bus', 'x', now())`);
    await run("0008_vehicle_plates_retire.sql");
    const rows = (await db.query<{ plate: string }>("select plate from vehicles order by id")).rows.map((r) => r.plate);
    expect(rows).toEqual(["鲁A·1", "鲁A·1 (2)", "鲁A·1 (3)", "鲁A·2"]);
    await expect(db.exec(`insert into vehicles (id, plate, kind, agent_password_hash) values ('00000000-0000-7000-8000-000000000007', '鲁A·2', 'bus', 'x')`)).rejects.toThrow(/vehicles_operator_plate_uq/);
  });
});

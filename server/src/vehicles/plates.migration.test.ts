import { readFileSync } from "node:fs";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { afterAll, describe, expect, it } from "vitest";

/*
 * Migration 0008 adds a unique index on (operator, plate) for vehicles in
 * service. A database that already holds a plate twice must still migrate:
 * the later vehicles get " (2)", " (3)" added to their plate.
 */
const DRIZZLE = path.resolve(import.meta.dirname, "../../../drizzle");
const db = new PGlite();
afterAll(() => db.close());

async function run(file: string) {
  for (const statement of readFileSync(path.join(DRIZZLE, file), "utf8").split("--> statement-breakpoint")) {
    if (statement.trim()) await db.exec(statement);
  }
}

describe("migration 0008 (unique plates per fleet)", () => {
  it("migrates a database that already has a plate twice, renaming the later ones", async () => {
    for (const f of ["0000_init.sql", "0001_traces.sql", "0002_rate_limits.sql", "0003_recent_scans.sql", "0004_gtfs.sql", "0005_leases.sql", "0006_case_desk.sql", "0007_verified_phones.sql"]) await run(f);
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

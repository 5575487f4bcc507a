import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../../test/harness.ts";
import { rowsOf } from "../db/client.ts";
import { ensureDayPartitions } from "../db/partitions.ts";
import { auditLog, persons, recentScans, traces } from "../db/schema/index.ts";
import { scenario, type Scenario } from "../tracing/fixtures.ts";
import { applyRetention } from "./retention.job.ts";

const NOW = new Date("2026-11-28T08:00:00Z");
const DAY = 1440; // minutes
let t: TestApp;
let s: Scenario;

beforeAll(async () => {
  t = await createTestApp({ now: NOW.toISOString() });
  // Minutes are counted from now; negative is the past.
  s = scenario(t.deps, NOW);
  await ensureDayPartitions(t.deps.db, new Date(NOW.getTime() - 31 * 86_400_000), 3);
  await s.vehicle("bus1");
  for (const p of ["Old", "Seen", "Flagged", "Fresh", "Rider"]) await s.person(p);
  await t.deps.db.execute(sql`update persons set last_seen_at = ${s.at(-30 * DAY).toISOString()}::timestamptz where id in (${s.id("Old")}::uuid, ${s.id("Seen")}::uuid, ${s.id("Flagged")}::uuid)`);
  await t.deps.db.update(persons).set({ status: "case", statusSetAt: s.at(-2 * DAY) }).where(sql`id = ${s.id("Flagged")}::uuid`);

  await s.trip("oldRun", "bus1", -30 * DAY, -30 * DAY + 40);
  await s.trip("todayRun", "bus1", -60, null);
  await s.checkin("old1", "Old", "bus1", -30 * DAY + 5);
  await s.checkin("seen1", "Seen", "bus1", -30); // an old registration who rode today
  await s.checkin("today1", "Rider", "bus1", -10);
  await s.track("bus1", -30 * DAY, -30 * DAY + 2, 1);
  await s.track("bus1", -5, -3, 1);
  await t.deps.db.insert(recentScans).values([
    { personId: s.id("Old"), vehicleId: s.id("bus1"), checkinId: s.id("old1"), boardedAt: s.at(-30 * DAY + 5) },
    { personId: s.id("Rider"), vehicleId: s.id("bus1"), checkinId: s.id("today1"), boardedAt: s.at(-10) },
  ]);
  await t.deps.db.insert(traces).values([
    { id: s.id("oldTrace"), createdAt: s.at(-29 * DAY), indexPersonId: s.id("Old"), request: {}, resultEnc: "x" },
    { id: s.id("newTrace"), createdAt: s.at(-DAY), indexPersonId: s.id("Rider"), request: {}, resultEnc: "x" },
  ]);
  await t.deps.db.insert(auditLog).values([
    { id: s.id("ancientAudit"), at: s.at(-800 * DAY), actorName: "tracer", action: "trace.create" },
    { id: s.id("monthAudit"), at: s.at(-30 * DAY), actorName: "tracer", action: "trace.create" },
  ]);
});
afterAll(() => t.close());

const ids = async (table: string, column = "id") =>
  rowsOf<{ id: string }>(await t.deps.db.execute(sql.raw(`select ${column}::text as id from ${table}`))).map((r) => s.nameOf(r.id)).sort();

describe("retention", () => {
  it("drops the day partitions older than RETENTION_DAYS and what only they kept alive, and keeps today's data", async () => {
    const result = await applyRetention(t.deps);
    const day = "20261029";
    expect(result.dropped).toEqual(expect.arrayContaining([`checkins_p${day}`, `positions_p${day}`]));
    const tables = rowsOf<{ relname: string }>(await t.deps.db.execute(sql`select relname from pg_class where relname like 'checkins_p%' or relname like 'positions_p%'`)).map((r) => r.relname);
    expect(tables).not.toContain(`checkins_p${day}`);
    expect(tables).toContain("checkins_p20261128"); // today's partition stays

    expect(await ids("checkins")).toEqual(["seen1", "today1"]);
    expect(rowsOf<{ n: number }>(await t.deps.db.execute(sql`select count(*)::int as n from positions`))[0]!.n).toBe(3);
    expect(await ids("trips")).toEqual(["todayRun"]);
    expect(await ids("traces")).toEqual(["newTrace"]);
    // A person's latest scan and boarding are movements too: the old ones go with their rides.
    expect(await ids("recent_scans", "person_id")).toEqual(["Rider"]);
    expect(await ids("latest_rides", "person_id")).toEqual(["Rider", "Seen"]);
    // Old and unreferenced goes; one who rode today, a recent case, and the fresh stay.
    expect(await ids("persons")).toEqual(["Flagged", "Fresh", "Rider", "Seen"]);
    expect(await ids("audit_log")).toEqual(["monthAudit"]);
  });

  it("is safe to run again", async () => {
    const again = await applyRetention(t.deps);
    expect(again).toMatchObject({ partitions: 0, trips: 0, latest: 0, traces: 0, persons: 0, audit: 0 });
    expect(await ids("checkins")).toEqual(["seen1", "today1"]);
  });
});

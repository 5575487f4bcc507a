import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../config.ts";
import { rowsOf } from "../db/client.ts";
import { CASE_PHONE } from "./demo.passengers.ts";
import { parseDemoArgs, startDemo } from "./demo.ts";

/*
 * The demo as `npm run demo` starts it (the real server, embedded database and
 * broker, in-process agents over MQTT), with a small fleet at five times real
 * speed, watched for about a minute.
 */
let demo: Awaited<ReturnType<typeof startDemo>>;
let dir: string;
const count = async (query: ReturnType<typeof sql>) => Number(rowsOf<{ n: number | string }>(await demo.server.deps.db.execute(query))[0]!.n);

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), "demo-test-"));
  // Port 0: any free port, for HTTP and for the embedded broker.
  const config = loadConfig({ DATA_DIR: dir, PORT: "0", MQTT_PORT: "0", HOST: "127.0.0.1", LOG_LEVEL: "silent" });
  demo = await startDemo(config, parseDemoArgs(["--seed", "7", "--buses", "4", "--taxis", "2", "--ride-hail", "1", "--time-scale", "5", "--board-every", "2000"]));
}, 300_000);

afterAll(async () => {
  await demo?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("the demo city", () => {
  it("runs its buses on the generated timetable's trips that are on the road at the start, one line each, with the timetable's trip ids", async () => {
    expect(demo.lines.map((l) => l.routeId)).toEqual(["K1", "K2", "K3", "K4", "K5"]);
    // The generated city runs round the clock, as often as its buses need: at any hour each bus joins a trip on the road.
    const buses = demo.fleet.vehicles.filter((v) => v.kind === "bus");
    expect(buses.map((b) => b.runs![0]!.how)).toEqual(["running", "running", "running", "running"]);
    expect(buses.every((b) => b.runs![0]!.start <= demo.fleet.startedAt && demo.fleet.startedAt < b.runs![0]!.end)).toBe(true);
    expect(new Set(buses.map((b) => b.routeId)).size).toBe(4);
    const firstTrips = async () =>
      rowsOf<{ vehicle_id: string; order_ref: string }>(
        await demo.server.deps.db.execute(sql`select distinct on (t.vehicle_id) t.vehicle_id, t.order_ref from trips t join gtfs_trips g on g.id = t.order_ref and g.route_id = t.route_id order by t.vehicle_id, t.started_at`),
      );
    await expect.poll(async () => (await firstTrips()).length, { timeout: 60_000 }).toBe(4);
    expect(Object.fromEntries((await firstTrips()).map((r) => [r.vehicle_id, r.order_ref]))).toEqual(Object.fromEntries(buses.map((b) => [b.id, b.runs![0]!.tripId])));
  }, 90_000);

  it("within a minute has its vehicles moving, trips open and passengers boarding by poster, live code and pass", async () => {
    const where = async () => rowsOf<{ id: string; lat: number; lon: number }>(await demo.server.deps.db.execute(sql`select vehicle_id as id, lat, lon from vehicle_state where lat is not null`));
    await expect.poll(async () => (await where()).length, { timeout: 60_000 }).toBe(7);
    const before = new Map((await where()).map((v) => [v.id, `${v.lat},${v.lon}`]));
    await expect
      .poll(async () => (await where()).filter((v) => before.get(v.id) !== `${v.lat},${v.lon}`).length, { timeout: 30_000 })
      .toBe(7);
    await expect.poll(() => count(sql`select count(distinct vehicle_id) as n from trips`), { timeout: 60_000 }).toBe(7);
    await expect.poll(() => ({ ...demo.passengers.counts }), { timeout: 90_000 }).toEqual({ poster: expect.any(Number), live: expect.any(Number), pass: expect.any(Number) });
    await expect.poll(() => Math.min(demo.passengers.counts.poster, demo.passengers.counts.live, demo.passengers.counts.pass), { timeout: 90_000 }).toBeGreaterThanOrEqual(2);
    // What the server stored: scans (poster and live codes) and pass reads from the agents.
    await expect.poll(() => count(sql`select count(*) as n from checkins where source = 'pass'`), { timeout: 30_000 }).toBeGreaterThanOrEqual(2);
    expect(await count(sql`select count(*) as n from checkins where source = 'scan'`)).toBeGreaterThanOrEqual(4);
    // The riders prove their phones with the code from the SMS sink, so their scans are verified rides.
    expect(await count(sql`select count(*) as n from checkins where source = 'scan' and verified`)).toBeGreaterThanOrEqual(2);
    await expect.poll(() => count(sql`select count(*) as n from positions`), { timeout: 30_000 }).toBeGreaterThan(50);
  }, 240_000);

  it("seeds a confirmed case whose trace finds fellow passengers and the driver", async () => {
    await demo.caseSeeded;
    const day = new Date();
    const from = new Date(day.getTime() - 3_600_000).toISOString();
    const to = new Date(day.getTime() + 3_600_000).toISOString();
    await expect
      .poll(
        async () => {
          const trace = await demo.api.trace({ phone: CASE_PHONE, from, to, reason: "demo test", minOverlapMinutes: 0 });
          return [...new Set(trace.contacts.map((c) => c.role))].sort();
        },
        { timeout: 60_000 },
      )
      .toEqual(["driver", "passenger"]);
  }, 90_000);
});

describe("the demo's options", () => {
  it("takes a time of day for the demo's clock, and refuses anything else with the form it wants", () => {
    expect(parseDemoArgs(["--clock", "8:05"]).clock).toBe("08:05");
    expect(parseDemoArgs([]).clock).toBeUndefined();
    for (const bad of ["24:00", "8", "08:60", "noon"]) expect(() => parseDemoArgs(["--clock", bad])).toThrow(/--clock must be a time of day, HH:MM/);
  });
});

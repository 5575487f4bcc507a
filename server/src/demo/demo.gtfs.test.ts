import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { distanceM, type LatLon } from "../../../protocol/index.ts";
import { sharedDataFile } from "../../../vehicle-agent/test/shared-data.ts";
import { loadConfig } from "../config.ts";
import { rowsOf } from "../db/client.ts";
import { feedCentre } from "./demo.feed.ts";
import { parseDemoArgs, startDemo } from "./demo.ts";

/*
 * `npm run demo -- --gtfs berlin-gtfs-subset.zip`: the demo imports a real
 * feed (VBB, six routes) and runs its buses on it from noon (--clock) — three buses at four times
 * real speed, no taxis, watched for up to a minute.
 */
const BERLIN = sharedDataFile("berlin-gtfs-subset.zip");

let demo: Awaited<ReturnType<typeof startDemo>>;
let dir: string;
const rows = async <T>(query: ReturnType<typeof sql>) => rowsOf<T>(await demo.server.deps.db.execute(query));
const count = async (query: ReturnType<typeof sql>) => Number((await rows<{ n: number | string }>(query))[0]!.n);

/** Metres from `p` to the nearest point of a polyline (flat within a segment: segments are short). */
function offPath(p: LatLon, path: [number, number][]): number {
  let best = Infinity;
  for (let i = 0; i < path.length - 1; i++) {
    const [alon, alat] = path[i]!;
    const [blon, blat] = path[i + 1]!;
    const k = Math.cos((alat * Math.PI) / 180);
    const [bx, by, px, py] = [(blon - alon) * k, blat - alat, (p.lon - alon) * k, p.lat - alat];
    const len2 = bx * bx + by * by;
    const f = len2 === 0 ? 0 : Math.max(0, Math.min(1, (px * bx + py * by) / len2));
    best = Math.min(best, distanceM(p, { lat: alat + (blat - alat) * f, lon: alon + (blon - alon) * f }));
  }
  return best;
}

describe.skipIf(!BERLIN)("the demo on a real timetable (Berlin VBB subset)", () => {
  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), "demo-gtfs-test-"));
    const config = loadConfig({ DATA_DIR: dir, PORT: "0", MQTT_PORT: "0", HOST: "127.0.0.1", LOG_LEVEL: "silent" });
    demo = await startDemo(config, parseDemoArgs(["--gtfs", BERLIN!, "--buses", "3", "--taxis", "1", "--ride-hail", "0", "--time-scale", "4", "--board-every", "600000", "--clock", "12:00"]));
  }, 300_000);

  afterAll(async () => {
    await demo?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("runs buses whose route ids and trips are the feed's, by its timetable at the demo clock's hour, moving along the feed's shapes and standing at its stops", async () => {
    const feedRoutes = (await rows<{ id: string }>(sql`select id from gtfs_routes order by id`)).map((r) => r.id);
    expect(feedRoutes).toHaveLength(6);
    expect(demo.lines.map((l) => l.routeId).sort()).toEqual(feedRoutes);
    const registered = await rows<{ id: string; route_id: string }>(sql`select id, route_id from vehicles where kind = 'bus'`);
    expect(registered).toHaveLength(3);
    expect(registered.every((b) => feedRoutes.includes(b.route_id))).toBe(true);

    // Each bus runs the trip the timetable has for it now (demo.schedule.ts): on the road, leaving within the half
    // hour (the bus stands at its first stop until then), or — when the feed runs nothing soon, as at night or on a
    // day long after its calendar ends — the next departure ahead of time, which the log says.
    const buses = demo.fleet.vehicles.filter((v) => v.kind === "bus");
    const firstRuns = buses.map((b) => ({ id: b.id, ...b.runs![0]! }));
    if (firstRuns.some((r) => r.how === "ahead")) expect(demo.fleet.dispatcher.notes.join("\n")).toContain("ahead of time");
    expect(demo.fleet.dispatcher.notes.some((n) => /the timetable has \d+ trips on the road/.test(n))).toBe(true);
    const leaving = firstRuns.filter((r) => r.how !== "next");
    // At noon (--clock 12:00, in Berlin) the timetable has buses on the road, whatever the hour here.
    expect(leaving.length).toBeGreaterThan(0);
    const waiting = firstRuns.filter((r) => r.how === "next");
    // A bus's trip is a timetable trip of its own route, the one it was given (GTFS-Realtime names it by this trip id).
    const tripsOpened = () =>
      rows<{ vehicle_id: string; order_ref: string }>(
        sql`select distinct on (t.vehicle_id) t.vehicle_id, t.order_ref from trips t join vehicles v on v.id = t.vehicle_id join gtfs_trips g on g.id = t.order_ref and g.route_id = v.route_id and g.route_id = t.route_id order by t.vehicle_id, t.started_at`,
      );
    await expect.poll(async () => (await tripsOpened()).filter((r) => leaving.some((l) => l.id === r.vehicle_id)).length, { timeout: 60_000 }).toBe(leaving.length);
    for (const r of await tripsOpened()) expect(r.order_ref).toBe(firstRuns.find((f) => f.id === r.vehicle_id)!.tripId);

    // Moving: every bus on a trip has reported from at least two places; a bus waiting for its departure stands at its first stop.
    const moved = () => rows<{ vehicle_id: string }>(sql`select vehicle_id from positions where flag is null group by vehicle_id having count(distinct (lat, lon)) > 1`);
    await expect.poll(async () => (await moved()).filter((m) => leaving.some((l) => l.id === m.vehicle_id)).length, { timeout: 60_000 }).toBe(leaving.length);
    for (const w of waiting) {
      if (demo.fleet.demoNow() >= w.departAt) continue; // it has left since
      const standing = await rows<{ speed: number }>(sql`select speed from positions where vehicle_id = ${w.id}`);
      expect(standing.every((p) => p.speed === 0)).toBe(true);
    }

    // The taxi works the feed's city: within 10 km of its stops' middle, on the same map as the buses.
    const centre = feedCentre(demo.timetable)!;
    await expect.poll(() => count(sql`select count(*) as n from positions p join vehicles v on v.id = p.vehicle_id where v.kind = 'taxi'`), { timeout: 60_000 }).toBeGreaterThan(0);
    const taxiFixes = await rows<{ lat: number; lon: number }>(sql`select p.lat, p.lon from positions p join vehicles v on v.id = p.vehicle_id where v.kind = 'taxi'`);
    expect(Math.max(...taxiFixes.map((f) => distanceM(f, centre)))).toBeLessThan(10_000);

    // On the feed's shapes: every good fix a bus sends on a trip lies on that trip's shape. Between trips it drives
    // empty from one terminus to the next trip's first stop, off any shape, as a real bus turning round does.
    const shapes = new Map<string, [number, number][]>();
    for (const r of await rows<{ id: string; points: [number, number][] | string }>(sql`select id, points from gtfs_shapes`)) {
      shapes.set(r.id, typeof r.points === "string" ? (JSON.parse(r.points) as [number, number][]) : r.points);
    }
    const fixes = await rows<{ shape_id: string; lat: number; lon: number }>(
      sql`select g.shape_id, p.lat, p.lon from positions p
          join trips t on t.vehicle_id = p.vehicle_id and p.ts >= t.started_at and (t.ended_at is null or p.ts <= t.ended_at)
          join gtfs_trips g on g.id = t.order_ref
          where p.flag is null`,
    );
    expect(fixes.length).toBeGreaterThan(0);
    expect(Math.max(0, ...fixes.map((f) => offPath(f, shapes.get(f.shape_id)!)))).toBeLessThan(25);

    // Standing at stops: a bus on its trip reports speed 0 while it dwells (the feed gives arrival = departure; the demo holds it 20 s).
    const dwelt = () => rows<{ vehicle_id: string }>(sql`select distinct vehicle_id from positions where speed = 0`);
    await expect.poll(async () => (await dwelt()).some((d) => leaving.some((l) => l.id === d.vehicle_id)), { timeout: 60_000 }).toBe(true);
    expect(await count(sql`select count(*) as n from positions where flag is not null`)).toBe(0);
  }, 240_000);
});

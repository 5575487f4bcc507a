import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { distanceM, type LatLon } from "../../../protocol/index.ts";
import { sharedDataFile } from "../../../vehicle-agent/test/shared-data.ts";
import { loadConfig } from "../config.ts";
import { rowsOf } from "../db/client.ts";
import { parseDemoArgs, startDemo } from "./demo.ts";

/*
 * `npm run demo -- --gtfs berlin-gtfs-subset.zip`: the demo imports a real
 * feed (VBB, six routes) and runs its buses on it — three buses at four times
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
    demo = await startDemo(config, parseDemoArgs(["--gtfs", BERLIN!, "--buses", "3", "--taxis", "0", "--ride-hail", "0", "--time-scale", "4", "--board-every", "600000"]));
  }, 300_000);

  afterAll(async () => {
    await demo?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("runs buses whose route ids and trips are the feed's, moving along the feed's shapes and standing at its stops", async () => {
    const feedRoutes = (await rows<{ id: string }>(sql`select id from gtfs_routes order by id`)).map((r) => r.id);
    expect(feedRoutes).toHaveLength(6);
    expect(demo.lines.map((l) => l.routeId).sort()).toEqual(feedRoutes);
    const buses = await rows<{ id: string; route_id: string }>(sql`select id, route_id from vehicles where kind = 'bus'`);
    expect(buses).toHaveLength(3);
    expect(buses.every((b) => feedRoutes.includes(b.route_id))).toBe(true);

    // Each bus's trip is a timetable trip of its own route (GTFS-Realtime names it by this trip id).
    await expect
      .poll(
        () => count(sql`select count(distinct t.vehicle_id) as n from trips t join vehicles v on v.id = t.vehicle_id join gtfs_trips g on g.id = t.order_ref and g.route_id = v.route_id and g.route_id = t.route_id`),
        { timeout: 60_000 },
      )
      .toBe(3);

    // Moving: every bus has reported from at least two places.
    await expect
      .poll(() => count(sql`select count(*) as n from (select vehicle_id from positions where flag is null group by vehicle_id having count(distinct (lat, lon)) > 1) moved`), { timeout: 60_000 })
      .toBe(3);

    // On the feed's shapes: every good fix lies on a shape of the bus's route.
    const shapes = new Map<string, [number, number][][]>();
    for (const r of await rows<{ route_id: string; points: [number, number][] | string }>(
      sql`select distinct t.route_id, s.points from gtfs_trips t join gtfs_shapes s on s.id = t.shape_id`,
    )) {
      const points = typeof r.points === "string" ? (JSON.parse(r.points) as [number, number][]) : r.points;
      shapes.set(r.route_id, [...(shapes.get(r.route_id) ?? []), points]);
    }
    const fixes = await rows<{ route_id: string; lat: number; lon: number }>(sql`select v.route_id, p.lat, p.lon from positions p join vehicles v on v.id = p.vehicle_id where p.flag is null`);
    const off = fixes.map((f) => Math.min(...shapes.get(f.route_id)!.map((s) => offPath(f, s))));
    expect(Math.max(...off)).toBeLessThan(25);

    // Standing at stops: a bus reports speed 0 while it dwells (the feed gives arrival = departure; the demo holds it 20 s).
    await expect.poll(() => count(sql`select count(*) as n from positions where speed = 0`), { timeout: 60_000 }).toBeGreaterThan(0);
    expect(await count(sql`select count(*) as n from positions where flag is not null`)).toBe(0);
  }, 240_000);
});

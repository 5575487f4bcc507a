import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { serve } from "@hono/node-server";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rowsOf } from "../../../server/src/db/client.ts";
import { startTestSystem, type TestSystem } from "../../../server/test/system.ts";
import { silentLog } from "../log.ts";
import { sharedDataFile } from "../../test/shared-data.ts";
import { replayFleet } from "./fleet-replay.ts";

/*
 * A recorded day of Austin's buses (CapMetro, 2016-12-16) replayed as one
 * fleet through the real server and broker, at 2,000 times real speed (about
 * 25 seconds for the 13 hours). The file's first 40 buses, every row of each:
 * registering all 279 (a password hash each, then one at each agent's login)
 * takes several minutes on a loaded 2-core machine; `npm run replay` plays the
 * whole file the same way.
 */
const AUSTIN = sharedDataFile("austin-bus-positions-2016-12-16.csv");
const BUSES = 40;

/** The file's rows of its first `n` vehicles, header kept, in a file of their own. */
function firstVehicles(file: string, n: number, into: string): string {
  const [header, ...rows] = readFileSync(file, "utf8").trim().split("\n");
  const keep = new Set<string>();
  const out = rows.filter((row) => {
    const v = row.split(",")[0]!;
    if (keep.size < n) keep.add(v);
    return keep.has(v);
  });
  const target = path.join(into, "austin-first-buses.csv");
  writeFileSync(target, [header, ...out].join("\n") + "\n");
  return target;
}

/** What the file holds, read independently of the agent's parser. */
function expected(file: string) {
  const [header, ...rows] = readFileSync(file, "utf8").trim().split("\n");
  const col = header!.split(",");
  const [vi, ti, tsi] = ["vehicle_id", "trip_id", "timestamp"].map((c) => col.indexOf(c));
  const fixes = new Set<string>();
  const byVehicle = new Map<string, { ts: number; trip: string }[]>();
  for (const row of rows) {
    const cells = row.split(",");
    const v = cells[vi!]!;
    // The server keys a fix on (vehicle, time): a repeated time is one fix.
    fixes.add(`${v}@${Date.parse(cells[tsi!]!)}`);
    byVehicle.set(v, [...(byVehicle.get(v) ?? []), { ts: Date.parse(cells[tsi!]!), trip: cells[ti!]! }]);
  }
  // One trip per run of a trip_id on a vehicle (a bus that leaves a trip and takes it up again runs it twice).
  let runs = 0;
  const tripIds = new Set<string>();
  for (const list of byVehicle.values()) {
    list.sort((a, b) => a.ts - b.ts);
    list.forEach((f, i) => {
      tripIds.add(f.trip);
      if (i === 0 || list[i - 1]!.trip !== f.trip) runs++;
    });
  }
  return { vehicles: byVehicle.size, fixes: fixes.size, tripIds, runs };
}

let system: TestSystem;
let http: ReturnType<typeof serve>;
let dir: string;

describe.skipIf(!AUSTIN)("replaying a fleet file (Austin, 2016-12-16)", () => {
  beforeAll(async () => {
    system = await startTestSystem();
    http = serve({ fetch: system.t.app.fetch, port: 0, hostname: "127.0.0.1" });
    await new Promise((r) => http.once("listening", r));
    dir = mkdtempSync(path.join(os.tmpdir(), "fleet-replay-"));
  }, 60_000);

  afterAll(async () => {
    http?.close();
    await system?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("registers every bus, stores every fix of every bus and one trip per trip_id run, named by its trip_id", async () => {
    const file = firstVehicles(AUSTIN!, BUSES, dir);
    const want = expected(file);
    expect(want.vehicles).toBe(BUSES);
    const admin = await system.t.staff("admin");
    const warnings: string[] = [];
    const fleet = await replayFleet({
      file,
      server: `http://127.0.0.1:${(http.address() as AddressInfo).port}`,
      url: system.mqttUrl,
      topicPrefix: system.topicPrefix,
      admin,
      speed: 2000,
      dataDir: dir,
      platePrefix: "ATX-",
      concurrency: 8,
      log: { ...silentLog, warn: (m) => warnings.push(m) },
    });
    try {
      expect(fleet.vehicles).toHaveLength(BUSES);
      await fleet.done;
      await system.drain();
      const db = system.t.deps.db;
      const one = async <T>(q: ReturnType<typeof sql>) => rowsOf<T>(await db.execute(q))[0]!;
      expect(Number((await one<{ n: string }>(sql`select count(*) as n from vehicles where plate like 'ATX-%'`)).n)).toBe(BUSES);
      expect(Number((await one<{ n: string }>(sql`select count(*) as n from positions`)).n)).toBe(want.fixes);
      expect(Number((await one<{ n: string }>(sql`select count(distinct vehicle_id) as n from positions`)).n)).toBe(BUSES);
      const trips = await one<{ n: string; ids: string; unnamed: string }>(sql`select count(*) as n, count(distinct order_ref) as ids, count(*) filter (where order_ref is null or started_at is null or ended_at is null) as unnamed from trips`);
      expect({ trips: Number(trips.n), tripIds: Number(trips.ids), incomplete: Number(trips.unnamed) }).toEqual({ trips: want.runs, tripIds: want.tripIds.size, incomplete: 0 });
      // Connection retries are expected on a loaded machine (each login checks a password hash); a replay that stopped is not.
      expect(warnings.filter((w) => /replay stopped|dropped/.test(w))).toEqual([]);
    } finally {
      await fleet.stop();
    }
  }, 240_000);
});

import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { serve } from "@hono/node-server";
import { parse } from "csv-parse/sync";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rowsOf } from "../../../server/src/db/client.ts";
import { startTestSystem, type TestSystem } from "../../../server/test/system.ts";
import { silentLog } from "../log.ts";
import { sharedDataFile } from "../../test/shared-data.ts";
import { replayFleet } from "./fleet-replay.ts";

/*
 * A recorded day of Austin's buses (CapMetro, 2016-12-16: 279 buses, 34,501
 * fixes, 1,200 trip ids) replayed whole as one fleet through the real server
 * and broker: every bus registered through the API and driven by its own
 * agent (own login, own outbox), the 13 hours fast-forwarded into a few
 * seconds so that each agent sends its backlog in batches, as after an outage.
 */
const AUSTIN = sharedDataFile("austin-bus-positions-2016-12-16.csv");
const SPEED = 20_000;

interface Row {
  vehicle_id: string;
  timestamp: string;
  trip_id: string;
}

/**
 * What the file holds, read with a CSV library rather than the agent's parser.
 * A fix is keyed on (vehicle, time) (DESIGN §4: positions are idempotent on
 * them); the file has one repeated time — bus 2252 at 08:30:15, once for the
 * trip it ends and once for the trip it starts — and the first row wins.
 * A trip is a vehicle's run of a trip_id: the file hands four trip ids from one
 * bus to another, and bus 2103 leaves trip 1676902 for 1670427 and comes back.
 */
function expected(file: string) {
  const rows = parse(readFileSync(file), { columns: true, skip_empty_lines: true }) as Row[];
  const fixes = new Map<string, Map<number, string>>();
  for (const r of rows) {
    const byTime = fixes.get(r.vehicle_id) ?? new Map<number, string>();
    const ts = Date.parse(r.timestamp);
    if (!byTime.has(ts)) byTime.set(ts, r.trip_id);
    fixes.set(r.vehicle_id, byTime);
  }
  const fixesPerBus: Record<string, number> = {};
  const runs: Record<string, number> = {};
  for (const [v, byTime] of fixes) {
    fixesPerBus[v] = byTime.size;
    const inOrder = [...byTime].sort(([a], [b]) => a - b);
    inOrder.forEach(([, trip], i) => {
      if (i === 0 || inOrder[i - 1]![1] !== trip) runs[`${v} ${trip}`] = (runs[`${v} ${trip}`] ?? 0) + 1;
    });
  }
  return { rows: rows.length, fixesPerBus, runs, tripIds: new Set(rows.map((r) => r.trip_id)).size };
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
  }, 120_000);

  afterAll(async () => {
    http?.close();
    await system?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("registers every bus, stores every fix of every bus on one clock, and one trip per trip_id a bus runs", async () => {
    const want = expected(AUSTIN!);
    expect(want).toMatchObject({ rows: 34_501, tripIds: 1_200 });
    expect(Object.keys(want.fixesPerBus)).toHaveLength(279);
    const admin = await system.t.staff("admin");
    const warnings: string[] = [];
    const fleet = await replayFleet({
      file: AUSTIN!,
      server: `http://127.0.0.1:${(http.address() as AddressInfo).port}`,
      url: system.mqttUrl,
      topicPrefix: system.topicPrefix,
      admin,
      speed: SPEED,
      dataDir: dir,
      platePrefix: "ATX-",
      concurrency: 4,
      log: { ...silentLog, warn: (m) => warnings.push(m) },
    });
    try {
      expect(fleet.vehicles).toHaveLength(279);
      await fleet.done;
      await system.drain();
      const db = system.t.deps.db;
      const all = async <T>(q: ReturnType<typeof sql>) => rowsOf<T>(await db.execute(q));

      const stored = await all<{ plate: string; n: string; first: string }>(
        sql`select v.plate, count(*) as n, min(p.ts) as first from positions p join vehicles v on v.id = p.vehicle_id group by v.plate`,
      );
      expect(Object.fromEntries(stored.map((r) => [r.plate.slice("ATX-".length), Number(r.n)]))).toEqual(want.fixesPerBus);

      // One clock for the fleet: every bus's times moved by the same amount.
      const firstInFile = new Map<string, number>();
      for (const r of parse(readFileSync(AUSTIN!), { columns: true }) as Row[]) {
        const ts = Date.parse(r.timestamp);
        if (ts < (firstInFile.get(r.vehicle_id) ?? Infinity)) firstInFile.set(r.vehicle_id, ts);
      }
      const shifts = new Set(stored.map((r) => new Date(r.first).getTime() - firstInFile.get(r.plate.slice("ATX-".length))!));
      expect(shifts.size).toBe(1);

      const trips = await all<{ plate: string; ref: string; n: string }>(
        sql`select v.plate, t.order_ref as ref, count(*) as n from trips t join vehicles v on v.id = t.vehicle_id where t.started_at is not null and t.ended_at is not null group by v.plate, t.order_ref`,
      );
      expect(Object.fromEntries(trips.map((t) => [`${t.plate.slice("ATX-".length)} ${t.ref}`, Number(t.n)]))).toEqual(want.runs);
      expect(new Set(trips.map((t) => t.ref)).size).toBe(want.tripIds);
      // One trip per trip_id a bus runs; the one exception is a bus that came back to it after another trip, whose trips may not overlap.
      expect(Object.entries(want.runs).filter(([, n]) => n > 1)).toEqual([["2103 1676902", 2]]);
      const overlapping = await all<{ n: string }>(
        sql`select count(*) as n from trips a join trips b on a.vehicle_id = b.vehicle_id and a.id < b.id and a.started_at < b.ended_at and b.started_at < a.ended_at`,
      );
      expect(Number(overlapping[0]!.n)).toBe(0);
      // Connection retries are expected on a loaded machine; a replay that stopped, or a fix dropped, is not.
      expect(warnings.filter((w) => /replay stopped|dropped|refused/.test(w))).toEqual([]);
    } finally {
      await fleet.stop();
    }
    // Generous: registering 279 buses is 279 scrypt hashes (about 0.23 s of CPU each here); on a shared machine a process may get a tenth of a core.
  }, 1_500_000);
});

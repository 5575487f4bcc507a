import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TripMessage } from "../../../protocol/index.ts";
import { rowsOf } from "../db/client.ts";
import { drivers, vehicleDrivers, vehicles } from "../db/schema/index.ts";
import { createTestApp } from "../../test/harness.ts";
import { createIngestRepository } from "./ingest.repository.ts";
import { createTripEventsRepository } from "./trip-events.repository.ts";
import { createVehicleDirectory } from "./vehicle-directory.ts";

let t: Awaited<ReturnType<typeof createTestApp>>;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

async function vehicle() {
  const id = randomUUID();
  await t.deps.db.insert(vehicles).values({ id, plate: `B${id.slice(0, 6)}`, kind: "bus", agentPasswordHash: "-" });
  return id;
}
const at = (hhmm: string) => Date.parse(`2026-11-28T${hhmm}:00Z`);
const start = (tripId: string, hhmm: string, extra: Partial<TripMessage> = {}): TripMessage => ({ event: "start", tripId, ts: at(hhmm), ...extra }) as TripMessage;
const end = (tripId: string, hhmm: string): TripMessage => ({ event: "end", tripId, ts: at(hhmm) });
const tripsOf = async (vehicleId: string) =>
  rowsOf<{ id: string; started_at: Date | null; ended_at: Date | null; route_id: string | null; driver_id: string | null }>(
    await t.deps.db.execute(`select id, started_at, ended_at, route_id, driver_id from trips where vehicle_id = '${vehicleId}' order by started_at nulls first`),
  ).map((r) => ({ ...r, started_at: r.started_at && new Date(r.started_at).toISOString().slice(11, 16), ended_at: r.ended_at && new Date(r.ended_at).toISOString().slice(11, 16) }));
const openTrip = async (vehicleId: string) =>
  rowsOf<{ open_trip_id: string | null }>(await t.deps.db.execute(`select open_trip_id from vehicle_state where vehicle_id = '${vehicleId}'`))[0]?.open_trip_id ?? null;

describe("trip events stored a batch at a time", () => {
  it("stores what one event at a time stores, whatever the batch holds: duplicates, an end before its start, several trips of one vehicle", async () => {
    const repo = createTripEventsRepository(t.deps);
    const [a, b] = [await vehicle(), await vehicle()];
    const [a1, a2, a3, b1] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    const result = await repo.applyTrips([
      { vehicleId: a, message: end(a1, "07:40") }, // the end first, its start later in the batch
      { vehicleId: a, message: start(a1, "07:00", { routeId: "K51" }) },
      { vehicleId: a, message: start(a1, "07:00", { routeId: "K51" }) }, // resent
      { vehicleId: a, message: start(a2, "07:45", { routeId: "K52" }) },
      { vehicleId: a, message: start(a3, "07:30") }, // started before a2: a2 stays the open trip
      { vehicleId: b, message: start(b1, "08:00") },
      { vehicleId: b, message: start(a1, "08:05") }, // a's trip id
    ]);
    expect(result).toEqual([true, true, true, true, true, true, false]);
    expect(await tripsOf(a)).toEqual([
      { id: a1, started_at: "07:00", ended_at: "07:40", route_id: "K51", driver_id: null },
      { id: a3, started_at: "07:30", ended_at: null, route_id: null, driver_id: null },
      { id: a2, started_at: "07:45", ended_at: null, route_id: "K52", driver_id: null },
    ]);
    expect(await openTrip(a)).toBe(a2);
    expect(await tripsOf(b)).toEqual([{ id: b1, started_at: "08:00", ended_at: null, route_id: null, driver_id: null }]);
    expect(await openTrip(b)).toBe(b1);

    // Later batches: a2's end clears the open trip; an older start does not take it back from a newer one.
    expect(await repo.applyTrips([{ vehicleId: a, message: end(a2, "08:30") }])).toEqual([true]);
    expect(await openTrip(a)).toBeNull();
    const [b2, b0] = [randomUUID(), randomUUID()];
    expect(await repo.applyTrips([{ vehicleId: b, message: start(b2, "09:00") }])).toEqual([true]);
    expect(await repo.applyTrips([{ vehicleId: b, message: start(b0, "07:00") }])).toEqual([true]);
    expect(await openTrip(b)).toBe(b2);
  });

  it("refuses a new trip id named by two vehicles in one batch to the second, and fills a start's driver from the vehicle's one linked driver", async () => {
    const repo = createTripEventsRepository(t.deps);
    const [a, b, c] = [await vehicle(), await vehicle(), await vehicle()];
    const driver = randomUUID();
    await t.deps.db.insert(drivers).values({ id: driver, ref: "D-42", nameEnc: "-" });
    await t.deps.db.insert(vehicleDrivers).values({ vehicleId: c, driverId: driver });
    const shared = randomUUID();
    const [c1, c2] = [randomUUID(), randomUUID()];
    const result = await repo.applyTrips([
      { vehicleId: a, message: start(shared, "10:00") },
      { vehicleId: b, message: start(shared, "10:01") },
      { vehicleId: c, message: start(c1, "10:00") },
      { vehicleId: c, message: start(c2, "11:00", { driverId: "D-9" }) }, // named by the agent: kept
    ]);
    expect(result).toEqual([true, false, true, true]);
    expect((await tripsOf(a)).map((r) => r.id)).toEqual([shared]);
    expect(await tripsOf(b)).toEqual([]);
    expect((await tripsOf(c)).map((r) => r.driver_id)).toEqual(["D-42", "D-9"]);
  });
});

describe("vehicle directory", () => {
  it("looks up the ids asked together in one query, and answers each", async () => {
    const repo = createIngestRepository(t.deps);
    const queries: string[][] = [];
    const directory = createVehicleDirectory({ knownVehicles: (ids) => (queries.push(ids), repo.knownVehicles(ids)) });
    const known = await Promise.all([vehicle(), vehicle(), vehicle()]);
    const stranger = randomUUID();
    const answers = await Promise.all([...known, stranger, known[0]!].map((id) => directory.exists(id)));
    expect(answers).toEqual([true, true, true, false, true]);
    expect(queries).toEqual([[...known, stranger]]);
    // Remembered: no query for a known id, nor (for a while) for an unknown one.
    expect([directory.exists(known[1]!), directory.exists(stranger), directory.exists("not-a-uuid")]).toEqual([true, false, false]);
    expect(queries).toHaveLength(1);
  });
});

describe("presence stored a batch at a time", () => {
  it("keeps the status received last of a vehicle named twice in a batch, with the version it last gave, and counts the vehicles online", async () => {
    const repo = createIngestRepository(t.deps);
    const [a, b] = [await vehicle(), await vehicle()];
    const t0 = Date.now();
    const online = await repo.setPresences([
      { vehicleId: a, online: true, agentVersion: "2.0.0", at: new Date(t0) },
      { vehicleId: b, online: true, at: new Date(t0) },
      { vehicleId: a, online: false, at: new Date(t0 + 10) },
    ]);
    const rows = rowsOf<{ vehicle_id: string; online: boolean; agent_version: string | null }>(
      await t.deps.db.execute(`select vehicle_id, online, agent_version from vehicle_state where vehicle_id in ('${a}', '${b}') order by vehicle_id = '${a}' desc`),
    );
    expect(rows).toEqual([
      { vehicle_id: a, online: false, agent_version: "2.0.0" },
      { vehicle_id: b, online: true, agent_version: null },
    ]);
    const [{ n }] = rowsOf<{ n: number }>(await t.deps.db.execute(`select count(*)::int as n from vehicle_state where online`)) as [{ n: number }];
    expect(online).toBe(n);
  });
});

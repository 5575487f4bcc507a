import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../../test/harness.ts";
import { scenario, type Scenario } from "../tracing/fixtures.ts";
import { createFlowRepository } from "./flow.repository.ts";
import { flow, occupancy } from "../../../protocol/api/flow.ts";

const T0 = new Date("2026-11-27T08:00:00Z");
let t: TestApp;
let s: Scenario;
let admin: Record<string, string>;
let jinan: Record<string, string>;

beforeAll(async () => {
  t = await createTestApp({ now: "2026-11-27T09:10:00Z" });
  s = scenario(t.deps, T0);
  admin = { authorization: (await t.staff("admin")).authorization };
  jinan = { authorization: (await t.staff("operator", "Jinan Bus")).authorization };
  const jinanId = (await t.auth.operatorByName("Jinan Bus")).id;
  await s.vehicle("bus1", "bus", 60, jinanId);
  await s.vehicle("bus2", "bus", 60, jinanId);
  await s.vehicle("taxi1", "taxi", 4);
  for (const p of ["A", "B", "C", "D", "E"]) await s.person(p);
  await t.deps.db.execute(`update vehicles set route_id = 'K51' where plate = 'TEST-bus2'`);
  // bus1 runs route K7 (from its trip); bus2 has no trip, so its registered route K51 counts.
  await t.deps.db.execute(`insert into trips (id, vehicle_id, started_at, ended_at, route_id) values ('${s.id("run1")}', '${s.id("bus1")}', '${s.at(0).toISOString()}', null, 'K7')`);
  await s.checkin("a1", "A", "bus1", 5); // on board now (open trip)
  await s.checkin("b1", "B", "bus1", 50, { alight: 65 }); // alighted before now
  await s.checkin("c1", "C", "bus1", 65); // on board now, boarded in the second hour
  await s.checkin("d1", "D", "bus2", 20); // no trip: default hour ended at 09:20 > now, on board
  await s.checkin("e1", "E", "taxi1", 0); // default hour ended at 09:00, gone
});
afterAll(() => t.close());

const q = (groupBy: string) => `/api/v1/flow?groupBy=${groupBy}&bucket=hour&from=${s.at(0).toISOString()}&to=${s.at(120).toISOString()}`;

describe("passenger flow", () => {
  it("counts boardings per route per hour, the trip's route before the vehicle's", async () => {
    const res = await t.call("GET", q("route"), undefined, admin);
    expect(res.status, res.text).toBe(200);
    expect(flow.parse(res.json)).toEqual(res.json); // exactly the contract the console reads (protocol/api/)
    expect(res.json.rows.map((r: { hour: string; key: string | null; boardings: number }) => [r.hour.slice(11, 16), r.key, r.boardings])).toEqual([
      ["08:00", "K51", 1],
      ["08:00", "K7", 2],
      ["08:00", null, 1],
      ["09:00", "K7", 1],
    ]);
  });

  it("counts boardings per vehicle per hour, and shows an operator only its own fleet", async () => {
    const all = await t.call("GET", q("vehicle"), undefined, admin);
    expect(all.json.rows.map((r: { hour: string; plate: string; boardings: number }) => [r.hour.slice(11, 16), r.plate, r.boardings])).toEqual(
      expect.arrayContaining([["08:00", "TEST-bus1", 2], ["08:00", "TEST-taxi1", 1], ["09:00", "TEST-bus1", 1]]),
    );
    const own = await t.call("GET", q("vehicle"), undefined, jinan);
    expect(new Set(own.json.rows.map((r: { plate: string }) => r.plate))).toEqual(new Set(["TEST-bus1", "TEST-bus2"]));
  });

  it("reports who is on board now per vehicle", async () => {
    const res = await t.call("GET", "/api/v1/flow/occupancy", undefined, admin);
    expect(res.status).toBe(200);
    expect(occupancy.parse(res.json)).toEqual(res.json);
    expect(res.json.vehicles.map((v: { plate: string; onBoard: number }) => [v.plate, v.onBoard])).toEqual([
      ["TEST-bus1", 2],
      ["TEST-bus2", 1],
    ]);
  });

  it("counts each vehicle's riders for the drivers' screens exactly as the occupancy does, at every minute", async () => {
    // bus3 runs three trips: one that ends, one left open and closed by the next one's start, and that next one.
    await s.vehicle("bus3", "bus", 60);
    for (const p of ["F", "G", "H", "J", "K"]) await s.person(p);
    await s.trip("r3a", "bus3", 10, 40);
    await s.trip("r3b", "bus3", 45, null);
    await s.trip("r3c", "bus3", 100, null);
    await s.checkin("f3", "F", "bus3", 12); // ends with r3a at 40
    await s.checkin("g3", "G", "bus3", 44); // 1 min before r3b: its rider, until r3c starts at 100
    await s.checkin("h3", "H", "bus3", 50, { alight: 70 });
    await s.checkin("j3", "J", "bus3", 60);
    await s.checkin("j4", "J", "taxi1", 80); // J's next ride ends the one on bus3
    await s.checkin("k3", "K", "bus3", 105);
    await s.checkin("k0", "K", "bus3", 2); // no trip open at 2: the default hour
    const flow = createFlowRepository(t.deps);
    const ids = ["bus1", "bus2", "bus3", "taxi1"].map((v) => s.id(v));
    const staff = { id: "0", username: "admin", role: "admin" as const, operatorId: null };
    const seen = new Set<string>();
    for (let minute = 0; minute <= 180; minute += 1) {
      const now = s.at(minute);
      const expected = new Map((await flow.occupancy(staff, now)).filter((v) => ids.includes(v.vehicleId)).map((v) => [v.vehicleId, v.onBoard]));
      const counted = await flow.onBoardCounts(ids, now);
      expect(counted, `minute ${minute}`).toEqual(expected);
      seen.add(JSON.stringify([...counted.entries()].sort()));
    }
    // The walk met many different loads, not one empty bus all along.
    expect(seen.size).toBeGreaterThan(8);
    expect(await flow.onBoardCounts([], s.at(60))).toEqual(new Map());
  });

  it("refuses bad input with 400 and strangers with 401", async () => {
    expect((await t.call("GET", "/api/v1/flow?groupBy=stop&from=2026-11-27T08:00:00Z&to=2026-11-27T09:00:00Z", undefined, admin)).status).toBe(400);
    expect((await t.call("GET", "/api/v1/flow?from=2026-11-27T09:00:00Z&to=2026-11-27T08:00:00Z", undefined, admin)).status).toBe(400);
    expect((await t.call("GET", "/api/v1/flow/occupancy")).status).toBe(401);
  });
});

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../../test/harness.ts";
import { scenario, type Scenario } from "../tracing/fixtures.ts";
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

  it("refuses bad input with 400 and strangers with 401", async () => {
    expect((await t.call("GET", "/api/v1/flow?groupBy=stop&from=2026-11-27T08:00:00Z&to=2026-11-27T09:00:00Z", undefined, admin)).status).toBe(400);
    expect((await t.call("GET", "/api/v1/flow?from=2026-11-27T09:00:00Z&to=2026-11-27T08:00:00Z", undefined, admin)).status).toBe(400);
    expect((await t.call("GET", "/api/v1/flow/occupancy")).status).toBe(401);
  });
});

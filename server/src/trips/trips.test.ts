import { getIssues } from "@placemarkio/check-geojson";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../../test/harness.ts";
import { rowsOf } from "../db/client.ts";
import { scenario, type Scenario } from "../tracing/fixtures.ts";
import { tripDetail, tripList } from "../../../protocol/api/trips.ts";

const T0 = new Date("2026-11-27T08:00:00Z");
let t: TestApp;
let s: Scenario;
let tracer: Record<string, string>;
let admin: Record<string, string>;
let jinan: Record<string, string>;
let qingdao: Record<string, string>;

beforeAll(async () => {
  t = await createTestApp({ now: "2026-11-27T10:00:00Z" });
  s = scenario(t.deps, T0);
  const header = async (role: "tracer" | "admin" | "operator", op?: string) => ({ authorization: (await t.staff(role, op)).authorization });
  tracer = await header("tracer");
  admin = await header("admin");
  jinan = await header("operator", "Jinan Bus");
  qingdao = await header("operator", "Qingdao Taxi");
  const jinanId = (await t.auth.operatorByName("Jinan Bus")).id;
  const qingdaoId = (await t.auth.operatorByName("Qingdao Taxi")).id;

  await s.vehicle("bus1", "bus", 60, jinanId);
  await s.vehicle("taxi1", "taxi", 4, qingdaoId);
  await s.person("P");
  await s.person("Q");
  await s.trip("run1", "bus1", 0, 30, "driver-7");
  await s.trip("run2", "bus1", 40, null);
  await s.trip("fare1", "taxi1", 0, 20);
  // Fixes every 30 s moving east by 0.001° a minute; the one at minute 5 is a GPS jump, stored flagged.
  await s.track("bus1", 0, 30, 0.5, [5]);
  await s.checkin("p1", "P", "bus1", 10.25, { alight: 20 });
  await s.checkin("q1", "Q", "bus1", -1);
});
afterAll(() => t.close());

describe("trips API", () => {
  it("lists a vehicle's trips in a window, the open one ending where it counts as ending", async () => {
    const res = await t.call("GET", `/api/v1/trips?vehicleId=${s.id("bus1")}&from=${s.at(-60).toISOString()}&to=${s.at(120).toISOString()}`, undefined, admin);
    expect(res.status, res.text).toBe(200);
    expect(tripList.parse(res.json)).toEqual(res.json); // exactly the contract the console reads (protocol/api/)
    expect(res.json.trips.map((x: { id: string; endedAt: string | null; endsAt: string }) => [s.nameOf(x.id), x.endedAt, x.endsAt])).toEqual([
      ["run1", s.at(30).toISOString(), s.at(30).toISOString()],
      ["run2", null, "2026-11-27T10:00:00.000Z"],
    ]);
  });

  it("shows a trip with its track, without flagged fixes, and each check-in's interval and interpolated points", async () => {
    const res = await t.call("GET", `/api/v1/trips/${s.id("run1")}`, undefined, tracer);
    expect(res.status, res.text).toBe(200);
    expect(tripDetail.parse(res.json)).toEqual(res.json);
    expect(res.json.driverId).toBe("driver-7");
    expect(res.json.track.type).toBe("LineString");
    expect(res.json.track.coordinates).toHaveLength(59); // 60 fixes over [0, 30) less the flagged one
    expect(res.json.track.coordinates.some((p: number[]) => Math.abs(p[0]! - 117.005) < 1e-9)).toBe(false);
    const byName = Object.fromEntries(res.json.checkins.map((c: { checkinId: string }) => [s.nameOf(c.checkinId), c]));
    expect(byName.p1).toMatchObject({ from: s.at(10.25).toISOString(), to: s.at(20).toISOString(), alightEstimated: false });
    expect(byName.p1.boardingPoint).toEqual({ type: "Point", coordinates: [117.01025, 36.65] });
    expect(byName.p1.alightingPoint).toEqual({ type: "Point", coordinates: [117.02, 36.65] });
    // Boarded a minute before the start: grace window; rides to the trip's end.
    expect(byName.q1).toMatchObject({ from: s.at(-1).toISOString(), to: s.at(30).toISOString(), alightEstimated: true });
    expect(byName.q1.boardingPoint.coordinates).toEqual([117, 36.65]); // before the first fix: the nearest one
  });

  it("writes a tracer's read of a trip's check-ins to the audit log", async () => {
    await t.deps.db.execute(sql`truncate audit_log`);
    await t.call("GET", `/api/v1/trips/${s.id("run1")}`, undefined, tracer);
    const rows = rowsOf<{ action: string; details: { tripId: string } }>(await t.deps.db.execute(sql`select action, details from audit_log`));
    expect(rows).toEqual([{ action: "trip.read", details: { tripId: s.id("run1"), checkins: 2 } }]);
  });

  it("lets an operator see only its own fleet's trips and tracks", async () => {
    expect((await t.call("GET", `/api/v1/trips/${s.id("run1")}`, undefined, qingdao)).status).toBe(403);
    expect((await t.call("GET", `/api/v1/trips/${s.id("run1")}`, undefined, jinan)).status).toBe(200);
    expect((await t.call("GET", `/api/v1/vehicles/${s.id("bus1")}/track`, undefined, qingdao)).status).toBe(403);
    const listed = await t.call("GET", `/api/v1/trips?from=${s.at(-60).toISOString()}&to=${s.at(120).toISOString()}`, undefined, qingdao);
    expect(listed.json.trips.map((x: { id: string }) => s.nameOf(x.id))).toEqual(["fare1"]);
    expect((await t.call("GET", `/api/v1/trips/${s.id("nope")}`, undefined, admin)).status).toBe(404);
  });

  it("serves a vehicle's track as valid GeoJSON, leaving flagged fixes out", async () => {
    const res = await t.call("GET", `/api/v1/vehicles/${s.id("bus1")}/track?from=${s.at(0).toISOString()}&to=${s.at(10).toISOString()}`, undefined, jinan);
    expect(res.status, res.text).toBe(200);
    expect(res.headers.get("content-type")).toContain("application/geo+json");
    expect(getIssues(res.text)).toEqual([]);
    const [feature] = res.json.features;
    expect(feature.geometry.type).toBe("LineString");
    expect(feature.geometry.coordinates).toHaveLength(19); // minutes 0..9.5 every 30 s, less minute 5
    expect(feature.properties.fixes).toBe(19);
  });

  it("answers a bad window with 400", async () => {
    const res = await t.call("GET", `/api/v1/vehicles/${s.id("bus1")}/track?from=${s.at(10).toISOString()}&to=${s.at(0).toISOString()}`, undefined, admin);
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe("invalid_window");
    expect((await t.call("GET", `/api/v1/trips?from=yesterday`, undefined, admin)).status).toBe(400);
  });
});

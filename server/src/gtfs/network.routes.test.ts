import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sharedDataFile } from "../../../vehicle-agent/test/shared-data.ts";
import { createTestApp, type TestApp } from "../../test/harness.ts";
import { importGtfsFeed } from "./gtfs.import.ts";

const berlin = sharedDataFile("berlin-gtfs-subset.zip");

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t?.close());

describe("routes before any feed is imported", () => {
  it("lists none, and a vehicle's route stays free text", async () => {
    const admin = await t.staff("admin");
    expect((await t.call("GET", "/api/v1/routes", undefined, admin)).json).toEqual({ routes: [] });
    const bus = await t.call("POST", "/api/v1/vehicles", { plate: "鲁A·R0001", kind: "bus" }, admin);
    const patched = await t.call("PATCH", `/api/v1/vehicles/${bus.json.id}`, { routeId: "K51" }, admin);
    expect(patched.json).toMatchObject({ id: bus.json.id, routeId: "K51" });
    expect((await t.call("GET", `/api/v1/vehicles/${bus.json.id}`, undefined, admin)).json.routeId).toBe("K51");
  });

  it("are described in the OpenAPI document with their operation ids", async () => {
    const doc = (await t.call("GET", "/api/v1/openapi.json")).json;
    expect(doc.paths["/routes"].get.operationId).toBe("listRoutes");
    expect(doc.paths["/routes/{id}"].get.operationId).toBe("getRoute");
    expect(doc.paths["/vehicles/{id}"].patch.operationId).toBe("updateVehicle");
  });
});

describe.skipIf(!berlin)("routes of the imported Berlin feed", () => {
  beforeAll(async () => {
    await importGtfsFeed(t.deps.db, readFileSync(berlin!));
  });

  it("lists its 6 routes with their trips, for staff only", async () => {
    expect((await t.call("GET", "/api/v1/routes")).status).toBe(401);
    const tracer = await t.staff("tracer");
    const res = await t.call("GET", "/api/v1/routes", undefined, tracer);
    expect(res.status).toBe(200);
    expect(res.json.routes).toHaveLength(6);
    expect(res.json.routes.reduce((n: number, r: { trips: number }) => n + r.trips, 0)).toBe(348);
    expect(res.json.routes.find((r: { id: string }) => r.id === "1923_700")).toMatchObject({ shortName: "653", type: 700 });
  });

  it("gives a route's shapes as GeoJSON line strings and the stops its trips serve", async () => {
    const tracer = await t.staff("tracer");
    const res = await t.call("GET", "/api/v1/routes/1923_700", undefined, tracer);
    expect(res.status).toBe(200);
    expect(res.json.shape.type).toBe("FeatureCollection");
    expect(res.json.shape.features.length).toBeGreaterThan(0);
    for (const f of res.json.shape.features) {
      expect(f.geometry.type).toBe("LineString");
      const [lon, lat] = f.geometry.coordinates[0];
      // Around Berlin: [lon, lat] in GeoJSON order.
      expect(lon).toBeGreaterThan(12);
      expect(lat).toBeGreaterThan(52);
    }
    expect(res.json.stops.length).toBeGreaterThan(1);
    expect(res.json.stops[0]).toEqual({ id: expect.any(String), name: expect.any(String), lat: expect.any(Number), lon: expect.any(Number) });
    expect(res.json.firstDepartureSeconds).toBeLessThan(res.json.lastArrivalSeconds);
    expect((await t.call("GET", "/api/v1/routes/NOPE", undefined, tracer)).status).toBe(404);
  });

  it("assigns a vehicle only to a route of the feed, and only by its own operator", async () => {
    const own = await t.staff("operator", "VBB Bus");
    const other = await t.staff("operator", "Someone Else");
    const bus = await t.call("POST", "/api/v1/vehicles", { plate: "B-VB 653", kind: "bus" }, own);
    expect((await t.call("PATCH", `/api/v1/vehicles/${bus.json.id}`, { routeId: "K51" }, own)).json.error.code).toBe("unknown_route");
    expect((await t.call("PATCH", `/api/v1/vehicles/${bus.json.id}`, { routeId: "1923_700" }, other)).status).toBe(403);
    expect((await t.call("PATCH", `/api/v1/vehicles/${bus.json.id}`, { routeId: "1923_700" }, await t.staff("tracer"))).status).toBe(403);
    expect((await t.call("PATCH", `/api/v1/vehicles/${bus.json.id}`, { routeId: "1923_700" }, own)).status).toBe(200);
    const routes = (await t.call("GET", "/api/v1/routes", undefined, own)).json.routes;
    expect(routes.find((r: { id: string }) => r.id === "1923_700").vehicles).toBe(1);
    expect((await t.call("PATCH", `/api/v1/vehicles/${bus.json.id}`, { routeId: null }, own)).json.routeId).toBeNull();
  });

  it("holds registration and a fleet upload to the same rule: a route of the feed, or 400 unknown_route naming the ones it lacks", async () => {
    const own = await t.staff("operator", "VBB Bus");
    const operator = await t.auth.operatorByName("VBB Bus");
    const typed = await t.call("POST", "/api/v1/vehicles", { plate: "B-VB 650", kind: "bus", routeId: "650" }, own); // the short name, not the route id
    expect(typed.status).toBe(400);
    expect(typed.json.error).toMatchObject({ code: "unknown_route", message: "Route 650 is not in the imported GTFS feed" });
    expect((await t.call("POST", "/api/v1/vehicles", { plate: "B-VB 650", kind: "bus", routeId: "1920_700" }, own)).status).toBe(201);

    const put = (routes: (string | null)[]) =>
      t.call("PUT", `/api/v1/operators/${operator.id}/vehicles`, { vehicles: routes.map((routeId, i) => ({ externalId: `vbb-${i}`, plate: `B-VB 9${i}`, kind: "bus", routeId })) }, own);
    const refused = await put(["1921_3", "K1", null, "K2"]);
    expect(refused.status).toBe(400);
    expect(refused.json.error).toMatchObject({ code: "unknown_route", message: "Routes K1, K2 are not in the imported GTFS feed" });
    // All or nothing: none of the batch was written.
    expect((await t.call("GET", `/api/v1/operators/${operator.id}/vehicles`, undefined, own)).json.vehicles.filter((v: { externalId: string | null }) => v.externalId)).toEqual([]);
    expect((await put(["1921_3", "1921_700", null])).status).toBe(200);
  });
});

import GtfsRealtimeBindings from "gtfs-realtime-bindings";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gtfsTrips, vehicleState, trips } from "../db/schema/index.ts";
import { createTestApp, type TestApp } from "../../test/harness.ts";

const { FeedMessage } = GtfsRealtimeBindings.transit_realtime;

let t: TestApp;
let bus: string;
let taxi: string;
beforeAll(async () => {
  t = await createTestApp({ now: "2026-11-28T08:00:00Z" });
  const admin = await t.staff("admin");
  bus = (await t.call("POST", "/api/v1/vehicles", { plate: "鲁A·K5101", kind: "bus", routeId: "K51" }, admin)).json.id;
  taxi = (await t.call("POST", "/api/v1/vehicles", { plate: "鲁A·T0001", kind: "taxi" }, admin)).json.id;
  const tripId = "01937a3c-0000-7000-8000-000000000001";
  await t.deps.db.insert(trips).values({ id: tripId, vehicleId: bus, startedAt: new Date("2026-11-28T07:50:00Z"), routeId: "K51" });
  const fix = { lastTs: new Date("2026-11-28T07:59:50Z"), lat: 36.6512, lon: 117.1201, speed: 8.5, heading: 270, online: true };
  await t.deps.db.insert(vehicleState).values([
    { vehicleId: bus, ...fix, openTripId: tripId },
    { vehicleId: taxi, ...fix },
  ]);
});
afterAll(() => t.close());

describe("GTFS-Realtime vehicle positions", () => {
  it("serves a protobuf feed that a GTFS-RT reader decodes to each bus's last fix and trip", async () => {
    const res = await t.app.request("/api/v1/gtfs-rt/vehicle-positions");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/x-protobuf");
    const feed = FeedMessage.decode(new Uint8Array(await res.arrayBuffer()));
    expect(feed.header.gtfsRealtimeVersion).toBe("2.0");
    expect(feed.entity).toHaveLength(1);
    const v = feed.entity[0]!.vehicle!;
    expect(v.vehicle?.id).toBe(bus);
    expect(v.trip?.routeId).toBe("K51");
    expect(v.position?.latitude).toBeCloseTo(36.6512, 4);
    expect(v.position?.longitude).toBeCloseTo(117.1201, 4);
    expect(Number(v.timestamp)).toBe(Date.parse("2026-11-28T07:59:50Z") / 1000);
  });

  it("leaves taxis and ride-hail cars out, since their positions are their drivers' movements", async () => {
    const json = await (await t.app.request("/api/v1/gtfs-rt/vehicle-positions?format=json")).json();
    expect(json.entity.map((e: { id: string }) => e.id)).toEqual([bus]);
    expect(JSON.stringify(json)).not.toContain(taxi);
  });
});

describe("GTFS-Realtime with an imported timetable", () => {
  it("names a trip of the timetable by its trip_id and route_id, and any other trip as before", async () => {
    const admin = await t.staff("admin");
    const scheduled = (await t.call("POST", "/api/v1/vehicles", { plate: "B-VB 653", kind: "bus", routeId: "653" }, admin)).json.id;
    await t.deps.db.insert(gtfsTrips).values({ id: "146389748", routeId: "1923_700", serviceId: "3", headsign: "Dallgow-Döberitz, Havelpark" });
    const tripId = "01937a3c-0000-7000-8000-000000000002";
    await t.deps.db.insert(trips).values({ id: tripId, vehicleId: scheduled, startedAt: new Date("2026-11-28T07:55:00Z"), routeId: "653", orderRef: "146389748" });
    await t.deps.db.insert(vehicleState).values({ vehicleId: scheduled, lastTs: new Date("2026-11-28T07:59:55Z"), lat: 52.52, lon: 13.4, online: true, openTripId: tripId });
    const json = await (await t.app.request("/api/v1/gtfs-rt/vehicle-positions?format=json")).json();
    const trip = (id: string) => json.entity.find((e: { id: string }) => e.id === id).vehicle.trip;
    expect(trip(scheduled)).toEqual({ tripId: "146389748", routeId: "1923_700" });
    expect(trip(bus)).toEqual({ tripId: "01937a3c-0000-7000-8000-000000000001", routeId: "K51" });
  });
});

import { createRoute, z } from "@hono/zod-openapi";
import GtfsRealtimeBindings from "gtfs-realtime-bindings";
import { and, eq, inArray, isNotNull } from "drizzle-orm";
import type { AppDeps } from "../context.ts";
import { gtfsTrips, trips, vehicles, vehicleState } from "../db/schema/index.ts";
import type { Router } from "../openapi.ts";

const { FeedMessage } = GtfsRealtimeBindings.transit_realtime;

/**
 * Scheduled public transport only: a taxi's or ride-hail car's position is its
 * driver's movement, personal data that a public feed must not publish.
 */
const PUBLIC_KINDS = ["bus", "coach"] as const;

const feed = createRoute({
  method: "get",
  path: "/gtfs-rt/vehicle-positions",
  tags: ["feeds"],
  summary: "GTFS-Realtime VehiclePositions of buses and coaches (protobuf; ?format=json for reading)",
  request: { query: z.object({ format: z.enum(["pb", "json"]).optional() }) },
  responses: {
    200: {
      description: "A GTFS-Realtime FeedMessage",
      content: { "application/x-protobuf": { schema: z.any() }, "application/json": { schema: z.any() } },
    },
  },
});

export function registerGtfsRtRoutes(app: Router, { db, clock }: AppDeps) {
  app.openapi(feed, async (c) => {
    const rows = await db
      .select({
        id: vehicles.id,
        plate: vehicles.plate,
        routeId: vehicles.routeId,
        lat: vehicleState.lat,
        lon: vehicleState.lon,
        speed: vehicleState.speed,
        heading: vehicleState.heading,
        lastTs: vehicleState.lastTs,
        tripId: trips.id,
        tripRouteId: trips.routeId,
        timetableTripId: gtfsTrips.id,
        timetableRouteId: gtfsTrips.routeId,
      })
      .from(vehicleState)
      .innerJoin(vehicles, eq(vehicles.id, vehicleState.vehicleId))
      .leftJoin(trips, and(eq(trips.vehicleId, vehicleState.vehicleId), eq(trips.id, vehicleState.openTripId)))
      // A trip that names a trip of the imported timetable (orderRef: the demo's buses, a replayed
      // fleet file's trip_id) is published under the timetable's trip_id and route_id, as riders' apps expect.
      .leftJoin(gtfsTrips, eq(gtfsTrips.id, trips.orderRef))
      .where(and(inArray(vehicles.kind, [...PUBLIC_KINDS]), isNotNull(vehicleState.lat), isNotNull(vehicleState.lastTs)));

    const message = FeedMessage.fromObject({
      header: {
        gtfsRealtimeVersion: "2.0",
        incrementality: 0, // FULL_DATASET
        timestamp: Math.floor(clock.now().getTime() / 1000),
      },
      entity: rows.map((r) => ({
        id: r.id,
        vehicle: {
          vehicle: { id: r.id, label: r.plate },
          trip: r.tripId ? { tripId: r.timetableTripId ?? r.tripId, routeId: r.timetableRouteId ?? r.tripRouteId ?? r.routeId ?? undefined } : undefined,
          position: {
            latitude: r.lat!,
            longitude: r.lon!,
            bearing: r.heading ?? undefined,
            speed: r.speed ?? undefined,
          },
          timestamp: Math.floor(r.lastTs!.getTime() / 1000),
        },
      })),
    });

    if (c.req.valid("query").format === "json") {
      return c.json(FeedMessage.toObject(message, { longs: Number, enums: String }), 200);
    }
    const body = FeedMessage.encode(message).finish();
    return c.body(body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength) as ArrayBuffer, 200, {
      "content-type": "application/x-protobuf",
    });
  });
}

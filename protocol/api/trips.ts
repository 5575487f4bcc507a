import { z } from "zod";
import { lineString, point } from "./geo.ts";

/** A trip as GET /trips lists it. */
export const trip = z
  .object({
    id: z.string(),
    vehicleId: z.string(),
    plate: z.string(),
    kind: z.string(),
    routeId: z.string().nullable(),
    driverId: z.string().nullable(),
    orderRef: z.string().nullable(),
    startedAt: z.string().nullable(),
    endedAt: z.string().nullable().describe("null while the trip is open"),
    endsAt: z.string().nullable().describe("where the trip counts as ending for tracing: its end, or now / the vehicle's next trip while open"),
  })
  .meta({ id: "Trip" });
export type Trip = z.infer<typeof trip>;

export const tripList = z.object({ trips: z.array(trip) });
export type TripList = z.infer<typeof tripList>;

export const tripCheckin = z.object({
  checkinId: z.string(),
  personId: z.string(),
  maskedName: z.string().nullable().describe('"张**": the name\'s first character only, or null when the passenger gave none'),
  seat: z.string().nullable(),
  from: z.string(),
  to: z.string(),
  alightEstimated: z.boolean(),
  boardingPoint: point.nullable(),
  alightingPoint: point.nullable(),
});
export type TripCheckin = z.infer<typeof tripCheckin>;

/** GET /trips/{id}: the trip with its GPS track and check-ins. */
export const tripDetail = trip
  .extend({ track: lineString.nullable(), checkins: z.array(tripCheckin) })
  .meta({ id: "TripDetail" });
export type TripDetail = z.infer<typeof tripDetail>;

/** GET /vehicles/{id}/track: the track as one GeoJSON Feature (a LineString, or a Point for a single fix), times beside it. */
export const vehicleTrack = z
  .object({
    type: z.literal("FeatureCollection"),
    features: z.array(
      z.object({
        type: z.literal("Feature"),
        geometry: z.union([lineString, point]),
        properties: z.object({
          vehicleId: z.string(),
          plate: z.string(),
          from: z.string(),
          to: z.string(),
          fixes: z.number(),
          times: z.array(z.string().nullable()).describe("When each position was taken, in order"),
        }),
      }),
    ),
  })
  .meta({ id: "VehicleTrack" });
export type VehicleTrack = z.infer<typeof vehicleTrack>;

import { z } from "zod";

/** One vehicle as the live map draws it (the events of GET /live). */
export const liveVehicle = z
  .object({
    vehicleId: z.string(),
    plate: z.string(),
    kind: z.string(),
    routeId: z.string().nullable(),
    lat: z.number().nullable(),
    lon: z.number().nullable(),
    ts: z.string().nullable().describe("When the last fix was taken"),
    speed: z.number().nullable(),
    heading: z.number().nullable(),
    online: z.boolean(),
    tripId: z.string().nullable(),
    occupancy: z.number().nullable().describe("Check-ins on the open trip that have not checked out; null when no trip is open"),
  })
  .meta({ id: "LiveVehicle" });
export type LiveVehicle = z.infer<typeof liveVehicle>;

/** The data of each `snapshot` (every vehicle) and `update` (the ones that changed) event. */
export const liveEvent = z.object({ vehicles: z.array(liveVehicle) }).meta({ id: "LiveEvent" });
export type LiveEvent = z.infer<typeof liveEvent>;

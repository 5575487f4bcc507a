import { z } from "zod";

/** The kinds of vehicle (they weigh the risk score: docs/tracing.md). */
export const vehicleKind = z.enum(["bus", "taxi", "ride_hail", "coach"]);
export type VehicleKind = z.infer<typeof vehicleKind>;

/** A registered vehicle as staff see it (GET /vehicles, GET /vehicles/{id}). */
export const vehicle = z
  .object({
    id: z.string().uuid(),
    plate: z.string(),
    kind: vehicleKind,
    operatorId: z.string().nullable(),
    operator: z.string().nullable(),
    routeId: z.string().nullable(),
    capacity: z.number().int().nullable(),
    online: z.boolean(),
    lastSeenAt: z.string().nullable(),
    code: z.object({ id: z.string(), url: z.string() }).nullable(),
    retiredAt: z.string().nullable().describe("Set once the vehicle is out of service; it then leaves GET /vehicles, its history stays"),
  })
  .meta({ id: "Vehicle" });
export type Vehicle = z.infer<typeof vehicle>;

export const vehicleList = z.object({ vehicles: z.array(vehicle) });
export type VehicleList = z.infer<typeof vehicleList>;

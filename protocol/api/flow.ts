import { z } from "zod";

export const flowGroupBy = z.enum(["route", "vehicle"]);

/** GET /flow: boardings per route (or vehicle) per hour. */
export const flow = z
  .object({
    groupBy: flowGroupBy,
    bucket: z.literal("hour"),
    from: z.string(),
    to: z.string(),
    rows: z.array(
      z.object({
        hour: z.string().describe("The hour's start (ISO 8601, UTC)"),
        key: z.string().nullable().describe("route id (null: no route) or vehicle id"),
        plate: z.string().nullable(),
        boardings: z.number(),
      }),
    ),
  })
  .meta({ id: "Flow" });
export type Flow = z.infer<typeof flow>;

/** GET /flow/occupancy: people on board now, per vehicle. */
export const occupancy = z
  .object({
    at: z.string(),
    vehicles: z.array(
      z.object({ vehicleId: z.string(), plate: z.string(), kind: z.string(), routeId: z.string().nullable(), capacity: z.number().nullable(), onBoard: z.number() }),
    ),
  })
  .meta({ id: "Occupancy" });
export type Occupancy = z.infer<typeof occupancy>;

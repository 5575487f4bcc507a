import { z } from "zod";
import { healthStatus } from "./trace.ts";

/** A person as the case desk sees them (GET /persons/{id}): status in force, its history, rides and the traces that listed them. */
export const personPage = z
  .object({
    id: z.string(),
    maskedName: z.string().nullable().describe("First character and a fixed mask; never the name's length"),
    erased: z.boolean(),
    erasedAt: z.string().nullable(),
    status: healthStatus,
    statusSince: z.string().nullable(),
    statusExpiresAt: z.string().nullable(),
    history: z.array(
      z.object({
        id: z.string(),
        status: healthStatus,
        previous: healthStatus,
        reason: z.string().nullable(),
        by: z.string().nullable(),
        at: z.string(),
        expiresAt: z.string().nullable(),
        reverts: z.string().nullable(),
        traceId: z.string().nullable(),
      }),
    ),
    rides: z.array(
      z.object({
        checkinId: z.string(),
        vehicleId: z.string(),
        plate: z.string(),
        routeId: z.string().nullable(),
        tripId: z.string().nullable(),
        from: z.string(),
        to: z.string(),
        alightEstimated: z.boolean(),
        seat: z.string().nullable(),
        verified: z.boolean(),
      }),
    ),
    traces: z.array(z.object({ traceId: z.string(), reason: z.string(), at: z.string(), by: z.string().nullable(), role: z.enum(["index", "contact"]) })),
  })
  .meta({ id: "PersonPage" });
export type PersonPage = z.infer<typeof personPage>;

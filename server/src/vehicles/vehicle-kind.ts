import { z } from "@hono/zod-openapi";

/** The kinds of vehicle (they weigh the risk score: docs/tracing.md). */
export const VehicleKindSchema = z.enum(["bus", "taxi", "ride_hail", "coach"]);

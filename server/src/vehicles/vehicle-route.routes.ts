import { createRoute, z } from "@hono/zod-openapi";
import type { AuthRepository } from "../auth/auth.repository.ts";
import { requireStaff } from "../auth/auth.middleware.ts";
import type { AppDeps } from "../context.ts";
import { routeIdText, text } from "../../../protocol/fields.ts";
import { badRequest, notFound } from "../errors.ts";
import { VehicleKindSchema } from "./vehicle-kind.ts";
import type { NetworkRepository } from "../gtfs/network.repository.ts";
import { errors, json, jsonBody, staffSecurity, type Router } from "../openapi.ts";
import type { VehiclesRepository } from "./vehicles.repository.ts";

const assign = createRoute({
  method: "patch",
  path: "/vehicles/{id}",
  operationId: "updateVehicle",
  tags: ["vehicles"],
  summary: "Correct a vehicle's plate, kind or capacity, or assign it to a route (null to clear); with a GTFS feed imported, the route must be one of its routes",
  description: "A plate already on another vehicle in service in the same fleet → 409 plate_taken.",
  security: staffSecurity,
  request: {
    params: z.object({ id: z.string().uuid() }),
    // PATCH: a field left out is left as it is.
    ...jsonBody(
      z
        .object({
          routeId: routeIdText().nullable().optional(),
          plate: text({ trim: true, min: 2, max: 20 }).optional(),
          kind: VehicleKindSchema.optional(),
          capacity: z.number().int().min(1).max(500).nullable().optional(),
        })
        .strict()
        .openapi("UpdateVehicle"),
    ),
  },
  responses: {
    200: json(z.object({ id: z.string(), routeId: z.string().nullable(), plate: z.string(), kind: VehicleKindSchema, capacity: z.number().int().nullable() })),
    ...errors(400, 401, 403, 404, 409),
  },
});

/** 400 unknown_route when a feed is imported and does not have these routes (DESIGN: a vehicle's route must be one of its routes). */
export async function refuseUnknownRoutes(network: NetworkRepository, ids: readonly string[]) {
  const unknown = await network.unknownRoutes(ids);
  if (!unknown.length) return;
  const named = unknown.slice(0, 5).join(", ") + (unknown.length > 5 ? ` and ${unknown.length - 5} more` : "");
  throw badRequest("unknown_route", `${unknown.length === 1 ? "Route" : "Routes"} ${named} ${unknown.length === 1 ? "is" : "are"} not in the imported GTFS feed`);
}

export function registerVehicleRouteAssignment(app: Router, { logger }: AppDeps, auth: AuthRepository, vehicles: VehiclesRepository, network: NetworkRepository) {
  app.on("PATCH", "/vehicles/*", requireStaff(auth, "admin", "operator"));
  app.openapi(assign, async (c) => {
    const { id } = c.req.valid("param");
    const { routeId, ...change } = c.req.valid("json");
    // getFor answers 404 for an unknown vehicle and 403 for another operator's.
    const vehicle = await vehicles.getFor(c.var.user, id);
    if (vehicle.retiredAt) throw notFound("Vehicle");
    await vehicles.update(vehicle, change);
    if (Object.keys(change).length) logger.info({ vehicleId: id, fields: Object.keys(change), by: c.var.user.id }, "vehicle corrected");
    if (routeId !== undefined) {
      if (routeId !== null) await refuseUnknownRoutes(network, [routeId]);
      await vehicles.assignRoute(id, routeId);
      logger.info({ vehicleId: id, routeId, by: c.var.user.id }, "vehicle assigned to route");
    }
    const after = { ...vehicle, ...change, routeId: routeId === undefined ? vehicle.routeId : routeId };
    return c.json({ id, routeId: after.routeId, plate: after.plate, kind: after.kind, capacity: after.capacity }, 200);
  });
}

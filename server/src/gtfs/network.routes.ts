import { createRoute, z } from "@hono/zod-openapi";
import type { AuthRepository } from "../auth/auth.repository.ts";
import { requireStaff } from "../auth/auth.middleware.ts";
import { ROUTE_ID_MAX, text } from "../../../protocol/fields.ts";
import { notFound } from "../errors.ts";
import { errors, json, staffSecurity, type Router } from "../openapi.ts";
import type { NetworkRepository } from "./network.repository.ts";

const RouteSummarySchema = z
  .object({
    id: z.string().openapi({ description: "The feed's route_id" }),
    shortName: z.string().nullable(),
    longName: z.string().nullable(),
    type: z.number().int().openapi({ description: "GTFS route_type" }),
    color: z.string().nullable(),
    agency: z.string().nullable(),
    trips: z.number().int().openapi({ description: "Scheduled trips in the feed" }),
    vehicles: z.number().int().openapi({ description: "Vehicles assigned to this route" }),
  })
  .openapi("TransitRoute");

const LineStringFeature = z.object({
  type: z.literal("Feature"),
  geometry: z.object({ type: z.literal("LineString"), coordinates: z.array(z.tuple([z.number(), z.number()])) }),
  properties: z.object({ shapeId: z.string(), trips: z.number().int(), headsign: z.string().nullable() }),
});

const RouteDetailSchema = RouteSummarySchema.omit({ trips: true, vehicles: true })
  .extend({
    firstDepartureSeconds: z.number().int().nullable().openapi({ description: "Seconds from the start of the service day" }),
    lastArrivalSeconds: z.number().int().nullable(),
    shape: z.object({ type: z.literal("FeatureCollection"), features: z.array(LineStringFeature) }).openapi({ description: "Every shape the route's trips follow, [lon, lat]" }),
    stops: z.array(z.object({ id: z.string(), name: z.string().nullable(), lat: z.number(), lon: z.number() })),
  })
  .openapi("TransitRouteDetail");

const list = createRoute({
  method: "get",
  path: "/routes",
  operationId: "listRoutes",
  tags: ["routes"],
  summary: "Routes of the imported GTFS feed (npm run import:gtfs), with their trip and vehicle counts",
  security: staffSecurity,
  responses: { 200: json(z.object({ routes: z.array(RouteSummarySchema) })), ...errors(401, 403) },
});

const get = createRoute({
  method: "get",
  path: "/routes/{id}",
  operationId: "getRoute",
  tags: ["routes"],
  summary: "One route: its shapes as GeoJSON and the stops its trips serve",
  security: staffSecurity,
  request: { params: z.object({ id: text({ min: 1, max: ROUTE_ID_MAX }) }) },
  responses: { 200: json(RouteDetailSchema), ...errors(401, 403, 404) },
});

export function registerNetworkRoutes(app: Router, auth: AuthRepository, network: NetworkRepository) {
  app.on("GET", ["/routes", "/routes/*"], requireStaff(auth, "admin", "operator", "tracer"));
  app.openapi(list, async (c) => c.json({ routes: await network.listRoutes() }, 200));
  app.openapi(get, async (c) => {
    const route = await network.getRoute(c.req.valid("param").id);
    if (!route) throw notFound("Route");
    const { shapes, ...rest } = route;
    const shape = {
      type: "FeatureCollection" as const,
      features: shapes.map((s) => ({
        type: "Feature" as const,
        geometry: { type: "LineString" as const, coordinates: s.points },
        properties: { shapeId: s.id, trips: s.trips, headsign: s.headsign },
      })),
    };
    return c.json({ ...rest, shape }, 200);
  });
}

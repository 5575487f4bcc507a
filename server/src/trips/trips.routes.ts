import { createRoute, z } from "@hono/zod-openapi";
import { requireStaff } from "../auth/auth.middleware.ts";
import type { AuthRepository } from "../auth/auth.repository.ts";
import type { AppDeps } from "../context.ts";
import { badRequest, notFound } from "../errors.ts";
import { errors, json, staffSecurity, type Router } from "../openapi.ts";
import { createAuditLog } from "../tracing/audit.ts";
import { createPersonsRepository } from "../persons/persons.repository.ts";
import { createTracingRepository } from "../tracing/tracing.repository.ts";
import type { VehiclesRepository } from "../vehicles/vehicles.repository.ts";
import { createTrackRepository, lineString, type Fix } from "./track.ts";
import { createTripsRepository, type TripRow } from "./trips.repository.ts";
import { isoTime } from "../../../protocol/fields.ts";
import { tripDetail, tripList, vehicleTrack, type Trip, type VehicleTrack } from "../../../protocol/api/trips.ts";

const MAX_LIST_DAYS = 31;
const MAX_TRACK_DAYS = 7;
const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());

const Window = z.object({
  from: isoTime().optional().describe("ISO time, inclusive; default 24 h before `to`"),
  to: isoTime().optional().describe("ISO time, exclusive; default now"),
});

/** from/to of a query, defaulting to the last 24 hours, at most `maxDays` long. */
function window(q: { from?: string; to?: string }, now: Date, maxDays: number) {
  const to = q.to ? new Date(q.to) : now;
  const from = q.from ? new Date(q.from) : new Date(to.getTime() - 86_400_000);
  if (!(from < to)) throw badRequest("invalid_window", "from must be before to");
  if (to.getTime() - from.getTime() > maxDays * 86_400_000) throw badRequest("invalid_window", `The window is at most ${maxDays} days`);
  return { from, to };
}

const present = (t: TripRow): Trip => ({
  id: t.id,
  vehicleId: t.vehicleId,
  plate: t.plate,
  kind: t.kind,
  routeId: t.routeId,
  driverId: t.driverId,
  orderRef: t.orderRef,
  startedAt: iso(t.startedAt),
  endedAt: iso(t.endedAt),
  endsAt: iso(t.endsAt),
});

export function registerTripsRoutes(app: Router, deps: AppDeps, auth: AuthRepository, vehicles: VehiclesRepository) {
  // Trips, tracks and passengers read from the standby when there is one (DATABASE_READ_URL); the audit row goes to the primary.
  const reads = { ...deps, db: deps.readDb ?? deps.db };
  const trips = createTripsRepository(reads);
  const track = createTrackRepository(reads);
  const tracing = createTracingRepository(reads);
  const audit = createAuditLog(deps);
  const staff = requireStaff(auth, "admin", "operator", "tracer");

  app.openapi(
    createRoute({
      method: "get",
      path: "/trips",
      tags: ["trips"],
      summary: "Trips running in [from, to): of one vehicle, or of every vehicle you may see",
      security: staffSecurity,
      middleware: [staff] as const,
      request: { query: Window.extend({ vehicleId: z.string().uuid().optional() }) },
      responses: { 200: json(tripList), ...errors(400, 401, 403, 404) },
    }),
    async (c) => {
      const q = c.req.valid("query");
      const now = deps.clock.now();
      if (q.vehicleId) await vehicles.getFor(c.var.user, q.vehicleId);
      const rows = await trips.list(c.var.user, { vehicleId: q.vehicleId, ...window(q, now, MAX_LIST_DAYS) }, now);
      return c.json({ trips: rows.map(present) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/trips/{id}",
      tags: ["trips"],
      summary: "A trip with its GPS track and check-ins (each with its time on board and interpolated boarding/alighting points)",
      security: staffSecurity,
      middleware: [staff] as const,
      request: { params: z.object({ id: z.string().uuid() }) },
      responses: {
        200: json(tripDetail),
        ...errors(400, 401, 403, 404),
      },
    }),
    async (c) => {
      const now = deps.clock.now();
      const trip = await trips.get(c.req.valid("param").id, now);
      if (!trip) throw notFound("Trip");
      await vehicles.getFor(c.var.user, trip.vehicleId); // 403 for another operator's trip
      let fixes: Fix[] = [];
      let passengers: Awaited<ReturnType<typeof tracing.tripPassengers>> = [];
      if (trip.startedAt !== null && trip.endsAt !== null) {
        const span = { id: trip.id, vehicleId: trip.vehicleId, start: trip.startedAt, end: trip.endsAt };
        fixes = await track.fixes(trip.vehicleId, new Date(span.start), new Date(span.end));
        passengers = await tracing.tripPassengers(span, now);
      }
      const names = await createPersonsRepository(deps).maskedNames(passengers.map((p) => p.personId));
      const points = await track.pointsAt(passengers.flatMap((p) => [{ vehicleId: p.vehicleId, at: p.b }, { vehicleId: p.vehicleId, at: p.a }]));
      if (passengers.length > 0) {
        await audit.record({ user: c.var.user, action: "trip.read", details: { tripId: trip.id, checkins: passengers.length } });
      }
      return c.json(
        {
          ...present(trip),
          track: lineString(fixes),
          checkins: passengers.map((p, k) => ({
            checkinId: p.checkinId,
            personId: p.personId,
            maskedName: names.get(p.personId) ?? null,
            seat: p.seat,
            from: iso(p.b)!,
            to: iso(p.a)!,
            alightEstimated: p.alightEstimated,
            boardingPoint: points[2 * k] ?? null,
            alightingPoint: points[2 * k + 1] ?? null,
          })),
        },
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/vehicles/{id}/track",
      tags: ["trips"],
      summary: "A vehicle's GPS track over [from, to) as GeoJSON (flagged fixes left out)",
      security: staffSecurity,
      middleware: [staff] as const,
      request: { params: z.object({ id: z.string().uuid() }), query: Window },
      responses: { 200: { description: "A GeoJSON FeatureCollection", content: { "application/geo+json": { schema: vehicleTrack } } }, ...errors(400, 401, 403, 404) },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const vehicle = await vehicles.getFor(c.var.user, id);
      const { from, to } = window(c.req.valid("query"), deps.clock.now(), MAX_TRACK_DAYS);
      const fixes = await track.fixes(id, from, to);
      const geometry = lineString(fixes) ?? (fixes[0] ? { type: "Point" as const, coordinates: [fixes[0].lon, fixes[0].lat] as [number, number] } : null);
      const properties = { vehicleId: id, plate: vehicle.plate, from: from.toISOString(), to: to.toISOString(), fixes: fixes.length, times: fixes.map((f) => iso(f.ts)) };
      const body: VehicleTrack = { type: "FeatureCollection", features: geometry ? [{ type: "Feature", geometry, properties }] : [] };
      return c.json(body, 200, { "content-type": "application/geo+json" });
    },
  );
}

import { and, asc, count, eq, inArray, isNotNull, min, max } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { gtfsAgencies, gtfsCalendarDates, gtfsCalendars, gtfsRoutes, gtfsShapes, gtfsStops, gtfsStopTimes, gtfsTrips, vehicles } from "../db/schema/index.ts";

/** The imported timetable as the console and the demo read it: routes, their shapes and stops. */
export function createNetworkRepository({ db }: { db: Db }) {
  const routeColumns = {
    id: gtfsRoutes.id,
    shortName: gtfsRoutes.shortName,
    longName: gtfsRoutes.longName,
    type: gtfsRoutes.type,
    color: gtfsRoutes.color,
    agency: gtfsAgencies.name,
  };
  return {
    async listRoutes() {
      const rows = await db.select(routeColumns).from(gtfsRoutes).leftJoin(gtfsAgencies, eq(gtfsAgencies.id, gtfsRoutes.agencyId)).orderBy(asc(gtfsRoutes.shortName), asc(gtfsRoutes.id));
      const trips = await db.select({ routeId: gtfsTrips.routeId, n: count() }).from(gtfsTrips).groupBy(gtfsTrips.routeId);
      const fleet = await db.select({ routeId: vehicles.routeId, n: count() }).from(vehicles).where(isNotNull(vehicles.routeId)).groupBy(vehicles.routeId);
      const tripsOf = new Map(trips.map((t) => [t.routeId, t.n]));
      const fleetOf = new Map(fleet.map((v) => [v.routeId, v.n]));
      return rows.map((r) => ({ ...r, trips: tripsOf.get(r.id) ?? 0, vehicles: fleetOf.get(r.id) ?? 0 }));
    },

    /**
     * Of `ids`, those a vehicle may not be put on: with a feed imported, a
     * vehicle's route must be one of its routes; without one, route ids are
     * free text and none is refused.
     */
    async unknownRoutes(ids: readonly string[]): Promise<string[]> {
      const wanted = [...new Set(ids)];
      if (!wanted.length || !(await this.hasFeed())) return [];
      const found = new Set((await db.select({ id: gtfsRoutes.id }).from(gtfsRoutes).where(inArray(gtfsRoutes.id, wanted))).map((r) => r.id));
      return wanted.filter((id) => !found.has(id));
    },

    /** Whether any feed is imported: without one, route ids stay free text. */
    async hasFeed() {
      const [r] = await db.select({ id: gtfsRoutes.id }).from(gtfsRoutes).limit(1);
      return Boolean(r);
    },

    /** A route with every shape its trips follow and every stop they serve; null when the feed has no such route. */
    async getRoute(id: string) {
      const [route] = await db.select(routeColumns).from(gtfsRoutes).leftJoin(gtfsAgencies, eq(gtfsAgencies.id, gtfsRoutes.agencyId)).where(eq(gtfsRoutes.id, id));
      if (!route) return null;
      const shapeUse = await db
        .select({ shapeId: gtfsTrips.shapeId, headsign: min(gtfsTrips.headsign), trips: count() })
        .from(gtfsTrips)
        .where(and(eq(gtfsTrips.routeId, id), isNotNull(gtfsTrips.shapeId)))
        .groupBy(gtfsTrips.shapeId);
      const shapeIds = shapeUse.map((s) => s.shapeId!);
      const shapes = shapeIds.length ? await db.select().from(gtfsShapes).where(inArray(gtfsShapes.id, shapeIds)).orderBy(gtfsShapes.id) : [];
      const stops = await db
        .selectDistinct({ id: gtfsStops.id, name: gtfsStops.name, lat: gtfsStops.lat, lon: gtfsStops.lon })
        .from(gtfsStopTimes)
        .innerJoin(gtfsTrips, eq(gtfsTrips.id, gtfsStopTimes.tripId))
        .innerJoin(gtfsStops, eq(gtfsStops.id, gtfsStopTimes.stopId))
        .where(eq(gtfsTrips.routeId, id))
        .orderBy(gtfsStops.id);
      const [span] = await db
        .select({ trips: count(), first: min(gtfsStopTimes.departureSeconds), last: max(gtfsStopTimes.arrivalSeconds) })
        .from(gtfsStopTimes)
        .innerJoin(gtfsTrips, eq(gtfsTrips.id, gtfsStopTimes.tripId))
        .where(eq(gtfsTrips.routeId, id));
      const used = new Map(shapeUse.map((s) => [s.shapeId, s]));
      return {
        ...route,
        firstDepartureSeconds: span?.first ?? null,
        lastArrivalSeconds: span?.last ?? null,
        shapes: shapes.map((s) => ({ id: s.id, points: s.points, trips: used.get(s.id)?.trips ?? 0, headsign: used.get(s.id)?.headsign ?? null })),
        stops: stops.filter((s): s is { id: string; name: string | null; lat: number; lon: number } => s.lat !== null && s.lon !== null),
      };
    },

    /** The timetable of one route's trips, for the demo's buses: stop times in order, with each trip's shape. */
    async routeTimetable(routeId: string) {
      const trips = await db.select().from(gtfsTrips).where(eq(gtfsTrips.routeId, routeId)).orderBy(gtfsTrips.id);
      if (!trips.length) return [];
      const times = await db
        .select({ tripId: gtfsStopTimes.tripId, seq: gtfsStopTimes.stopSequence, arrival: gtfsStopTimes.arrivalSeconds, departure: gtfsStopTimes.departureSeconds, lat: gtfsStops.lat, lon: gtfsStops.lon })
        .from(gtfsStopTimes)
        .innerJoin(gtfsStops, eq(gtfsStops.id, gtfsStopTimes.stopId))
        .where(inArray(gtfsStopTimes.tripId, trips.map((t) => t.id)))
        .orderBy(gtfsStopTimes.tripId, gtfsStopTimes.stopSequence);
      const byTrip = new Map<string, typeof times>();
      for (const t of times) byTrip.set(t.tripId, [...(byTrip.get(t.tripId) ?? []), t]);
      return trips.map((t) => ({ ...t, stopTimes: byTrip.get(t.id) ?? [] }));
    },

    /**
     * When the timetable runs: calendar.txt and calendar_dates.txt, and the
     * time zone its stop times are written in (GTFS gives every agency of a
     * feed the same one; null without a feed).
     */
    async serviceCalendar() {
      const [agency] = await db.select({ timezone: gtfsAgencies.timezone }).from(gtfsAgencies).orderBy(gtfsAgencies.id).limit(1);
      const calendars = await db.select().from(gtfsCalendars).orderBy(gtfsCalendars.serviceId);
      const exceptions = await db.select().from(gtfsCalendarDates).orderBy(gtfsCalendarDates.date, gtfsCalendarDates.serviceId);
      return { timezone: agency?.timezone ?? null, calendars, exceptions };
    },
  };
}

export type NetworkRepository = ReturnType<typeof createNetworkRepository>;

import type { LatLon } from "../../../protocol/index.ts";
import type { createNetworkRepository } from "../gtfs/network.repository.ts";
import type { Timetable, TimetableTrip } from "./demo.schedule.ts";
import type { ScheduledStop } from "./demo.timetable.ts";

/**
 * The imported feed as the demo's buses run it (demo.schedule.ts): every trip
 * with its own shape (or its stops in order, without one) and its stop times,
 * counted from its first departure, and the calendar that says on which days
 * it runs, in the agency's time zone.
 */
export async function loadTimetable(network: ReturnType<typeof createNetworkRepository>): Promise<Timetable> {
  const calendar = await network.serviceCalendar();
  const routes: Timetable["routes"] = [];
  const trips: TimetableTrip[] = [];
  for (const route of await network.listRoutes()) {
    const own = (await network.routeTimetable(route.id)).filter((t) => t.stopTimes.filter((s) => s.lat !== null && s.lon !== null).length > 1);
    if (!own.length) continue;
    routes.push({ id: route.id, name: route.shortName ?? route.id });
    const shapes = new Map((await network.getRoute(route.id))?.shapes.map((s) => [s.id, s.points.map(([lon, lat]) => ({ lat, lon }))]) ?? []);
    for (const trip of own) {
      const placed = trip.stopTimes.filter((s) => s.lat !== null && s.lon !== null);
      const t0 = placed[0]!.departure ?? placed[0]!.arrival ?? 0;
      let last = 0;
      const stops: ScheduledStop[] = placed.map((s) => {
        // A stop time may leave its times out (only timepoints must have them): it is passed on the way.
        const arrival = Math.max(last, (s.arrival ?? s.departure ?? last + t0) - t0);
        const leave = Math.max(arrival, (s.departure ?? s.arrival ?? arrival + t0) - t0);
        last = leave;
        return { lat: s.lat!, lon: s.lon!, arrival, departure: leave };
      });
      trips.push({
        id: trip.id,
        routeId: route.id,
        serviceId: trip.serviceId,
        headsign: trip.headsign ?? (trip.directionId === 1 ? "inbound" : "outbound"),
        departs: t0,
        stops,
        shape: (trip.shapeId && shapes.get(trip.shapeId)) || [],
      });
    }
  }
  return { timezone: calendar.timezone ?? "UTC", routes, trips, calendar: { calendars: calendar.calendars, exceptions: calendar.exceptions } };
}

/** The middle of the feed's network (the median of its trips' stops): where the demo's taxis work, beside its buses. Null without trips. */
export function feedCentre(timetable: Timetable): LatLon | null {
  const stops = timetable.trips.flatMap((t) => t.stops);
  if (!stops.length) return null;
  const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  return { lat: median(stops.map((s) => s.lat)), lon: median(stops.map((s) => s.lon)) };
}

import type { Db } from "../db/client.ts";
import { gtfsAgencies, gtfsCalendarDates, gtfsCalendars, gtfsRoutes, gtfsShapes, gtfsStops, gtfsStopTimes, gtfsTrips } from "../db/schema/index.ts";
import { GtfsFeedError } from "./gtfs.problems.ts";
import { readFeed } from "./gtfs.reader.ts";
import { checkReferences } from "./gtfs.references.ts";

export interface ImportCounts {
  agencies: number;
  routes: number;
  stops: number;
  shapes: number;
  trips: number;
  stopTimes: number;
  calendars: number;
  calendarDates: number;
}

/** Called as rows are written: which table, and how many of the feed's rows are in so far. */
export type ImportProgress = (step: { table: string; done: number; total: number }) => void;

/**
 * Imports a GTFS zip, replacing the feed imported before. The whole feed is
 * checked before anything is written, and written in one transaction: a bad
 * feed throws GtfsFeedError and the database keeps the previous feed.
 */
export async function importGtfsFeed(db: Db, zip: Uint8Array, onProgress: ImportProgress = () => {}): Promise<ImportCounts> {
  const { rows, problems } = readFeed(zip);
  if (problems.length) throw new GtfsFeedError(problems);
  const broken = checkReferences(rows);
  if (broken.length) throw new GtfsFeedError(broken);

  const shapes = new Map<string, { seq: number; point: [number, number] }[]>();
  for (const p of rows["shapes.txt"]) {
    const list = shapes.get(p.shape_id) ?? [];
    list.push({ seq: p.shape_pt_sequence, point: [p.shape_pt_lon, p.shape_pt_lat] });
    shapes.set(p.shape_id, list);
  }
  const tables = [
    { table: gtfsAgencies, name: "agencies", values: rows["agency.txt"].map((a) => ({ id: a.agency_id ?? "", name: a.agency_name, url: a.agency_url, timezone: a.agency_timezone })) },
    {
      table: gtfsRoutes,
      name: "routes",
      values: rows["routes.txt"].map((r) => ({ id: r.route_id, agencyId: r.agency_id ?? null, shortName: r.route_short_name ?? null, longName: r.route_long_name ?? null, type: r.route_type, color: r.route_color ?? null })),
    },
    { table: gtfsStops, name: "stops", values: rows["stops.txt"].map((s) => ({ id: s.stop_id, name: s.stop_name ?? null, lat: s.stop_lat ?? null, lon: s.stop_lon ?? null, parentStation: s.parent_station ?? null })) },
    { table: gtfsShapes, name: "shapes", values: [...shapes].map(([id, pts]) => ({ id, points: pts.sort((a, b) => a.seq - b.seq).map((p) => p.point) })) },
    {
      table: gtfsTrips,
      name: "trips",
      values: rows["trips.txt"].map((t) => ({ id: t.trip_id, routeId: t.route_id, serviceId: t.service_id, headsign: t.trip_headsign ?? null, directionId: t.direction_id ?? null, shapeId: t.shape_id ?? null })),
    },
    {
      table: gtfsStopTimes,
      name: "stop times",
      values: rows["stop_times.txt"].map((s) => ({ tripId: s.trip_id, stopSequence: s.stop_sequence, stopId: s.stop_id, arrivalSeconds: s.arrival_time ?? null, departureSeconds: s.departure_time ?? null })),
    },
    {
      table: gtfsCalendars,
      name: "calendars",
      values: rows["calendar.txt"].map((c) => ({
        serviceId: c.service_id,
        weekdays: [c.monday, c.tuesday, c.wednesday, c.thursday, c.friday, c.saturday, c.sunday],
        startDate: c.start_date,
        endDate: c.end_date,
      })),
    },
    { table: gtfsCalendarDates, name: "calendar dates", values: rows["calendar_dates.txt"].map((c) => ({ serviceId: c.service_id, date: c.date, exceptionType: c.exception_type })) },
  ] as const;

  await db.transaction(async (tx) => {
    for (const { table } of tables) await tx.delete(table);
    for (const { table, name, values } of tables) {
      // 500 rows a statement keeps every insert far below PostgreSQL's 65,535 parameters.
      for (let i = 0; i < values.length; i += 500) {
        await tx.insert(table).values(values.slice(i, i + 500) as never);
        onProgress({ table: name, done: Math.min(i + 500, values.length), total: values.length });
      }
    }
  });
  return {
    agencies: tables[0].values.length,
    routes: tables[1].values.length,
    stops: tables[2].values.length,
    shapes: tables[3].values.length,
    trips: tables[4].values.length,
    stopTimes: tables[5].values.length,
    calendars: tables[6].values.length,
    calendarDates: tables[7].values.length,
  };
}

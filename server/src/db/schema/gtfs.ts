import { doublePrecision, index, integer, jsonb, pgTable, primaryKey, smallint, text } from "drizzle-orm/pg-core";

/**
 * An operator's GTFS timetable, as imported by `npm run import:gtfs`. One feed
 * at a time: an import replaces every row here in one transaction. Ids are the
 * feed's own, so that a vehicle's route id and the GTFS-Realtime feed match it.
 */
export const gtfsAgencies = pgTable("gtfs_agencies", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  url: text("url").notNull(),
  timezone: text("timezone").notNull(),
});

export const gtfsRoutes = pgTable("gtfs_routes", {
  id: text("id").primaryKey(),
  agencyId: text("agency_id"),
  shortName: text("short_name"),
  longName: text("long_name"),
  /** GTFS route_type: 3 bus, 700 bus service, 0 tram, 109 suburban rail… */
  type: integer("type").notNull(),
  color: text("color"),
});

export const gtfsStops = pgTable("gtfs_stops", {
  id: text("id").primaryKey(),
  name: text("name"),
  lat: doublePrecision("lat"),
  lon: doublePrecision("lon"),
  parentStation: text("parent_station"),
});

/** A shape's points in order, [lon, lat] as GeoJSON has them: always read whole, never one point. */
export const gtfsShapes = pgTable("gtfs_shapes", {
  id: text("id").primaryKey(),
  points: jsonb("points").$type<[number, number][]>().notNull(),
});

export const gtfsTrips = pgTable(
  "gtfs_trips",
  {
    id: text("id").primaryKey(),
    routeId: text("route_id").notNull(),
    serviceId: text("service_id").notNull(),
    headsign: text("headsign"),
    directionId: smallint("direction_id"),
    shapeId: text("shape_id"),
  },
  (t) => [index("gtfs_trips_route_idx").on(t.routeId)],
);

export const gtfsStopTimes = pgTable(
  "gtfs_stop_times",
  {
    tripId: text("trip_id").notNull(),
    stopSequence: integer("stop_sequence").notNull(),
    stopId: text("stop_id").notNull(),
    /** Seconds from the start of the service day; GTFS times pass 24:00 for trips that run past midnight. */
    arrivalSeconds: integer("arrival_seconds"),
    departureSeconds: integer("departure_seconds"),
  },
  (t) => [primaryKey({ columns: [t.tripId, t.stopSequence] }), index("gtfs_stop_times_stop_idx").on(t.stopId)],
);

export const gtfsCalendars = pgTable("gtfs_calendars", {
  serviceId: text("service_id").primaryKey(),
  /** Monday first, as calendar.txt lists them. */
  weekdays: smallint("weekdays").array().notNull(),
  startDate: text("start_date").notNull(),
  endDate: text("end_date").notNull(),
});

export const gtfsCalendarDates = pgTable(
  "gtfs_calendar_dates",
  {
    serviceId: text("service_id").notNull(),
    date: text("date").notNull(),
    /** 1 added, 2 removed. */
    exceptionType: smallint("exception_type").notNull(),
  },
  (t) => [primaryKey({ columns: [t.serviceId, t.date] })],
);

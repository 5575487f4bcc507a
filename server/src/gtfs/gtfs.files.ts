import { z } from "zod";
import { ROUTE_ID_MAX, text as plainText } from "../../../protocol/fields.ts";

/**
 * What this project reads from each GTFS file, column by column, as the GTFS
 * reference defines it. A column absent here is ignored; a required column
 * missing from the header refuses the feed.
 *
 * Text cells follow the project's one rule for text (protocol/fields.ts): no
 * control characters or lone surrogates, which PostgreSQL cannot store (NUL)
 * or a person cannot read. Ids are bounded by what a trip message can carry
 * (a route id and the timetable's trip id ride on the agent's trip start);
 * names by what a console line can show.
 */
const id = plainText({ min: 1, max: ROUTE_ID_MAX });
const text = plainText({ min: 1, max: 255 });
const optionalText = text.optional();
const int = (min: number, max: number) =>
  z
    .string()
    .regex(/^-?\d+$/, "must be a whole number")
    .transform(Number)
    .pipe(z.number().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`));
const degrees = (limit: number) =>
  z
    .string()
    .regex(/^-?\d+(\.\d+)?$/, "must be a decimal number")
    .transform(Number)
    .pipe(z.number().min(-limit, `must be between -${limit} and ${limit}`).max(limit, `must be between -${limit} and ${limit}`));
/** GTFS times run past 24:00:00 for trips that end after midnight of their service day. */
const time = z
  .string()
  .regex(/^\d{1,2}:[0-5]\d:[0-5]\d$/, "must be a time HH:MM:SS")
  .transform((v) => {
    const [h, m, s] = v.split(":").map(Number);
    return h! * 3600 + m! * 60 + s!;
  });
const date = z.string().regex(/^\d{8}$/, "must be a date YYYYMMDD");
const day = z.enum(["0", "1"], { message: "must be 0 or 1" }).transform(Number);

export const gtfsFiles = {
  "agency.txt": z.object({
    agency_id: id.optional(),
    agency_name: text,
    agency_url: text,
    agency_timezone: text,
  }),
  "routes.txt": z.object({
    route_id: id,
    agency_id: id.optional(),
    route_short_name: optionalText,
    route_long_name: optionalText,
    route_type: int(0, 1999),
    route_color: z.string().regex(/^[0-9A-Fa-f]{6}$/, "must be six hex digits").optional(),
  }),
  "stops.txt": z.object({
    stop_id: id,
    stop_name: optionalText,
    stop_lat: degrees(90).optional(),
    stop_lon: degrees(180).optional(),
    parent_station: id.optional(),
  }),
  "shapes.txt": z.object({
    shape_id: id,
    shape_pt_lat: degrees(90),
    shape_pt_lon: degrees(180),
    shape_pt_sequence: int(0, 2 ** 31 - 1),
  }),
  "trips.txt": z.object({
    route_id: id,
    service_id: id,
    trip_id: id,
    trip_headsign: optionalText,
    direction_id: int(0, 1).optional(),
    shape_id: id.optional(),
  }),
  "stop_times.txt": z.object({
    trip_id: id,
    stop_id: id,
    stop_sequence: int(0, 2 ** 31 - 1),
    arrival_time: time.optional(),
    departure_time: time.optional(),
  }),
  "calendar.txt": z.object({
    service_id: id,
    monday: day,
    tuesday: day,
    wednesday: day,
    thursday: day,
    friday: day,
    saturday: day,
    sunday: day,
    start_date: date,
    end_date: date,
  }),
  "calendar_dates.txt": z.object({
    service_id: id,
    date,
    exception_type: z.enum(["1", "2"], { message: "must be 1 (added) or 2 (removed)" }).transform(Number),
  }),
};

export type GtfsFileName = keyof typeof gtfsFiles;
export type GtfsRow<F extends GtfsFileName> = z.output<(typeof gtfsFiles)[F]> & { line: number };

/** A feed must have these; shapes are optional, and calendar.txt or calendar_dates.txt may stand alone. */
export const requiredFiles: GtfsFileName[] = ["agency.txt", "routes.txt", "stops.txt", "trips.txt", "stop_times.txt"];

/** The columns a file cannot do without: those whose schema rejects undefined. */
export function requiredColumns(file: GtfsFileName): string[] {
  const shape = gtfsFiles[file].shape as Record<string, z.ZodType>;
  return Object.entries(shape)
    .filter(([, schema]) => !schema.safeParse(undefined).success)
    .map(([column]) => column);
}

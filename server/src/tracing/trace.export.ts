import { TZDate } from "@date-fns/tz";
import { format } from "date-fns";
import type { LineString, Point } from "../trips/track.ts";
import type { Trace } from "../../../protocol/api/trace.ts";

/**
 * Exports of a stored trace. CSV cells that a spreadsheet would run as a
 * formula (starting with = + - @, or a tab/CR that some spreadsheets strip
 * first) get a leading apostrophe (DESIGN §8, OWASP "CSV injection").
 */
export function csvCell(value: unknown): string {
  let text = value === null || value === undefined ? "" : String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

const CSV_COLUMNS = [
  "role",
  "depth",
  "personId",
  "driverId",
  "name",
  "phone",
  "status",
  "plate",
  "vehicleId",
  "tripId",
  "seat",
  "from",
  "to",
  "overlapMinutes",
  "risk",
] as const;

/**
 * An instant as the console shows it, in the display zone, with the zone's
 * offset so that the cell means one instant wherever the file is opened:
 * "2026-11-27 16:05:00+08:00". Spreadsheets read it as a date and time.
 */
export function zonedTime(iso: string, zone: string): string {
  return format(new TZDate(Date.parse(iso), zone), "yyyy-MM-dd HH:mm:ssxxx");
}

/** The contacts as a contact list, times in `zone` (TZ_DISPLAY) like the console. */
export function traceCsv(trace: Trace, zone: string): string {
  const lines = [CSV_COLUMNS.join(",")];
  for (const c of trace.contacts) {
    const row: Record<(typeof CSV_COLUMNS)[number], unknown> = { ...c, from: zonedTime(c.from, zone), to: zonedTime(c.to, zone) };
    lines.push(CSV_COLUMNS.map((k) => csvCell(row[k])).join(","));
  }
  // CRLF and a BOM: what spreadsheet programs expect, so Chinese names open correctly.
  return "\uFEFF" + lines.join("\r\n") + "\r\n";
}

type Feature = { type: "Feature"; geometry: LineString | Point; properties: Record<string, unknown> };

/** RFC 7946 FeatureCollection: the index case's paths and where each contact boarded. No phones or names. */
export function traceGeoJson(trace: Trace, boardingPoints: (Point | null)[]) {
  const features: Feature[] = [];
  for (const s of trace.segments) {
    if (!s.path) continue;
    features.push({
      type: "Feature",
      geometry: s.path,
      properties: { kind: "segment", checkinId: s.checkinId, vehicleId: s.vehicleId, plate: s.plate, tripId: s.tripId, from: s.from, to: s.to, alightEstimated: s.alightEstimated },
    });
  }
  trace.contacts.forEach((c, k) => {
    const geometry = boardingPoints[k];
    if (!geometry) return;
    features.push({
      type: "Feature",
      geometry,
      properties: { kind: "contact", role: c.role, depth: c.depth, personId: c.personId, driverId: c.driverId, vehicleId: c.vehicleId, plate: c.plate, boardedAt: c.boardedAt, from: c.from, to: c.to, overlapMinutes: c.overlapMinutes, risk: c.risk },
    });
  });
  return { type: "FeatureCollection" as const, features };
}

import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import { inTimeOrder, parseTime, TrackError, type TrackPoint } from "./track.ts";

/**
 * CSV tracks, columns found by header name:
 * - the Austin (CapMetrics) format `vehicle_id,timestamp,speed,route_id,trip_id,latitude,longitude,trip_headsign`,
 *   many buses per file — pick one with `vehicleFilter`; trip_id/route_id/trip_headsign become trips;
 * - a simple `ts,lat,lon` (optionally speed, heading, accuracy), with or without a header.
 * Streamed line by line, keeping only the chosen vehicle's rows, so a big fleet file costs little memory.
 */

const aliases: Record<string, string[]> = {
  ts: ["ts", "timestamp", "time", "datetime"],
  lat: ["lat", "latitude"],
  lon: ["lon", "lng", "long", "longitude"],
  speed: ["speed"],
  heading: ["heading", "bearing", "course", "track"],
  accuracy: ["accuracy", "hdop_m", "eph"],
  vehicle: ["vehicle_id", "vehicle"],
  trip: ["trip_id", "trip"],
  route: ["route_id", "route"],
  headsign: ["trip_headsign", "headsign", "direction"],
};

type Column = keyof typeof aliases;

export function splitCsvLine(line: string): string[] {
  if (!line.includes('"')) return line.split(",");
  const out: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") {
      out.push(field);
      field = "";
    } else field += ch;
  }
  out.push(field);
  return out;
}

function columnsOf(header: string[]): Partial<Record<Column, number>> | null {
  const names = header.map((h) => h.trim().toLowerCase());
  const found: Partial<Record<Column, number>> = {};
  for (const [column, names_] of Object.entries(aliases) as [Column, string[]][]) {
    const index = names.findIndex((n) => names_.includes(n));
    if (index >= 0) found[column] = index;
  }
  return found.ts !== undefined && found.lat !== undefined && found.lon !== undefined ? found : null;
}

export interface CsvTrack {
  points: TrackPoint[];
  /** Vehicle ids the file holds (Austin format), whether or not a filter picked one. */
  vehicles: string[];
}

export function parseCsvLines(lines: Iterable<string>, vehicleFilter?: string): CsvTrack {
  let columns: Partial<Record<Column, number>> | null = null;
  const points: TrackPoint[] = [];
  const vehicles = new Set<string>();
  let lineNo = 0;
  for (const raw of lines) {
    lineNo++;
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const cells = splitCsvLine(line);
    if (!columns) {
      columns = columnsOf(cells);
      if (columns) continue;
      // No header: the simple ts,lat,lon layout.
      columns = { ts: 0, lat: 1, lon: 2 };
    }
    const cell = (c: Column) => (columns![c] === undefined ? undefined : cells[columns![c]!]?.trim());
    const vehicle = cell("vehicle");
    if (vehicle) {
      vehicles.add(vehicle);
      if (vehicleFilter !== undefined && vehicle !== vehicleFilter) continue;
    }
    const ts = parseTime(cell("ts") ?? "");
    const lat = Number(cell("lat"));
    const lon = Number(cell("lon"));
    if (ts === null || !Number.isFinite(lat) || !Number.isFinite(lon) || cell("lat") === "" || cell("lon") === "") {
      throw new TrackError(`line ${lineNo}: needs a time, latitude and longitude, got "${line.slice(0, 80)}"`);
    }
    const point: TrackPoint = { ts, lat, lon };
    for (const c of ["speed", "heading", "accuracy"] as const) {
      const v = cell(c);
      if (v !== undefined && v !== "" && Number.isFinite(Number(v))) point[c] = Number(v);
    }
    const trip = cell("trip");
    if (trip) {
      point.trip = { key: trip, ...(cell("route") ? { routeId: cell("route") } : {}), ...(cell("headsign") ? { direction: cell("headsign")!.slice(0, 64) } : {}) };
    }
    points.push(point);
  }
  return { points: inTimeOrder(points), vehicles: [...vehicles] };
}

/** Reads a CSV track file; a fleet file (several vehicle ids) needs `vehicleFilter`. */
export async function readCsvTrack(file: string, vehicleFilter?: string): Promise<TrackPoint[]> {
  const lines: string[] = [];
  const rl = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  // Keep the header, and only rows that can be the chosen vehicle's, before parsing.
  const needle = vehicleFilter === undefined ? null : new RegExp(`(^|,)"?${vehicleFilter.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}"?(,|$)`);
  let first = true;
  for await (const line of rl) {
    if (first || needle === null || needle.test(line)) lines.push(line);
    first = false;
  }
  const track = parseCsvLines(lines, vehicleFilter);
  if (vehicleFilter === undefined && track.vehicles.length > 1) {
    throw new TrackError(`${file} holds ${track.vehicles.length} vehicles; pick one with --vehicle-filter (e.g. ${track.vehicles.slice(0, 5).join(", ")})`);
  }
  if (track.points.length === 0) {
    throw new TrackError(vehicleFilter === undefined ? `${file} holds no fixes` : `${file} has no fixes of vehicle "${vehicleFilter}"`);
  }
  return track.points;
}

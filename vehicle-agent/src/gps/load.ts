import { readFileSync } from "node:fs";
import path from "node:path";
import { readCsvTrack } from "./csv.ts";
import { parseGeoJson } from "./geojson.ts";
import { parseGpx } from "./gpx.ts";
import { TrackError, type TrackPoint } from "./track.ts";

export type TrackFormat = "auto" | "austin" | "csv" | "gpx" | "geojson";

function detect(file: string): Exclude<TrackFormat, "auto" | "austin"> {
  const ext = path.extname(file).toLowerCase();
  if (ext === ".gpx" || ext === ".xml") return "gpx";
  if (ext === ".geojson" || ext === ".json") return "geojson";
  if (ext === ".csv" || ext === ".txt") return "csv";
  throw new TrackError(`cannot tell the format of ${file} from its name; pass --replay-format csv|gpx|geojson`);
}

/**
 * Fixes of a track without times are placed from this fixed instant, so that
 * the same file gives the same fixes on every run (a resumed replay depends
 * on it); the replay then shifts them to the present.
 */
export const UNTIMED_TRACK_START = Date.UTC(2000, 0, 2);

/** Loads a recorded track file; `intervalMs` spaces the fixes of a track without times. */
export async function loadTrack(file: string, opts: { format: TrackFormat; vehicleFilter?: string; intervalMs: number }): Promise<TrackPoint[]> {
  const format = opts.format === "auto" ? detect(file) : opts.format;
  if (format === "csv" || format === "austin") return readCsvTrack(file, opts.vehicleFilter);
  const text = readFileSync(file, "utf8");
  const timing = { start: UNTIMED_TRACK_START, intervalMs: opts.intervalMs };
  return format === "gpx" ? parseGpx(text, timing) : parseGeoJson(text, timing);
}

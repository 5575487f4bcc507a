import type { PositionFix } from "../../../protocol/index.ts";

/** A trip the track file itself carries (Austin CSV: trip_id, route_id, trip_headsign per fix). */
export interface TrackTrip {
  /** The file's own trip key; a change of key ends one trip and starts the next. */
  key: string;
  routeId?: string;
  direction?: string;
}

/** One fix of a recorded track, with the trip it belongs to when the file says. */
export interface TrackPoint extends PositionFix {
  trip?: TrackTrip;
}

/**
 * Puts points in time order and drops repeated timestamps: the server keys a
 * fix on (vehicle, ts), so a second fix at the same millisecond would be a
 * different fix stored as the same one.
 */
export function inTimeOrder(points: TrackPoint[]): TrackPoint[] {
  const sorted = [...points].sort((a, b) => a.ts - b.ts);
  return sorted.filter((p, i) => i === 0 || p.ts !== sorted[i - 1]!.ts);
}

/** Times for a track that has none (a drawn route): one fix every `intervalMs`, from `start`. */
export function withSyntheticTimes(coords: { lat: number; lon: number }[], start: number, intervalMs: number): TrackPoint[] {
  return coords.map((c, i) => ({ ts: start + i * intervalMs, lat: c.lat, lon: c.lon }));
}

/** Reads a timestamp: ISO-8601, epoch milliseconds, or epoch seconds (values too small to be ms). */
export function parseTime(text: string): number | null {
  const t = text.trim();
  if (/^-?\d+(\.\d+)?$/.test(t)) {
    const n = Number(t);
    return n < 1e11 ? Math.round(n * 1000) : Math.round(n);
  }
  const ms = Date.parse(t);
  return Number.isNaN(ms) ? null : ms;
}

export class TrackError extends Error {}

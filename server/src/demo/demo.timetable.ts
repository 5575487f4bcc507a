import { distanceM, type LatLon } from "../../../protocol/index.ts";
import { bearing } from "../../../vehicle-agent/src/gps/simulate.ts";

/** A stop of a timetable trip: where it is, and its times in seconds from the trip's first departure. */
export interface ScheduledStop extends LatLon {
  arrival: number;
  departure: number;
}

/** A bus's run of one timetable trip: where it is `t` seconds after it left the first stop. */
export interface TripRun {
  duration: number;
  at(t: number): { lat: number; lon: number; speed: number; heading: number };
}

/** A bus stands at an intermediate stop at least this long, taken out of the drive before it when the timetable gives no dwell. */
const MIN_DWELL_S = 20;

/** Cumulative distance along a polyline at each of its points. */
function distances(path: LatLon[]): number[] {
  const out = [0];
  for (let i = 1; i < path.length; i++) out.push(out[i - 1]! + distanceM(path[i - 1]!, path[i]!));
  return out;
}

/** The distance along `path` (from `fromM` on, so stops keep their order) of the point nearest to `p`. */
function project(path: LatLon[], along: number[], p: LatLon, fromM: number): number {
  let best = { d: Infinity, at: fromM };
  for (let i = 0; i < path.length - 1; i++) {
    if (along[i + 1]! < fromM) continue;
    const a = path[i]!;
    const b = path[i + 1]!;
    // Flat projection within one segment: segments are short, and the error is metres.
    const kx = Math.cos((a.lat * Math.PI) / 180);
    const [bx, by] = [(b.lon - a.lon) * kx, b.lat - a.lat];
    const [px, py] = [(p.lon - a.lon) * kx, p.lat - a.lat];
    const len2 = bx * bx + by * by;
    const f = len2 === 0 ? 0 : Math.max(0, Math.min(1, (px * bx + py * by) / len2));
    const q = { lat: a.lat + (b.lat - a.lat) * f, lon: a.lon + (b.lon - a.lon) * f };
    const d = distanceM(q, p);
    const at = Math.max(fromM, along[i]! + f * (along[i + 1]! - along[i]!));
    if (d < best.d) best = { d, at };
  }
  return best.at;
}

function pointAt(path: LatLon[], along: number[], m: number): { lat: number; lon: number; heading: number } {
  let i = 0;
  while (i < path.length - 2 && along[i + 1]! < m) i++;
  const a = path[i]!;
  const b = path[i + 1]!;
  const leg = along[i + 1]! - along[i]!;
  const f = leg === 0 ? 0 : Math.max(0, Math.min(1, (m - along[i]!) / leg));
  return { lat: Number((a.lat + (b.lat - a.lat) * f).toFixed(7)), lon: Number((a.lon + (b.lon - a.lon) * f).toFixed(7)), heading: Math.round(bearing(a, b)) };
}

/**
 * A timetable trip as a bus drives it: along its shape, from stop to stop in
 * the scheduled running times, standing at each intermediate stop for its
 * dwell (at least MIN_DWELL_S, since most feeds give arrival = departure).
 * `maxSpeed` caps the drive (m/s): the demo's time scale must not make a bus
 * faster than the server believes a road vehicle can go (it would flag its
 * fixes as jumps); a capped trip just runs late.
 */
export function tripRun(shape: LatLon[], stops: ScheduledStop[], maxSpeed: number): TripRun {
  const path = shape.length > 1 ? shape : stops;
  const along = distances(path);
  // Where each stop lies along the path, and the moments the bus arrives at and leaves it.
  const marks: { m: number; arrive: number; leave: number }[] = [];
  let from = 0;
  let clock = 0;
  stops.forEach((s, k) => {
    const m = project(path, along, s, from);
    const scheduledDrive = k === 0 ? 0 : Math.max(0, s.arrival - stops[k - 1]!.departure);
    const dwellGiven = s.departure - s.arrival;
    const intermediate = k > 0 && k < stops.length - 1;
    const dwell = intermediate ? Math.max(dwellGiven, MIN_DWELL_S) : dwellGiven;
    // The dwell the timetable does not give comes out of the drive before the stop, leaving it at least half.
    const drive = Math.max(scheduledDrive - Math.min(dwell - dwellGiven, scheduledDrive / 2), (m - from) / maxSpeed, k === 0 ? 0 : 1);
    const arrive = k === 0 ? 0 : clock + drive;
    marks.push({ m, arrive, leave: arrive + dwell });
    clock = arrive + dwell;
    from = m;
  });
  const end = along.at(-1)!;
  if (marks.length === 0 || marks.at(-1)!.m < end) {
    const last = marks.at(-1) ?? { m: 0, arrive: 0, leave: 0 };
    marks.push({ m: end, arrive: last.leave + Math.max(1, (end - last.m) / maxSpeed), leave: last.leave + Math.max(1, (end - last.m) / maxSpeed) });
  }
  const duration = marks.at(-1)!.leave;
  return {
    duration,
    at(t) {
      let k = 0;
      while (k < marks.length - 1 && marks[k]!.leave <= t) k++;
      const here = marks[k]!;
      if (t <= here.arrive && k > 0) {
        // Driving from the previous stop to this one.
        const prev = marks[k - 1]!;
        const f = (t - prev.leave) / (here.arrive - prev.leave || 1);
        const m = prev.m + (here.m - prev.m) * Math.max(0, Math.min(1, f));
        return { ...pointAt(path, along, m), speed: (here.m - prev.m) / (here.arrive - prev.leave || 1) };
      }
      // Standing at the stop.
      return { ...pointAt(path, along, here.m), speed: 0 };
    },
  };
}

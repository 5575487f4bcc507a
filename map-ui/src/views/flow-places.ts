import type { TripDetail, TripList } from "../../../protocol/api/trips.ts";
import { api, apiRoutes } from "../api.ts";
import { parseTrack } from "../geo.ts";
import type { HeatPoint } from "./flow-model.ts";

/** Enough trips to show where people board without asking the server for every trip of a busy month. */
export const MAX_TRIPS = 60;
const PARALLEL = 4;

/**
 * Where boardings happened in [from, to), from the public API: the trips in
 * the window and, per trip, its check-ins' interpolated boarding points. Used
 * when GET /flow itself carries no places. At most MAX_TRIPS trips (the
 * latest), which the view says.
 */
export async function boardingPlaces(from: string, to: string): Promise<{ places: HeatPoint[]; trips: number; capped: boolean }> {
  if (!(await apiRoutes()).has("/trips/{id}")) return { places: [], trips: 0, capped: false };
  const q = new URLSearchParams({ from, to });
  const { trips } = await api<TripList>("GET", `/trips?${q}`);
  const chosen = [...trips].sort((a, b) => Date.parse(b.startedAt ?? "") - Date.parse(a.startedAt ?? "")).slice(0, MAX_TRIPS);
  const places: HeatPoint[] = [];
  for (let i = 0; i < chosen.length; i += PARALLEL) {
    const details = await Promise.all(
      chosen.slice(i, i + PARALLEL).map((t) => api<TripDetail>("GET", `/trips/${encodeURIComponent(t.id)}`).catch(() => null)),
    );
    for (const d of details) {
      for (const c of d?.checkins ?? []) {
        const at = Date.parse(c.from);
        // A trip overlapping the window may carry boardings from outside it.
        if (!(at >= Date.parse(from) && at < Date.parse(to))) continue;
        const [p] = parseTrack(c.boardingPoint);
        if (p) places.push({ lat: p.lat, lon: p.lon, weight: 1 });
      }
    }
  }
  return { places, trips: chosen.length, capped: trips.length > chosen.length };
}

import type { Flow } from "../../../protocol/api/flow.ts";

/** GET /api/v1/flow read into series: one per route (or vehicle), boardings per hour. */
export interface FlowSeries {
  key: string;
  points: { t: number; boardings: number }[];
  total: number;
}
export interface HeatPoint {
  lat: number;
  lon: number;
  weight: number;
}

/** The key of check-ins on a vehicle with no route. */
export const NO_ROUTE = "—";

export function readFlow(flow: Pick<Flow, "groupBy" | "rows">): FlowSeries[] {
  const byKey = new Map<string, Map<number, number>>();
  for (const row of flow.rows) {
    // By vehicle the plate names the bars; by route the key is the route id (null: no route).
    const key = (flow.groupBy === "vehicle" ? (row.plate ?? row.key) : row.key) ?? NO_ROUTE;
    const t = Date.parse(row.hour);
    if (!Number.isFinite(t)) continue;
    const s = byKey.get(key) ?? new Map<number, number>();
    s.set(t, (s.get(t) ?? 0) + row.boardings);
    byKey.set(key, s);
  }
  return [...byKey]
    .map(([key, m]) => {
      const points = [...m].map(([t, boardings]) => ({ t, boardings })).sort((a, b) => a.t - b.t);
      return { key, points, total: points.reduce((s, p) => s + p.boardings, 0) };
    })
    .sort((a, b) => b.total - a.total);
}

const HOUR = 3_600_000;

/**
 * The hours to draw, every one from the first to the last (an hour nobody
 * boarded is a bar of zero, not a gap the eye skips), and per hour the
 * boardings of each series, stacked in the series' order.
 */
export function hourlyStacks(series: FlowSeries[]): { t: number; values: number[]; total: number }[] {
  const times = series.flatMap((s) => s.points.map((p) => p.t));
  if (times.length === 0) return [];
  const first = Math.min(...times);
  const last = Math.max(...times);
  const at = series.map((s) => new Map(s.points.map((p) => [p.t, p.boardings])));
  const out: { t: number; values: number[]; total: number }[] = [];
  for (let t = first; t <= last; t += HOUR) {
    const values = at.map((m) => m.get(t) ?? 0);
    out.push({ t, values, total: values.reduce((a, b) => a + b, 0) });
  }
  return out;
}

/**
 * Y-axis ticks for counts: whole numbers on a 1-2-5 step, from 0 to the first
 * tick at or above `max`, at most `most` + 1 of them (so 9 gives 0 2 4 6 8 10,
 * never 0 5 9).
 */
export function countTicks(max: number, most = 5): number[] {
  const top = Math.max(1, Math.ceil(max));
  let step = 1;
  for (let base = 1; ; base *= 10) {
    const s = [1, 2, 5].map((k) => k * base).find((k) => Math.ceil(top / k) <= most);
    if (s !== undefined) {
      step = s;
      break;
    }
  }
  const ticks: number[] = [];
  for (let v = 0; v < top + step; v += step) {
    ticks.push(v);
    if (v >= top) break;
  }
  return ticks;
}

import { sql, type SQL } from "drizzle-orm";
import { rowsOf, type Db } from "../db/client.ts";
import { genericPlanRunner } from "../db/prepared.ts";
import type { LineString, Point } from "../../../protocol/api/geo.ts";

/**
 * GPS tracks as the map and the tracer see them: good fixes only (a flagged
 * fix stays in the table but never on a map), and points between fixes
 * interpolated linearly in time.
 */
export interface Fix {
  ts: number;
  lat: number;
  lon: number;
}

export type Position = [lon: number, lat: number];
// GeoJSON geometry as the API answers it: one definition, in the shared contract.
export type { LineString, Point };

/** How far from a span's ends we look for the fix to interpolate from; further than this, the nearest fix stands in. */
const NEIGHBOUR_MS = 3_600_000;

const round6 = (x: number) => Math.round(x * 1e6) / 1e6;
const position = (f: { lat: number; lon: number }): Position => [round6(f.lon), round6(f.lat)];

/** The vehicle's place at `t` between the fixes around it; the nearest fix when `t` is outside them. */
export function interpolate(before: Fix | undefined, after: Fix | undefined, t: number): Fix | null {
  if (!before && !after) return null;
  if (!before) return { ...after!, ts: t };
  if (!after || after.ts === before.ts) return { ...before, ts: t };
  const k = Math.min(1, Math.max(0, (t - before.ts) / (after.ts - before.ts)));
  return { ts: t, lat: before.lat + k * (after.lat - before.lat), lon: before.lon + k * (after.lon - before.lon) };
}

/** `track` sorted by time: the place at `t`. */
export function pointOnTrack(track: Fix[], t: number): Point | null {
  let lo = 0;
  let hi = track.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (track[mid]!.ts <= t) lo = mid + 1;
    else hi = mid;
  }
  const f = interpolate(track[lo - 1], track[lo], t);
  return f ? { type: "Point", coordinates: position(f) } : null;
}

/**
 * The path over [from, to): the interpolated start, the fixes inside, the
 * interpolated end. `before`/`after` are the nearest fixes outside the span.
 */
export function pathOver(inside: Fix[], before: Fix | undefined, after: Fix | undefined, from: number, to: number): LineString | null {
  const start = interpolate(before, inside[0] ?? after, from);
  const end = interpolate(inside[inside.length - 1] ?? before, after, to);
  if (!start || !end) return null;
  return { type: "LineString", coordinates: [start, ...inside, end].map(position) };
}

export function lineString(track: Fix[]): LineString | null {
  return track.length >= 2 ? { type: "LineString", coordinates: track.map(position) } : null;
}

export type FixRow = { k: number; kind: "before" | "inside" | "after"; ts: number; lat: number; lon: number };

/** Rows of fixesAround back into one path per span (span k is spans[k]). */
export function pathsFromFixes(rows: FixRow[], spans: { from: number; to: number }[]): (LineString | null)[] {
  const bySpan = spans.map(() => ({ inside: [] as Fix[], before: undefined as Fix | undefined, after: undefined as Fix | undefined }));
  for (const r of rows) {
    const fix = { ts: Number(r.ts), lat: Number(r.lat), lon: Number(r.lon) };
    const slot = bySpan[Number(r.k)];
    if (!slot) continue;
    if (r.kind === "inside") slot.inside.push(fix);
    else slot[r.kind] = fix;
  }
  return bySpan.map((b, k) => {
    b.inside.sort((x, y) => x.ts - y.ts);
    return pathOver(b.inside, b.before, b.after, spans[k]!.from, spans[k]!.to);
  });
}

export function createTrackRepository({ db }: { db: Db }) {
  const run = genericPlanRunner(db);
  return {
    /** Good fixes of one vehicle over [from, to), oldest first. */
    async fixes(vehicleId: string, from: Date, to: Date): Promise<Fix[]> {
      const rows = rowsOf<Fix>(
        await db.execute(sql`
          select (extract(epoch from ts) * 1000)::float8 as ts, lat, lon from positions
          where vehicle_id = ${vehicleId}::uuid and ts >= ${from.toISOString()}::timestamptz and ts < ${to.toISOString()}::timestamptz
            and flag is null
          order by ts`),
      );
      return rows.map((r) => ({ ts: Number(r.ts), lat: Number(r.lat), lon: Number(r.lon) }));
    },

    /** For each span, its path over [from, to) with interpolated ends (null when the vehicle has no good fix near it). */
    async paths(spans: { vehicleId: string; from: number; to: number }[]): Promise<(LineString | null)[]> {
      if (spans.length === 0) return [];
      const input = spans.map((s, k) => ({ k, v: s.vehicleId, lo: new Date(s.from).toISOString(), hi: new Date(s.to).toISOString() }));
      const rows = await this.fixesAround(
        sql`select * from jsonb_to_recordset(${JSON.stringify(input)}::jsonb) as s(k int, v uuid, lo timestamptz, hi timestamptz)`,
        Math.min(...spans.map((s) => s.from)),
        Math.max(...spans.map((s) => s.to)),
      );
      return pathsFromFixes(rows, spans);
    },

    /**
     * For spans given as SQL rows (k, v, lo, hi) lying within [from, to): the
     * good fixes inside each span and the nearest one on either side.
     */
    async fixesAround(spans: SQL, from: number, to: number): Promise<FixRow[]> {
      const lo = new Date(from - NEIGHBOUR_MS).toISOString();
      const hi = new Date(to + NEIGHBOUR_MS).toISOString();
      // The constant bounds on ts let the planner prune day partitions; the lateral bounds do the real work.
      return run<FixRow>(sql`
          select s.k, f.kind, (extract(epoch from f.ts) * 1000)::float8 as ts, f.lat, f.lon
          from (${spans}) s
          cross join lateral (
            (select 'before' as kind, p.ts, p.lat, p.lon from positions p
              where p.vehicle_id = s.v and p.ts < s.lo and p.ts >= s.lo - interval '1 hour' and p.flag is null
                and p.ts >= ${lo}::timestamptz and p.ts < ${hi}::timestamptz
              order by p.ts desc limit 1)
            union all
            (select 'inside', p.ts, p.lat, p.lon from positions p
              where p.vehicle_id = s.v and p.ts >= s.lo and p.ts < s.hi and p.flag is null
                and p.ts >= ${lo}::timestamptz and p.ts < ${hi}::timestamptz)
            union all
            (select 'after', p.ts, p.lat, p.lon from positions p
              where p.vehicle_id = s.v and p.ts >= s.hi and p.ts < s.hi + interval '1 hour' and p.flag is null
                and p.ts >= ${lo}::timestamptz and p.ts < ${hi}::timestamptz
              order by p.ts limit 1)
          ) f`);
    },

    /** The vehicle's place at each instant, interpolated between the good fixes around it. */
    async pointsAt(points: { vehicleId: string; at: number }[]): Promise<(Point | null)[]> {
      const paths = await this.paths(points.map((p) => ({ vehicleId: p.vehicleId, from: p.at, to: p.at })));
      return paths.map((l) => (l ? { type: "Point", coordinates: l.coordinates[0]! } : null));
    },
  };
}

export type TrackRepository = ReturnType<typeof createTrackRepository>;

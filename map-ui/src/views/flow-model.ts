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

type Obj = Record<string, unknown>;
const str = (v: unknown) => (typeof v === "string" || typeof v === "number" ? String(v) : null);

function rowsOf(raw: unknown): Obj[] {
  if (Array.isArray(raw)) return raw as Obj[];
  const r = (raw ?? {}) as Obj;
  for (const key of ["rows", "buckets", "flow", "data", "series", "groups"]) if (Array.isArray(r[key])) return r[key] as Obj[];
  return [];
}

export function readFlow(raw: unknown): FlowSeries[] {
  const byKey = new Map<string, Map<number, number>>();
  const add = (key: string, t: number, n: number) => {
    if (!Number.isFinite(t) || !Number.isFinite(n)) return;
    const s = byKey.get(key) ?? new Map<number, number>();
    s.set(t, (s.get(t) ?? 0) + n);
    byKey.set(key, s);
  };
  for (const row of rowsOf(raw)) {
    // By vehicle the plate names the line; by route the key is the route id (null: no route).
    const key = str(row.plate ?? row.routeId ?? row.route ?? row.key ?? row.vehicleId ?? row.group) ?? "—";
    // Either flat rows {routeId, bucket, boardings} or a series {routeId, buckets:[{bucket, boardings}]}.
    const nested = (row.buckets ?? row.points ?? row.hours) as Obj[] | undefined;
    for (const p of Array.isArray(nested) ? nested : [row]) {
      add(key, Date.parse(String(p.bucket ?? p.hour ?? p.from ?? p.ts ?? p.t ?? "")), Number(p.boardings ?? p.count ?? p.value ?? 0));
    }
  }
  return [...byKey]
    .map(([key, m]) => {
      const points = [...m].map(([t, boardings]) => ({ t, boardings })).sort((a, b) => a.t - b.t);
      return { key, points, total: points.reduce((s, p) => s + p.boardings, 0) };
    })
    .sort((a, b) => b.total - a.total);
}

/** Where boardings happened, when the response carries places. */
export function readPlaces(raw: unknown): HeatPoint[] {
  const r = (raw ?? {}) as Obj;
  const list = (r.places ?? r.heat ?? r.points ?? r.boardingPlaces) as Obj[] | undefined;
  if (!Array.isArray(list)) return [];
  return list
    .map((p) => ({ lat: Number(p.lat), lon: Number(p.lon ?? p.lng), weight: Number(p.boardings ?? p.count ?? p.weight ?? 1) }))
    .filter((p) => Number.isFinite(p.lat) && Number.isFinite(p.lon));
}

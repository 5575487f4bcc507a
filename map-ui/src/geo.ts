/**
 * Reading the shapes the API gives for a path or a track (a GeoJSON
 * LineString, Feature or FeatureCollection of points, or a plain list of
 * fixes) into one form, and finding where a vehicle was at a moment.
 */
export interface Fix {
  lat: number;
  lon: number;
  /** Epoch ms, when the source says when. */
  t?: number;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const num = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : undefined);
const timeOf = (v: unknown): number | undefined => {
  if (typeof v === "number" && Number.isFinite(v)) return v < 1e11 ? v * 1000 : v; // seconds or ms
  if (typeof v === "string") {
    const ms = Date.parse(v);
    return Number.isNaN(ms) ? undefined : ms;
  }
  return undefined;
};

function fromCoordinates(coords: unknown[], times?: unknown[]): Fix[] {
  const out: Fix[] = [];
  coords.forEach((c, i) => {
    if (!Array.isArray(c)) return;
    const lon = num(c[0]);
    const lat = num(c[1]);
    if (lat === undefined || lon === undefined) return;
    // GeoJSON puts time, when it has any, in a 4th member or a parallel `times` list.
    const t = timeOf(times?.[i]) ?? timeOf(c[3]);
    out.push(t === undefined ? { lat, lon } : { lat, lon, t });
  });
  return out;
}

function fromFixObject(o: Obj): Fix | null {
  const lat = num(o.lat) ?? num(o.latitude);
  const lon = num(o.lon) ?? num(o.lng) ?? num(o.longitude);
  if (lat === undefined || lon === undefined) return null;
  const t = timeOf(o.ts ?? o.t ?? o.time ?? o.at);
  return t === undefined ? { lat, lon } : { lat, lon, t };
}

export function parseTrack(input: unknown): Fix[] {
  if (Array.isArray(input)) {
    if (input.length > 0 && Array.isArray(input[0])) return fromCoordinates(input);
    return input.flatMap((p) => (isObj(p) ? (fromFixObject(p) ?? parseTrack(p)) : [])).flat();
  }
  if (!isObj(input)) return [];
  const type = input.type;
  if (type === "FeatureCollection" && Array.isArray(input.features)) {
    return input.features.flatMap((f) => parseTrack(f)).sort((a, b) => (a.t ?? 0) - (b.t ?? 0));
  }
  if (type === "Feature") {
    const geometry = input.geometry as Obj | null;
    const props = (input.properties ?? {}) as Obj;
    if (!isObj(geometry)) return [];
    if (geometry.type === "Point" && Array.isArray(geometry.coordinates)) {
      const [fix] = fromCoordinates([geometry.coordinates]);
      const t = timeOf(props.ts ?? props.time ?? props.t ?? props.at);
      return fix ? [t === undefined ? fix : { ...fix, t }] : [];
    }
    const times = (props.times ?? props.timestamps ?? props.coordTimes) as unknown[] | undefined;
    return parseGeometry(geometry, Array.isArray(times) ? times : undefined);
  }
  if (typeof type === "string") return parseGeometry(input);
  for (const key of ["path", "track", "points", "positions", "fixes", "coordinates"]) {
    if (key in input) return parseTrack(input[key]);
  }
  const single = fromFixObject(input);
  return single ? [single] : [];
}

function parseGeometry(g: Obj, times?: unknown[]): Fix[] {
  const coords = g.coordinates;
  if (!Array.isArray(coords)) return [];
  if (g.type === "LineString" || g.type === "MultiPoint") return fromCoordinates(coords, times);
  if (g.type === "MultiLineString") return coords.flatMap((line) => (Array.isArray(line) ? fromCoordinates(line) : []));
  if (g.type === "Point") return fromCoordinates([coords]);
  return [];
}

/** Where the track was at `t`: interpolated between the fixes around it, else the nearest end. */
export function fixAt(track: Fix[], t: number): Fix | null {
  const timed = track.filter((f) => f.t !== undefined);
  if (timed.length === 0) return null;
  if (t <= timed[0]!.t!) return timed[0]!;
  for (let i = 1; i < timed.length; i++) {
    const a = timed[i - 1]!;
    const b = timed[i]!;
    if (t <= b.t!) {
      const k = b.t === a.t ? 0 : (t - a.t!) / (b.t! - a.t!);
      return { lat: a.lat + (b.lat - a.lat) * k, lon: a.lon + (b.lon - a.lon) * k, t };
    }
  }
  return timed[timed.length - 1]!;
}

/** The part of a timed track inside [from, to), with its ends interpolated. */
export function trackBetween(track: Fix[], from: number, to: number): Fix[] {
  const inside = track.filter((f) => f.t !== undefined && f.t > from && f.t < to);
  const start = fixAt(track, from);
  const end = fixAt(track, to);
  return [...(start ? [start] : []), ...inside, ...(end ? [end] : [])];
}

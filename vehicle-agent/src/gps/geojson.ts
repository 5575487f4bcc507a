import { inTimeOrder, parseTime, TrackError, withSyntheticTimes, type TrackPoint } from "./track.ts";

/**
 * GeoJSON tracks: a LineString or MultiLineString (Feature, FeatureCollection
 * or bare geometry), with times from `properties.coordTimes` or `times` (the
 * convention of GPX converters such as togeojson) or a 4th coordinate; or
 * Point features with `properties.time`/`timestamp`/`ts`. Without times, one
 * fix every `intervalMs`.
 */
type Json = Record<string, unknown>;
type Position = number[];

interface RawPoint {
  lat: number;
  lon: number;
  time: number | null;
  speed?: number;
}

function timeOf(value: unknown): number | null {
  if (typeof value === "number") return parseTime(String(value));
  if (typeof value === "string") return parseTime(value);
  return null;
}

function fromGeometry(geometry: Json | null | undefined, properties: Json): RawPoint[] {
  if (!geometry) return [];
  const type = geometry.type;
  const toPoint = (c: Position, time: unknown): RawPoint => ({ lon: Number(c[0]), lat: Number(c[1]), time: timeOf(time ?? c[3]) });
  if (type === "Point") {
    const c = geometry.coordinates as Position;
    const p = toPoint(c, properties.time ?? properties.timestamp ?? properties.ts);
    return [typeof properties.speed === "number" ? { ...p, speed: properties.speed } : p];
  }
  const lineTimes = (properties.coordTimes ?? properties.times) as unknown[] | unknown[][] | undefined;
  if (type === "LineString") {
    return (geometry.coordinates as Position[]).map((c, i) => toPoint(c, (lineTimes as unknown[] | undefined)?.[i]));
  }
  if (type === "MultiLineString") {
    return (geometry.coordinates as Position[][]).flatMap((line, l) => line.map((c, i) => toPoint(c, (lineTimes as unknown[][] | undefined)?.[l]?.[i])));
  }
  if (type === "GeometryCollection") return (geometry.geometries as Json[]).flatMap((g) => fromGeometry(g, properties));
  return [];
}

export function parseGeoJson(text: string, opts: { start: number; intervalMs: number }): TrackPoint[] {
  let doc: Json;
  try {
    doc = JSON.parse(text) as Json;
  } catch (err) {
    throw new TrackError(`not valid JSON: ${(err as Error).message}`);
  }
  const features: Json[] = doc.type === "FeatureCollection" ? (doc.features as Json[]) : doc.type === "Feature" ? [doc] : [{ type: "Feature", geometry: doc, properties: {} }];
  const raw = features.flatMap((f) => fromGeometry(f.geometry as Json, (f.properties as Json | null) ?? {}));
  if (raw.length === 0) throw new TrackError("the GeoJSON holds no LineString or Point");
  if (raw.some((p) => !Number.isFinite(p.lat) || !Number.isFinite(p.lon))) throw new TrackError("a GeoJSON position lacks a valid [lon, lat]");
  if (raw.every((p) => p.time !== null)) {
    return inTimeOrder(raw.map((p) => ({ ts: p.time!, lat: p.lat, lon: p.lon, ...(p.speed !== undefined ? { speed: p.speed } : {}) })));
  }
  return withSyntheticTimes(raw, opts.start, opts.intervalMs);
}

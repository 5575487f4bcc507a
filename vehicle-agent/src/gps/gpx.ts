import { inTimeOrder, parseTime, TrackError, withSyntheticTimes, type TrackPoint } from "./track.ts";

/**
 * GPX 1.0/1.1: track points (`trkpt`), else route points (`rtept`), else
 * waypoints. A point's `<time>` is used when every point has one; a drawn
 * route without times gets one fix every `intervalMs`.
 */
export function parseGpx(xml: string, opts: { start: number; intervalMs: number }): TrackPoint[] {
  for (const tag of ["trkpt", "rtept", "wpt"]) {
    const re = new RegExp(`<${tag}\\b([^>]*?)(?:/>|>([\\s\\S]*?)</${tag}>)`, "g");
    const found = [...xml.matchAll(re)].map((m) => {
      const attrs = m[1] ?? "";
      const inner = m[2] ?? "";
      const attr = (name: string) => new RegExp(`\\b${name}\\s*=\\s*["']([^"']+)["']`).exec(attrs)?.[1];
      const time = /<time>\s*([^<]+?)\s*<\/time>/.exec(inner)?.[1];
      const speed = /<(?:\w+:)?speed>\s*([^<]+?)\s*<\/(?:\w+:)?speed>/.exec(inner)?.[1];
      return { lat: Number(attr("lat")), lon: Number(attr("lon")), time: time ? parseTime(time) : null, speed: speed ? Number(speed) : undefined };
    });
    if (found.length === 0) continue;
    if (found.some((p) => !Number.isFinite(p.lat) || !Number.isFinite(p.lon))) throw new TrackError(`a GPX <${tag}> lacks a valid lat/lon`);
    if (found.every((p) => p.time !== null)) {
      return inTimeOrder(found.map((p) => ({ ts: p.time!, lat: p.lat, lon: p.lon, ...(Number.isFinite(p.speed) ? { speed: p.speed } : {}) })));
    }
    return withSyntheticTimes(found, opts.start, opts.intervalMs);
  }
  throw new TrackError("the GPX file holds no track, route or waypoints");
}

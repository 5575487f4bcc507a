import { distanceM, rad, type LatLon, type PositionFix } from "../../../protocol/index.ts";

/**
 * A simulated vehicle driving along a polyline at a steady speed, back and
 * forth, one fix every `intervalMs`, stamped with the present. For trying the
 * system without a receiver or a recording.
 */
export type { LatLon };
export { distanceM };

export function bearing(a: LatLon, b: LatLon): number {
  const y = Math.sin(rad(b.lon - a.lon)) * Math.cos(rad(b.lat));
  const x = Math.cos(rad(a.lat)) * Math.sin(rad(b.lat)) - Math.sin(rad(a.lat)) * Math.cos(rad(b.lat)) * Math.cos(rad(b.lon - a.lon));
  return ((Math.atan2(y, x) * 180) / Math.PI + 360) % 360;
}

/** "lat,lon;lat,lon;…" → points. */
export function parsePolyline(text: string): LatLon[] | null {
  const points = text
    .split(";")
    .map((pair) => pair.split(",").map((v) => Number(v.trim())))
    .map(([lat, lon]) => ({ lat: lat!, lon: lon! }));
  const valid = points.length >= 2 && points.every((p) => Number.isFinite(p.lat) && Number.isFinite(p.lon) && Math.abs(p.lat) <= 90 && Math.abs(p.lon) <= 180);
  return valid ? points : null;
}

/** Where a vehicle is after driving `travelled` metres along the route, bouncing at its ends. */
export function positionAlong(route: LatLon[], travelled: number, speed: number, ts: number): PositionFix {
  const legs = route.slice(1).map((p, i) => distanceM(route[i]!, p));
  const total = legs.reduce((a, b) => a + b, 0) || 1;
  const lap = travelled % (2 * total);
  const forward = lap <= total;
  let d = forward ? lap : 2 * total - lap;
  for (let i = 0; i < legs.length; i++) {
    const leg = legs[i]!;
    if (d <= leg || i === legs.length - 1) {
      const a = route[i]!;
      const b = route[i + 1]!;
      const f = leg === 0 ? 0 : Math.min(1, d / leg);
      return {
        ts,
        lat: Number((a.lat + (b.lat - a.lat) * f).toFixed(7)),
        lon: Number((a.lon + (b.lon - a.lon) * f).toFixed(7)),
        speed,
        heading: Math.round(forward ? bearing(a, b) : bearing(b, a)),
        accuracy: 5,
      };
    }
    d -= leg;
  }
  throw new Error("unreachable: a route has at least two points");
}

export function runSimulation(opts: { route: LatLon[]; speed: number; intervalMs: number; onFix: (fix: PositionFix) => void; signal: AbortSignal }): void {
  const started = Date.now();
  const tick = () => {
    const now = Date.now();
    opts.onFix(positionAlong(opts.route, ((now - started) / 1000) * opts.speed, opts.speed, now));
  };
  tick();
  const timer = setInterval(tick, opts.intervalMs);
  opts.signal.addEventListener("abort", () => clearInterval(timer), { once: true });
}

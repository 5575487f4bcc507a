/** WGS-84 geometry shared by the server (GPS quality) and the agent (simulated drives). */
export interface LatLon {
  lat: number;
  lon: number;
}

const EARTH_M = 6_371_000;
export const rad = (d: number) => (d * Math.PI) / 180;

/** Great-circle (haversine) distance in metres; ample for the few-km hops between fixes. */
export function distanceM(a: LatLon, b: LatLon): number {
  const dLat = rad(b.lat - a.lat);
  const dLon = rad(b.lon - a.lon);
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(rad(a.lat)) * Math.cos(rad(b.lat)) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

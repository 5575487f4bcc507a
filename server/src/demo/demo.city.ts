import { strToU8, zipSync } from "fflate";
import { distanceM, type LatLon } from "../../../protocol/index.ts";
import type { Random } from "./random.ts";

/** The generated city's centre: Jinan, where the project's examples live. */
export const CITY_CENTRE: LatLon = { lat: 36.6512, lon: 117.1201 };

const metresToLat = (m: number) => m / 111_320;
const metresToLon = (m: number, lat: number) => m / (111_320 * Math.cos((lat * Math.PI) / 180));

/** A wandering line from near the centre outwards: `legs` legs of 500–900 m, turning a little each time. */
export function wanderingLine(random: Random, legs: number, from: LatLon = CITY_CENTRE): LatLon[] {
  let heading = random.between(0, 2 * Math.PI);
  const points = [{ lat: from.lat + metresToLat(random.between(-800, 800)), lon: from.lon + metresToLon(random.between(-800, 800), from.lat) }];
  for (let i = 0; i < legs; i++) {
    heading += random.between(-0.6, 0.6);
    const d = random.between(500, 900);
    const last = points.at(-1)!;
    points.push({ lat: last.lat + metresToLat(d * Math.cos(heading)), lon: last.lon + metresToLon(d * Math.sin(heading), last.lat) });
  }
  return points.map((p) => ({ lat: Number(p.lat.toFixed(6)), lon: Number(p.lon.toFixed(6)) }));
}

const hms = (s: number) => [Math.floor(s / 3600), Math.floor((s % 3600) / 60), Math.floor(s % 60)].map((n) => String(n).padStart(2, "0")).join(":");
const csv = (rows: (string | number)[][]) => rows.map((r) => r.join(",")).join("\n") + "\n";

/**
 * A small bus network as a GTFS feed: `routes` routes, each a wandering line
 * with a stop every leg, run both ways at 7 m/s, standing 20 s at each stop,
 * round the clock: a generated city never sleeps, so the demo's buses find
 * their trips on the road at any hour (demo.schedule.ts), as many at once as
 * the fleet has buses for the line. The demo imports it as it would an
 * operator's feed, so the generated city and a real one take the same path.
 */
export function generatedCityFeed(random: Random, opts: { routes?: number; buses?: number } = {}): Uint8Array {
  const routes = opts.routes ?? 5;
  // Buses a line gets, and one more, so a bus ending its trip finds the next departure near.
  const perLine = Math.ceil((opts.buses ?? 20) / routes) + 1;
  const stops: (string | number)[][] = [["stop_id", "stop_name", "stop_lat", "stop_lon"]];
  const routeRows: (string | number)[][] = [["route_id", "agency_id", "route_short_name", "route_long_name", "route_type", "route_color"]];
  const trips: (string | number)[][] = [["route_id", "service_id", "trip_id", "trip_headsign", "direction_id", "shape_id"]];
  const times: (string | number)[][] = [["trip_id", "arrival_time", "departure_time", "stop_id", "stop_sequence"]];
  const shapes: (string | number)[][] = [["shape_id", "shape_pt_lat", "shape_pt_lon", "shape_pt_sequence"]];
  const colours = ["1d4ed8", "b91c1c", "047857", "a16207", "7c3aed", "0e7490", "be185d", "4d7c0f"];
  for (let r = 1; r <= routes; r++) {
    const route = `K${r}`;
    const line = wanderingLine(random, random.int(7, 11));
    routeRows.push([route, "demo", route, `Demo line ${r}`, 3, colours[(r - 1) % colours.length]!]);
    line.forEach((p, i) => stops.push([`${route}-S${i + 1}`, `${route} stop ${i + 1}`, p.lat, p.lon]));
    const runTime = line.slice(1).reduce((s, p, i) => s + distanceM(line[i]!, p) / 7, 0) + 20 * (line.length - 2);
    // Both ways together have 2 × runTime / headway trips on the road: enough for the line's buses, every 3 to 12 minutes.
    const headway = Math.round(Math.min(12 * 60, Math.max(3 * 60, (2 * runTime) / perLine)));
    for (const direction of [0, 1]) {
      const path = direction === 0 ? line : [...line].reverse();
      const shapeId = `${route}-${direction}`;
      path.forEach((p, i) => shapes.push([shapeId, p.lat, p.lon, i]));
      const stopIds = line.map((_, i) => `${route}-S${i + 1}`);
      const order = direction === 0 ? stopIds : [...stopIds].reverse();
      for (let start = r * 120; start < 24 * 3600; start += headway) {
        const tripId = `${route}-${direction}-${hms(start).replace(/:/g, "")}`;
        trips.push([route, "daily", tripId, direction === 0 ? `${route} outbound` : `${route} inbound`, direction, shapeId]);
        let at = start;
        order.forEach((stop, i) => {
          if (i > 0) at += distanceM(path[i - 1]!, path[i]!) / 7;
          // Buses stand 20 s at each stop between the ends.
          const dwell = i > 0 && i < order.length - 1 ? 20 : 0;
          times.push([tripId, hms(at), hms(at + dwell), stop, i]);
          at += dwell;
        });
      }
    }
  }
  return zipSync({
    "agency.txt": strToU8(csv([["agency_id", "agency_name", "agency_url", "agency_timezone"], ["demo", "Demo City Bus", "https://example.org", "Asia/Shanghai"]])),
    "routes.txt": strToU8(csv(routeRows)),
    "stops.txt": strToU8(csv(stops)),
    "trips.txt": strToU8(csv(trips)),
    "stop_times.txt": strToU8(csv(times)),
    "shapes.txt": strToU8(csv(shapes)),
    "calendar.txt": strToU8(csv([["service_id", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "start_date", "end_date"], ["daily", 1, 1, 1, 1, 1, 1, 1, "20240101", "20991231"]])),
  });
}

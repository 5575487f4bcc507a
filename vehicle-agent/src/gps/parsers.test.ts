import { describe, expect, it } from "vitest";
import { readCsvTrack, parseCsvLines } from "./csv.ts";
import { fixFromGpsdLine, parseGpsdAddress } from "./gpsd.ts";
import { parseGeoJson } from "./geojson.ts";
import { parseGpx } from "./gpx.ts";
import { distanceM, parsePolyline, positionAlong } from "./simulate.ts";
import { TrackError } from "./track.ts";
import { sharedDataFile } from "../../test/shared-data.ts";

const AUSTIN = sharedDataFile("austin-bus-positions-2016-12-16.csv");
const timing = { start: Date.UTC(2026, 10, 28), intervalMs: 1000 };

describe("CSV tracks", () => {
  it("reads the Austin format for one bus, with its trips, in time order", () => {
    const { points, vehicles } = parseCsvLines(
      [
        "vehicle_id,timestamp,speed,route_id,trip_id,latitude,longitude,trip_headsign",
        "8948,2016-12-16T05:35:59-06:00,11.176,1,1669511,30.423733,-97.66966,1-Metric/South Congress-SB",
        "5009,2016-12-16T05:35:00-06:00,3,7,1669000,30.1,-97.7,7-Duval-NB",
        "8948,2016-12-16T05:34:02-06:00,5.36448,1,1669511,30.417875,-97.66703,1-Metric/South Congress-SB",
        "8948,2016-12-16T05:50:02-06:00,0,1,1669600,30.41,-97.66,1-Metric/South Congress-NB",
      ],
      "8948",
    );
    expect(vehicles.sort()).toEqual(["5009", "8948"]);
    expect(points).toEqual([
      { ts: Date.parse("2016-12-16T11:34:02Z"), lat: 30.417875, lon: -97.66703, speed: 5.36448, trip: { key: "1669511", routeId: "1", direction: "1-Metric/South Congress-SB" } },
      { ts: Date.parse("2016-12-16T11:35:59Z"), lat: 30.423733, lon: -97.66966, speed: 11.176, trip: { key: "1669511", routeId: "1", direction: "1-Metric/South Congress-SB" } },
      { ts: Date.parse("2016-12-16T11:50:02Z"), lat: 30.41, lon: -97.66, speed: 0, trip: { key: "1669600", routeId: "1", direction: "1-Metric/South Congress-NB" } },
    ]);
  });

  it("reads a simple ts,lat,lon file with or without a header, in ms, seconds or ISO time", () => {
    const headed = parseCsvLines(["ts,lat,lon", "1764300000000,36.65,117.12", "1764300001000,36.651,117.121"]).points;
    const bare = parseCsvLines(["1764300000,36.65,117.12", "2025-11-28T03:20:01Z,36.651,117.121"]).points;
    expect(headed).toEqual([
      { ts: 1764300000000, lat: 36.65, lon: 117.12 },
      { ts: 1764300001000, lat: 36.651, lon: 117.121 },
    ]);
    expect(bare).toEqual(headed);
  });

  it("keeps one fix per timestamp, since the server keys fixes on (vehicle, ts)", () => {
    expect(parseCsvLines(["ts,lat,lon", "1764300000000,1,1", "1764300000000,2,2"]).points).toHaveLength(1);
  });

  it("names the line of a row without coordinates", () => {
    expect(() => parseCsvLines(["ts,lat,lon", "1764300000000,1,1", "1764300001000,,2"])).toThrow(/line 3/);
  });

  it.skipIf(!AUSTIN)("replays one real bus of the Austin file: every fix of that bus and none of another", async () => {
    const points = await readCsvTrack(AUSTIN!, "5009");
    expect(points).toHaveLength(252);
    expect(points.every((p, i) => i === 0 || p.ts > points[i - 1]!.ts)).toBe(true);
    expect(new Set(points.map((p) => p.trip?.key))).toEqual(new Set(["1688982", "1688988", "1688997", "1688998", "1689126"]));
    expect(points[0]).toMatchObject({ ts: Date.parse("2016-12-16T06:40:47Z"), trip: { key: "1688997", routeId: "801", direction: "801 TECH RIDGE" } });
    expect(points.every((p) => p.lat > 30 && p.lat < 31 && p.lon > -98 && p.lon < -97)).toBe(true);
  });

  it.skipIf(!AUSTIN)("asks which bus to replay when a fleet file is given without --vehicle-filter, and names a missing one", async () => {
    await expect(readCsvTrack(AUSTIN!)).rejects.toThrow(/--vehicle-filter/);
    await expect(readCsvTrack(AUSTIN!, "no-such-bus")).rejects.toThrow(TrackError);
  });
});

describe("GPX and GeoJSON tracks", () => {
  it("reads GPX track points with their times", () => {
    const gpx = `<?xml version="1.0"?><gpx version="1.1"><trk><trkseg>
      <trkpt lat="36.6512" lon="117.1201"><ele>30</ele><time>2026-11-28T01:00:05Z</time></trkpt>
      <trkpt lon="117.1210" lat="36.6520"><time>2026-11-28T01:00:00Z</time></trkpt>
    </trkseg></trk></gpx>`;
    expect(parseGpx(gpx, timing)).toEqual([
      { ts: Date.parse("2026-11-28T01:00:00Z"), lat: 36.652, lon: 117.121 },
      { ts: Date.parse("2026-11-28T01:00:05Z"), lat: 36.6512, lon: 117.1201 },
    ]);
  });

  it("spaces a GPX route without times one interval apart", () => {
    const gpx = `<gpx><rte><rtept lat="1" lon="2"/><rtept lat="1.001" lon="2.001"/></rte></gpx>`;
    expect(parseGpx(gpx, timing).map((p) => p.ts - timing.start)).toEqual([0, 1000]);
    expect(() => parseGpx("<gpx></gpx>", timing)).toThrow(TrackError);
  });

  it("reads a GeoJSON LineString with coordTimes, and Point features with times", () => {
    const line = {
      type: "Feature",
      properties: { coordTimes: ["2026-11-28T01:00:00Z", "2026-11-28T01:00:10Z"] },
      geometry: { type: "LineString", coordinates: [[117.12, 36.65], [117.121, 36.651, 12]] },
    };
    expect(parseGeoJson(JSON.stringify(line), timing)).toEqual([
      { ts: Date.parse("2026-11-28T01:00:00Z"), lat: 36.65, lon: 117.12 },
      { ts: Date.parse("2026-11-28T01:00:10Z"), lat: 36.651, lon: 117.121 },
    ]);
    const points = {
      type: "FeatureCollection",
      features: [
        { type: "Feature", properties: { time: 1764300010000, speed: 4 }, geometry: { type: "Point", coordinates: [2, 1] } },
        { type: "Feature", properties: { time: "2025-11-28T03:20:00Z" }, geometry: { type: "Point", coordinates: [2.1, 1.1] } },
      ],
    };
    expect(parseGeoJson(JSON.stringify(points), timing)).toEqual([
      { ts: 1764300000000, lat: 1.1, lon: 2.1 },
      { ts: 1764300010000, lat: 1, lon: 2, speed: 4 },
    ]);
  });

  it("spaces a bare LineString one interval apart and refuses what is not a track", () => {
    const bare = { type: "LineString", coordinates: [[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]] };
    expect(parseGeoJson(JSON.stringify(bare), timing).map((p) => [p.ts - timing.start, p.lat])).toEqual([
      [0, 0.2],
      [1000, 0.4],
      [2000, 0.6],
    ]);
    expect(() => parseGeoJson("{nope", timing)).toThrow(TrackError);
    expect(() => parseGeoJson(JSON.stringify({ type: "Polygon", coordinates: [] }), timing)).toThrow(TrackError);
  });
});

describe("gpsd and the simulated route", () => {
  it("takes TPV reports with a 2D/3D fix and ignores the rest of gpsd's stream", () => {
    expect(
      fixFromGpsdLine('{"class":"TPV","device":"/dev/ttyACM0","mode":3,"time":"2026-11-28T01:00:00.000Z","lat":36.65,"lon":117.12,"speed":8.3,"track":270.5,"eph":4.2}'),
    ).toEqual({ ts: Date.parse("2026-11-28T01:00:00Z"), lat: 36.65, lon: 117.12, speed: 8.3, heading: 270.5, accuracy: 4.2 });
    expect(fixFromGpsdLine('{"class":"TPV","mode":1,"time":"2026-11-28T01:00:00.000Z"}')).toBeNull();
    expect(fixFromGpsdLine('{"class":"SKY","satellites":[]}')).toBeNull();
    expect(fixFromGpsdLine("not json")).toBeNull();
    expect(parseGpsdAddress("")).toEqual({ host: "127.0.0.1", port: 2947 });
    expect(parseGpsdAddress("10.0.0.2:3000")).toEqual({ host: "10.0.0.2", port: 3000 });
  });

  it("drives along the polyline at the given speed and turns back at its end", () => {
    const route = parsePolyline("36.65,117.12;36.66,117.12")!;
    const length = distanceM(route[0]!, route[1]!);
    const halfway = positionAlong(route, length / 2, 10, 0);
    expect(halfway.lat).toBeCloseTo(36.655, 4);
    expect(halfway.heading).toBe(0);
    const back = positionAlong(route, length * 1.25, 10, 0);
    expect(back.lat).toBeCloseTo(36.6575, 4);
    expect(back.heading).toBe(180);
    expect(parsePolyline("36.65,117.12")).toBeNull();
    expect(parsePolyline("95,0;0,0")).toBeNull();
  });
});

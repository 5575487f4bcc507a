import { describe, expect, it } from "vitest";
import { outOfChina, projectionFor, wgs84ToGcj02 } from "./gcj02.ts";

/** Published vectors from eviltransform's test suites (googollee/eviltransform, go/transform_test.go). */
const vectors: [place: string, wgsLat: number, wgsLon: number, gcjLat: number, gcjLon: number][] = [
  ["Shanghai", 31.1774276, 121.5272106, 31.17530398364597, 121.531541859215],
  ["Shenzhen", 22.543847, 113.912316, 22.540796131694766, 113.9171764808363],
  ["Beijing", 39.911954, 116.377817, 39.91334545536069, 116.38404722455657],
];

describe("WGS-84 to GCJ-02 for Chinese tiles", () => {
  it.each(vectors)("moves a point in %s exactly as the published conversion does", (_place, lat, lon, gLat, gLon) => {
    const [cLat, cLon] = wgs84ToGcj02(lat, lon);
    expect(cLat).toBeCloseTo(gLat, 9);
    expect(cLon).toBeCloseTo(gLon, 9);
  });

  it("moves a point in Jinan by a few hundred metres, as a tracer's map would otherwise be off by", () => {
    const [lat, lon] = wgs84ToGcj02(36.6512, 117.1201);
    const metres = Math.hypot((lat - 36.6512) * 111_000, (lon - 117.1201) * 111_000 * Math.cos((36.65 * Math.PI) / 180));
    expect(metres).toBeGreaterThan(200);
    expect(metres).toBeLessThan(800);
  });

  it("leaves points outside China where they are", () => {
    expect(outOfChina(52.52, 13.405)).toBe(true);
    expect(wgs84ToGcj02(52.52, 13.405)).toEqual([52.52, 13.405]);
    expect(wgs84ToGcj02(30.2672, -97.7431)).toEqual([30.2672, -97.7431]);
  });

  it("is what the map applies with TILE_CRS=gcj02, and nothing is moved with wgs84", () => {
    expect(projectionFor("gcj02")(31.1774276, 121.5272106)).toEqual(wgs84ToGcj02(31.1774276, 121.5272106));
    expect(projectionFor("wgs84")(31.1774276, 121.5272106)).toEqual([31.1774276, 121.5272106]);
  });
});

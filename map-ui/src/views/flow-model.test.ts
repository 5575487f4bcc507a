import { describe, expect, it } from "vitest";
import { readFlow, readPlaces } from "./flow-model.ts";

describe("reading GET /api/v1/flow for the chart", () => {
  it("makes one series per route, hours in order, busiest route first", () => {
    const series = readFlow({
      groupBy: "route",
      rows: [
        { hour: "2026-11-27T09:00:00.000Z", key: "K51", plate: null, boardings: 4 },
        { hour: "2026-11-27T08:00:00.000Z", key: "K51", plate: null, boardings: 3 },
        { hour: "2026-11-27T08:00:00.000Z", key: "B2", plate: null, boardings: 1 },
        { hour: "2026-11-27T08:00:00.000Z", key: null, plate: null, boardings: 2 },
      ],
    });
    expect(series.map((s) => [s.key, s.total])).toEqual([["K51", 7], ["—", 2], ["B2", 1]]);
    expect(series[0]!.points.map((p) => p.boardings)).toEqual([3, 4]);
  });

  it("names vehicles by plate when grouped by vehicle", () => {
    const [s] = readFlow({ groupBy: "vehicle", rows: [{ hour: "2026-11-27T08:00:00Z", key: "0193-…", plate: "鲁A·12345", boardings: 5 }] });
    expect(s).toMatchObject({ key: "鲁A·12345", total: 5 });
  });

  it("reads boarding places when the response carries them, and none otherwise", () => {
    expect(readPlaces({ places: [{ lat: 36.6, lon: 117.1, boardings: 3 }] })).toEqual([{ lat: 36.6, lon: 117.1, weight: 3 }]);
    expect(readPlaces({ rows: [] })).toEqual([]);
  });
});

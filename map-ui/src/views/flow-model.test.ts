import { describe, expect, it } from "vitest";
import { countTicks, hourlyStacks, readFlow } from "./flow-model.ts";

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
});

describe("the flow chart's bars and ticks", () => {
  it("draws every hour from the first to the last, an empty hour as zero, stacked per series", () => {
    const series = readFlow({
      groupBy: "route",
      rows: [
        { hour: "2026-11-27T08:00:00.000Z", key: "K51", plate: null, boardings: 3 },
        { hour: "2026-11-27T11:00:00.000Z", key: "K51", plate: null, boardings: 1 },
        { hour: "2026-11-27T08:00:00.000Z", key: "B2", plate: null, boardings: 2 },
      ],
    });
    const stacks = hourlyStacks(series);
    expect(stacks.map((s) => new Date(s.t).toISOString().slice(11, 13))).toEqual(["08", "09", "10", "11"]);
    expect(stacks.map((s) => s.values)).toEqual([[3, 2], [0, 0], [0, 0], [1, 0]]);
    expect(stacks.map((s) => s.total)).toEqual([5, 0, 0, 1]);
    expect(hourlyStacks([])).toEqual([]);
  });

  it.each([
    [0, [0, 1]],
    [1, [0, 1]],
    [3, [0, 1, 2, 3]],
    [5, [0, 1, 2, 3, 4, 5]],
    [9, [0, 2, 4, 6, 8, 10]],
    [10, [0, 2, 4, 6, 8, 10]],
    [23, [0, 5, 10, 15, 20, 25]],
    [140, [0, 50, 100, 150]],
    [1000, [0, 200, 400, 600, 800, 1000]],
  ])("gives whole, evenly stepped y ticks covering %i", (max, ticks) => {
    expect(countTicks(max)).toEqual(ticks);
  });
});

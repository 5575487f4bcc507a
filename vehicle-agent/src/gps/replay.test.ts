import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { tripMessage, type PositionFix } from "../../../protocol/index.ts";
import { openOutbox, type Outbox } from "../outbox/outbox.ts";
import { createTrips } from "../trips/trips.ts";
import { replayShift, runReplay } from "./replay.ts";
import type { TrackPoint } from "./track.ts";

const HOUR = 3_600_000;
const track = (n: number, spacingMs: number, tripEvery = Infinity): TrackPoint[] =>
  Array.from({ length: n }, (_, i) => ({
    ts: Date.UTC(2016, 11, 16, 6) + i * spacingMs,
    lat: 30 + i / 1000,
    lon: -97,
    ...(Number.isFinite(tripEvery) ? { trip: { key: `t${Math.floor(i / tripEvery)}`, routeId: "801" } } : {}),
  }));

describe("replay", () => {
  let dir: string;
  let outbox: Outbox;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), "replay-"));
    outbox = openOutbox(path.join(dir, "agent.sqlite"));
  });
  afterEach(() => {
    outbox.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("never stamps a fix later than the clock that sends it, and keeps the real spacing", () => {
    const points = track(100, 120_000); // about 3 h 20 min
    const startedAt = Date.UTC(2026, 10, 28, 8);
    for (const speed of [1, 10, 600]) {
      const shift = replayShift(points, startedAt, speed, false);
      for (const p of points) {
        const sentAt = startedAt + (p.ts - points[0]!.ts) / speed;
        expect(p.ts + shift).toBeLessThanOrEqual(sentAt);
      }
      // At real speed the track starts now; faster, its last fix is sent the moment it is stamped.
      if (speed === 1) expect(points[0]!.ts + shift).toBe(startedAt);
      else expect(points.at(-1)!.ts + shift).toBe(startedAt + (points.at(-1)!.ts - points[0]!.ts) / speed);
    }
    expect(replayShift(points, startedAt, 10, true)).toBe(0);
    expect(Math.abs(replayShift(points, startedAt, 1, false) - (startedAt - points[0]!.ts))).toBeLessThan(HOUR * 24 * 365 * 20);
  });

  async function replay(points: TrackPoint[], opts: { stopAfter?: number; again?: boolean } = {}) {
    const trips = createTrips({ outbox });
    const abort = new AbortController();
    const recorded: PositionFix[] = [];
    const outcome = await runReplay({
      points,
      source: "test.csv#",
      speed: 1e9,
      keepTime: false,
      loop: false,
      again: opts.again ?? false,
      outbox,
      trips,
      record: (fix) => {
        outbox.add("position", fix);
        recorded.push(fix);
      },
      afterRecord: () => {
        if (opts.stopAfter !== undefined && recorded.length >= opts.stopAfter) abort.abort();
      },
      signal: abort.signal,
    });
    return { outcome, recorded };
  }

  const tripEvents = () =>
    outbox
      .otherMessages(100)
      .filter((m) => m.channel === "trip")
      .map((m) => tripMessage.parse(JSON.parse(m.payload)));

  it("opens and closes the file's own trips: a new trip key ends the open trip at the previous fix", async () => {
    const { recorded } = await replay(track(9, 1000, 3));
    const events = tripEvents();
    expect(events.map((e) => e.event)).toEqual(["start", "end", "start", "end", "start", "end"]);
    expect(events.map((e) => e.ts)).toEqual([0, 2, 3, 5, 6, 8].map((i) => recorded[i]!.ts));
    expect(events[0]).toMatchObject({ routeId: "801" });
    expect(events[1]!.tripId).toBe(events[0]!.tripId);
  });

  it("gives a bus that comes back to a trip key after another trip a second trip: a vehicle's trips never overlap", async () => {
    const keys = ["A", "A", "B", "B", "A", "A"];
    const points = track(keys.length, 1000).map((p, i) => ({ ...p, trip: { key: keys[i]! } }));
    const { recorded } = await replay(points);
    const events = tripEvents();
    expect(events.map((e) => `${e.event} ${e.event === "start" ? e.orderRef : ""}`.trim())).toEqual(["start A", "end", "start B", "end", "start A", "end"]);
    expect(new Set(events.map((e) => e.tripId)).size).toBe(3);
    expect(events.map((e) => e.ts)).toEqual([0, 1, 2, 3, 4, 5].map((i) => recorded[i]!.ts));
  });

  it("resumes after a stop at the next fix with the same times, and does not replay a finished file twice", async () => {
    // More than one group of 500: the stop comes before the end whatever the clock does.
    const points = track(700, 1000, 250);
    const first = await replay(points, { stopAfter: 1 });
    expect(first.outcome).toBe("stopped");
    expect(first.recorded.length).toBeLessThan(points.length);
    const second = await replay(points);
    expect(second.outcome).toBe("done");
    const all = [...first.recorded, ...second.recorded];
    expect(all).toHaveLength(points.length);
    expect(all.map((f) => f.ts - all[0]!.ts)).toEqual(points.map((p) => p.ts - points[0]!.ts));
    expect(tripEvents().filter((e) => e.event === "start")).toHaveLength(3);

    expect((await replay(points)).outcome).toBe("already-done");
    expect((await replay(points, { again: true })).recorded).toHaveLength(points.length);
  });
});

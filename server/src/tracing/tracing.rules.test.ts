import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { TestApp } from "../../test/harness.ts";
import { tracingTestApp, type Scenario } from "./fixtures.ts";

/*
 * DESIGN §7, one rule or edge per case. Times are minutes after T0; each case
 * builds its rows, traces P over the day, and reads segments and contacts back
 * in the scenario's names.
 */
const T0 = new Date("2026-11-27T08:00:00Z");

let t: TestApp;
let s: Scenario;
let tracer: Record<string, string>;
beforeAll(async () => {
  ({ t, s, tracer } = await tracingTestApp({ now: "2026-11-28T08:00:00Z", t0: T0 }));
});
afterAll(() => t.close());
beforeEach(async () => {
  await s.clear();
  t.clock.set("2026-11-28T08:00:00Z");
});

const minute = (iso: string) => Math.round(((Date.parse(iso) - T0.getTime()) / 60_000) * 100) / 100;

async function traceP(opts: { depth?: 1 | 2; minOverlapMinutes?: number } = {}) {
  const res = await t.call(
    "POST",
    "/api/v1/traces",
    { personId: s.id("P"), from: s.at(-60).toISOString(), to: s.at(24 * 60).toISOString(), reason: "case 2026-114", ...opts },
    tracer,
  );
  expect(res.status, res.text).toBe(201);
  return {
    segments: res.json.segments.map((g: { checkinId: string; vehicleId: string; tripId: string | null; from: string; to: string; alightEstimated: boolean }) => ({
      checkin: s.nameOf(g.checkinId),
      vehicle: s.nameOf(g.vehicleId),
      trip: g.tripId ? s.nameOf(g.tripId) : null,
      from: minute(g.from),
      to: minute(g.to),
      estimated: g.alightEstimated,
    })),
    contacts: res.json.contacts.map((c: { personId: string | null; driverId: string | null; role: string; depth: number; vehicleId: string; from: string; to: string; overlapMinutes: number }) => ({
      who: c.personId ? s.nameOf(c.personId) : c.driverId,
      role: c.role,
      depth: c.depth,
      vehicle: s.nameOf(c.vehicleId),
      from: minute(c.from),
      to: minute(c.to),
      minutes: c.overlapMinutes,
    })),
  };
}

async function people(...names: string[]) {
  for (const n of names) await s.person(n);
}

describe("a check-in's time on board", () => {
  it("ends at the passenger's own alight, and is then not estimated", async () => {
    await s.vehicle("bus1");
    await people("P", "Q");
    await s.trip("run1", "bus1", 0, 60);
    await s.checkin("p1", "P", "bus1", 5, { alight: 20 });
    await s.checkin("q1", "Q", "bus1", 10);
    const r = await traceP();
    expect(r.segments).toEqual([{ checkin: "p1", vehicle: "bus1", trip: "run1", from: 5, to: 20, estimated: false }]);
    expect(r.contacts).toEqual([{ who: "Q", role: "passenger", depth: 1, vehicle: "bus1", from: 10, to: 20, minutes: 10 }]);
  });

  it("ends at the end of the trip that was open when they boarded, estimated", async () => {
    await s.vehicle("bus1");
    await people("P");
    await s.trip("run1", "bus1", 0, 40);
    await s.checkin("p1", "P", "bus1", 5);
    expect((await traceP()).segments).toEqual([{ checkin: "p1", vehicle: "bus1", trip: "run1", from: 5, to: 40, estimated: true }]);
  });

  it("attaches a scan made 90 s before the trip starts to that trip", async () => {
    await s.vehicle("bus1");
    await people("P");
    await s.trip("run1", "bus1", 10, 50);
    await s.checkin("p1", "P", "bus1", 8.5);
    expect((await traceP()).segments).toEqual([{ checkin: "p1", vehicle: "bus1", trip: "run1", from: 8.5, to: 50, estimated: true }]);
  });

  it("does not attach a scan made 3 minutes before the trip starts: that rider gets the default hour", async () => {
    await s.vehicle("bus1");
    await people("P");
    await s.trip("run1", "bus1", 10, 30);
    await s.checkin("p1", "P", "bus1", 7);
    expect((await traceP()).segments).toEqual([{ checkin: "p1", vehicle: "bus1", trip: null, from: 7, to: 67, estimated: true }]);
  });

  it("prefers the trip about to start over the one ending, for a scan in the grace window", async () => {
    await s.vehicle("bus1");
    await people("P");
    await s.trip("run1", "bus1", 0, 30);
    await s.trip("run2", "bus1", 31, 70);
    await s.checkin("p1", "P", "bus1", 29.5);
    expect((await traceP()).segments).toEqual([{ checkin: "p1", vehicle: "bus1", trip: "run2", from: 29.5, to: 70, estimated: true }]);
  });

  it("gives a rider with no open trip DEFAULT_RIDE (60 minutes)", async () => {
    await s.vehicle("taxi1", "taxi");
    await people("P");
    await s.trip("old", "taxi1", -30, -10);
    await s.checkin("p1", "P", "taxi1", 0);
    expect((await traceP()).segments).toEqual([{ checkin: "p1", vehicle: "taxi1", trip: null, from: 0, to: 60, estimated: true }]);
  });

  it("caps a ride at the passenger's next check-in on any vehicle", async () => {
    await s.vehicle("bus1");
    await s.vehicle("taxi1", "taxi");
    await people("P");
    await s.trip("run1", "bus1", 0, 60);
    await s.checkin("p1", "P", "bus1", 5);
    await s.checkin("p2", "P", "taxi1", 25, { alight: 40 });
    expect((await traceP()).segments).toEqual([
      { checkin: "p1", vehicle: "bus1", trip: "run1", from: 5, to: 25, estimated: true },
      { checkin: "p2", vehicle: "taxi1", trip: null, from: 25, to: 40, estimated: false },
    ]);
  });

  it("counts a trip that is still open as open until now", async () => {
    t.clock.set(s.at(30));
    await s.vehicle("bus1");
    await people("P");
    await s.trip("run1", "bus1", 0, null);
    await s.checkin("p1", "P", "bus1", 5);
    expect((await traceP()).segments).toEqual([{ checkin: "p1", vehicle: "bus1", trip: "run1", from: 5, to: 30, estimated: true }]);
  });

  it("ends an open trip whose end never came where the vehicle's next trip starts", async () => {
    await s.vehicle("bus1");
    await people("P");
    await s.trip("run1", "bus1", 0, null);
    await s.trip("run2", "bus1", 40, 80);
    await s.checkin("p1", "P", "bus1", 5);
    expect((await traceP()).segments).toEqual([{ checkin: "p1", vehicle: "bus1", trip: "run1", from: 5, to: 40, estimated: true }]);
  });

  it("ignores an alight recorded before the boarding", async () => {
    await s.vehicle("bus1");
    await people("P");
    await s.trip("run1", "bus1", 0, 30);
    await s.checkin("p1", "P", "bus1", 5, { alight: 4 });
    expect((await traceP()).segments).toEqual([{ checkin: "p1", vehicle: "bus1", trip: "run1", from: 5, to: 30, estimated: true }]);
  });
});

describe("contacts", () => {
  it("finds fellow passengers of the same vehicle with the overlap of their time on board", async () => {
    await s.vehicle("bus1");
    await s.vehicle("bus2");
    await people("P", "Q", "R", "S");
    await s.trip("run1", "bus1", 0, 60);
    await s.trip("run9", "bus2", 0, 60);
    await s.checkin("p1", "P", "bus1", 10, { alight: 30 });
    await s.checkin("q1", "Q", "bus1", 0, { alight: 15 });
    await s.checkin("r1", "R", "bus2", 10); // another vehicle at the same time
    await s.checkin("s1", "S", "bus1", 31); // same vehicle, after P left
    expect((await traceP()).contacts).toEqual([{ who: "Q", role: "passenger", depth: 1, vehicle: "bus1", from: 10, to: 15, minutes: 5 }]);
  });

  it("puts the trip's driver in contact for the overlap of the ride with the trip", async () => {
    await s.vehicle("bus1");
    await people("P");
    await s.trip("run1", "bus1", 10, 50, "driver-7");
    await s.checkin("p1", "P", "bus1", 8.5, { alight: 30 });
    expect((await traceP()).contacts).toEqual([{ who: "driver-7", role: "driver", depth: 1, vehicle: "bus1", from: 10, to: 30, minutes: 20 }]);
  });

  it("keeps an overlap of exactly minOverlapMinutes and drops a shorter one", async () => {
    await s.vehicle("bus1");
    await people("P", "Q", "R");
    await s.checkin("p1", "P", "bus1", 0, { alight: 20 });
    await s.checkin("q1", "Q", "bus1", 19, { alight: 40 }); // 1 minute together
    await s.checkin("r1", "R", "bus1", 5, { alight: 20 }); // 15 minutes together
    expect((await traceP()).contacts.map((c: { who: string }) => c.who)).toEqual(["R", "Q"]);
    expect((await traceP({ minOverlapMinutes: 15 })).contacts).toEqual([{ who: "R", role: "passenger", depth: 1, vehicle: "bus1", from: 5, to: 20, minutes: 15 }]);
    expect((await traceP({ minOverlapMinutes: 15.5 })).contacts).toEqual([]);
  });

  it("does not list the case as their own contact, even on two check-ins of one ride", async () => {
    await s.vehicle("bus1");
    await people("P");
    await s.checkin("p1", "P", "bus1", 0);
    await s.checkin("p2", "P", "bus1", 10);
    expect((await traceP()).contacts).toEqual([]);
  });
});

describe("depth 2", () => {
  it("follows a contact only after their first exposure", async () => {
    await s.vehicle("bus1");
    await s.vehicle("taxi1", "taxi");
    await people("P", "Q", "R", "S", "U");
    await s.trip("run1", "bus1", 0, 45);
    await s.checkin("r1", "R", "bus1", 0, { alight: 8 }); // met Q before Q was exposed
    await s.checkin("q1", "Q", "bus1", 5, { alight: 40 });
    await s.checkin("p1", "P", "bus1", 10, { alight: 30 });
    await s.checkin("s1", "S", "bus1", 35); // met Q after P left
    await s.checkin("q2", "Q", "taxi1", 60, { alight: 75 });
    await s.checkin("u1", "U", "taxi1", 70, { alight: 90 });
    const r = await traceP({ depth: 2 });
    expect(r.contacts).toEqual([
      { who: "Q", role: "passenger", depth: 1, vehicle: "bus1", from: 10, to: 30, minutes: 20 },
      { who: "S", role: "passenger", depth: 2, vehicle: "bus1", from: 35, to: 40, minutes: 5 },
      { who: "U", role: "passenger", depth: 2, vehicle: "taxi1", from: 70, to: 75, minutes: 5 },
    ]);
    expect((await traceP({ depth: 1 })).contacts.map((c: { who: string }) => c.who)).toEqual(["Q"]);
  });

  it("follows an exposed driver to the passengers of the trips they drove next", async () => {
    await s.vehicle("bus1");
    await s.vehicle("bus2");
    await people("P", "W");
    await s.trip("run1", "bus1", 0, 30, "driver-7");
    await s.trip("run2", "bus2", 40, 80, "driver-7");
    await s.trip("early", "bus2", -100, -70, "driver-7");
    await s.checkin("p1", "P", "bus1", 10, { alight: 20 });
    await s.checkin("w1", "W", "bus2", 50, { alight: 60 });
    const r = await traceP({ depth: 2 });
    expect(r.contacts).toEqual([
      { who: "driver-7", role: "driver", depth: 1, vehicle: "bus1", from: 10, to: 20, minutes: 10 },
      { who: "W", role: "passenger", depth: 2, vehicle: "bus2", from: 50, to: 60, minutes: 10 },
    ]);
  });

  it("meets the driver of a contact's later trip at depth 2, and lists no one twice across depths", async () => {
    await s.vehicle("bus1");
    await s.vehicle("bus2");
    await people("P", "Q", "R");
    await s.trip("run1", "bus1", 0, 30);
    await s.trip("run2", "bus2", 40, 80, "driver-9");
    await s.checkin("p1", "P", "bus1", 5, { alight: 25 });
    await s.checkin("q1", "Q", "bus1", 5, { alight: 25 });
    await s.checkin("r1", "R", "bus1", 10, { alight: 25 }); // a depth-1 contact, and Q's fellow passenger too
    await s.checkin("q2", "Q", "bus2", 45, { alight: 55 });
    const r = await traceP({ depth: 2 });
    expect(r.contacts).toEqual([
      { who: "Q", role: "passenger", depth: 1, vehicle: "bus1", from: 5, to: 25, minutes: 20 },
      { who: "R", role: "passenger", depth: 1, vehicle: "bus1", from: 10, to: 25, minutes: 15 },
      { who: "driver-9", role: "driver", depth: 2, vehicle: "bus2", from: 45, to: 55, minutes: 10 },
    ]);
  });
});

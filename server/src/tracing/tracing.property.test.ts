import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestApp } from "../../test/harness.ts";
import { tracingTestApp, type Scenario } from "./fixtures.ts";

/*
 * The trace API against a brute-force reading of DESIGN §7 written here, apart
 * from the SQL: every check-in's interval computed by walking plain arrays.
 * Times are whole minutes after T0.
 */
const T0 = new Date("2026-11-27T08:00:00Z");
const GRACE = 2;
const DEFAULT_RIDE = 60;
const CAP = 24 * 60;

interface Trip { name: string; vehicle: string; start: number | null; end: number | null; driver: string | null }
interface Checkin { name: string; person: string; vehicle: string; b: number; alight: number | null }
interface World { trips: Trip[]; checkins: Checkin[]; now: number }
interface Row { role: string; who: string; depth: number; vehicle: string; from: number; to: number }
interface Segment { checkin: string; trip: string | null; from: number; to: number; estimated: boolean }

const VEHICLES = ["v0", "v1", "v2"];
const PEOPLE = ["P", "A", "B", "C", "D"];

/** Random small worlds: per vehicle a run of trips (gaps and lengths in minutes, some never ended), check-ins anywhere. */
const world: fc.Arbitrary<World> = fc
  .record({
    runs: fc.array(
      fc.array(fc.record({ gap: fc.integer({ min: 0, max: 40 }), len: fc.integer({ min: 1, max: 60 }), ended: fc.boolean(), driver: fc.constantFrom(null, "d1", "d2", "d3") }), { maxLength: 4 }),
      { minLength: VEHICLES.length, maxLength: VEHICLES.length },
    ),
    checkins: fc.array(
      fc.record({
        person: fc.constantFrom(...PEOPLE),
        vehicle: fc.constantFrom(...VEHICLES),
        b: fc.integer({ min: 0, max: 240 }),
        // Often board right at a trip's edge, where the grace window and trip ends decide.
        near: fc.option(fc.record({ trip: fc.nat(), edge: fc.constantFrom("start", "end"), offset: fc.integer({ min: -3, max: 2 }) }), { nil: null }),
        alight: fc.option(fc.integer({ min: -5, max: 90 }), { nil: null }),
      }),
      { minLength: 1, maxLength: 18 },
    ),
    now: fc.integer({ min: 30, max: 400 }),
  })
  .map(({ runs, checkins, now }) => {
    const trips: Trip[] = [];
    runs.forEach((run, v) => {
      let t = 0;
      run.forEach((r, k) => {
        const start = t + r.gap;
        t = start + r.len;
        trips.push({ name: `t${v}.${k}`, vehicle: VEHICLES[v]!, start, end: r.ended ? t : null, driver: r.driver });
      });
    });
    const edgeOf = (near: { trip: number; edge: string; offset: number } | null) => {
      const trip = near && trips.length ? trips[near.trip % trips.length]! : null;
      const at = trip ? (near!.edge === "start" ? trip.start : trip.end) : null;
      return at === null ? null : Math.max(0, at + near!.offset);
    };
    return {
      trips,
      checkins: checkins.map(({ near, ...c }, k) => {
        const b = edgeOf(near) ?? c.b;
        const vehicle = near && trips.length ? trips[near.trip % trips.length]!.vehicle : c.vehicle;
        return { person: c.person, vehicle, b, name: `c${k}`, alight: c.alight === null ? null : b + c.alight };
      }),
      now,
    };
  });

/** DESIGN §7, read plainly. */
function bruteForce(w: World, depth: 1 | 2, minOverlap: number, window: { from: number; to: number }): { segments: Segment[]; contacts: Row[] } {
  const tripEnd = (t: Trip) => {
    if (t.end !== null) return t.end;
    const later = w.trips.filter((o) => o.vehicle === t.vehicle && o.start !== null && o.start > t.start!).map((o) => o.start!);
    return Math.min(w.now, ...later);
  };
  const tripOf = (c: Checkin) => {
    const started = w.trips.filter((t) => t.vehicle === c.vehicle && t.start !== null && t.start <= c.b + GRACE);
    const latest = started.sort((x, y) => y.start! - x.start!)[0];
    return latest && tripEnd(latest) > c.b ? latest : null;
  };
  const interval = (c: Checkin) => {
    const trip = tripOf(c);
    const ends: number[] = [c.b + CAP];
    if (c.alight !== null && c.alight > c.b) ends.push(c.alight);
    if (trip) ends.push(tripEnd(trip));
    else ends.push(c.b + DEFAULT_RIDE);
    const next = w.checkins.filter((o) => o.person === c.person && o.b > c.b).map((o) => o.b);
    ends.push(...next);
    return { c, trip, b: c.b, a: Math.min(...ends) };
  };
  const all = w.checkins.map(interval);
  const rows: Row[] = [];
  const meet = (v: string, from: number, to: number, self: string | null, onlyTrip: Trip | null, depthOf: number, skip: Set<string>) => {
    for (const o of all) {
      if (o.c.vehicle !== v || o.c.person === self || skip.has(o.c.person)) continue;
      if (onlyTrip && o.trip !== onlyTrip) continue;
      const f = Math.max(from, o.b);
      const t = Math.min(to, o.a);
      if (t - f > 0 && t - f >= minOverlap) rows.push({ role: "passenger", who: o.c.person, depth: depthOf, vehicle: v, from: f, to: t });
    }
  };
  const driverOf = (trip: Trip | null, v: string, from: number, to: number, depthOf: number, skip: Set<string>) => {
    if (!trip?.driver || skip.has(trip.driver)) return;
    const f = Math.max(from, trip.start!);
    const t = Math.min(to, tripEnd(trip));
    if (t - f > 0 && t - f >= minOverlap) rows.push({ role: "driver", who: trip.driver, depth: depthOf, vehicle: v, from: f, to: t });
  };

  const index = all.filter((s) => s.c.person === "P" && s.b >= window.from && s.b < window.to);
  for (const s of index) {
    meet(s.c.vehicle, s.b, s.a, "P", null, 1, new Set());
    driverOf(s.trip, s.c.vehicle, s.b, s.a, 1, new Set());
  }
  const segments = index.map((x) => ({ checkin: x.c.name, trip: x.trip?.name ?? null, from: x.b, to: x.a, estimated: x.a !== x.c.alight }));
  if (depth === 1) return { segments, contacts: rows };

  const first = new Map<string, number>();
  for (const r of rows) first.set(`${r.role}:${r.who}`, Math.min(first.get(`${r.role}:${r.who}`) ?? Infinity, r.from));
  const skipPeople = new Set(["P", ...rows.filter((r) => r.role === "passenger").map((r) => r.who)]);
  const skipDrivers = new Set(rows.filter((r) => r.role === "driver").map((r) => r.who));
  for (const [key, e] of first) {
    const [role, who] = key.split(":") as [string, string];
    if (role === "passenger") {
      for (const s of all.filter((x) => x.c.person === who && x.b >= e - CAP && x.b < window.to && x.a > e)) {
        const from = Math.max(s.b, e);
        meet(s.c.vehicle, from, s.a, who, null, 2, skipPeople);
        driverOf(s.trip, s.c.vehicle, from, s.a, 2, skipDrivers);
      }
    } else {
      for (const t of w.trips.filter((x) => x.driver === who && x.start !== null && x.start < window.to && x.start >= e - CAP && tripEnd(x) > e)) {
        meet(t.vehicle, Math.max(t.start!, e), tripEnd(t), null, t, 2, skipPeople);
      }
    }
  }
  return { segments, contacts: rows };
}

let t: TestApp;
let s: Scenario;
let tracer: Record<string, string>;
beforeAll(async () => {
  ({ t, s, tracer } = await tracingTestApp({ now: "2026-11-28T08:00:00Z", t0: T0 }));
});
afterAll(() => t.close());

const WINDOW = { from: -60, to: 600 };
const sortRows = (rows: object[]) => rows.map((r) => JSON.stringify(r)).sort();

async function load(w: World) {
  await s.clear();
  for (const v of VEHICLES) await s.vehicle(v);
  for (const p of PEOPLE) await s.person(p);
  for (const tr of w.trips) await s.trip(tr.name, tr.vehicle, tr.start, tr.end, tr.driver);
  for (const c of w.checkins) await s.checkin(c.name, c.person, c.vehicle, c.b, c.alight === null ? {} : { alight: c.alight });
  t.clock.set(s.at(w.now));
}

async function trace(depth: 1 | 2, minOverlapMinutes: number) {
  const res = await t.call(
    "POST",
    "/api/v1/traces",
    { personId: s.id("P"), from: s.at(WINDOW.from).toISOString(), to: s.at(WINDOW.to).toISOString(), reason: "property", depth, minOverlapMinutes },
    tracer,
  );
  expect(res.status, res.text).toBe(201);
  return res.json as {
    segments: { checkinId: string; tripId: string | null; from: string; to: string; alightEstimated: boolean }[];
    contacts: { role: string; personId: string | null; driverId: string | null; depth: number; vehicleId: string; from: string; to: string; overlapMinutes: number }[];
  };
}

const minute = (iso: string) => (Date.parse(iso) - T0.getTime()) / 60_000;

describe("the trace API agrees with a brute-force reading of DESIGN §7", () => {
  it("on random fleets, trips and check-ins: the same contacts, intervals and overlap minutes", async () => {
    await fc.assert(
      fc.asyncProperty(world, fc.constantFrom<1 | 2>(1, 2), fc.constantFrom(0, 1, 5, 15), async (w, depth, minOverlap) => {
        await load(w);
        const got = await trace(depth, minOverlap);
        for (const c of got.contacts) expect(c.overlapMinutes).toBeCloseTo(minute(c.to) - minute(c.from), 2);
        const api = got.contacts.map((c) => ({
          role: c.role,
          who: c.personId ? s.nameOf(c.personId)! : c.driverId!,
          depth: c.depth,
          vehicle: s.nameOf(c.vehicleId)!,
          from: minute(c.from),
          to: minute(c.to),
        }));
        const expected = bruteForce(w, depth, minOverlap, WINDOW);
        expect(sortRows(api)).toEqual(sortRows(expected.contacts));
        const segments = got.segments.map((g) => ({ checkin: s.nameOf(g.checkinId)!, trip: g.tripId ? s.nameOf(g.tripId)! : null, from: minute(g.from), to: minute(g.to), estimated: g.alightEstimated }));
        expect(segments.map((x) => JSON.stringify(x)).sort()).toEqual(expected.segments.map((x) => JSON.stringify(x)).sort());
      }),
      { numRuns: 30 },
    );
  });
});

describe("late data", () => {
  it("gives the same trace whether trip events and check-ins arrive in time order or shuffled", async () => {
    await fc.assert(
      fc.asyncProperty(world, fc.integer(), async (w, seed) => {
        type Event = { at: number; apply: () => Promise<unknown> };
        const events: Event[] = [];
        for (const tr of w.trips) {
          if (tr.start !== null) events.push({ at: tr.start, apply: () => s.tripEvent(tr.name, tr.vehicle, "start", tr.start!, tr.driver) });
          if (tr.end !== null) events.push({ at: tr.end, apply: () => s.tripEvent(tr.name, tr.vehicle, "end", tr.end!) });
        }
        for (const c of w.checkins) events.push({ at: c.b, apply: () => s.checkin(c.name, c.person, c.vehicle, c.b, c.alight === null ? {} : { alight: c.alight }) });
        const inOrder = [...events].sort((x, y) => x.at - y.at);
        // A deterministic shuffle from the seed, as an agent's replay after an outage would reorder them.
        const shuffled = events.map((e, k) => ({ e, key: Math.sin(seed + k * 7919) })).sort((x, y) => x.key - y.key).map((x) => x.e);

        const run = async (order: Event[]) => {
          await s.clear();
          // Ids in the same order for both deliveries (ties between equal times break by id).
          [...VEHICLES, ...PEOPLE, ...w.trips.map((x) => x.name), ...w.checkins.map((x) => x.name)].forEach(s.id);
          for (const v of VEHICLES) await s.vehicle(v);
          for (const p of PEOPLE) await s.person(p);
          for (const e of order) await e.apply();
          t.clock.set(s.at(w.now));
          const r = await trace(2, 1);
          const names = (x: unknown) => JSON.parse(JSON.stringify(x, (k, v) => (typeof v === "string" && /^[0-9a-f-]{36}$/.test(v) ? s.nameOf(v) : v)));
          return names({ segments: r.segments, contacts: r.contacts });
        };
        expect(await run(shuffled)).toEqual(await run(inOrder));
      }),
      { numRuns: 15 },
    );
  });
});

import { TZDate } from "@date-fns/tz";
import { distanceM, type LatLon } from "../../../protocol/index.ts";
import { addDays, createServiceDays, serviceDateAt, serviceDayOrigin, showDate, type FeedCalendar, type ServiceDate } from "./demo.service-days.ts";
import type { ScheduledStop } from "./demo.timetable.ts";
import type { Random } from "./random.ts";

/**
 * Which timetable trip each demo bus runs, and when: the trips a rider at the
 * stop would see now. A bus starts on a trip that is running now (mid-way,
 * where the timetable has it), or waits at the first stop of one leaving
 * soon; after a trip it takes its route's next departure from where it ended.
 * Only when the timetable has nothing for a bus within MAX_WAIT (night, a
 * thin route, a feed whose calendar has ended) does the bus run the next trip
 * ahead of its time, and the demo says so. Days the feed does not cover run
 * the timetable of a day it does (demo.service-days.ts), on today's clock.
 */

export interface TimetableTrip {
  id: string;
  routeId: string;
  serviceId: string;
  headsign: string;
  /** When it leaves its first stop, in seconds from its service day's origin (past 24:00 for trips after midnight). */
  departs: number;
  /** Its stops, with times in seconds from `departs`. */
  stops: ScheduledStop[];
  /** Its shape; empty when the feed has none (the bus goes stop to stop). */
  shape: LatLon[];
}

export interface Timetable {
  /** The agency's time zone: the stop times' clock. */
  timezone: string;
  routes: { id: string; name: string }[];
  trips: TimetableTrip[];
  calendar: FeedCalendar;
}

/** One run of a timetable trip on one service day, on the demo's clock (epoch ms). */
export interface TripInstance {
  trip: TimetableTrip;
  /** The calendar day it runs on; `timetableDay` is the feed's day whose timetable that is (the same, when the feed covers it). */
  date: ServiceDate;
  timetableDay: ServiceDate;
  start: number;
  end: number;
}

/**
 * A bus's next trip. `running`: the timetable has it on the road now (the bus
 * joins it mid-way); `next`: it leaves soon and the bus waits for it; `ahead`:
 * nothing leaves soon, so the bus runs the next one before its time.
 */
export interface Assignment {
  instance: TripInstance;
  /** When the bus leaves the first stop: the timetable's time (past, for `running`), or earlier for `ahead`. */
  departAt: number;
  how: "running" | "next" | "ahead";
}

/**
 * A bus waits at most this long (demo time) for its next departure, as a bus
 * at its terminus does; with nothing leaving sooner (night, a thin route, more
 * buses than the timetable has trips), it runs the next trip ahead of time.
 */
export const MAX_WAIT_MS = 30 * 60_000;
/** A bus that comes in late may still take a trip that left its terminus this long ago. */
const LATE_MS = 5 * 60_000;
/** A trip whose first stop is this close to where a bus is can be taken without a drive across town. */
const NEAR_M = 1_000;
/** How far ahead the timetable is searched for a trip to run ahead of time. */
const HORIZON_DAYS = 8;

export function createDispatcher(timetable: Timetable, opts: { random: Random; say?: (line: string) => void }) {
  const { timezone } = timetable;
  const say = opts.say ?? (() => {});
  const notes: string[] = [];
  const note = (line: string) => (notes.push(line), say(line));
  const serviceDays = createServiceDays(timetable.calendar, new Set(timetable.trips.map((t) => t.serviceId)));
  const tripsOfService = new Map<string, TimetableTrip[]>();
  for (const t of timetable.trips) tripsOfService.set(t.serviceId, [...(tripsOfService.get(t.serviceId) ?? []), t]);
  const claimed = new Set<string>();
  const key = (i: TripInstance) => `${i.trip.id}@${i.date}`;
  const busesOn = new Map<string, number>();
  /** How each bus came to its last trip: "ahead" is said once when a bus starts running ahead, not at every trip. */
  const lastHow = new Map<string, Assignment["how"]>();

  const days = new Map<ServiceDate, TripInstance[]>();
  /** The trips that run on calendar day `d`, by the timetable of the feed's day standing in for it. */
  function dayInstances(d: ServiceDate): TripInstance[] {
    const known = days.get(d);
    if (known) return known;
    const source = serviceDays.timetableDay(d);
    const out: TripInstance[] = [];
    if (source) {
      const origin = serviceDayOrigin(d, timezone);
      for (const service of serviceDays.servicesOn(source)) {
        for (const trip of tripsOfService.get(service) ?? []) {
          const start = origin + trip.departs * 1000;
          out.push({ trip, date: d, timetableDay: source, start, end: start + (trip.stops.at(-1)?.arrival ?? 0) * 1000 });
        }
      }
    }
    out.sort((a, b) => a.start - b.start || (a.trip.id < b.trip.id ? -1 : 1));
    days.set(d, out);
    return out;
  }

  /** Unclaimed runs that start before `to` and end after `from`, by start. Trips past 24:00 belong to the day before, hence the two days back. */
  function between(from: number, to: number, routeId?: string): TripInstance[] {
    const out: TripInstance[] = [];
    const last = serviceDateAt(to, timezone);
    for (let d = addDays(serviceDateAt(from, timezone), -2); d <= last; d = addDays(d, 1)) {
      for (const i of dayInstances(d)) if (i.start < to && i.end > from && (!routeId || i.trip.routeId === routeId) && !claimed.has(key(i))) out.push(i);
    }
    return out.sort((a, b) => a.start - b.start || (a.trip.id < b.trip.id ? -1 : 1));
  }

  const clock = (ms: number) => {
    const t = new TZDate(ms, timezone);
    return `${String(t.getHours()).padStart(2, "0")}:${String(t.getMinutes()).padStart(2, "0")}`;
  };
  const nameOf = new Map(timetable.routes.map((r) => [r.id, r.name]));
  const routeName = (id: string) => nameOf.get(id) ?? id;

  function take(instance: TripInstance, departAt: number, how: Assignment["how"]): Assignment {
    claimed.add(key(instance));
    busesOn.set(instance.trip.routeId, (busesOn.get(instance.trip.routeId) ?? 0) + 1);
    return { instance, departAt, how };
  }

  /** Of the routes that offer a run, the one with the fewest buses yet (ties by the seed), so every route is served. */
  function leastServed(runs: TripInstance[]): TripInstance[] {
    const routes = [...new Set(runs.map((r) => r.trip.routeId))];
    const fewest = Math.min(...routes.map((r) => busesOn.get(r) ?? 0));
    const route = opts.random.pick(routes.filter((r) => (busesOn.get(r) ?? 0) === fewest).sort());
    return runs.filter((r) => r.trip.routeId === route);
  }

  return {
    notes,
    timezone,

    /**
     * The first trip of each bus (by its label) at `now`: first the trips
     * running now, spread over the routes; then the departures within
     * MAX_WAIT; then, for buses the timetable has nothing for, the next
     * departures run ahead of time. Deterministic given the seed and `now`.
     */
    plan(buses: string[], now: number): Assignment[] {
      const today = serviceDateAt(now, timezone);
      const source = serviceDays.timetableDay(today);
      const range = serviceDays.range;
      if (!source) {
        note("The feed's calendar runs no trip on any day: the demo has no buses to run.");
        return [];
      }
      if (source !== today) {
        note(
          `The feed has no service on ${showDate(today)} (${range ? `its calendar runs ${showDate(range.first)} to ${showDate(range.last)}` : "no calendar"}): ` +
            `the buses run its timetable of ${showDate(source)} on today's clock.`,
        );
      }
      const out: Assignment[] = [];
      const running = () => between(now, now + 1).filter((i) => i.start <= now);
      for (const bus of buses) {
        const onRoad = running();
        if (onRoad.length) {
          const run = opts.random.pick(leastServed(onRoad));
          out.push(take(run, run.start, "running"));
          continue;
        }
        const soon = between(now, now + MAX_WAIT_MS).filter((i) => i.start >= now);
        if (soon.length) {
          const run = leastServed(soon)[0]!;
          out.push(take(run, run.start, "next"));
          continue;
        }
        const later = between(now, now + HORIZON_DAYS * 86_400_000).filter((i) => i.start >= now);
        if (!later.length) break;
        // The departures of the next hour of service, spread over their routes: the morning's first buses at night,
        // not tomorrow's run of a trip another bus is already on.
        const run = leastServed(later.filter((i) => i.start < later[0]!.start + 3_600_000))[0]!;
        out.push(take(run, now, "ahead"));
        lastHow.set(bus, "ahead");
      }
      const count = (how: Assignment["how"]) => out.filter((a) => a.how === how).length;
      note(
        `At ${clock(now)} (${timezone}) the timetable has ${count("running") + running().length} trips on the road: ` +
          `${count("running")} buses join them where they are, ${count("next")} wait for a departure within ${MAX_WAIT_MS / 60_000} min` +
          (count("ahead") ? `, ${count("ahead")} run later trips ahead of time, as nothing leaves for them sooner (the first at ${clock(Math.min(...out.filter((a) => a.how === "ahead").map((a) => a.instance.start)))})` : "") +
          ".",
      );
      return out;
    },

    /**
     * A bus's next trip on its route once it is at `at` at `now`: the first
     * departure within MAX_WAIT (one that left up to LATE_MS ago too: the bus
     * leaves late), from near where it is if one does, or else the route's
     * next departure, run ahead of time. Null when the route runs nothing.
     */
    next(bus: { label: string; routeId: string; at: LatLon }, now: number): Assignment | null {
      const near = (i: TripInstance) => i.trip.stops[0] !== undefined && distanceM(bus.at, i.trip.stops[0]) <= NEAR_M;
      const soon = between(now - LATE_MS, now + MAX_WAIT_MS, bus.routeId).filter((i) => i.start >= now - LATE_MS);
      const pick = soon.find(near) ?? soon[0];
      if (pick) {
        lastHow.set(bus.label, "next");
        return take(pick, Math.max(now, pick.start), "next");
      }
      const later = between(now, now + HORIZON_DAYS * 86_400_000, bus.routeId).filter((i) => i.start >= now);
      if (!later.length) return null;
      // Nearest first among those leaving about as soon as the first.
      const first = later[0]!;
      const run = later.filter((i) => i.start < first.start + MAX_WAIT_MS).find(near) ?? first;
      if (lastHow.get(bus.label) !== "ahead") {
        note(`${bus.label}: no trip of route ${routeName(bus.routeId)} leaves within ${MAX_WAIT_MS / 60_000} min of ${clock(now)}; it runs trip ${run.trip.id} (${clock(run.start)}) ahead of time, and the next ones as they come.`);
      }
      lastHow.set(bus.label, "ahead");
      return take(run, now, "ahead");
    },
  };
}

export type Dispatcher = ReturnType<typeof createDispatcher>;

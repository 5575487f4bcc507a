import { readFileSync } from "node:fs";
import { sql } from "drizzle-orm";
import { strToU8, zipSync } from "fflate";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { distanceM } from "../../../protocol/index.ts";
import { sharedDataFile } from "../../../vehicle-agent/test/shared-data.ts";
import { createTestDatabase } from "../../test/harness.ts";
import { rowsOf, type Database } from "../db/client.ts";
import { importGtfsFeed } from "../gtfs/gtfs.import.ts";
import { createNetworkRepository } from "../gtfs/network.repository.ts";
import { loadTimetable } from "./demo.feed.ts";
import { createDispatcher, MAX_WAIT_MS, type Timetable } from "./demo.schedule.ts";
import { addDays, createServiceDays, serviceDateAt, serviceDayOrigin, weekdayOf, type ServiceDate } from "./demo.service-days.ts";
import { tripRun } from "./demo.timetable.ts";
import { seededRandom } from "./random.ts";

/*
 * Which trip each demo bus runs: the one a rider at the stop would see at
 * that moment, by the feed's calendar and stop times in its agency's time
 * zone. Every instant here is built from the feed's own days, so the tests
 * hold on any day they run (and under faketime).
 */
const BERLIN = sharedDataFile("berlin-gtfs-subset.zip");
const NEW_YORK = "America/New_York";

let database: Database;
beforeAll(async () => {
  database = await createTestDatabase();
}, 120_000);
afterAll(() => database?.close());

async function timetableOf(zip: Uint8Array): Promise<Timetable> {
  await importGtfsFeed(database.db, zip);
  return loadTimetable(createNetworkRepository({ db: database.db }));
}

const hms = (s: number) => [Math.floor(s / 3600), Math.floor((s % 3600) / 60), s % 60].map((n) => String(n).padStart(2, "0")).join(":");
const csv = (rows: (string | number)[][]) => rows.map((r) => r.join(",")).join("\n") + "\n";

/**
 * A small feed in New York time, weekdays from 2030-01-07 to 2030-03-29 but
 * Presidents' Day (2030-02-18), plus one Saturday (2030-03-02). Route A runs
 * both ways every 15 min from 06:00 to 20:00, 30 minutes a trip; route B
 * three times a day (07:00, 12:00, 17:00), one way.
 */
function smallFeed() {
  const stops = [
    ["A1", 40.7, -74.0],
    ["A2", 40.71, -74.0],
    ["A3", 40.72, -74.0],
    ["B1", 40.7, -73.95],
    ["B2", 40.72, -73.95],
  ];
  const trips: (string | number)[][] = [["route_id", "service_id", "trip_id", "trip_headsign", "direction_id"]];
  const times: (string | number)[][] = [["trip_id", "arrival_time", "departure_time", "stop_id", "stop_sequence"]];
  for (let start = 6 * 3600; start <= 20 * 3600; start += 15 * 60) {
    for (const [dir, order] of [[0, ["A1", "A2", "A3"]] as const, [1, ["A3", "A2", "A1"]] as const]) {
      const id = `A${dir}-${hms(start).slice(0, 5).replace(":", "")}`;
      trips.push(["A", "wk", id, dir === 0 ? "A3" : "A1", dir]);
      order.forEach((stop, i) => times.push([id, hms(start + i * 900), hms(start + i * 900), stop, i]));
    }
  }
  for (const h of [7, 12, 17]) {
    trips.push(["B", "wk", `B-${h}`, "B2", 0]);
    times.push([`B-${h}`, hms(h * 3600), hms(h * 3600), "B1", 0], [`B-${h}`, hms(h * 3600 + 1800), hms(h * 3600 + 1800), "B2", 1]);
  }
  return zipSync({
    "agency.txt": strToU8(csv([["agency_id", "agency_name", "agency_url", "agency_timezone"], ["ny", "Test Transit", "https://example.org", NEW_YORK]])),
    "routes.txt": strToU8(csv([["route_id", "agency_id", "route_short_name", "route_type"], ["A", "ny", "A", 3], ["B", "ny", "B", 3]])),
    "stops.txt": strToU8(csv([["stop_id", "stop_name", "stop_lat", "stop_lon"], ...stops.map(([id, lat, lon]) => [id!, id!, lat!, lon!])])),
    "trips.txt": strToU8(csv(trips)),
    "stop_times.txt": strToU8(csv(times)),
    "calendar.txt": strToU8(csv([["service_id", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "start_date", "end_date"], ["wk", 1, 1, 1, 1, 1, 0, 0, "20300107", "20300329"]])),
    "calendar_dates.txt": strToU8(csv([["service_id", "date", "exception_type"], ["wk", "20300218", 2], ["wk", "20300302", 1]])),
  });
}

/** An instant on a service day's clock in the feed's time zone. */
const at = (day: ServiceDate, h: number, m = 0, tz = NEW_YORK) => serviceDayOrigin(day, tz) + (h * 3600 + m * 60) * 1000;

describe("service days", () => {
  it("count stop times from noon minus 12 h, so that 08:00 is eight on the wall on the day clocks change", () => {
    expect(new Date(at("20210328", 8, 0, "Europe/Berlin")).toISOString()).toBe("2021-03-28T06:00:00.000Z");
    expect(new Date(at("20211031", 8, 0, "Europe/Berlin")).toISOString()).toBe("2021-10-31T07:00:00.000Z");
    expect(serviceDateAt(Date.parse("2030-01-09T04:30:00Z"), NEW_YORK)).toBe("20300108"); // 23:30 the day before in New York
  });

  it("follow calendar.txt's weekdays and range and calendar_dates.txt's removals and additions, and stand in for a day without service with the nearest day of the same weekday", () => {
    const days = createServiceDays(
      { calendars: [{ serviceId: "wk", weekdays: [1, 1, 1, 1, 1, 0, 0], startDate: "20300107", endDate: "20300329" }], exceptions: [{ serviceId: "wk", date: "20300218", exceptionType: 2 }, { serviceId: "wk", date: "20300302", exceptionType: 1 }] },
      new Set(["wk"]),
    );
    expect([...days.servicesOn("20300109")]).toEqual(["wk"]);
    expect(days.servicesOn("20300105").size).toBe(0); // a Saturday
    expect(days.servicesOn("20300218").size).toBe(0); // removed
    expect([...days.servicesOn("20300302")]).toEqual(["wk"]); // the added Saturday
    expect(days.servicesOn("20300401").size).toBe(0); // after the range
    expect(days.timetableDay("20300109")).toBe("20300109");
    expect(days.timetableDay("20300218")).toBe("20300211"); // the Monday a week before (a week after is as near; the earlier wins)
    const wednesdayLater = addDays("20300327", 7 * 60);
    expect(days.timetableDay(wednesdayLater)).toBe("20300327"); // the feed's last Wednesday
    expect(days.timetableDay("20300105")).toBe("20300302"); // no ordinary Saturday: the one added
    expect(createServiceDays({ calendars: [], exceptions: [] }, new Set()).timetableDay("20300109")).toBeNull();
  });
});

describe("the demo's buses on the timetable (a small generated feed)", () => {
  let timetable: Timetable;
  beforeAll(async () => {
    timetable = await timetableOf(smallFeed());
  }, 60_000);
  const dispatcher = (seed = 1, say?: (line: string) => void) => createDispatcher(timetable, { random: seededRandom(seed), say });
  const buses = (n: number) => Array.from({ length: n }, (_, i) => `bus ${i + 1}`);

  it("puts each bus on a trip that is on the road at that moment, joining it where the timetable has it", () => {
    const now = at("20300109", 8, 10);
    const plan = dispatcher().plan(buses(4), now);
    expect(plan.map((a) => a.how)).toEqual(["running", "running", "running", "running"]);
    // Route B has nothing on the road at 08:10; A has its 07:45 and 08:00 trips both ways.
    expect(plan.map((a) => a.instance.trip.id).sort()).toEqual(["A0-0745", "A0-0800", "A1-0745", "A1-0800"]);
    for (const a of plan) {
      expect(a.instance.date).toBe("20300109");
      expect(a.departAt).toBe(a.instance.start);
      expect(a.instance.start).toBeLessThanOrEqual(now);
      expect(a.instance.end).toBeGreaterThan(now);
      // A rider at the stop the trip reaches next sees the bus there at the minute the timetable gives.
      const run = tripRun([], a.instance.trip.stops, 30);
      const next = a.instance.trip.stops.find((s) => s.departure * 1000 >= now - a.instance.start)!;
      expect(distanceM(run.at(next.departure - 1), next)).toBeLessThan(5);
    }
  });

  it("spreads buses over the routes that have trips on the road", () => {
    const plan = dispatcher().plan(buses(2), at("20300109", 12, 10));
    expect(plan.map((a) => a.instance.trip.routeId).sort()).toEqual(["A", "B"]);
    expect(plan.find((a) => a.instance.trip.routeId === "B")!.instance.trip.id).toBe("B-12");
  });

  it("lets a bus with no trip on the road wait at its first stop for a departure within the half hour", () => {
    const lines: string[] = [];
    const now = at("20300109", 5, 50);
    const plan = dispatcher(1, (l) => lines.push(l)).plan(buses(2), now);
    expect(plan.map((a) => [a.how, a.instance.trip.id, a.departAt === a.instance.start]).sort()).toEqual([
      ["next", "A0-0600", true],
      ["next", "A1-0600", true],
    ]);
    expect(lines.join("\n")).not.toContain("ahead of time");
  });

  it("at night, with nothing on the road or leaving soon, runs the next departures ahead of time and says so", () => {
    const lines: string[] = [];
    const now = at("20300109", 3, 0);
    const plan = dispatcher(1, (l) => lines.push(l)).plan(buses(3), now);
    expect(plan.map((a) => a.how)).toEqual(["ahead", "ahead", "ahead"]);
    expect(plan.every((a) => a.departAt === now && a.instance.date === "20300109")).toBe(true);
    // The morning's first departures, spread over the routes that run within the hour of the next one; not a later day's run.
    expect(plan.map((a) => a.instance.trip.id).sort()).toEqual(["A0-0600", "A1-0600", "B-7"]);
    expect(lines.join("\n")).toMatch(/At 03:00 \(America\/New_York\) the timetable has 0 trips on the road: 0 buses join them where they are, 0 wait for a departure within 30 min, 3 run later trips ahead of time, as nothing leaves for them sooner \(the first at 06:00\)/);
  });

  it("on a day the feed's calendar does not reach, runs the timetable of the feed's nearest day of the same weekday on today's clock, and says so", () => {
    const lines: string[] = [];
    // A Wednesday long after the feed ends, found from the feed's own last Wednesday.
    const day = addDays("20300327", 7 * 200);
    expect(weekdayOf(day)).toBe(weekdayOf("20300327"));
    const plan = dispatcher(1, (l) => lines.push(l)).plan(buses(4), at(day, 8, 10));
    expect(lines[0]).toBe(`The feed has no service on Wed ${day.slice(0, 4)}-${day.slice(4, 6)}-${day.slice(6)} (its calendar runs Mon 2030-01-07 to Fri 2030-03-29): the buses run its timetable of Wed 2030-03-27 on today's clock.`);
    expect(plan.map((a) => a.how)).toEqual(["running", "running", "running", "running"]);
    expect(plan.map((a) => a.instance.trip.id).sort()).toEqual(["A0-0745", "A0-0800", "A1-0745", "A1-0800"]);
    expect(plan.every((a) => a.instance.date === day && a.instance.timetableDay === "20300327")).toBe(true);
    // On the day's own clock: the 08:00 trip leaves at eight in New York on that day.
    expect(plan.find((a) => a.instance.trip.id === "A0-0800")!.instance.start).toBe(at(day, 8, 0));
  });

  it("after a trip, gives the bus its route's next departure from the stop where it ended, and runs a thin route's next trip ahead of time", () => {
    const lines: string[] = [];
    const d = dispatcher(1, (l) => lines.push(l));
    const a3 = { lat: 40.72, lon: -74.0 };
    // In at A3 at 08:40: the 08:45 from A3 back to A1, waiting for it (the 08:45 from A1 is as soon, but across town).
    expect(d.next({ label: "bus 1", routeId: "A", at: a3 }, at("20300109", 8, 40))).toMatchObject({ how: "next", instance: { trip: { id: "A1-0845" } }, departAt: at("20300109", 8, 45) });
    // A bus that comes in late takes the departure it missed by a few minutes, and leaves at once.
    expect(d.next({ label: "bus 2", routeId: "A", at: a3 }, at("20300109", 9, 2))).toMatchObject({ how: "next", instance: { trip: { id: "A1-0900" } }, departAt: at("20300109", 9, 2) });
    // A trip is run by one bus: the next bus in takes the one after.
    expect(d.next({ label: "bus 3", routeId: "A", at: a3 }, at("20300109", 9, 3))).toMatchObject({ how: "next", instance: { trip: { id: "A1-0915" } }, departAt: at("20300109", 9, 15) });

    const b = d.next({ label: "bus 4", routeId: "B", at: { lat: 40.72, lon: -73.95 } }, at("20300109", 12, 40));
    expect(b).toMatchObject({ how: "ahead", instance: { trip: { id: "B-17" } }, departAt: at("20300109", 12, 40) });
    expect(lines).toEqual([`bus 4: no trip of route B leaves within ${MAX_WAIT_MS / 60_000} min of 12:40; it runs trip B-17 (17:00) ahead of time, and the next ones as they come.`]);
    // Said once: the next trip ahead of time goes without a word.
    expect(d.next({ label: "bus 4", routeId: "B", at: { lat: 40.72, lon: -73.95 } }, at("20300109", 17, 40))).toMatchObject({ how: "ahead", instance: { trip: { id: "B-7" }, date: "20300110" } });
    expect(lines).toHaveLength(1);
  });

  it("gives the same buses the same trips for the same seed and clock", () => {
    const now = at("20300109", 8, 10);
    const ids = (seed: number) => dispatcher(seed).plan(buses(3), now).map((a) => a.instance.trip.id);
    expect(ids(7)).toEqual(ids(7));
    expect(ids(1)).toEqual(ids(1));
  });
});

describe.skipIf(!BERLIN)("the demo's buses on the Berlin (VBB) subset", () => {
  let timetable: Timetable;
  const rows = async <T>(q: ReturnType<typeof sql>) => rowsOf<T>(await database.db.execute(q));
  beforeAll(async () => {
    timetable = await timetableOf(readFileSync(BERLIN!));
  }, 120_000);

  /** What the raw tables say runs on `day` at `seconds` into it: trips whose service runs that day and whose stop times span the moment. */
  async function onTheRoad(day: ServiceDate, seconds: number): Promise<string[]> {
    const weekday = weekdayOf(day) + 1; // weekdays[] is 1-based in SQL
    const running = await rows<{ id: string }>(sql`
      select t.id from gtfs_trips t
      join (select trip_id, min(departure_seconds) as first, max(arrival_seconds) as last from gtfs_stop_times group by trip_id) s on s.trip_id = t.id
      where s.first <= ${seconds} and s.last > ${seconds}
        and (
          (exists (select 1 from gtfs_calendars c where c.service_id = t.service_id and c.start_date <= ${day} and c.end_date >= ${day} and c.weekdays[${weekday}] = 1)
            and not exists (select 1 from gtfs_calendar_dates x where x.service_id = t.service_id and x.date = ${day} and x.exception_type = 2))
          or exists (select 1 from gtfs_calendar_dates x where x.service_id = t.service_id and x.date = ${day} and x.exception_type = 1))
      order by t.id`);
    return running.map((r) => r.id);
  }

  it("puts the buses on the trips the feed runs at noon on one of its Wednesdays, by its calendar and stop times in Berlin time", async () => {
    const days = createServiceDays(timetable.calendar, new Set(timetable.trips.map((t) => t.serviceId)));
    // The first Wednesday of the feed with service.
    let day = days.range!.first;
    while (weekdayOf(day) !== 2 || !days.servicesOn(day).size) day = addDays(day, 1);
    const expected = await onTheRoad(day, 12 * 3600);
    expect(expected.length).toBeGreaterThan(2);
    const plan = createDispatcher(timetable, { random: seededRandom(1) }).plan(["b1", "b2", "b3"], at(day, 12, 0, "Europe/Berlin"));
    expect(plan.map((a) => a.how)).toEqual(["running", "running", "running"]);
    expect(plan.every((a) => expected.includes(a.instance.trip.id))).toBe(true);
    // Three buses, three different routes: the map shows the network, not one line.
    expect(new Set(plan.map((a) => a.instance.trip.routeId)).size).toBe(3);
  });

  it("on today's date, long after the feed's calendar ends, runs the feed's same weekday at this time of day, and says so", async () => {
    const lines: string[] = [];
    const now = Date.now();
    const today = serviceDateAt(now, "Europe/Berlin");
    const plan = createDispatcher(timetable, { random: seededRandom(1), say: (l) => lines.push(l) }).plan(["b1", "b2", "b3"], now);
    expect(plan).toHaveLength(3);
    const standIn = createServiceDays(timetable.calendar, new Set(timetable.trips.map((t) => t.serviceId))).timetableDay(today)!;
    if (today > "20210612") {
      expect(lines[0]).toMatch(/^The feed has no service on \w{3} \d{4}-\d\d-\d\d \(its calendar runs .* to .*\): the buses run its timetable of \w{3} \d{4}-\d\d-\d\d on today's clock\.$/);
      expect(weekdayOf(standIn)).toBe(weekdayOf(today));
    }
    for (const a of plan) {
      // A trip on the road now may have left on the service day before (GTFS times past 24:00).
      if (a.how === "running") expect(await onTheRoad(a.instance.timetableDay, Math.floor((now - serviceDayOrigin(a.instance.date, "Europe/Berlin")) / 1000))).toContain(a.instance.trip.id);
      else expect(a.instance.start).toBeGreaterThanOrEqual(now);
    }
    // Whatever the hour, the log says how the buses found their trips.
    expect(lines.at(-1)).toMatch(/the timetable has \d+ trips on the road/);
  });
});

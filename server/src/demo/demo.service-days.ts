import { TZDate } from "@date-fns/tz";

/**
 * Which of a GTFS feed's services run on a day, and which day of the feed
 * stands in for a day the feed does not cover (a feed from 2020 run in 2026).
 * Dates are the feed's own "YYYYMMDD" service days in the agency's time zone.
 */
export interface FeedCalendar {
  calendars: { serviceId: string; weekdays: number[]; startDate: string; endDate: string }[];
  /** calendar_dates.txt: 1 adds the service on that date, 2 removes it. */
  exceptions: { serviceId: string; date: string; exceptionType: number }[];
}

/** A service day, "YYYYMMDD". */
export type ServiceDate = string;

const DAY_MS = 86_400_000;
const toUtc = (d: ServiceDate) => Date.UTC(Number(d.slice(0, 4)), Number(d.slice(4, 6)) - 1, Number(d.slice(6, 8)));
const fromUtc = (ms: number): ServiceDate => new Date(ms).toISOString().slice(0, 10).replace(/-/g, "");

export const addDays = (d: ServiceDate, n: number): ServiceDate => fromUtc(toUtc(d) + n * DAY_MS);
export const daysBetween = (a: ServiceDate, b: ServiceDate) => Math.round((toUtc(b) - toUtc(a)) / DAY_MS);
/** 0 Monday … 6 Sunday, as calendar.txt lists its days. */
export const weekdayOf = (d: ServiceDate) => (new Date(toUtc(d)).getUTCDay() + 6) % 7;
export const WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"] as const;
/** "Wed 2021-06-09", for the log. */
export const showDate = (d: ServiceDate) => `${WEEKDAYS[weekdayOf(d)]} ${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}`;

/** The service day an instant falls on in `timezone` (its local calendar date). */
export function serviceDateAt(ms: number, timezone: string): ServiceDate {
  const local = new TZDate(ms, timezone);
  return `${local.getFullYear()}${String(local.getMonth() + 1).padStart(2, "0")}${String(local.getDate()).padStart(2, "0")}`;
}

/**
 * The instant a service day's times count from: GTFS measures them from
 * "noon minus 12 h", which is midnight except on the days clocks change, so
 * that 08:00:00 is eight o'clock on the wall on those days too.
 */
export function serviceDayOrigin(d: ServiceDate, timezone: string): number {
  return new TZDate(Number(d.slice(0, 4)), Number(d.slice(4, 6)) - 1, Number(d.slice(6, 8)), 12, 0, 0, timezone).getTime() - 12 * 3_600_000;
}

/** Seconds since the service day's origin: the clock a stop time is written in. */
export const secondsIntoDay = (ms: number, d: ServiceDate, timezone: string) => Math.floor((ms - serviceDayOrigin(d, timezone)) / 1000);

export function createServiceDays(calendar: FeedCalendar, servicesWithTrips: Set<string>) {
  const added = new Map<ServiceDate, Set<string>>();
  const removed = new Map<ServiceDate, Set<string>>();
  for (const e of calendar.exceptions) {
    const into = e.exceptionType === 1 ? added : removed;
    into.set(e.date, (into.get(e.date) ?? new Set()).add(e.serviceId));
  }
  const dates = [...calendar.calendars.flatMap((c) => [c.startDate, c.endDate]), ...added.keys()].sort();
  const first = dates[0];
  const last = dates.at(-1);
  const memo = new Map<ServiceDate, Set<string>>();

  /** The services (with trips) that run on `d`. */
  function servicesOn(d: ServiceDate): Set<string> {
    const known = memo.get(d);
    if (known) return known;
    const day = weekdayOf(d);
    const out = new Set<string>();
    for (const c of calendar.calendars) if (c.startDate <= d && d <= c.endDate && c.weekdays[day] === 1) out.add(c.serviceId);
    for (const s of removed.get(d) ?? []) out.delete(s);
    for (const s of added.get(d) ?? []) out.add(s);
    for (const s of out) if (!servicesWithTrips.has(s)) out.delete(s);
    memo.set(d, out);
    return out;
  }

  let feedDays: ServiceDate[] | null = null;
  /** Every day of the feed on which something runs. */
  const daysWithService = () => {
    if (feedDays) return feedDays;
    feedDays = [];
    if (first && last) for (let c = first; c <= last; c = addDays(c, 1)) if (servicesOn(c).size) feedDays.push(c);
    return feedDays;
  };

  const standIns = new Map<ServiceDate, ServiceDate | null>();
  /**
   * The feed's day whose timetable runs on `d`: `d` itself when the feed has
   * service that day; otherwise the nearest day of the feed with service on
   * the same weekday (a Wednesday runs a Wednesday), or, lacking one, the
   * nearest day with any service. Null when the feed runs nothing at all.
   */
  function timetableDay(d: ServiceDate): ServiceDate | null {
    if (standIns.has(d)) return standIns.get(d)!;
    let found: ServiceDate | null = null;
    if (servicesOn(d).size) found = d;
    else {
      const rank = (c: ServiceDate) => (weekdayOf(c) === weekdayOf(d) ? 0 : 1_000_000) + Math.abs(daysBetween(d, c));
      for (const c of daysWithService()) if (found === null || rank(c) < rank(found)) found = c;
    }
    standIns.set(d, found);
    return found;
  }

  return { servicesOn, timetableDay, range: first && last ? { first, last } : null };
}

export type ServiceDays = ReturnType<typeof createServiceDays>;

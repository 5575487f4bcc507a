/** Time, injectable so tests can hold it still or move it. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** A clock that tests move by hand. */
export function manualClock(start: Date | string = "2026-11-28T08:00:00Z") {
  let t = new Date(start).getTime();
  return {
    now: () => new Date(t),
    set: (to: Date | string) => void (t = new Date(to).getTime()),
    advance: (ms: number) => void (t += ms),
  };
}

const displayFormats = new Map<string, Intl.DateTimeFormat>();

/**
 * A time as every screen and text shows it, "2026-12-01 22:53", in the
 * display zone (TZ_DISPLAY), whatever the reader's locale. One formatter per
 * zone, kept: date-fns with a TZDate made one at each call (20–35 µs, three
 * times on the page of a passenger on board), this is a couple of µs.
 */
export function displayTime(at: Date, tz: string): string {
  let f = displayFormats.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat("en-GB", { timeZone: tz, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit" });
    displayFormats.set(tz, f);
  }
  const p: Partial<Record<Intl.DateTimeFormatPartTypes, string>> = {};
  for (const part of f.formatToParts(at)) p[part.type] = part.value;
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`;
}

import { TZDate } from "@date-fns/tz";
import { format } from "date-fns";

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

/** A time as every screen and text shows it, "2026-12-01 22:53", in the display zone (TZ_DISPLAY), whatever the reader's locale. */
export const displayTime = (at: Date, tz: string) => format(new TZDate(at.getTime(), tz), "yyyy-MM-dd HH:mm");

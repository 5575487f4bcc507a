import { TZDate } from "@date-fns/tz";
import { addDays, format, startOfDay, subDays } from "date-fns";

/**
 * Times on screen are in TZ_DISPLAY (Asia/Shanghai by default), whatever the
 * browser's own zone: tracers compare them with case interviews held there.
 */
let zone = "Asia/Shanghai";
export const setDisplayZone = (tz: string) => void (zone = tz);
export const displayZone = () => zone;

const toMs = (t: string | number | Date) => (typeof t === "number" ? t : new Date(t).getTime());

export const fmtDateTime = (t: string | number | Date) => format(new TZDate(toMs(t), zone), "yyyy-MM-dd HH:mm");
export const fmtTime = (t: string | number | Date) => format(new TZDate(toMs(t), zone), "HH:mm:ss");
export const fmtHour = (t: string | number | Date) => format(new TZDate(toMs(t), zone), "MM-dd HH:00");

/** Hours since the epoch on the display zone's wall clock: `wallHour(t) % 24 === 0` at its midnight. */
export function wallHour(t: string | number | Date): number {
  const d = new TZDate(toMs(t), zone);
  return Date.UTC(d.getFullYear(), d.getMonth(), d.getDate(), d.getHours()) / 3_600_000;
}

/** A time input's value, written as times are shown ("2026-11-27 16:05"), in the display zone. */
export const toLocalInput = (t: string | number | Date) => format(new TZDate(toMs(t), zone), "yyyy-MM-dd HH:mm");

/**
 * A typed time read as a wall time in the display zone → ISO-8601 UTC; null
 * for anything else. Takes "2026-11-27 16:05" as shown, and the "T" form too.
 */
export function fromLocalInput(value: string): string | null {
  const m = /^\s*(\d{4})-(\d{1,2})-(\d{1,2})[ T](\d{1,2}):(\d{2})\s*$/.exec(value);
  if (!m) return null;
  const [, y, mo, d, hh, mi] = m.map(Number) as number[];
  // Plain UTC "Z" form: API validators may not accept offsets.
  return new Date(new TZDate(y!, mo! - 1, d!, hh!, mi!, zone).getTime()).toISOString();
}

export const daysAgo = (n: number, now = new Date()) => subDays(now, n);

/**
 * The end of today in the display zone: the default end of a window, so that
 * a form left open still covers check-ins made after it was opened.
 */
export const endOfToday = (now = new Date()) => addDays(startOfDay(new TZDate(now.getTime(), zone)), 1);

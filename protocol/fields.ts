import { z } from "zod";

/**
 * Field types every boundary schema is built from (HTTP requests and MQTT
 * payloads alike), so that what PostgreSQL cannot store, or a person cannot
 * read, is refused with a 400 or a `rejected` ack instead of failing deep in
 * the database. Ordinary Unicode (CJK, Arabic, emoji, bidi marks) is text;
 * control characters and lone surrogates are not.
 */

/** Years a time from a client may name: nothing this system records lies outside them. */
export const FIRST_YEAR = 2000;
export const LAST_YEAR = 2100;
export const EARLIEST_MS = Date.UTC(FIRST_YEAR, 0, 1);
/** Exclusive: the first instant of LAST_YEAR + 1 … kept at 2100-01-01 to match the protocol's epochMs. */
export const LATEST_MS = Date.UTC(LAST_YEAR, 0, 1);

// C0 (incl. NUL, which PostgreSQL text cannot hold), DEL and C1. No field needs a tab or a newline.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
// A high surrogate not followed by a low one, or a low one not preceded by a high one: not a character at all.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** True for text a person could have typed: no control characters, no lone surrogates. */
export function isPlainText(s: string): boolean {
  return !CONTROL.test(s) && !LONE_SURROGATE.test(s);
}

const plainText = (s: z.ZodString) =>
  s.refine((v) => !CONTROL.test(v), "must not contain control characters").refine((v) => !LONE_SURROGATE.test(v), "must not contain lone surrogates");

/**
 * A free-text field: length bounds, and no control characters or lone
 * surrogates. `trim` trims before the checks, as forms are typed.
 */
export function text(opts: { min?: number; max: number; trim?: boolean }) {
  let s = z.string();
  if (opts.trim) s = s.trim();
  if (opts.min !== undefined) s = s.min(opts.min);
  return plainText(s.max(opts.max));
}

/** An ISO 8601 time with an offset (…Z or …+08:00), in the years FIRST_YEAR–LAST_YEAR. */
export function isoTime() {
  return z
    .string()
    .datetime({ offset: true })
    .refine((v) => {
      const ms = Date.parse(v);
      return ms >= EARLIEST_MS && ms < LATEST_MS;
    }, `must lie between ${FIRST_YEAR}-01-01 and ${LAST_YEAR}-01-01`);
}

/** Epoch milliseconds (UTC) in the same years; bounded too to catch seconds-vs-ms mix-ups. */
export const epochMs = z
  .number()
  .int()
  .min(EARLIEST_MS, `ts must be epoch milliseconds after ${FIRST_YEAR}-01-01`)
  .max(LATEST_MS, `ts must be epoch milliseconds before ${LAST_YEAR}-01-01`);

/**
 * A route id is the timetable's `route_id` (GTFS allows any text; feeds use
 * long ones, e.g. "de:vbb:1923_700:…"), so every boundary that takes one —
 * a vehicle's route, a trip message, an imported feed, the agent's config —
 * takes up to the same length.
 */
export const ROUTE_ID_MAX = 64;

/** A route id as a person types it or a fleet system sends it: trimmed, 1–ROUTE_ID_MAX characters. */
export const routeIdText = () => text({ trim: true, min: 1, max: ROUTE_ID_MAX });

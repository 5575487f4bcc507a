import { z } from "@hono/zod-openapi";
import { badRequest } from "./errors.ts";

/**
 * Keyset pagination for lists newest first: the cursor is the (time, id) of
 * the last row handed out, opaque to clients (base64url JSON), so a page never
 * repeats or skips a row however many are added meanwhile.
 */
export interface Cursor {
  at: Date;
  id: string;
}

export const CursorParam = z
  .string()
  .max(200)
  .regex(/^[A-Za-z0-9_-]+$/, "a cursor from a previous page's `next`")
  .optional();

export const LimitParam = (max: number, dflt: number) => z.coerce.number().int().min(1).max(max).default(dflt);

const decoded = z.tuple([z.string().datetime({ offset: true }), z.string().uuid()]);

export function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify([c.at.toISOString(), c.id])).toString("base64url");
}

export function decodeCursor(text: string | undefined): Cursor | null {
  if (text === undefined) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(text, "base64url").toString("utf8"));
  } catch {
    parsed = null;
  }
  const ok = decoded.safeParse(parsed);
  if (!ok.success) throw badRequest("invalid_cursor", "That cursor was not given by this list");
  return { at: new Date(ok.data[0]), id: ok.data[1] };
}

/** Rows fetched with limit + 1: the page, and the cursor of the next page when there is one. */
export function page<T>(rows: T[], limit: number, key: (row: T) => Cursor): { items: T[]; next: string | null } {
  const items = rows.slice(0, limit);
  return { items, next: rows.length > limit ? encodeCursor(key(items[items.length - 1]!)) : null };
}

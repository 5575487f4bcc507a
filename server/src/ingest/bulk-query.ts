import type { Database } from "../db/client.ts";

/**
 * The raw statements of ingest's bulk writers (positions, vehicle_state): one
 * text parameter per column, the same on postgres.js and PGlite, and no
 * drizzle query builder on the hot path.
 */
export type Query = (text: string, params: string[]) => Promise<number>;

/**
 * A column as a PostgreSQL array literal, one text parameter per column (the
 * same on PGlite; drizzle's setup of the shared postgres.js client breaks
 * postgres.js's own array serialization). The values are only uuids, numbers
 * and flag words, so JSON's array is already a valid literal between braces:
 * strings double-quoted with nothing to escape, and null (also what JSON makes
 * of NaN, a missing number) read as NULL. JSON.stringify writes every number in
 * one native pass, where String() per value and join cost 1.5× as much; this
 * was the largest part of ingest's own CPU for batched fixes.
 */
export function pgArray(values: readonly (string | number | null)[]): string {
  const json = JSON.stringify(values);
  return `{${json.slice(1, -1)}}`;
}

/** The raw driver call: postgres.js or PGlite. */
export function rawQuery(database: Database): Query {
  if (database.postgres) {
    const sql = database.postgres;
    return async (text, params) => (await sql.unsafe(text, params as never[])).count;
  }
  const pg = database.pglite!;
  return async (text, params) => (await pg.query(text, params)).affectedRows ?? 0;
}

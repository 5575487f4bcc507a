import type { Database } from "../db/client.ts";
import type { FixFlag } from "./gps-quality.ts";

/**
 * The hot path: GPS fixes buffered and written in batches, one statement per
 * batch over unnest arrays (measured here ~10× drizzle's multi-row insert),
 * flushed by count or after a short timer, at most two batches in flight.
 * Idempotent on (vehicle_id, ts), so redelivery and replay never duplicate:
 * a batch is first tried as a plain insert (about twice as fast here as
 * `ON CONFLICT DO NOTHING`, whose speculative insertion costs per row), and
 * only if a row is already there — the statement then fails whole, nothing
 * stored — again with `ON CONFLICT DO NOTHING`.
 */
export interface Fix {
  vehicleId: string;
  ts: number;
  lat: number;
  lon: number;
  speed?: number;
  heading?: number;
  accuracy?: number;
  flag: FixFlag | null;
}

/** One agent message's fixes; acked (by seq) when the batch holding them commits. */
export interface PositionBatchItem {
  vehicleId: string;
  seq?: number;
  fixes: Fix[];
}

export interface PositionWriterOptions {
  /** A batch is written as soon as this many rows wait (else after maxDelayMs). */
  maxRows?: number;
  /** Largest batch taken when a backlog has built up (both batches in flight were slow): fewer, bigger statements. */
  maxBatchRows?: number;
  maxDelayMs?: number;
  maxInFlight?: number;
  /** Past this many buffered rows (the database is slow or down) new messages are dropped unacked; agents resend. */
  maxBufferedRows?: number;
  onCommitted(items: PositionBatchItem[], inserted: number, seconds: number): void;
  onFailed(items: PositionBatchItem[], err: unknown): void;
  onDropped(item: PositionBatchItem): void;
}

const INSERT_POSITIONS = `
  INSERT INTO positions (vehicle_id, ts, lat, lon, speed, heading, accuracy, flag)
  SELECT * FROM unnest($1::uuid[], $2::timestamptz[], $3::float8[], $4::float8[], $5::real[], $6::real[], $7::real[], $8::text[])`;
const INSERT_POSITIONS_IDEMPOTENT = `${INSERT_POSITIONS}
  ON CONFLICT (vehicle_id, ts) DO NOTHING`;
/** After a duplicate, replays tend to come in runs (an agent's outbox resending): go straight to ON CONFLICT for a while. */
const CONFLICT_MEMORY_MS = 5_000;

// Each vehicle's newest good fix of the batch; an older fix (late replay) never moves the live position back.
const UPDATE_STATE = `
  INSERT INTO vehicle_state (vehicle_id, last_ts, lat, lon, speed, heading, updated_at)
  SELECT v, t, la, lo, s, h, now() FROM unnest($1::uuid[], $2::timestamptz[], $3::float8[], $4::float8[], $5::real[], $6::real[]) AS u(v, t, la, lo, s, h)
  ON CONFLICT (vehicle_id) DO UPDATE SET last_ts = excluded.last_ts, lat = excluded.lat, lon = excluded.lon,
    speed = excluded.speed, heading = excluded.heading, updated_at = now()
  WHERE vehicle_state.last_ts IS NULL OR excluded.last_ts > vehicle_state.last_ts`;

type Query = (text: string, params: string[]) => Promise<number>;

/**
 * A column as a PostgreSQL array literal. Built by hand because the values are
 * only uuids, ISO timestamps, numbers and flag words (nothing to quote), and
 * because drizzle's setup of the shared postgres.js client breaks its own array
 * serialization; one text parameter per column works the same on PGlite.
 */
export function pgArray(values: readonly (string | number | null)[]): string {
  return `{${values.map((v) => (v === null ? "NULL" : String(v))).join(",")}}`;
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

export function positionColumns(fixes: Fix[]) {
  const n = fixes.length;
  const cols = {
    vehicleId: new Array<string>(n),
    ts: new Array<string>(n),
    lat: new Array<number>(n),
    lon: new Array<number>(n),
    speed: new Array<number | null>(n),
    heading: new Array<number | null>(n),
    accuracy: new Array<number | null>(n),
    flag: new Array<string | null>(n),
  };
  fixes.forEach((f, i) => {
    cols.vehicleId[i] = f.vehicleId;
    cols.ts[i] = new Date(f.ts).toISOString();
    cols.lat[i] = f.lat;
    cols.lon[i] = f.lon;
    cols.speed[i] = f.speed ?? null;
    cols.heading[i] = f.heading ?? null;
    cols.accuracy[i] = f.accuracy ?? null;
    cols.flag[i] = f.flag;
  });
  return cols;
}

/** PostgreSQL's unique_violation: the plain insert met a row already stored (or a fix twice in one batch). */
function isUniqueViolation(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === "23505";
}

/** The positions insert of one writer: plain first, idempotent after a unique violation (and for a while after one). */
function positionsInsert(query: Query) {
  let lastConflictAt = -Infinity;
  return async (params: string[]): Promise<number> => {
    if (performance.now() - lastConflictAt > CONFLICT_MEMORY_MS) {
      try {
        return await query(INSERT_POSITIONS, params);
      } catch (err) {
        if (!isUniqueViolation(err)) throw err;
        lastConflictAt = performance.now();
      }
    }
    return query(INSERT_POSITIONS_IDEMPOTENT, params);
  };
}

async function writePositions(query: Query, insert: ReturnType<typeof positionsInsert>, fixes: Fix[]): Promise<number> {
  const c = positionColumns(fixes);
  const inserted = await insert([c.vehicleId, c.ts, c.lat, c.lon, c.speed, c.heading, c.accuracy, c.flag].map(pgArray));
  const newest = new Map<string, Fix>();
  for (const f of fixes) {
    if (f.flag) continue;
    const seen = newest.get(f.vehicleId);
    if (!seen || f.ts > seen.ts) newest.set(f.vehicleId, f);
  }
  if (newest.size) {
    // Rows locked in one order (by vehicle id), so two batches in flight never deadlock on vehicle_state.
    const s = positionColumns([...newest.values()].sort((x, y) => (x.vehicleId < y.vehicleId ? -1 : 1)));
    await query(UPDATE_STATE, [s.vehicleId, s.ts, s.lat, s.lon, s.speed, s.heading].map(pgArray));
  }
  return inserted;
}

export function createPositionWriter(database: Database, opts: PositionWriterOptions) {
  const maxRows = opts.maxRows ?? 2_000;
  const maxBatchRows = Math.max(maxRows, opts.maxBatchRows ?? 10_000);
  const maxDelayMs = opts.maxDelayMs ?? 50;
  const maxInFlight = opts.maxInFlight ?? 2;
  const maxBufferedRows = opts.maxBufferedRows ?? 100_000;
  const query = rawQuery(database);
  const insert = positionsInsert(query);

  let buffer: PositionBatchItem[] = [];
  let bufferedRows = 0;
  let timer: NodeJS.Timeout | null = null;
  const inFlight = new Set<Promise<void>>();

  function take(): PositionBatchItem[] {
    // Cut at maxBatchRows (whole messages), so one flush is one bounded statement.
    let rows = 0;
    let i = 0;
    while (i < buffer.length && (rows === 0 || rows + buffer[i]!.fixes.length <= maxBatchRows)) rows += buffer[i++]!.fixes.length;
    const items = buffer.slice(0, i);
    buffer = buffer.slice(i);
    bufferedRows -= rows;
    return items;
  }

  function pump() {
    while (inFlight.size < maxInFlight && buffer.length > 0) {
      const items = take();
      const started = performance.now();
      const job = writePositions(
        query,
        insert,
        items.flatMap((m) => m.fixes),
      )
        .then(
          (inserted) => opts.onCommitted(items, inserted, (performance.now() - started) / 1000),
          (err: unknown) => opts.onFailed(items, err),
        )
        .finally(() => {
          inFlight.delete(job);
          if (bufferedRows >= maxRows) pump();
          else schedule();
        });
      inFlight.add(job);
    }
  }

  function schedule() {
    if (timer || buffer.length === 0) return;
    timer = setTimeout(() => {
      timer = null;
      pump();
    }, maxDelayMs);
  }

  return {
    add(item: PositionBatchItem) {
      if (bufferedRows + item.fixes.length > maxBufferedRows) return opts.onDropped(item);
      buffer.push(item);
      bufferedRows += item.fixes.length;
      if (bufferedRows >= maxRows) pump();
      else schedule();
    },
    /** Writes everything buffered and waits for it (shutdown, tests). */
    async flush() {
      if (timer) clearTimeout(timer);
      timer = null;
      while (buffer.length > 0 || inFlight.size > 0) {
        pump();
        await Promise.race(inFlight);
      }
    },
  };
}

import type { Database } from "../db/client.ts";
import { isDataRefused } from "../db/db-errors.ts";
import { pgArray, rawQuery, type Query } from "./bulk-query.ts";
import { PositionBatch, type PositionBatchItem } from "./position-batch.ts";

/**
 * The hot path: GPS fixes buffered and written in batches, one statement per
 * batch over unnest arrays (measured here ~10× drizzle's multi-row insert),
 * flushed by count or after a short timer, at most two batches in flight
 * (each vehicle's last fix goes to vehicle_state separately: vehicle-state.writer.ts).
 * Idempotent on (vehicle_id, ts), so redelivery and replay never duplicate:
 * a batch is first tried as a plain insert (about twice as fast here as
 * `ON CONFLICT DO NOTHING`, whose speculative insertion costs per row), and
 * only if a row is already there — the statement then fails whole, nothing
 * stored — again with `ON CONFLICT DO NOTHING`.
 *
 * COPY would cost the database less still, but postgres.js 3.4 never settles a
 * COPY that the server refuses after its end (porsager/postgres#1173), and a
 * duplicate row is exactly such a refusal: the batch would hang with its
 * connection.
 */
export interface PositionWriterOptions {
  /** A batch is written as soon as this many rows wait (else after maxDelayMs). */
  maxRows?: number;
  /** Largest batch taken when a backlog has built up (both batches in flight were slow): fewer, bigger statements. */
  maxBatchRows?: number;
  maxDelayMs?: number;
  maxInFlight?: number;
  /** Past this many buffered rows (the database is slow or down) new messages are dropped unacked; agents resend. */
  maxBufferedRows?: number;
  onCommitted(batch: PositionBatch, inserted: number, seconds: number): void;
  onFailed(batch: PositionBatch, err: unknown): void;
  onDropped(item: PositionBatchItem): void;
}

// The arrays are unnested in the select list, where they advance in lockstep row by row: in FROM
// (`unnest(a, b, …)`), PostgreSQL first copies every row into a tuplestore, which cost a third of
// its CPU per row here (6.6–7.1 against 4.4–4.7 µs, 5,000-row batches). ts goes as epoch
// milliseconds: no date string to build per fix here, none to parse there.
const INSERT_POSITIONS = `
  INSERT INTO positions (vehicle_id, ts, lat, lon, speed, heading, accuracy, flag)
  SELECT unnest($1::uuid[]), to_timestamp(unnest($2::float8[]) / 1000.0), unnest($3::float8[]), unnest($4::float8[]),
         unnest($5::real[]), unnest($6::real[]), unnest($7::real[]), unnest($8::text[])`;
const INSERT_POSITIONS_IDEMPOTENT = `${INSERT_POSITIONS}
  ON CONFLICT (vehicle_id, ts) DO NOTHING`;
/** After a duplicate, replays tend to come in runs (an agent's outbox resending): go straight to ON CONFLICT for a while. */
const CONFLICT_MEMORY_MS = 5_000;

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

function writePositions(insert: ReturnType<typeof positionsInsert>, b: PositionBatch): Promise<number> {
  return insert([b.vehicleId, b.ts, b.lat, b.lon, b.speed, b.heading, b.accuracy, b.flag].map(pgArray));
}

export function createPositionWriter(database: Database, opts: PositionWriterOptions) {
  const maxRows = opts.maxRows ?? 2_000;
  const maxBatchRows = Math.max(maxRows, opts.maxBatchRows ?? 10_000);
  const maxDelayMs = opts.maxDelayMs ?? 50;
  const maxInFlight = opts.maxInFlight ?? 2;
  const maxBufferedRows = opts.maxBufferedRows ?? 100_000;
  const insert = positionsInsert(rawQuery(database));

  let buffer = new PositionBatch();
  let timer: NodeJS.Timeout | null = null;
  const inFlight = new Set<Promise<void>>();

  /** What the next statement writes: everything buffered, or (after a backlog) its first maxBatchRows rows of whole messages. */
  function take(): PositionBatch {
    if (buffer.rows > maxBatchRows) return buffer.takeFirst(maxBatchRows);
    const all = buffer;
    buffer = new PositionBatch();
    return all;
  }

  function pump() {
    while (inFlight.size < maxInFlight && buffer.rows > 0) {
      const batch = take();
      const started = performance.now();
      const job = writePositions(insert, batch)
        .then(
          (inserted) => opts.onCommitted(batch, inserted, (performance.now() - started) / 1000),
          (err: unknown) => (batch.messages > 1 && isDataRefused(err) ? writeOneByOne(batch) : opts.onFailed(batch, err)),
        )
        .finally(() => {
          inFlight.delete(job);
          if (buffer.rows >= maxRows) pump();
          else schedule();
        });
      inFlight.add(job);
    }
  }

  /**
   * The database refused something in this batch for good (a value a `real`
   * column cannot hold, say): one message must not hold the others back for
   * ever, so each is written alone and only the refused ones fail.
   */
  async function writeOneByOne(batch: PositionBatch) {
    while (batch.messages > 0) {
      const one = batch.takeFirst(0);
      const started = performance.now();
      try {
        opts.onCommitted(one, await writePositions(insert, one), (performance.now() - started) / 1000);
      } catch (err) {
        opts.onFailed(one, err);
      }
    }
  }

  function schedule() {
    if (timer || buffer.rows === 0) return;
    timer = setTimeout(() => {
      timer = null;
      pump();
    }, maxDelayMs);
  }

  return {
    add(item: PositionBatchItem) {
      if (buffer.rows + item.fixes.length > maxBufferedRows) return opts.onDropped(item);
      buffer.add(item);
      if (buffer.rows >= maxRows) pump();
      else schedule();
    },
    /** Writes everything buffered and waits for it (shutdown, tests). */
    async flush() {
      if (timer) clearTimeout(timer);
      timer = null;
      while (buffer.rows > 0 || inFlight.size > 0) {
        pump();
        await Promise.race(inFlight);
      }
    },
  };
}

import type { PositionBatch } from "./position-batch.ts";
import { pgArray, type Query } from "./bulk-query.ts";

/** A vehicle's newest good fix (speed and heading NaN when the fix had none). */
interface LastFix {
  vehicleId: string;
  ts: number;
  lat: number;
  lon: number;
  speed: number;
  heading: number;
}

// Each vehicle's newest good fix; an older fix (late replay) never moves the live position back.
const UPDATE_STATE = `
  INSERT INTO vehicle_state (vehicle_id, last_ts, lat, lon, speed, heading, updated_at)
  SELECT unnest($1::uuid[]), to_timestamp(unnest($2::float8[]) / 1000.0), unnest($3::float8[]), unnest($4::float8[]),
         unnest($5::real[]), unnest($6::real[]), now()
  ON CONFLICT (vehicle_id) DO UPDATE SET last_ts = excluded.last_ts, lat = excluded.lat, lon = excluded.lon,
    speed = excluded.speed, heading = excluded.heading, updated_at = now()
  WHERE vehicle_state.last_ts IS NULL OR excluded.last_ts > vehicle_state.last_ts`;

export interface VehicleStateWriterOptions {
  /**
   * At most one write per this many ms. A fix must show on the live map
   * within 2 s of its publishing: batch (≤ 50 ms) + this + the map's poll
   * (≤ 500 ms) leave the rest of the budget to a loaded machine.
   */
  everyMs?: number;
  onFailed(err: unknown): void;
}

/**
 * The last fix of each vehicle in `vehicle_state`, written after its
 * positions commit. Written for every positions batch, a vehicle sending
 * several fixes a second had its row rewritten several times a second, and
 * that upsert cost as much database time as storing the fixes (measured with
 * npm run bench:ingest). So the newest good fix per vehicle is kept here and
 * written at most once per `everyMs` (250 ms), all vehicles in one statement, rows in
 * vehicle-id order so two server processes never deadlock. It is derived
 * data, never acked: positions are the record, and a failed write is retried
 * with the next one.
 */
export function createVehicleStateWriter(query: Query, opts: VehicleStateWriterOptions) {
  const everyMs = opts.everyMs ?? 250;
  const pending = new Map<string, LastFix>();
  let lastWriteAt = -Infinity;
  let timer: NodeJS.Timeout | null = null;
  let writing: Promise<void> | null = null;

  function keepNewest(fix: LastFix) {
    const seen = pending.get(fix.vehicleId);
    if (!seen || fix.ts > seen.ts) pending.set(fix.vehicleId, fix);
  }

  function schedule() {
    if (timer || writing || pending.size === 0) return;
    timer = setTimeout(
      () => {
        timer = null;
        void write();
      },
      Math.max(0, lastWriteAt + everyMs - performance.now()),
    );
  }

  function write(): Promise<void> {
    const fixes = [...pending.values()].sort((x, y) => (x.vehicleId < y.vehicleId ? -1 : 1));
    pending.clear();
    lastWriteAt = performance.now();
    const columns = [fixes.map((f) => f.vehicleId), fixes.map((f) => f.ts), fixes.map((f) => f.lat), fixes.map((f) => f.lon), fixes.map((f) => f.speed), fixes.map((f) => f.heading)];
    writing = query(UPDATE_STATE, columns.map(pgArray)).then(
      () => {},
      (err: unknown) => {
        fixes.forEach(keepNewest); // a newer fix that came meanwhile wins
        opts.onFailed(err);
      },
    );
    return writing.finally(() => {
      writing = null;
      schedule();
    });
  }

  return {
    /** A batch of positions just committed: its newest good fix per vehicle. */
    offer(b: PositionBatch) {
      for (let i = 0; i < b.rows; i++) {
        if (b.flag[i] !== null) continue;
        const vehicleId = b.vehicleId[i]!;
        const seen = pending.get(vehicleId);
        if (seen && seen.ts >= b.ts[i]!) continue;
        pending.set(vehicleId, { vehicleId, ts: b.ts[i]!, lat: b.lat[i]!, lon: b.lon[i]!, speed: b.speed[i]!, heading: b.heading[i]! });
      }
      schedule();
    },
    /** Writes what is pending now and waits for it (shutdown, tests). */
    async flush() {
      if (timer) clearTimeout(timer);
      timer = null;
      if (writing) await writing;
      if (pending.size) await write();
    },
  };
}

import type { PositionFix } from "../../../protocol/index.ts";
import type { Outbox } from "../outbox/outbox.ts";
import type { Trips } from "../trips/trips.ts";
import type { TrackPoint } from "./track.ts";

/** Where a replay is, kept in the outbox's state so a restarted agent resumes instead of starting over. */
interface ReplayCursor {
  source: string;
  /** Added to every recorded ts; fixed for the whole run so a resumed run stamps the same times. */
  shift: number;
  /** Wall-clock time the run started; fix i is due at startedAt + (ts_i − ts_0) / speed. */
  startedAt: number;
  next: number;
}

const CURSOR_KEY = "replay";
const MAX_GROUP = 500;

export interface ReplayOptions {
  points: TrackPoint[];
  /** Names the file and the chosen vehicle: a cursor for another source is not resumed. */
  source: string;
  speed: number;
  keepTime: boolean;
  /** A shift given from outside (a fleet's common clock) instead of replayShift's. */
  shift?: number;
  loop: boolean;
  /** Replay a file whose replay already completed (otherwise a restarted agent does not send it twice). */
  again: boolean;
  outbox: Outbox;
  trips: Trips;
  /** Stores one fix (inside the transaction this module opens). */
  record(fix: PositionFix): void;
  afterRecord(): void;
  signal: AbortSignal;
  now?: () => number;
}

/**
 * The shift that places the track in the present (unless keepTime): at real
 * speed it starts now; faster, it ends exactly when its last fix is sent, so
 * no fix is ever stamped later than the clock that sends it (the server flags
 * fixes from the future) while the fixes keep their real spacing and speeds.
 */
export function replayShift(points: TrackPoint[], startedAt: number, speed: number, keepTime: boolean): number {
  if (keepTime || points.length === 0) return 0;
  const first = points[0]!.ts;
  const duration = points.at(-1)!.ts - first;
  return Math.round(startedAt - first - duration * (1 - 1 / speed));
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (ms <= 0 || signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}

/**
 * Replays a track: each fix is stored when its time comes, together with the
 * cursor and any trip change the file carries (a new trip key ends the open
 * trip at the previous fix and starts the next at this one), all in one
 * transaction. Killed at any point, the agent resumes at the first fix not
 * yet stored, with the same timestamps: every fix exactly once.
 */
export async function runReplay(opts: ReplayOptions): Promise<"done" | "already-done" | "stopped"> {
  const now = opts.now ?? Date.now;
  const { points, outbox, trips } = opts;
  if (points.length === 0) return "done";
  const first = points[0]!.ts;

  function storePoint(i: number, cursor: ReplayCursor) {
    const { trip, ...raw } = points[i]!;
    const fix: PositionFix = { ...raw, ts: raw.ts + cursor.shift };
    const previousTs = i > 0 ? points[i - 1]!.ts + cursor.shift : fix.ts;
    const open = trips.current();
    if (trip && open?.replayKey !== trip.key) {
      if (open) trips.end(previousTs);
      // The file's own trip id rides along as orderRef, so the server (and GTFS-Realtime) can name the timetable trip.
      trips.start({ ...(trip.routeId ? { routeId: trip.routeId } : {}), ...(trip.direction ? { direction: trip.direction } : {}), orderRef: trip.key.slice(0, 64) }, fix.ts, trip.key);
    } else if (!trip && open?.replayKey !== undefined) {
      trips.end(previousTs);
    }
    opts.record(fix);
    if (i === points.length - 1) {
      if (trips.current()?.replayKey !== undefined) trips.end(fix.ts);
      // Kept, marked complete: the same command run again (say after a kill -9
      // before the last acks) must not send the whole track a second time.
      outbox.setState(CURSOR_KEY, { ...cursor, next: points.length });
    } else {
      outbox.setState(CURSOR_KEY, { ...cursor, next: i + 1 });
    }
  }

  let again = opts.again || opts.loop;
  do {
    const saved = outbox.getState<ReplayCursor>(CURSOR_KEY);
    const resumable = saved?.source === opts.source && (saved.next < points.length || !again);
    if (resumable && saved.next >= points.length) return "already-done";
    const cursor: ReplayCursor = resumable ? saved : { source: opts.source, shift: opts.shift ?? replayShift(points, now(), opts.speed, opts.keepTime), startedAt: now(), next: 0 };
    // A loop starts each lap afresh.
    again = true;
    const due = (i: number) => cursor.startedAt + (points[i]!.ts - first) / opts.speed;
    for (let i = cursor.next; i < points.length; ) {
      await sleep(due(i) - now(), opts.signal);
      if (opts.signal.aborted) return "stopped";
      // Every fix already due is stored in one transaction: a fast replay or a
      // catch-up after a restart costs one disk sync per group, not per fix.
      let end = i + 1;
      while (end < points.length && end - i < MAX_GROUP && due(end) <= now()) end++;
      outbox.transaction(() => {
        for (let j = i; j < end; j++) storePoint(j, cursor);
      });
      i = end;
      opts.afterRecord();
    }
  } while (opts.loop && !opts.signal.aborted);
  return opts.signal.aborted ? "stopped" : "done";
}

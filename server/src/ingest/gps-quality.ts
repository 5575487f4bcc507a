import { distanceM, type PositionFix } from "../../../protocol/index.ts";

/**
 * GPS quality flags (DESIGN §4): a bad fix is stored with its reason and left
 * out of maps and joins; its raw coordinates are never changed.
 */
export type FixFlag = "zero" | "inaccurate" | "jump" | "future";

export const QUALITY_LIMITS = {
  /** Worse than this (metres) the fix cannot place a vehicle on a street. */
  maxAccuracyM: 100,
  /** 250 km/h: faster than any bus, taxi or coach on the road. */
  maxSpeedMps: 70,
  /** A vehicle clock this far ahead of the server is wrong; a fix from "later" would hide newer ones. */
  maxFutureMs: 5 * 60_000,
};

interface Seen {
  ts: number;
  lat: number;
  lon: number;
  flag: "jump" | null;
}

/** Fixes remembered per vehicle, newest last: enough to place a late fix between its neighbours. */
const HISTORY = 16;

function impossible(from: Pick<Seen, "ts" | "lat" | "lon"> | undefined, to: Pick<Seen, "ts" | "lat" | "lon"> | undefined): boolean {
  if (!from || !to) return false;
  const dt = (to.ts - from.ts) / 1000;
  if (dt <= 0) return false;
  return distanceM(from, to) / dt > QUALITY_LIMITS.maxSpeedMps;
}

/**
 * Flags fixes as they arrive, per vehicle, against its last few fixes held in
 * memory. A jump is a fix impossible to reach both from the last good fix
 * before it and from its neighbour on the other side — the fix before it when
 * it is the newest, the fix after it when it comes late (an agent's backlog
 * after an outage comes after its newest fix) — so one wild fix is flagged,
 * and if the wild one came first, only the fix after it is lost. Late data is
 * flagged as it would have been on time (DESIGN §4), and a fix sent again gets
 * the flag it got the first time.
 */
export function createQualityChecker(now: () => number) {
  const histories = new Map<string, Seen[]>();

  return function flagFix(vehicleId: string, fix: PositionFix): FixFlag | null {
    if (fix.lat === 0 && fix.lon === 0) return "zero";
    if (fix.ts > now() + QUALITY_LIMITS.maxFutureMs) return "future";
    if (fix.accuracy !== undefined && fix.accuracy > QUALITY_LIMITS.maxAccuracyM) return "inaccurate";
    let seen = histories.get(vehicleId);
    if (!seen) histories.set(vehicleId, (seen = []));
    let at = seen.length; // where the fix goes, by time; fixes mostly come in order, so look from the end
    while (at > 0 && seen[at - 1]!.ts >= fix.ts) at--;
    if (seen[at]?.ts === fix.ts) return seen[at]!.flag;
    let good = at - 1;
    while (good >= 0 && seen[good]!.flag !== null) good--;
    const otherSide = at < seen.length ? impossible(fix, seen[at]) : impossible(seen[at - 1], fix);
    const flag = impossible(seen[good], fix) && otherSide ? "jump" : null;
    seen.splice(at, 0, { ts: fix.ts, lat: fix.lat, lon: fix.lon, flag });
    if (seen.length > HISTORY) seen.shift();
    return flag;
  };
}

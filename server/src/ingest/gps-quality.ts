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
}

function impossible(from: Seen | undefined, fix: PositionFix): boolean {
  if (!from) return false;
  const dt = (fix.ts - from.ts) / 1000;
  if (dt <= 0) return false;
  return distanceM(from, fix) / dt > QUALITY_LIMITS.maxSpeedMps;
}

/**
 * Flags fixes as they arrive, per vehicle. The speed check compares with the
 * vehicle's previous fix held in memory: a jump is a fix impossible to reach
 * both from the last good fix and from the last fix at all — so one wild fix
 * is flagged, and if the wild one came first, only the fix after it is lost.
 * Late fixes (older than the newest seen) are not speed-checked.
 */
export function createQualityChecker(now: () => number) {
  const lastGood = new Map<string, Seen>();
  const last = new Map<string, Seen>();

  return function flagFix(vehicleId: string, fix: PositionFix): FixFlag | null {
    if (fix.lat === 0 && fix.lon === 0) return "zero";
    if (fix.ts > now() + QUALITY_LIMITS.maxFutureMs) return "future";
    if (fix.accuracy !== undefined && fix.accuracy > QUALITY_LIMITS.maxAccuracyM) return "inaccurate";
    const prev = last.get(vehicleId);
    if (prev && fix.ts <= prev.ts) return null;
    const seen = { ts: fix.ts, lat: fix.lat, lon: fix.lon };
    last.set(vehicleId, seen);
    if (impossible(lastGood.get(vehicleId), fix) && impossible(prev, fix)) return "jump";
    lastGood.set(vehicleId, seen);
    return null;
  };
}

import { describe, expect, it } from "vitest";
import { createQualityChecker } from "./gps-quality.ts";

const t0 = Date.parse("2026-11-28T08:00:00Z");
/** A bus heading east at about 10 m/s: one fix every 10 s, 0.001° of longitude (≈ 89 m at 36.65°N) apart. */
const onRoute = (i: number) => ({ ts: t0 + i * 10_000, lat: 36.65, lon: 117.12 + i * 0.001 });
const wild = (i: number) => ({ ts: t0 + i * 10_000, lat: 39.9, lon: 116.4 }); // Beijing, 360 km away

describe("GPS quality flags", () => {
  it("flags one wild fix among fixes that arrive in order, and only it", () => {
    const flag = createQualityChecker(() => t0 + 3_600_000);
    const fixes = [onRoute(0), onRoute(1), wild(2), onRoute(3), onRoute(4)];
    expect(fixes.map((f) => flag("v1", f))).toEqual([null, null, "jump", null, null]);
  });

  it("flags the same wild fix when it comes late, in an agent's backlog sent after its newest fix", () => {
    const flag = createQualityChecker(() => t0 + 3_600_000);
    expect(flag("v1", onRoute(0))).toBeNull();
    expect(flag("v1", onRoute(9))).toBeNull(); // after the outage: the newest fix goes first
    const backlog = [onRoute(1), onRoute(2), wild(3), onRoute(4), onRoute(5), onRoute(6), onRoute(7), onRoute(8)];
    expect(backlog.map((f) => flag("v1", f))).toEqual([null, null, "jump", null, null, null, null, null]);
  });

  it("gives a fix sent again the flag it got the first time", () => {
    const flag = createQualityChecker(() => t0 + 3_600_000);
    const fixes = [onRoute(0), onRoute(1), wild(2), onRoute(3)];
    const first = fixes.map((f) => flag("v1", f));
    expect(fixes.map((f) => flag("v1", f))).toEqual(first); // a resend after a lost ack
    expect(first).toEqual([null, null, "jump", null]);
  });

  it("keeps each vehicle's history apart, and does not flag a fix far away after a long gap", () => {
    const flag = createQualityChecker(() => t0 + 48 * 3_600_000);
    expect(flag("v1", onRoute(0))).toBeNull();
    expect(flag("v2", wild(1))).toBeNull(); // another vehicle, somewhere else
    expect(flag("v1", { ts: t0 + 24 * 3_600_000, lat: 39.9, lon: 116.4 })).toBeNull(); // a day later: 360 km is possible
  });
});

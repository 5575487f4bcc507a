import { describe, expect, it } from "vitest";
import { displayTime } from "./clock.ts";

describe("displayTime", () => {
  it("shows a time as every screen does, in the display zone, across a daylight-saving change and midnight", () => {
    expect(displayTime(new Date("2026-12-01T14:53:59Z"), "Asia/Shanghai")).toBe("2026-12-01 22:53");
    expect(displayTime(new Date("2026-12-01T16:00:00Z"), "Asia/Shanghai")).toBe("2026-12-02 00:00");
    // Chicago leaves daylight time at 02:00 local on 2026-11-01: 06:30Z is 01:30 CDT, 07:30Z is 01:30 CST.
    expect(displayTime(new Date("2026-11-01T06:30:00Z"), "America/Chicago")).toBe("2026-11-01 01:30");
    expect(displayTime(new Date("2026-11-01T07:30:00Z"), "America/Chicago")).toBe("2026-11-01 01:30");
    expect(displayTime(new Date("2026-03-08T08:30:00Z"), "America/Chicago")).toBe("2026-03-08 03:30");
    expect(displayTime(new Date("2026-07-01T00:05:00Z"), "UTC")).toBe("2026-07-01 00:05");
  });
});

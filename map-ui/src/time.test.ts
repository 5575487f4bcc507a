import { describe, expect, it } from "vitest";
import { endOfToday, fmtDateTime, fromLocalInput, setDisplayZone, toLocalInput } from "./time.ts";

describe("times shown and entered in TZ_DISPLAY", () => {
  setDisplayZone("Asia/Shanghai");

  it("shows an instant as wall time in the display zone, whatever zone the process runs in", () => {
    expect(fmtDateTime("2026-11-27T08:05:00Z")).toBe("2026-11-27 16:05");
  });

  it("reads a window typed as Shanghai wall time back as the right instant", () => {
    expect(fromLocalInput("2026-11-27 16:05")).toBe("2026-11-27T08:05:00.000Z");
    expect(fromLocalInput("2026-11-27T16:05")).toBe("2026-11-27T08:05:00.000Z");
    expect(fromLocalInput(" 2026-11-27 9:05 ")).toBe("2026-11-27T01:05:00.000Z");
    expect(toLocalInput("2026-11-27T08:05:00Z")).toBe("2026-11-27 16:05");
    expect(fromLocalInput("not a time")).toBeNull();
    expect(fromLocalInput("11/27/2026, 04:05 PM")).toBeNull();
  });

  it("ends the default window at the end of today there, so later check-ins are still inside it", () => {
    expect(toLocalInput(endOfToday(new Date("2026-11-28T07:30:00Z")))).toBe("2026-11-29 00:00");
    // 01:30 on the 29th in Shanghai is still the 28th in UTC.
    expect(toLocalInput(endOfToday(new Date("2026-11-28T17:30:00Z")))).toBe("2026-11-30 00:00");
  });
});

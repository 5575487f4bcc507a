import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { describeAlert } from "./screen.ts";

describe("the terminal's alert line", () => {
  it("names the passenger as the driver may see them, with seat and time, never the check-in's id", () => {
    const checkinId = randomUUID();
    const line = describeAlert({ kind: "flagged_passenger", status: "close_contact", checkinId, ts: Date.now(), maskedName: "张**", seat: "12A" });
    expect(line).toMatch(/张\*\*, 座位 seat 12A, boarded \d\d:\d\d:\d\d, is 密接 a CLOSE CONTACT/);
    expect(line).not.toContain(checkinId);
  });

  it("still says whom to look for when the server knows no name", () => {
    const line = describeAlert({ kind: "flagged_passenger", status: "case", checkinId: randomUUID(), ts: Date.now() });
    expect(line).toMatch(/乘客 passenger, boarded \d\d:\d\d:\d\d, is 确诊 a CONFIRMED CASE/);
  });
});

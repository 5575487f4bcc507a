import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../../test/harness.ts";
import { trips } from "../db/schema/index.ts";

/*
 * The loop a tracer relies on, through the public API only (except trips,
 * which come from onboard agents over MQTT): passengers scan a bus's code, a
 * case is traced by phone, contacts are marked, and a contact's next scan
 * shows yellow.
 */
let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ now: "2026-11-27T08:00:00Z" });
});
afterAll(() => t.close());

describe("a tracer's day", () => {
  it("traces a case found by phone from real scans, marks the contacts, and their next scan shows yellow", async () => {
    const admin = await t.staff("admin");
    const tracer = await t.staff("tracer");
    const bus = await t.call("POST", "/api/v1/vehicles", { plate: "鲁A·K5101", kind: "bus", routeId: "K51", capacity: 60 }, admin);
    expect(bus.status).toBe(201);
    await t.deps.db.insert(trips).values({ id: "0193f0a0-0000-7000-8000-00000000a001", vehicleId: bus.json.id, startedAt: new Date("2026-11-27T08:01:00Z"), driverId: "driver-42" });

    const scan = async (phone: string, name: string) => {
      // The phone's owner proves it once (the code from the SMS sink); the device cookie then names them.
      const { cookie } = await t.verifyPhone(phone, { name });
      const res = await t.call("POST", "/api/v1/checkins", { code: bus.json.code.id, phone, name }, { cookie });
      expect(res.status, res.text).toBe(201);
      // Only that phone may check its own ride out.
      return { ...res.json, cookie };
    };
    const caseScan = await scan("13800000001", "Case");
    t.clock.advance(5 * 60_000);
    const neighbour = await scan("13800000002", "Neighbour");
    t.clock.advance(25 * 60_000);
    expect((await t.call("POST", `/api/v1/checkins/${caseScan.checkinId}/alight`, undefined, { cookie: caseScan.cookie })).status).toBe(200);
    t.clock.advance(60 * 60_000);
    await t.deps.db.execute(sql`update trips set ended_at = ${"2026-11-27T09:00:00Z"}::timestamptz`);

    const trace = await t.call(
      "POST",
      "/api/v1/traces",
      { phone: "+86 138 0000 0001", from: "2026-11-27T00:00:00Z", to: "2026-11-28T00:00:00Z", reason: "case J-7" },
      { authorization: tracer.authorization },
    );
    expect(trace.status, trace.text).toBe(201);
    expect(trace.json.segments).toMatchObject([{ checkinId: caseScan.checkinId, tripId: "0193f0a0-0000-7000-8000-00000000a001", alightEstimated: false }]);
    expect(trace.json.contacts.map((c: { role: string; name: string | null; driverId: string | null; overlapMinutes: number }) => [c.role, c.name ?? c.driverId, c.overlapMinutes])).toEqual([
      ["driver", "driver-42", 29],
      ["passenger", "Neighbour", 25],
    ]);

    const mark = await t.call("POST", `/api/v1/traces/${trace.json.id}/mark`, { personIds: [neighbour.personId], status: "close_contact" }, { authorization: tracer.authorization });
    expect(mark.status).toBe(200);
    const next = await scan("13800000002", "Neighbour");
    expect(next.status).toBe("yellow");
  });
});

import { sql } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../../test/harness.ts";
import { rowsOf } from "../db/client.ts";
import { applyRetention } from "../jobs/retention.job.ts";
import { scenario, type Scenario } from "../tracing/fixtures.ts";

const T0 = new Date("2026-11-27T08:00:00Z");
let t: TestApp;
let s: Scenario;
let tracer: Record<string, string>;
let admin: Record<string, string>;
let phoneOfE: string;

beforeAll(async () => {
  t = await createTestApp({ now: "2026-11-28T08:00:00Z" });
  s = scenario(t.deps, T0);
  tracer = { authorization: (await t.staff("tracer")).authorization };
  admin = { authorization: (await t.staff("admin")).authorization };
});
afterAll(() => t.close());
beforeEach(async () => {
  t.clock.set("2026-11-28T08:00:00Z");
  await s.clear();
  await s.vehicle("bus1", "bus", 60);
  await s.vehicle("taxi1", "taxi", 4);
  await s.person("P");
  phoneOfE = await s.person("E", { displayName: "Erin Example" });
  await s.trip("run1", "bus1", 0, 90, "+driver-1");
  await s.checkin("p1", "P", "bus1", 10, { alight: 60 });
  await s.checkin("e1", "E", "bus1", 0); // ends at E's next check-in (rule 3): 30 minutes later
  await s.checkin("e2", "E", "taxi1", 30, { alight: 40 });
});

const window = { from: "2026-11-27T07:00:00.000Z", to: "2026-11-28T07:00:00.000Z" };
const traceP = async () => (await t.call("POST", "/api/v1/traces", { personId: s.id("P"), ...window, reason: "case 2026-700" }, tracer)).json;
const erase = (id = s.id("E"), who = admin) => t.call("POST", `/api/v1/persons/${id}/erase`, { reason: "request 2026-12" }, who);
const flow = async () => (await t.call("GET", `/api/v1/flow?groupBy=vehicle&bucket=hour&from=${window.from}&to=${window.to}`, undefined, admin)).json.rows;

describe("erasure on request", () => {
  it("erases phone, name and lookup hash: the phone no longer finds them", async () => {
    const res = await erase();
    expect(res.status, res.text).toBe(200);
    expect(res.json).toMatchObject({ personId: s.id("E"), rides: 2 });
    const byPhone = await t.call("POST", "/api/v1/traces", { phone: phoneOfE, ...window, reason: "case 2026-701" }, tracer);
    expect(byPhone.status).toBe(404);
    const stored = JSON.stringify(rowsOf(await t.deps.db.execute(sql`select * from persons`)));
    expect(stored).not.toMatch(/Erin|13900/);
    const page = (await t.call("GET", `/api/v1/persons/${s.id("E")}`, undefined, tracer)).json;
    expect(page).toMatchObject({ maskedName: null, erased: true, rides: [] });
    expect((await erase()).json.error.code).toBe("person_erased");
  });

  it("leaves flow counts unchanged", async () => {
    const before = await flow();
    expect(before.length).toBeGreaterThan(0);
    await erase();
    expect(await flow()).toEqual(before);
  });

  it("keeps the erased person's ride in another person's trace, as an anonymous contact with the same interval", async () => {
    const before = await traceP();
    const erin = before.contacts.find((k: { personId: string }) => k.personId === s.id("E"));
    expect(erin).toMatchObject({ name: "Erin Example", overlapMinutes: 20 });
    await erase();
    const after = await traceP();
    const anon = after.contacts.find((k: { checkinId: string }) => k.checkinId === s.id("e1"));
    expect(anon).toMatchObject({ role: "passenger", phone: null, name: null, from: erin.from, to: erin.to, overlapMinutes: 20 });
    expect(anon.personId).not.toBe(s.id("E"));
    expect(after.contacts.length).toBe(before.contacts.length);
    // The stored trace made before the erasure no longer names them either, and still lists the ride.
    const reopened = await t.call("GET", `/api/v1/traces/${before.id}`, undefined, tracer);
    expect(reopened.text).not.toContain("Erin");
    expect(reopened.text).not.toContain(phoneOfE.slice(3));
    expect(reopened.json.contacts.find((k: { checkinId: string }) => k.checkinId === s.id("e1"))).toMatchObject({ personId: anon.personId, phone: null, name: null });
  });

  it("is audited with the reason, admin only", async () => {
    expect((await erase(s.id("E"), tracer)).status).toBe(403);
    expect((await erase(s.id("nobody"))).status).toBe(404);
    await erase();
    const log = (await t.call("GET", `/api/v1/audit?personId=${s.id("E")}`, undefined, admin)).json.entries;
    expect(log.map((e: { action: string; reason: string }) => [e.action, e.reason])).toEqual([["person.erase", "request 2026-12"]]);
  });

  it("lets retention work on as before: the rides and the erased persons go when their time is up", async () => {
    await erase();
    t.clock.set(new Date(T0.getTime() + 40 * 86_400_000));
    await applyRetention(t.deps);
    const left = rowsOf<{ n: number }>(await t.deps.db.execute(sql`select count(*)::int as n from persons where erased_at is not null`));
    expect(left[0]!.n).toBe(0);
    expect(rowsOf(await t.deps.db.execute(sql`select 1 from checkins`))).toHaveLength(0);
  });
});

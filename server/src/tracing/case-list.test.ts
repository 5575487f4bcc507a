import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../../test/harness.ts";
import { createRememberedLookup } from "../passenger/remembered.repository.ts";
import { createPersonsRepository } from "../persons/persons.repository.ts";
import { createCheckinsRepository } from "../checkins/checkins.repository.ts";
import { scenario, type Scenario } from "./fixtures.ts";
import { caseList } from "../../../protocol/api/trace.ts";
import { auditPage } from "../../../protocol/api/audit.ts";

const T0 = new Date("2026-11-27T08:00:00Z");
let t: TestApp;
let s: Scenario;
let tracer: Record<string, string>;
let tracerName: string;
let other: Record<string, string>;
let otherName: string;
let admin: Record<string, string>;
let phoneOfP: string;

beforeAll(async () => {
  t = await createTestApp({ now: "2026-11-28T08:00:00Z" });
  s = scenario(t.deps, T0);
  const a = await t.staff("tracer");
  const b = await t.staff("tracer");
  [tracer, tracerName, other, otherName] = [{ authorization: a.authorization }, a.username, { authorization: b.authorization }, b.username];
  admin = { authorization: (await t.staff("admin")).authorization };
});
afterAll(() => t.close());
beforeEach(async () => {
  t.clock.set("2026-11-28T08:00:00Z");
  await s.clear();
  await s.vehicle("taxi1", "taxi", 4);
  phoneOfP = await s.person("P", { displayName: "王小明" });
  await s.person("Q");
  await s.trip("fare1", "taxi1", 0, 30, "+driver-1");
  await s.checkin("p1", "P", "taxi1", 0, { alight: 30 });
  await s.checkin("q1", "Q", "taxi1", 5, { alight: 25 });
});

const window = { from: "2026-11-27T07:00:00.000Z", to: "2026-11-28T07:00:00.000Z" };
const trace = async (reason: string, who = tracer, body: Record<string, unknown> = { personId: s.id("P") }) => {
  const res = await t.call("POST", "/api/v1/traces", { ...body, ...window, reason }, who);
  expect(res.status, res.text).toBe(201);
  t.clock.advance(60_000);
  return res.json;
};

describe("the case list", () => {
  it("lists stored traces newest first with reference, masked index, window, counts, who and when", async () => {
    const first = await trace("case 2026-301");
    await trace("case 2026-302", other, { personId: s.id("Q") });
    const res = await t.call("GET", "/api/v1/traces", undefined, tracer);
    expect(res.status, res.text).toBe(200);
    expect(res.json.next).toBeNull();
    // Each answer is exactly the contract the console reads (protocol/api/): nothing missing, nothing the schema does not name.
    expect(caseList.parse(res.json)).toEqual(res.json);
    expect(res.json.traces.map((x: { reason: string }) => x.reason)).toEqual(["case 2026-302", "case 2026-301"]);
    expect(res.json.traces[1]).toEqual({
      id: first.id,
      reason: "case 2026-301",
      index: { personId: s.id("P"), maskedName: "王**" },
      from: window.from,
      to: window.to,
      depth: 1,
      minOverlapMinutes: 1,
      segments: 1,
      contacts: 2,
      by: tracerName,
      byId: expect.any(String),
      at: "2026-11-28T08:00:00.000Z",
    });
    expect(res.json.traces[0].by).toBe(otherName);
    expect(JSON.stringify(res.json)).not.toContain("王小明");
  });

  it("filters by case reference, phone, index person and time, and pages with a cursor", async () => {
    for (const n of [1, 2, 3, 4, 5]) await trace(`case 2026-4${n}`);
    await trace("cluster B-1", tracer, { personId: s.id("Q") });
    const get = async (query: string) => (await t.call("GET", `/api/v1/traces?${query}`, undefined, tracer)).json;
    expect((await get("q=2026-4")).traces).toHaveLength(5);
    expect((await get("q=b-1")).traces.map((x: { reason: string }) => x.reason)).toEqual(["cluster B-1"]);
    expect((await get(`q=${encodeURIComponent(phoneOfP.replace("+86", ""))}`)).traces).toHaveLength(5);
    expect((await get(`personId=${s.id("Q")}`)).traces).toHaveLength(1);
    expect((await get("q=%25")).traces).toHaveLength(0); // a % is a character, not a wildcard
    expect((await get(`from=2026-11-28T08:02:00Z&to=2026-11-28T08:04:00Z`)).traces.map((x: { reason: string }) => x.reason)).toEqual(["case 2026-44", "case 2026-43"]);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const pageOf: { traces: { reason: string }[]; next: string | null } = await get(`limit=4${cursor ? `&cursor=${cursor}` : ""}`);
      seen.push(...pageOf.traces.map((x) => x.reason));
      cursor = pageOf.next;
    } while (cursor);
    expect(seen).toEqual(["cluster B-1", "case 2026-45", "case 2026-44", "case 2026-43", "case 2026-42", "case 2026-41"]);
  });

  it("refuses a bad cursor, limit or window with 400, and operators with 403", async () => {
    expect((await t.call("GET", "/api/v1/traces?cursor=bm9wZQ", undefined, tracer)).json.error.code).toBe("invalid_cursor");
    expect((await t.call("GET", "/api/v1/traces?limit=1000", undefined, tracer)).status).toBe(400);
    expect((await t.call("GET", "/api/v1/traces?from=2026-11-28T08:00:00Z&to=2026-11-28T07:00:00Z", undefined, tracer)).status).toBe(400);
    const operator = { authorization: (await t.staff("operator", "Jinan Bus")).authorization };
    expect((await t.call("GET", "/api/v1/traces", undefined, operator)).status).toBe(403);
  });

  it("re-opens a stored trace as it was, without re-running it, with reference, who and when, audited", async () => {
    const made = await trace("case 2026-305");
    await s.person("R");
    await s.checkin("r1", "R", "taxi1", 10, { alight: 20 }); // would be a new contact if the trace ran again
    const res = await t.call("GET", `/api/v1/traces/${made.id}`, undefined, other);
    expect(res.status, res.text).toBe(200);
    expect(res.json).toEqual({ ...made, reason: "case 2026-305", by: tracerName, at: "2026-11-28T08:00:00.000Z" });
    const log = await t.call("GET", `/api/v1/audit?userId=${(await t.call("GET", "/api/v1/auth/me", undefined, other)).json.id}`, undefined, admin);
    expect(auditPage.parse(log.json)).toEqual(log.json);
    expect(log.json.entries.map((e: { action: string; traceId: string | null; reason: string }) => [e.action, e.traceId, e.reason])).toEqual([["trace.read", made.id, "case 2026-305"]]);
  });
});

describe("the audit log, readable", () => {
  it("gives admins the log filtered by person, staff user, case reference and time, paged", async () => {
    await trace("case 2026-501");
    await trace("case 2026-502", other, { personId: s.id("Q") });
    await t.call("GET", `/api/v1/persons/${s.id("Q")}`, undefined, tracer);
    const get = async (query: string) => (await t.call("GET", `/api/v1/audit?${query}`, undefined, admin)).json;
    const all = await get("");
    expect(all.entries.map((e: { action: string }) => e.action)).toEqual(["person.read", "trace.create", "trace.create"]);
    expect(all.entries[1]).toMatchObject({ user: otherName, personId: s.id("Q"), reason: "case 2026-502", traceId: expect.any(String) });
    expect((await get(`personId=${s.id("Q")}`)).entries).toHaveLength(2);
    expect((await get("reason=2026-501")).entries.map((e: { user: string }) => e.user)).toEqual([tracerName]);
    expect((await get("from=2026-11-28T08:01:00Z&to=2026-11-28T08:02:00Z")).entries.map((e: { reason: string }) => e.reason)).toEqual(["case 2026-502"]);
    const first = await get("limit=2");
    expect(first.entries).toHaveLength(2);
    expect((await get(`limit=2&cursor=${first.next}`)).entries.map((e: { reason: string }) => e.reason)).toEqual(["case 2026-501"]);
    expect(JSON.stringify(all)).not.toContain(phoneOfP.slice(3));
  });

  it("is for admins only", async () => {
    expect((await t.call("GET", "/api/v1/audit", undefined, tracer)).status).toBe(403);
    expect((await t.call("GET", "/api/v1/audit")).status).toBe(401);
  });

  it("tells a passenger how often and when their records were read for tracing, as a case and as a contact", async () => {
    const lookup = createRememberedLookup({ ...t.deps, persons: createPersonsRepository(t.deps), checkins: createCheckinsRepository(t.deps) });
    const readsOf = async (id: string) => (await lookup(id, null, t.clock.now()))!.reads;
    expect(await readsOf(s.id("Q"))).toEqual({ count: 0, latest: [] });
    const made = await trace("case 2026-601"); // P traced at 08:00, listing Q
    await t.call("GET", `/api/v1/traces/${made.id}.csv`, undefined, tracer); // 08:01: read again
    await t.call("GET", "/api/v1/traces", undefined, tracer); // the list shows no contact: not a read of Q
    const q = await readsOf(s.id("Q"));
    expect(q.count).toBe(2);
    expect(q.latest.map((d) => d.toISOString())).toEqual(["2026-11-28T08:01:00.000Z", "2026-11-28T08:00:00.000Z"]);
    expect((await readsOf(s.id("P"))).count).toBe(2);
  });
});

describe("the passenger's own page", () => {
  it("says how many times and when their records were read for tracing, never by whom", async () => {
    const v = (await t.call("POST", "/api/v1/vehicles", { plate: "鲁A·READS", kind: "bus" }, admin)).json;
    // Only a device that proved the phone is given the person's page.
    const { cookie, personId } = await t.verifyPhone("13912340000", { name: "Reader" });
    const checkin = await t.call("POST", "/api/v1/checkins", { code: v.code.id }, { cookie });
    expect(checkin.status, checkin.text).toBe(201);
    expect(checkin.json.personId).toBe(personId);
    const page = async () => (await t.app.request(`/v/${v.code.id}?lang=en`, { headers: { cookie: cookie! } })).text();
    expect(await page()).toContain("Contact tracers have not read your ride records.");
    await trace("case 2026-801", tracer, { personId: checkin.json.personId });
    const after = await page();
    expect(after).toContain("Contact tracers read your ride records for tracing 1 time.");
    expect(after).toContain("2026-11-28 16:00"); // when, in TZ_DISPLAY
    expect(after).not.toContain(tracerName);
  });
});

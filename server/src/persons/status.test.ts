import { sql } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../../test/harness.ts";
import { rowsOf } from "../db/client.ts";
import { endQuarantines } from "../jobs/quarantine.job.ts";
import { scenario, type Scenario } from "../tracing/fixtures.ts";
import { createPersonsRepository } from "./persons.repository.ts";

const DAY = 86_400_000;
const T0 = new Date("2026-11-27T08:00:00Z");
let t: TestApp;
let s: Scenario;
let tracer: Record<string, string>;
let tracerName: string;

beforeAll(async () => {
  t = await createTestApp({ now: "2026-11-28T08:00:00Z", env: { QUARANTINE_DAYS: "10" } });
  s = scenario(t.deps, T0);
  const staff = await t.staff("tracer");
  tracer = { authorization: staff.authorization };
  tracerName = staff.username;
});
afterAll(() => t.close());
beforeEach(async () => {
  t.clock.set("2026-11-28T08:00:00Z");
  await s.clear();
  await s.person("P");
});

/** Sessions expire: after moving the clock by days, sign in again. */
const signInAgain = async () => void (tracer = { authorization: (await t.staff("tracer")).authorization });
const setStatus = (status: string, reason?: string) => t.call("POST", `/api/v1/persons/${s.id("P")}/status`, { status, ...(reason ? { reason } : {}) }, tracer);
const revert = (reason: string) => t.call("POST", `/api/v1/persons/${s.id("P")}/status/revert`, { reason }, tracer);
const page = async () => (await t.call("GET", `/api/v1/persons/${s.id("P")}`, undefined, tracer)).json;
const audit = async () =>
  rowsOf<{ actor_name: string; action: string; reason: string | null }>(await t.deps.db.execute(sql`select actor_name, action, reason from audit_log order by at, id`));

describe("status with a way back", () => {
  it("sets a status with a reason, answers what it replaced, and writes history and audit", async () => {
    const res = await setStatus("case", "case 2026-200");
    expect(res.status, res.text).toBe(200);
    expect(res.json).toMatchObject({ personId: s.id("P"), status: "case", previous: "clear", changeId: expect.any(String), statusExpiresAt: null });
    const p = await page();
    expect(p).toMatchObject({ status: "case", statusSince: t.clock.now().toISOString(), statusExpiresAt: null });
    expect(p.history).toEqual([expect.objectContaining({ id: res.json.changeId, status: "case", previous: "clear", reason: "case 2026-200", by: tracerName })]);
    expect((await audit()).filter((a) => a.action === "person.status")).toEqual([{ actor_name: tracerName, action: "person.status", reason: "case 2026-200" }]);
  });

  it("reverts the last change back to the status, since and expiry it replaced, and can undo the undo", async () => {
    await setStatus("close_contact", "case 2026-201");
    const expiry = new Date(t.clock.now().getTime() + 10 * DAY).toISOString();
    t.clock.advance(3_600_000);
    await setStatus("case", "case 2026-201");
    const back = await revert("marked by mistake");
    expect(back.status, back.text).toBe(200);
    expect(back.json).toMatchObject({ status: "close_contact", previous: "case", statusExpiresAt: expiry });
    expect(await page()).toMatchObject({ status: "close_contact", statusSince: "2026-11-28T08:00:00.000Z", statusExpiresAt: expiry });
    const again = await revert("it was right after all");
    expect(again.json).toMatchObject({ status: "case", previous: "close_contact" });
    const history = (await page()).history;
    expect(history.map((h: { status: string; reason: string }) => [h.status, h.reason])).toEqual([
      ["case", "it was right after all"],
      ["close_contact", "marked by mistake"],
      ["case", "case 2026-201"],
      ["close_contact", "case 2026-201"],
    ]);
    expect(history[0].reverts).toBe(history[1].id);
    expect((await audit()).map((a) => a.action)).toContain("person.status.revert");
  });

  it("refuses a revert without a reason (400), with nothing to undo (409), and for nobody (404)", async () => {
    expect((await t.call("POST", `/api/v1/persons/${s.id("P")}/status/revert`, {}, tracer)).status).toBe(400);
    expect((await revert(" ")).status).toBe(400);
    const nothing = await revert("oops");
    expect(nothing.status).toBe(409);
    expect(nothing.json.error.code).toBe("nothing_to_revert");
    expect((await t.call("POST", `/api/v1/persons/${s.id("nobody")}/status/revert`, { reason: "x" }, tracer)).status).toBe(404);
  });

  it("lets a close contact's status lapse after QUARANTINE_DAYS: reads say clear at once, the job writes it down", async () => {
    const set = await setStatus("close_contact", "case 2026-202");
    const ends = new Date(t.clock.now().getTime() + 10 * DAY);
    expect(set.json.statusExpiresAt).toBe(ends.toISOString());
    const persons = createPersonsRepository(t.deps);
    t.clock.set(new Date(ends.getTime() - 1000));
    expect((await persons.ref(s.id("P")))?.status).toBe("close_contact");
    t.clock.set(new Date(ends.getTime() + 60_000));
    await signInAgain();
    // Before the job runs: no stale yellow anywhere a status is read.
    expect((await persons.ref(s.id("P")))?.status).toBe("clear");
    expect((await persons.findOrCreate({ phone: "+8613900000001" })).status).toBe("clear");
    expect(await page()).toMatchObject({ status: "clear", statusSince: ends.toISOString(), statusExpiresAt: null });
    expect(await endQuarantines(t.deps)).toBe(1);
    expect(await endQuarantines(t.deps)).toBe(0);
    const after = await page();
    expect(after).toMatchObject({ status: "clear", statusSince: ends.toISOString() });
    expect(after.history[0]).toMatchObject({ status: "clear", previous: "close_contact", reason: "quarantine ended", by: null });
    expect((await audit()).filter((a) => a.action === "person.status.expired")).toEqual([{ actor_name: "system", action: "person.status.expired", reason: "quarantine ended" }]);
  });

  it("a case does not lapse, and a new marking starts a new quarantine", async () => {
    await setStatus("case", "case 2026-203");
    t.clock.advance(30 * DAY);
    await signInAgain();
    expect(await endQuarantines(t.deps)).toBe(0);
    expect((await page()).status).toBe("case");
    await setStatus("close_contact", "case 2026-204");
    t.clock.advance(9 * DAY);
    await signInAgain();
    await setStatus("close_contact", "case 2026-205");
    t.clock.advance(2 * DAY);
    await signInAgain();
    expect((await page()).status).toBe("close_contact");
  });

  it("marks contacts from a trace with history rows that name the trace, each revertible", async () => {
    await s.vehicle("taxi1", "taxi", 4);
    await s.person("Q");
    await s.checkin("p1", "P", "taxi1", 0, { alight: 30 });
    await s.checkin("q1", "Q", "taxi1", 5, { alight: 25 });
    const trace = await t.call("POST", "/api/v1/traces", { personId: s.id("P"), from: s.at(-60).toISOString(), to: s.at(600).toISOString(), reason: "case 2026-206" }, tracer);
    const mark = await t.call("POST", `/api/v1/traces/${trace.json.id}/mark`, { personIds: [s.id("Q")], status: "close_contact" }, tracer);
    expect(mark.status, mark.text).toBe(200);
    expect(mark.json.changes).toEqual([expect.objectContaining({ personId: s.id("Q"), status: "close_contact", previous: "clear" })]);
    const q = (await t.call("GET", `/api/v1/persons/${s.id("Q")}`, undefined, tracer)).json;
    expect(q.history[0]).toMatchObject({ reason: "case 2026-206", traceId: trace.json.id });
    expect(q.traces).toEqual([expect.objectContaining({ traceId: trace.json.id, reason: "case 2026-206", role: "contact" })]);
    const undo = await t.call("POST", `/api/v1/persons/${s.id("Q")}/status/revert`, { reason: "undo marking" }, tracer);
    expect(undo.json).toMatchObject({ status: "clear", previous: "close_contact" });
  });
});

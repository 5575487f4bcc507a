import { getIssues } from "@placemarkio/check-geojson";
import { sql } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../../test/harness.ts";
import { rowsOf } from "../db/client.ts";
import { scenario, type Scenario } from "./fixtures.ts";
import { storedTrace, trace as traceAnswer } from "../../../protocol/api/trace.ts";

const T0 = new Date("2026-11-27T08:00:00Z");
let t: TestApp;
let s: Scenario;
let tracer: Record<string, string>;
let tracerName: string;
let phoneOfP: string;

beforeAll(async () => {
  t = await createTestApp({ now: "2026-11-28T08:00:00Z" });
  s = scenario(t.deps, T0);
  const staff = await t.staff("tracer");
  tracer = { authorization: staff.authorization };
  tracerName = staff.username;
});
afterAll(() => t.close());
beforeEach(async () => {
  await s.clear();
  await s.vehicle("taxi1", "taxi", 4);
  await s.vehicle("coach1", "coach", 50);
  phoneOfP = await s.person("P");
  await s.person("Q", { displayName: '=HYPERLINK("http://evil.example","x")' });
  await s.person("R", { displayName: "王小明" });
  await s.trip("fare1", "taxi1", 0, 30, "+driver-1");
  await s.trip("run1", "coach1", 60, 240);
  await s.track("taxi1", 0, 30, 1);
  await s.checkin("p1", "P", "taxi1", 0, { alight: 30 });
  await s.checkin("q1", "Q", "taxi1", 5, { alight: 25 });
  await s.checkin("p2", "P", "coach1", 60, { seat: "12A" });
  await s.checkin("r1", "R", "coach1", 60, { seat: "14C" });
});

const window = () => ({ from: s.at(-60).toISOString(), to: s.at(24 * 60).toISOString() });
const audit = async () =>
  rowsOf<{ actor_name: string; action: string; subject_person_id: string | null; reason: string | null }>(
    await t.deps.db.execute(sql`select actor_name, action, subject_person_id, reason from audit_log order by at, id`),
  );

describe("the trace API", () => {
  it("finds a case by phone, as typed, and names their contacts with phone and name", async () => {
    const local = phoneOfP.replace("+86", "");
    const res = await t.call("POST", "/api/v1/traces", { phone: local.replace(/(\d{3})(\d{4})/, "$1 $2 "), ...window(), reason: "case 2026-114" }, tracer);
    expect(res.status, res.text).toBe(201);
    expect(res.json.index.personId).toBe(s.id("P"));
    expect(res.json.segments.map((g: { checkinId: string }) => s.nameOf(g.checkinId))).toEqual(["p1", "p2"]);
    expect(res.json.segments[0].path.type).toBe("LineString");
    const q = res.json.contacts.find((c: { personId: string }) => c.personId === s.id("Q"));
    expect(q).toMatchObject({ role: "passenger", phone: expect.stringMatching(/^\+86139/), name: '=HYPERLINK("http://evil.example","x")', overlapMinutes: 20 });
    expect(res.json.contacts.map((c: { role: string; personId: string | null; driverId: string | null }) => c.personId ? s.nameOf(c.personId) : c.driverId)).toEqual([
      "+driver-1",
      "Q",
      "R",
    ]);
  });

  it("ranks a close taxi ride above a coach ride far apart in rows, and coach rows within three above those further", async () => {
    await s.person("S");
    await s.checkin("s1", "S", "coach1", 60, { seat: "30B" });
    const res = await t.call("POST", "/api/v1/traces", { personId: s.id("P"), ...window(), reason: "case 2026-114", minOverlapMinutes: 15 }, tracer);
    const risk = Object.fromEntries(res.json.contacts.map((c: { personId: string | null; driverId: string; risk: number }) => [c.personId ? s.nameOf(c.personId) : c.driverId, c.risk]));
    expect(risk.Q).toBeGreaterThan(risk.R);
    expect(risk.R).toBeGreaterThan(risk.S); // row 14 is within three of row 12; row 30 is not
    for (const r of Object.values(risk) as number[]) {
      expect(r).toBeGreaterThan(0);
      expect(r).toBeLessThanOrEqual(1);
    }
  });

  it("writes one audit row per trace call with who, which person and the reason", async () => {
    await t.call("POST", "/api/v1/traces", { personId: s.id("P"), ...window(), reason: "case 2026-114" }, tracer);
    await t.call("POST", "/api/v1/traces", { personId: s.id("P"), ...window(), reason: "case 2026-115", depth: 2 }, tracer);
    expect(await audit()).toEqual([
      { actor_name: tracerName, action: "trace.create", subject_person_id: s.id("P"), reason: "case 2026-114" },
      { actor_name: tracerName, action: "trace.create", subject_person_id: s.id("P"), reason: "case 2026-115" },
    ]);
  });

  it("refuses operators (403) and a trace without a reason (400), and says 404 for an unknown phone, audited", async () => {
    const operator = { authorization: (await t.staff("operator", "Jinan Bus")).authorization };
    expect((await t.call("POST", "/api/v1/traces", { personId: s.id("P"), ...window(), reason: "x" }, operator)).status).toBe(403);
    const noReason = await t.call("POST", "/api/v1/traces", { personId: s.id("P"), ...window() }, tracer);
    expect(noReason.status).toBe(400);
    expect(noReason.json.error.message).toContain("reason");
    expect((await t.call("POST", "/api/v1/traces", { personId: s.id("P"), ...window(), reason: " " }, tracer)).status).toBe(400);
    expect((await t.call("POST", "/api/v1/traces", { phone: "13700000000", personId: s.id("P"), ...window(), reason: "x" }, tracer)).status).toBe(400);
    expect((await t.call("POST", "/api/v1/traces", { personId: s.id("P"), from: window().to, to: window().from, reason: "x" }, tracer)).status).toBe(400);
    expect((await t.call("POST", "/api/v1/traces", { phone: "13700000000", ...window(), reason: "case 9" }, tracer)).status).toBe(404);
    expect(await audit()).toEqual([{ actor_name: tracerName, action: "trace.not_found", subject_person_id: null, reason: "case 9" }]);
  });

  it("stores the result encrypted: no phone or name readable in the table", async () => {
    const res = await t.call("POST", "/api/v1/traces", { personId: s.id("P"), ...window(), reason: "case 2026-114" }, tracer);
    const [row] = rowsOf<{ request: unknown; result_enc: string }>(await t.deps.db.execute(sql`select request, result_enc from traces where id = ${res.json.id}::uuid`));
    const stored = JSON.stringify(row);
    expect(stored).not.toContain("HYPERLINK");
    expect(stored).not.toContain(phoneOfP.slice(3));
    const again = await t.call("GET", `/api/v1/traces/${res.json.id}`, undefined, tracer);
    expect(again.json.contacts).toEqual(res.json.contacts);
    // Each answer is exactly the contract the console reads (protocol/api/): nothing missing, nothing the schema does not name.
    expect(traceAnswer.parse(res.json)).toEqual(res.json);
    expect(storedTrace.parse(again.json)).toEqual(again.json);
  });
});

describe("exports", () => {
  it("escapes a name that a spreadsheet would run as a formula, in a CSV with a header", async () => {
    const { json } = await t.call("POST", "/api/v1/traces", { personId: s.id("P"), ...window(), reason: "case 2026-114" }, tracer);
    const res = await t.call("GET", `/api/v1/traces/${json.id}.csv`, undefined, tracer);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/csv");
    const lines = res.text.replace(/^\uFEFF/, "").trimEnd().split("\r\n");
    expect(lines[0]).toBe("role,depth,personId,driverId,name,phone,status,plate,vehicleId,tripId,seat,from,to,overlapMinutes,risk");
    expect(res.text).toContain(`"'=HYPERLINK(""http://evil.example"",""x"")"`);
    expect(res.text).not.toMatch(/(^|,)"?=HYPERLINK/m);
    expect(res.text).toContain(",'+driver-1,"); // a driver id starting with + is escaped too
    expect(res.text).toContain("'+86139"); // and so is every phone number
    expect(res.text).toContain("王小明");
    // Times as the console shows them, in TZ_DISPLAY (Asia/Shanghai), with the offset so each cell is one instant anywhere.
    const q = lines.find((l) => l.includes("HYPERLINK"))!;
    expect(q).toContain(",2026-11-27 16:05:00+08:00,2026-11-27 16:25:00+08:00,");
    expect(lines.slice(1).every((l) => /,\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\+08:00,\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\+08:00,/.test(l))).toBe(true);
    expect(res.text).not.toMatch(/\d{2}:\d{2}:\d{2}\.\d{3}Z/);
    expect((await audit()).map((a) => a.action)).toEqual(["trace.create", "trace.export.csv"]);
  });

  it("exports valid GeoJSON: the case's paths and each contact's boarding point", async () => {
    const { json } = await t.call("POST", "/api/v1/traces", { personId: s.id("P"), ...window(), reason: "case 2026-114" }, tracer);
    const res = await t.call("GET", `/api/v1/traces/${json.id}.geojson`, undefined, tracer);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("application/geo+json");
    expect(getIssues(res.text)).toEqual([]);
    const kinds = res.json.features.map((f: { geometry: { type: string }; properties: { kind: string } }) => `${f.properties.kind}:${f.geometry.type}`);
    // The coach has no fixes: its segment has no path and its passengers no point.
    expect(kinds).toEqual(["segment:LineString", "contact:Point", "contact:Point"]);
    const q = res.json.features.find((f: { properties: { personId: string } }) => f.properties.personId === s.id("Q"));
    expect(q.geometry.coordinates).toEqual([117.005, 36.65]); // where taxi1 was at minute 5
    expect(res.text).not.toContain("HYPERLINK");
  });

  it("answers 404 for an unknown trace and 400 for a malformed id", async () => {
    expect((await t.call("GET", `/api/v1/traces/${s.id("nothing")}.csv`, undefined, tracer)).status).toBe(404);
    expect((await t.call("GET", `/api/v1/traces/not-a-trace.csv`, undefined, tracer)).status).toBe(400);
  });
});

describe("health status", () => {
  const statusOf = async (name: string) =>
    rowsOf<{ status: string }>(await t.deps.db.execute(sql`select status from persons where id = ${s.id(name)}::uuid`))[0]?.status;

  it("sets a person's status, audited", async () => {
    const res = await t.call("POST", `/api/v1/persons/${s.id("P")}/status`, { status: "case", reason: "lab 77" }, tracer);
    expect(res.status, res.text).toBe(200);
    expect(await statusOf("P")).toBe("case");
    expect(await audit()).toEqual([{ actor_name: tracerName, action: "person.status", subject_person_id: s.id("P"), reason: "lab 77" }]);
    expect((await t.call("POST", `/api/v1/persons/${s.id("nobody")}/status`, { status: "case" }, tracer)).status).toBe(404);
    expect((await t.call("POST", `/api/v1/persons/${s.id("P")}/status`, { status: "sick" }, tracer)).status).toBe(400);
    const operator = { authorization: (await t.staff("operator", "Jinan Bus")).authorization };
    expect((await t.call("POST", `/api/v1/persons/${s.id("P")}/status`, { status: "clear" }, operator)).status).toBe(403);
  });

  it("refuses a reason with a NUL byte (400) and changes nothing: no status, no audit row", async () => {
    const res = await t.call("POST", `/api/v1/persons/${s.id("P")}/status`, { status: "case", reason: "lab\u000077" }, tracer);
    expect(res.status, res.text).toBe(400);
    expect(res.json.error.code).toBe("invalid_request");
    expect(await statusOf("P")).toBe("clear");
    expect(await audit()).toEqual([]);
  });

  describe("when the audit row cannot be written", () => {
    // A refusal the schema cannot foresee stands in for any failure of the second write.
    beforeEach(() => t.deps.db.execute(sql`alter table audit_log add constraint test_refused_reason check (reason is distinct from 'AUDIT-REFUSED')`));
    afterEach(() => t.deps.db.execute(sql`alter table audit_log drop constraint test_refused_reason`));

    it("keeps the person's status as it was", async () => {
      const res = await t.call("POST", `/api/v1/persons/${s.id("P")}/status`, { status: "case", reason: "AUDIT-REFUSED" }, tracer);
      expect(res.status).toBeGreaterThanOrEqual(500);
      expect(await statusOf("P")).toBe("clear");
      expect(await audit()).toEqual([]);
    });

    it("stores no trace", async () => {
      const res = await t.call("POST", "/api/v1/traces", { personId: s.id("P"), ...window(), reason: "AUDIT-REFUSED" }, tracer);
      expect(res.status).toBeGreaterThanOrEqual(500);
      expect(rowsOf(await t.deps.db.execute(sql`select id from traces`))).toEqual([]);
    });

    it("marks no contact of a trace", async () => {
      const { json } = await t.call("POST", "/api/v1/traces", { personId: s.id("P"), ...window(), reason: "case 2026-114" }, tracer);
      await t.deps.db.execute(sql`update traces set request = jsonb_set(request, '{reason}', '"AUDIT-REFUSED"')`);
      const res = await t.call("POST", `/api/v1/traces/${json.id}/mark`, { personIds: [s.id("Q"), s.id("R")], status: "close_contact" }, tracer);
      expect(res.status).toBeGreaterThanOrEqual(500);
      expect([await statusOf("Q"), await statusOf("R")]).toEqual(["clear", "clear"]);
    });
  });

  it("marks chosen contacts of a trace in one call, and only people in that trace", async () => {
    const { json } = await t.call("POST", "/api/v1/traces", { personId: s.id("P"), ...window(), reason: "case 2026-114" }, tracer);
    const res = await t.call("POST", `/api/v1/traces/${json.id}/mark`, { personIds: [s.id("Q"), s.id("R")], status: "close_contact" }, tracer);
    expect(res.status, res.text).toBe(200);
    expect(await statusOf("Q")).toBe("close_contact");
    expect(await statusOf("R")).toBe("close_contact");
    expect((await audit()).filter((a) => a.action === "person.status").map((a) => [a.subject_person_id, a.reason])).toEqual([
      [s.id("Q"), "case 2026-114"],
      [s.id("R"), "case 2026-114"],
    ]);
    await s.person("X");
    const outsider = await t.call("POST", `/api/v1/traces/${json.id}/mark`, { personIds: [s.id("X")], status: "close_contact" }, tracer);
    expect(outsider.status).toBe(400);
    expect(await statusOf("X")).toBe("clear");
  });
});

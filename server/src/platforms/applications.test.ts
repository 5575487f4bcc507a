import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../../test/harness.ts";
import { auditLog, vehicles } from "../db/schema/index.ts";
import { createPersonsRepository } from "../persons/persons.repository.ts";
import { createApplicationsRepository, type ApplicationInput } from "./applications.repository.ts";

/*
 * Review of owners' own applications. The applicant's proof of phone belongs
 * to the identity feature (applicant-identity.ts); here applications are made
 * through the repository for a known person, and everything after — the code
 * working at once, the queues, the decisions, the stopped code — goes through HTTP.
 */
let t: TestApp;
let operatorId: string;
const who: Record<string, { authorization: string }> = {};

beforeAll(async () => {
  t = await createTestApp();
  operatorId = (await t.auth.operatorByName("Green Cab Co")).id;
  who.admin = await t.staff("admin");
  who.authority = await t.staff("authority");
  who.operator = await t.staff("operator", "Green Cab Co");
  who.otherOperator = await t.staff("operator", "Other Cab Co");
  who.tracer = await t.staff("tracer");
});
afterAll(() => t.close());

async function apply(input: Partial<ApplicationInput> & { plate: string }, phone = "+8613900001111") {
  const person = await createPersonsRepository(t.deps).findOrCreate({ phone });
  return createApplicationsRepository(t.deps).apply(
    { kind: "taxi", operatorId: null, driverName: "张师傅", licence: "370100123456", onboardUnit: false, ...input },
    { personId: person.id, phone },
  );
}
const queue = async (role: string) => (await t.call("GET", "/api/v1/applications", undefined, who[role])).json.applications as { id: string; vehicle: { plate: string } }[];

describe("applying for a code without a staff account", () => {
  it("refuses an application from a device that has not verified its phone", async () => {
    const res = await t.call("POST", "/api/v1/applications", { plate: "鲁A·X0001", kind: "taxi", driverName: "张", licence: "1234567" });
    expect([res.status, res.json.error.code]).toEqual([403, "phone_not_verified"]);
  });

  it("issues a working code at once, marked pending, and shows the applicant their application", async () => {
    const a = await apply({ plate: "鲁A·P0001" });
    const scan = await t.call("POST", "/api/v1/checkins", { code: a.codeId, phone: "13800002222" });
    expect(scan.status, scan.text).toBe(201);
    const [v] = await t.deps.db.select().from(vehicles).where(eq(vehicles.id, a.vehicleId));
    expect(v!.status).toBe("pending");
    const page = await t.app.request(`/apply/${a.pageToken}`);
    expect(await page.text()).toContain("待审核");
    const poster = await t.app.request(`/apply/${a.pageToken}/poster`);
    expect([poster.status, (await poster.text()).includes("鲁A·P0001")]).toEqual([200, true]);
  });

  it("catches a plate pending twice or already registered, however it is written", async () => {
    await expect(apply({ plate: "鲁a p0001" })).rejects.toMatchObject({ status: 409, code: "plate_taken" });
    await t.call("POST", "/api/v1/vehicles", { plate: "鲁A·R7777", kind: "taxi" }, who.admin);
    await expect(apply({ plate: "鲁AR7777" })).rejects.toMatchObject({ status: 409, code: "plate_taken" });
  });
});

describe("reviewing applications", () => {
  it("shows the authority the independents' queue and operator staff their own fleet's, nobody else", async () => {
    const independent = await apply({ plate: "鲁A·I0001" });
    const fleetCar = await apply({ plate: "鲁A·G0001", operatorId });
    const ids = (role: string) => queue(role).then((q) => q.map((a) => a.id));
    expect(await ids("authority")).toContain(independent.id);
    expect(await ids("authority")).not.toContain(fleetCar.id);
    expect(await ids("operator")).toEqual([fleetCar.id]);
    expect(await ids("otherOperator")).toEqual([]);
    expect((await t.call("GET", "/api/v1/applications", undefined, who.tracer)).status).toBe(403);
    const wrong = await t.call("POST", `/api/v1/applications/${independent.id}/approve`, {}, who.operator);
    expect(wrong.status).toBe(403);
  });

  it("approves with an audit row, and refuses to decide twice", async () => {
    const a = await apply({ plate: "鲁A·A0001" });
    const ok = await t.call("POST", `/api/v1/applications/${a.id}/approve`, {}, who.authority);
    expect([ok.status, ok.json.status]).toEqual([200, "approved"]);
    const again = await t.call("POST", `/api/v1/applications/${a.id}/reject`, { reason: "late" }, who.authority);
    expect([again.status, again.json.error.code]).toEqual([409, "already_decided"]);
    const [v] = await t.deps.db.select().from(vehicles).where(eq(vehicles.id, a.vehicleId));
    expect(v!.status).toBe("active");
    const rows = await t.deps.db.select().from(auditLog).where(eq(auditLog.action, "application.approve"));
    expect(rows.map((r) => (r.details as { applicationId: string }).applicationId)).toContain(a.id);
  });

  it("rejects with a reason: the code stops working with a clear page, and the applicant sees why", async () => {
    const a = await apply({ plate: "鲁A·J0001", operatorId });
    const noReason = await t.call("POST", `/api/v1/applications/${a.id}/reject`, {}, who.operator);
    expect(noReason.status).toBe(400);
    const res = await t.call("POST", `/api/v1/applications/${a.id}/reject`, { reason: "运输证号与车辆不符" }, who.operator);
    expect(res.json).toMatchObject({ status: "rejected", reason: "运输证号与车辆不符" });
    const scan = await t.call("POST", "/api/v1/checkins", { code: a.codeId, phone: "13800003333" });
    expect([scan.status, scan.json.error.code]).toEqual([410, "vehicle_rejected"]);
    const passengerPage = await t.app.request(`/v/${a.codeId}`);
    expect(passengerPage.status).toBe(410);
    expect(await passengerPage.text()).toContain("未通过审核");
    const mine = await (await t.app.request(`/apply/${a.pageToken}`)).text();
    expect(mine).toContain("运输证号与车辆不符");
    expect((await t.app.request(`/apply/${a.pageToken}/poster`)).status).toBe(404);
    const [row] = await t.deps.db.select().from(auditLog).where(eq(auditLog.action, "application.reject"));
    expect(row).toMatchObject({ reason: "运输证号与车辆不符", actorName: expect.stringMatching(/^operator-/) });
    // A rejected plate may apply again.
    expect((await apply({ plate: "鲁A·J0001", operatorId })).id).toBeTruthy();
  });
});

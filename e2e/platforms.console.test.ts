import type { Browser } from "playwright-core";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditLog, vehicles } from "../server/src/db/schema/index.ts";
import { createPersonsRepository } from "../server/src/persons/persons.repository.ts";
import { createApplicationsRepository } from "../server/src/platforms/applications.repository.ts";
import { createTestApp, type TestApp } from "../server/test/harness.ts";
import { launchBrowser, listen, openPage, signIn } from "./console.support.ts";

/*
 * Issue 16 in the console, as staff would use it: the transport authority
 * approves an owner's application; an operator's staff make an API key (shown
 * once), and a fleet system uses it at once.
 */
let t: TestApp;
let server: Awaited<ReturnType<typeof listen>>;
let browser: Browser;

beforeAll(async () => {
  t = await createTestApp();
  [server, browser] = await Promise.all([listen(t.app), launchBrowser()]);
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
  await t?.close();
});

describe("platforms in the console", () => {
  it("lets the transport authority approve an independent taxi's application", async () => {
    const phone = "+8613900005555";
    const person = await createPersonsRepository(t.deps).findOrCreate({ phone });
    const applied = await createApplicationsRepository(t.deps).apply(
      { plate: "鲁A·E2E16", kind: "taxi", operatorId: null, driverName: "赵师傅", licence: "370100999888", onboardUnit: false },
      { personId: person.id, phone },
    );
    const authority = await t.staff("authority");
    const { page, errors } = await openPage(browser);
    await signIn(page, server.base, authority);
    await page.waitForURL(/#\/review/);
    const row = page.locator(`tr[data-application="${applied.id}"]`);
    await row.waitFor();
    await expect(row.textContent()).resolves.toContain("370100999888");
    await row.getByRole("button", { name: "Approve 鲁A·E2E16" }).click();
    await page.getByText("鲁A·E2E16: Approved.").waitFor();
    const [v] = await t.deps.db.select().from(vehicles).where(eq(vehicles.id, applied.vehicleId));
    expect(v!.status).toBe("active");
    const audit = await t.deps.db.select().from(auditLog).where(eq(auditLog.action, "application.approve"));
    expect(audit[0]).toMatchObject({ actorName: authority.username, subjectPersonId: person.id });
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it("lets an operator's staff create an API key, shown once, that the fleet system can use at once", async () => {
    const operator = await t.staff("operator", "Swift Rides");
    const operatorId = (await t.auth.operatorByName("Swift Rides")).id;
    const { page, errors } = await openPage(browser);
    await signIn(page, server.base, operator);
    await page.goto(`${server.base}/#/api-keys`);
    await page.getByLabel("Key name").fill("dispatch sync");
    await page.getByRole("button", { name: "Create key" }).click();
    const key = (await page.locator("pre.secret").textContent())!.trim();
    expect(key).toMatch(/^tck_/);
    await page.getByText("dispatch sync").first().waitFor();
    const put = await t.call("PUT", `/api/v1/operators/${operatorId}/vehicles`, { vehicles: [{ externalId: "c1", plate: "京B12345", kind: "ride_hail" }] }, { authorization: `Bearer ${key}` });
    expect([put.status, put.json.created]).toEqual([200, 1]);
    page.once("dialog", (d) => void d.accept());
    await page.getByRole("button", { name: "Revoke dispatch sync" }).click();
    await page.getByText(/^revoked/).waitFor();
    const after = await t.call("GET", `/api/v1/operators/${operatorId}/vehicles`, undefined, { authorization: `Bearer ${key}` });
    expect(after.status).toBe(401);
    expect(errors).toEqual([]);
    await page.context().close();
  });
});

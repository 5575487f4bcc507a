import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../server/test/harness.ts";
import { shootMatrix } from "./console.shots.ts";
import { LAPTOP, launchBrowser, listen, openPage, signIn } from "./console.support.ts";

/*
 * The operator's fleet page (issue 13 part 3) and the admin's users page
 * (part 4) in a real Chromium: a duplicate plate refused with a message, a
 * plate corrected, an agent reset with its command ready to paste, a vehicle
 * retired; PUBLIC_URL unset is warned about. Screenshots at every size in
 * both languages, checked for clipped controls.
 */
let t: TestApp;
let browser: Browser;
let server: Awaited<ReturnType<typeof listen>>;

beforeAll(async () => {
  // No PUBLIC_URL: printed codes would point at localhost, and the page must say so.
  [t, browser] = await Promise.all([createTestApp({ env: { PUBLIC_URL: undefined as unknown as string, TILE_URL: "none" } }), launchBrowser()]);
  server = await listen(t.app);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await t?.close();
});

describe("fleet page", () => {
  it("lets an operator fix a duplicate plate, correct a vehicle, reset its agent and retire another", { timeout: 300_000 }, async () => {
    const operator = await t.staff("operator", "Fleet Page Co");
    await t.call("POST", "/api/v1/vehicles", { plate: "鲁A·F0001", kind: "bus" }, operator);
    const { context, page, errors } = await openPage(browser, LAPTOP);
    await context.grantPermissions(["clipboard-read", "clipboard-write"]);
    await signIn(page, server.base, operator);
    await page.getByRole("heading", { name: "Fleet" }).waitFor();
    expect(await page.getByRole("alert").filter({ hasText: "PUBLIC_URL is not set" }).count()).toBe(1);

    // The same plate twice: refused, with a message that names it.
    await page.getByLabel("Plate", { exact: true }).fill("鲁A·F0001");
    await page.getByRole("button", { name: "Register", exact: true }).click();
    await expect.poll(() => page.locator("form.register .status.error").textContent()).toContain("鲁A·F0001");
    await page.getByLabel("Plate", { exact: true }).fill("鲁A·F0002");
    await page.getByRole("button", { name: "Register", exact: true }).click();
    await page.locator(".credentials .agent-command").waitFor();
    expect(await page.locator(".credentials .agent-command").textContent()).toMatch(/npm run agent -- --url mqtt:\/\/\S+ --vehicle [0-9a-f-]{36} --password '\S+' --server http/);
    await page.locator(".credentials").getByRole("button", { name: "Copy: Agent password" }).click();
    const password = await page.locator(".agent-password").textContent();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(password);
    await page.getByRole("button", { name: "I have stored the password" }).click();

    // Correct the first vehicle's plate; a clash with the second is refused in the row.
    const row = page.locator("table.fleet tbody tr", { hasText: "鲁A·F0001" });
    await row.getByRole("button", { name: "Edit 鲁A·F0001" }).click();
    const editing = page.locator("tr.editing");
    await editing.getByLabel("Plate (鲁A·F0001)").fill("鲁A·F0002");
    await editing.getByRole("button", { name: "Save" }).click();
    await expect.poll(() => editing.locator(".status.error").textContent()).toContain("already registered");
    await editing.getByLabel("Plate (鲁A·F0001)").fill("鲁A·F0009");
    await editing.getByRole("button", { name: "Save" }).click();
    await page.locator("table.fleet tbody tr", { hasText: "鲁A·F0009" }).waitFor();

    // Reset the agent: after a confirmation, new credentials with the command.
    const fixed = page.locator("table.fleet tbody tr", { hasText: "鲁A·F0009" });
    await fixed.getByRole("button", { name: "Reset agent 鲁A·F0009" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Reset agent" }).click();
    await expect.poll(() => page.locator(".credentials h2").textContent()).toBe("New agent credentials for 鲁A·F0009");
    const vehicleId = await fixed.getAttribute("data-vehicle");
    expect(await page.locator(".credentials .agent-command").textContent()).toContain(`--vehicle ${vehicleId}`);

    // Retire the other: after a confirmation it leaves the list; its code then says it is out of service.
    const code = (await t.call("GET", "/api/v1/vehicles", undefined, operator)).json.vehicles.find((v: { plate: string }) => v.plate === "鲁A·F0002").id;
    const other = page.locator("table.fleet tbody tr", { hasText: "鲁A·F0002" });
    await other.getByRole("button", { name: "Retire 鲁A·F0002" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Retire" }).click();
    await expect.poll(() => page.locator("table.fleet tbody tr", { hasText: "鲁A·F0002" }).count()).toBe(0);
    expect((await t.call("GET", `/api/v1/vehicles/${code}`, undefined, operator)).json.retiredAt).toEqual(expect.any(String));

    const clipped = await shootMatrix(page, "fleet", `${server.base}/#/fleet`, (p) => p.locator("table.fleet tbody tr").first().waitFor());
    expect(clipped).toEqual({});
    // The two refusals provoked above (the duplicate registration, the clashing edit) are the only errors Chromium logs.
    const refused = /: the server responded with a status of 409 \(Conflict\) \S+\/api\/v1\/vehicles(\/[0-9a-f-]{36})?$/;
    expect(errors.filter((e) => refused.test(e))).toHaveLength(2);
    expect(errors.filter((e) => !refused.test(e))).toEqual([]);
    await context.close();
  });
});

describe("users page", () => {
  it("lists, creates, disables and sets a password, at every size in both languages with nothing clipped", { timeout: 300_000 }, async () => {
    const admin = await t.staff("admin");
    const { context, page, errors } = await openPage(browser, LAPTOP);
    await signIn(page, server.base, admin);
    await page.goto(`${server.base}/#/users`);
    await page.getByLabel("Username").fill("new.tracer");
    await page.getByLabel("Password", { exact: true }).fill("a-long-password-1");
    await page.getByRole("button", { name: "Create", exact: true }).click();
    const row = page.locator("table.users tbody tr", { hasText: "new.tracer" });
    await row.waitFor();
    await row.getByRole("button", { name: "Disable new.tracer" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Disable" }).click();
    await expect.poll(() => page.locator("table.users tbody tr", { hasText: "new.tracer" }).textContent()).toContain("disabled");
    const clipped = await shootMatrix(page, "users", `${server.base}/#/users`, (p) => p.locator("table.users tbody tr").first().waitFor());
    expect(clipped).toEqual({});
    expect(errors).toEqual([]);
    await context.close();
  });
});

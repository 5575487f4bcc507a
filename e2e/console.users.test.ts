import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../server/test/harness.ts";
import { shootMatrix } from "./console.shots.ts";
import { launchBrowser, listen, openPage, signIn, tileServer, unlabelledControls } from "./console.support.ts";

/*
 * Staff accounts in the console (admin's Users page, everyone's Account page),
 * and a forged form from another port of the same host, in a real Chromium.
 */
let t: TestApp;
let browser: Browser;
let server: Awaited<ReturnType<typeof listen>>;
let tiles: Awaited<ReturnType<typeof tileServer>>;

beforeAll(async () => {
  tiles = await tileServer();
  [t, browser] = await Promise.all([createTestApp({ env: { TILE_URL: tiles.url } }), launchBrowser()]);
  server = await listen(t.app);
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
  await tiles?.close();
  await t?.close();
});

describe("staff accounts in the console", () => {
  it("lets admin create a user, reset their password and disable them, which ends their session", async () => {
    const admin = await t.staff("admin");
    const { page, errors } = await openPage(browser);
    await signIn(page, server.base, admin);
    await page.getByRole("link", { name: "Users" }).click();
    await page.getByLabel("Username").fill("desk.tracer");
    await page.getByLabel("Password", { exact: true }).fill("first password 1");
    await page.getByRole("button", { name: "Create" }).click();
    const row = page.getByRole("row", { name: /desk\.tracer/ });
    await expect.poll(() => row.count()).toBe(1);
    const session = await t.call("POST", "/api/v1/auth/login", { username: "desk.tracer", password: "first password 1" });
    expect(session.status).toBe(200);
    const bearer = { authorization: `Bearer ${session.json.token}` };

    await page.getByLabel("New password for desk.tracer").fill("second password 2");
    await row.getByRole("button", { name: "Set password" }).click();
    await expect.poll(async () => (await t.call("GET", "/api/v1/auth/me", undefined, bearer)).status).toBe(401);
    expect((await t.call("POST", "/api/v1/auth/login", { username: "desk.tracer", password: "second password 2" })).status).toBe(200);

    await row.getByRole("button", { name: "Disable" }).click();
    // Disabling ends their sessions: asked first.
    await page.getByRole("dialog").getByRole("button", { name: "Disable" }).click();
    await expect.poll(() => row.getByText("disabled", { exact: true }).count()).toBe(1);
    expect((await t.call("POST", "/api/v1/auth/login", { username: "desk.tracer", password: "second password 2" })).status).toBe(401);
    expect(errors).toEqual([]);
  });

  it("lets admin change a user's role after confirming, effective at once, written to the audit log; unclipped at every size", { timeout: 300_000 }, async () => {
    const admin = await t.staff("admin");
    const tracer = await t.staff("tracer");
    const { page, errors } = await openPage(browser);
    await signIn(page, server.base, admin);
    await page.getByRole("link", { name: "Users" }).click();
    const row = page.locator("tr", { has: page.getByRole("cell", { name: tracer.username, exact: true }) });
    await row.waitFor();
    // Your own role is not offered: an admin cannot demote the last admin by accident.
    expect(await page.locator("tr", { has: page.getByRole("cell", { name: admin.username, exact: true }) }).getByRole("combobox").count()).toBe(0);

    const change = row.getByRole("button", { name: `Change the role of ${tracer.username}` });
    expect(await change.isHidden()).toBe(true); // nothing to apply until the role differs
    await row.getByLabel(`Role of ${tracer.username}`, { exact: true }).selectOption("operator");
    await row.getByLabel(`Operator (company) of ${tracer.username}`).fill("Console Bus Co");
    await change.click();
    const dialog = page.getByRole("dialog");
    expect(await dialog.getByRole("heading").textContent()).toBe(`Change ${tracer.username} from tracer to operator?`);
    await dialog.getByRole("button", { name: "Change role" }).click();
    await expect.poll(() => row.textContent()).toContain("role is changed");
    expect(await row.getByLabel(`Role of ${tracer.username}`, { exact: true }).inputValue()).toBe("operator");
    expect(await row.getByLabel(`Operator (company) of ${tracer.username}`).inputValue()).toBe("Console Bus Co");
    expect(await row.getByRole("button", { name: `Change the role of ${tracer.username}` }).isHidden()).toBe(true);
    // Their session is an operator's from the next request on.
    expect((await t.call("GET", "/api/v1/auth/me", undefined, { authorization: tracer.authorization })).json.role).toBe("operator");
    expect((await t.call("GET", "/api/v1/traces", undefined, { authorization: tracer.authorization })).status).toBe(403);

    await page.getByRole("link", { name: "Audit" }).click();
    const entry = page.locator("table.audit-log tbody tr", { hasText: "user.role" });
    await entry.first().waitFor();
    expect(await entry.first().textContent()).toContain(`account ${tracer.username}`);
    expect(await unlabelledControls(page)).toEqual([]);

    const clipped = await shootMatrix(page, "users", `${server.base}/#/users`, (p) => p.locator("table.users tbody tr").first().waitFor());
    expect(clipped).toEqual({});
    expect(errors).toEqual([]);
  });

  it("lets a user change their own password with the current one", async () => {
    const tracer = await t.staff("tracer");
    const { page, errors } = await openPage(browser);
    await signIn(page, server.base, tracer);
    await page.getByRole("link", { name: "Account" }).click();
    await page.getByLabel("Current password").fill("not my password");
    await page.getByLabel("New password").fill("my own new password");
    await page.getByRole("button", { name: "Change password" }).click();
    await expect.poll(() => page.getByText("not your current password").count()).toBe(1);
    await page.getByLabel("Current password").fill(tracer.password);
    await page.getByLabel("New password").fill("my own new password");
    await page.getByRole("button", { name: "Change password" }).click();
    await expect.poll(() => page.getByText("Password changed").count()).toBe(1);
    expect((await t.call("POST", "/api/v1/auth/login", { username: tracer.username, password: "my own new password" })).status).toBe(200);
    expect(errors.filter((e) => !e.includes("400"))).toEqual([]);
  });
});

describe("a forged form on another port of the same host", () => {
  it("cannot rotate a poster code with the signed-in admin's cookie", async () => {
    const admin = await t.staff("admin");
    const v = (await t.call("POST", "/api/v1/vehicles", { plate: "鲁A·CSRF1", kind: "bus" }, admin)).json;
    // The attacker's page: same host name, another port, a form that posts itself.
    const evil = createServer((_req, res) => {
      res.writeHead(200, { "content-type": "text/html" });
      res.end(`<form id="f" method="POST" action="${server.base.replace("127.0.0.1", "localhost")}/api/v1/vehicles/${v.id}/code/rotate"></form><script>f.submit()</script>`);
    }) as Server;
    evil.listen(0, "localhost");
    await once(evil, "listening");
    try {
      const { page } = await openPage(browser);
      await signIn(page, server.base.replace("127.0.0.1", "localhost"), admin);
      const answered = page.waitForResponse((r) => r.url().endsWith("/code/rotate"));
      await page.goto(`http://localhost:${(evil.address() as AddressInfo).port}/`);
      const res = await answered;
      expect(res.status()).toBe(403);
      expect(await res.text()).toContain("csrf_refused");
      expect((await t.app.request(`/v/${v.code.id}`)).status).toBe(200);
    } finally {
      evil.close();
    }
  });
});

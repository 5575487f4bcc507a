import { createPublicKey } from "node:crypto";
import { mkdirSync } from "node:fs";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { serve, type ServerType } from "@hono/node-server";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { verifyPass } from "../protocol/codes.ts";
import { checkins } from "../server/src/db/schema/index.ts";
import { decodeQrPng, launchChromium } from "../server/src/codes/qr.testing.ts";
import { createTestApp, type TestApp } from "../server/test/harness.ts";
import { ROUTE_ID_MAX } from "../protocol/fields.ts";

/*
 * The passenger's walk, in a real browser against a real HTTP server: an
 * operator prints the poster, a phone decodes its QR, checks in, sees the
 * result screen, and checks in again with one tap.
 */
const resultsDir = path.resolve(import.meta.dirname, "../test-results");

let t: TestApp;
let server: ServerType;
let browser: Browser;
let base: string;

beforeAll(async () => {
  // The server listens first (port 0), so PUBLIC_URL — and so the URL in the QR — names the real port.
  server = serve({ fetch: (req, env) => t.app.fetch(req, env), port: 0, hostname: "127.0.0.1" });
  await new Promise<void>((resolve) => server.once("listening", () => resolve()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  [t, browser] = await Promise.all([createTestApp({ env: { PUBLIC_URL: base } }), launchChromium()]);
  mkdirSync(resultsDir, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => server?.close(resolve));
  await t?.close();
});

/** Clicks and waits for the result screen; returns the check-in the page received. */
async function checkInBy(page: import("playwright-core").Page, button: import("playwright-core").Locator) {
  const [response] = await Promise.all([page.waitForResponse((r) => r.url().endsWith("/api/v1/checkins")), button.click()]);
  await page.getByTestId("result").waitFor({ state: "visible" });
  return (await response.json()) as { personId: string | null; checkinId: string; status: string | null; verified: boolean };
}

const mobile = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };

describe("passenger in a real browser", () => {
  it("scans the printed poster, checks in with a phone number, and later checks in with one tap", async () => {
    const operator = await t.staff("operator", "Jinan Bus");
    const registered = await fetch(`${base}/api/v1/vehicles`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: operator.authorization },
      body: JSON.stringify({ plate: "鲁A·E2E01", kind: "bus", routeId: "K51" }),
    });
    expect(registered.status).toBe(201);
    const vehicle = (await registered.json()) as { id: string; code: { url: string } };

    // The operator opens the poster; the code on it is read from the rendered page, as a phone camera would.
    const staffContext = await browser.newContext({ extraHTTPHeaders: { authorization: operator.authorization } });
    const poster = await staffContext.newPage();
    const posterRes = await poster.goto(`${base}/api/v1/vehicles/${vehicle.id}/poster`);
    expect(posterRes?.status()).toBe(200);
    await expect(poster.getByTestId("plate").textContent()).resolves.toBe("鲁A·E2E01");
    const scanned = await decodeQrPng(await poster.getByTestId("qr").screenshot());
    await poster.screenshot({ path: path.join(resultsDir, "passenger-poster.png"), fullPage: true });
    // Printed with its own page size (A5), the poster fits on one sheet.
    const pdf = (await poster.pdf({ preferCSSPageSize: true, path: path.join(resultsDir, "passenger-poster.pdf") })).toString("latin1");
    expect(pdf.match(/\/Type\s*\/Page[^s]/g)).toHaveLength(1);
    expect(pdf).toMatch(/\/MediaBox\s*\[\s*0 0 4(19|20)(\.\d+)? 59[45](\.\d+)?\s*\]/); // A5: 148 × 210 mm in points
    await staffContext.close();
    expect(scanned).toEqual([vehicle.code.url]);
    const url = scanned[0]!;
    expect(url.startsWith(`${base}/v/`)).toBe(true);

    // First scan: phone and name, then the result screen with the plate and a ticking clock; the status waits for the texted code.
    const phone = await browser.newContext({ ...mobile, locale: "zh-CN" });
    const page = await phone.newPage();
    const errors: string[] = [];
    page.on("pageerror", (err) => errors.push(err.message));
    await page.goto(url);
    await page.locator("#phone").fill("138 0013 8000");
    await page.locator("#name").fill("张三");
    const first = await checkInBy(page, page.getByRole("button", { name: "登记乘车" }));
    expect(first).toMatchObject({ verified: false, status: null, personId: null });
    expect(await page.getByTestId("result-plate").textContent()).toBe("鲁A·E2E01");
    expect(await page.getByTestId("result").getAttribute("class")).toContain("unverified");
    await page.getByTestId("verify").waitFor({ state: "visible" });
    await expect.poll(() => page.locator("#code-sent").textContent()).toContain("138 0013 8000");

    // The owner reads the code from the text (here: the development SMS sink) and types it.
    await expect.poll(() => t.lastText("13800138000")).toMatch(/\d{6}/);
    await page.locator("#code").fill(/(\d{6})/.exec(t.lastText("13800138000")!)![1]!);
    const [verifiedRes] = await Promise.all([page.waitForResponse((r) => r.url().endsWith("/api/v1/otp/verify")), page.getByRole("button", { name: "验证" }).click()]);
    const verified = (await verifiedRes.json()) as { personId: string; status: string; checkinVerified: boolean };
    expect(verified).toMatchObject({ status: "green", checkinVerified: true });
    await expect.poll(() => page.getByTestId("result").getAttribute("class")).toContain("green");
    expect(await page.getByTestId("verify").isHidden()).toBe(true);
    expect(await page.locator("#r-route").textContent()).toContain("K51");
    expect(await page.getByTestId("boarded-at").textContent()).toMatch(/\d{2}:\d{2}/);
    const tick = await page.getByTestId("clock").textContent();
    await page.waitForFunction((before) => document.querySelector("[data-testid=clock]")?.textContent !== before, tick, { timeout: 5000 });
    await page.screenshot({ path: path.join(resultsDir, "passenger-result.png") });

    // Reload: the device is remembered, and on board this vehicle, so getting off comes first, with no new check-in.
    await page.reload();
    await expect(page.locator("#remembered").textContent()).resolves.toContain("138****8000");
    expect(await page.locator("#phone").count()).toBe(0);
    expect(await page.locator("#open-ride").getAttribute("data-checkin")).toBe(first.checkinId);
    // The ride's screen, shown again for the driver without checking in again.
    await page.getByRole("button", { name: "出示乘车凭证" }).click();
    await page.getByTestId("result").waitFor({ state: "visible" });
    expect(await page.getByTestId("result").getAttribute("class")).toContain("green");
    expect(await page.getByTestId("result-plate").textContent()).toBe("鲁A·E2E01");
    await page.screenshot({ path: path.join(resultsDir, "passenger-one-tap.png") });

    // Getting off, asked in the page first.
    await page.getByRole("button", { name: "我要下车" }).click();
    await page.getByRole("button", { name: "确认下车" }).click();
    await page.locator("#r-alighted").waitFor({ state: "visible" });

    // The personal pass: its QR, read from the screen, is a pass the published key verifies for this passenger.
    await page.getByRole("link", { name: "我的个人乘车码" }).click();
    const passText = await decodeQrPng(await page.getByTestId("pass-qr").screenshot());
    const key = (await (await fetch(`${base}/api/v1/passes/public-key`)).json()) as { pem: string };
    expect(passText).toHaveLength(1);
    expect(verifyPass(createPublicKey(key.pem), passText[0]!)?.personId).toBe(verified.personId);

    // Scanning again after getting off offers no ride to get off from: one tap is a new ride.
    await page.goto(url);
    await page.locator("#one-tap").waitFor();
    expect(await page.locator("#open-ride").count()).toBe(0);
    const again = await checkInBy(page, page.getByRole("button", { name: "一键登记" }));
    expect(again).toMatchObject({ personId: verified.personId, verified: true, status: "green" });
    expect(again.checkinId).not.toBe(first.checkinId);
    expect(errors).toEqual([]);
    await phone.close();
  }, 180_000);

  it("speaks English to an English phone, takes a coach seat, and explains a code that no longer works", async () => {
    const admin = await t.staff("admin");
    const res = await fetch(`${base}/api/v1/vehicles`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: admin.authorization },
      body: JSON.stringify({ plate: "鲁A·E2E02", kind: "coach" }),
    });
    const vehicle = (await res.json()) as { id: string; code: { url: string } };
    const phone = await browser.newContext({ ...mobile, locale: "en-GB" });
    const page = await phone.newPage();
    await page.goto(vehicle.code.url);
    await page.locator("#phone").fill("+44 7700 900123");
    await page.getByLabel("Seat (optional)").fill("12A");
    const done = await checkInBy(page, page.getByRole("button", { name: "Check in", exact: true }));
    const [row] = await t.deps.db.select({ seat: checkins.seat }).from(checkins).where(eq(checkins.id, done.checkinId));
    expect(row?.seat).toBe("12A");
    expect(await page.getByTestId("result-plate").textContent()).toBe("鲁A·E2E02");
    // Not verified on this phone yet: no status and no "getting off" until the texted code is typed.
    expect(await page.getByRole("button", { name: "I'm getting off" }).isVisible()).toBe(false);
    await expect.poll(() => page.locator("#code-sent").textContent()).toContain("We have texted a code");

    await fetch(`${base}/api/v1/vehicles/${vehicle.id}/code/rotate`, { method: "POST", headers: { authorization: admin.authorization } });
    const stale = await page.goto(vehicle.code.url);
    expect(stale?.status()).toBe(410);
    await expect(page.getByTestId("code-error").textContent()).resolves.toContain("no longer valid");
    await phone.close();
  }, 180_000);

  it("shows the longest route id a feed may give (64 characters, no break opportunity) whole on a phone, without sideways scrolling", async () => {
    const admin = await t.staff("admin");
    const routeId = "de:vbb:1923_700:" + "9".repeat(ROUTE_ID_MAX - 16);
    const vehicle = (await t.call("POST", "/api/v1/vehicles", { plate: "鲁A·E2E03", kind: "bus", routeId }, admin)).json as { code: { url: string } };
    const phone = await browser.newContext({ ...mobile, viewport: { width: 320, height: 640 }, locale: "zh-CN" });
    const page = await phone.newPage();
    await page.goto(vehicle.code.url);
    expect(await page.locator(".vehicle .meta").textContent()).toContain(routeId);
    await page.locator("#phone").fill("13800138003");
    await checkInBy(page, page.getByRole("button", { name: "登记乘车" }));
    expect(await page.locator("#r-route").textContent()).toContain(routeId);
    // Nothing wider than the screen, and the route not cut off by the result card's rounded box.
    const fits = await page.evaluate(() => {
      // Text that runs past its box shows in scrollWidth, not in the box's own size.
      const whole = (el: Element | null) => el !== null && el.scrollWidth <= el.clientWidth + 1;
      return {
        page: document.documentElement.scrollWidth <= document.documentElement.clientWidth,
        meta: whole(document.querySelector(".vehicle .meta")),
        route: whole(document.getElementById("r-route")),
      };
    });
    expect(fits).toEqual({ page: true, meta: true, route: true });
    await phone.close();
  }, 120_000);
});

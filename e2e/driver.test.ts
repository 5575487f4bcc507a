import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestSystem, until, type RegisteredVehicle, type TestSystem } from "../server/test/system.ts";
import { launchBrowser } from "./console.support.ts";
import { startAgent } from "./hostile-text.support.ts";

/*
 * The driver's tablet page of the vehicle agent against the real server and
 * broker (issue 13 parts 5 and 10): passengers board by phone and the count
 * beside the clock follows them; flagged passengers' alerts stand beside the
 * code, never over it, at a laptop's, a tablet's and a phone's size, in a
 * Chinese and an English browser (the page is Chinese first with English
 * beside it either way); nothing is cut off, no dialog, no console error.
 */
const SHOTS = path.join(tmpdir(), "transit-shots", "driver");
const SIZES = { laptop: { width: 1366, height: 768 }, tablet: { width: 768, height: 1024 }, phone: { width: 390, height: 844 } } as const;

let system: TestSystem;
let browser: Browser;
let agent: Awaited<ReturnType<typeof startAgent>>;
let vehicle: RegisteredVehicle;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "driver-page-"));
  mkdirSync(SHOTS, { recursive: true });
  [system, browser] = await Promise.all([startTestSystem(), launchBrowser()]);
  vehicle = await system.registerVehicle({ plate: "鲁A·D0001", kind: "bus", routeId: "K51" });
  agent = await startAgent(system, vehicle, dir, ["--plate", "鲁A·D0001"]);
  await until(() => agent.agent.state().onBoard !== null, "the first live code with its count", 30_000);
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await agent?.agent.stop();
  await system?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function tablet(locale: string): Promise<{ context: BrowserContext; page: Page; problems: string[] }> {
  const context = await browser.newContext({ viewport: SIZES.laptop, locale });
  await context.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) => console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`));
  });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on("console", (m) => void (m.type() === "error" && problems.push(`console: ${m.text()}`)));
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("dialog", (d) => void (problems.push(`dialog: ${d.message()}`), d.dismiss()));
  await page.goto(agent.driverPage);
  await page.locator("#qr img").waitFor();
  return { context, page, problems };
}

/** A passenger who proved their phone, checking in (with companions) as the phone's page does. */
async function board(phone: string, extra: Record<string, unknown> = {}) {
  const device = await system.t.verifyPhone(phone, { name: "王小明" });
  const res = await system.t.call("POST", "/api/v1/checkins", { code: vehicle.code.id, ...extra }, { cookie: device.cookie });
  expect(res.status).toBe(201);
  return { ...device, checkinId: res.json.checkinId as string };
}

const overlaps = (a: { x: number; y: number; width: number; height: number }, b: typeof a) =>
  a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

/** Controls or header items wider than what holds them, and a page that scrolls sideways. */
const clipped = (page: Page) =>
  page.evaluate(() => {
    const out: string[] = [];
    if (document.documentElement.scrollWidth > window.innerWidth + 1) out.push(`page scrolls sideways: ${document.documentElement.scrollWidth} > ${window.innerWidth}`);
    for (const el of document.querySelectorAll<HTMLElement>("header > *, .now > *, button, input, .alert, #scan, #trip, #err, #qr")) {
      if (el.offsetParent === null) continue;
      if (el.scrollWidth > el.clientWidth + 1 && el.tagName !== "INPUT") out.push(`text overflows #${el.id || el.className}: ${el.scrollWidth} > ${el.clientWidth}`);
      const p = el.parentElement!.getBoundingClientRect();
      const r = el.getBoundingClientRect();
      if (r.right > p.right + 1 || r.left < p.left - 1) out.push(`#${el.id || el.className} sticks out (${Math.round(r.left)}–${Math.round(r.right)} vs ${Math.round(p.left)}–${Math.round(p.right)})`);
    }
    return out;
  });

const onBoardShown = (page: Page) => page.locator("#onboard-n").innerText();

describe("the driver's page", () => {
  let riders: Awaited<ReturnType<typeof board>>;

  it("counts the passengers on board beside the clock as they board and get off", async () => {
    const { context, page, problems } = await tablet("zh-CN");
    await expect.poll(() => onBoardShown(page)).toBe("0");
    expect(await page.locator("#onboard").innerText()).toMatch(/^车上\s*0\s*人 · on board$/);

    riders = await board("13911113001", { companions: [{ name: "孩子" }] });
    await expect.poll(() => onBoardShown(page)).toBe("2");
    const alone = await board("13911113002");
    await expect.poll(() => onBoardShown(page)).toBe("3");
    // The count sits on the clock's line.
    const clock = (await page.locator("#clock").boundingBox())!;
    const count = (await page.locator("#onboard").boundingBox())!;
    expect(count.y < clock.y + clock.height && clock.y < count.y + count.height).toBe(true);

    const off = await system.t.call("POST", `/api/v1/checkins/${alone.checkinId}/alight`, undefined, { cookie: alone.cookie });
    expect(off.status).toBe(200);
    await expect.poll(() => onBoardShown(page)).toBe("2");
    expect(problems).toEqual([]);
    await context.close();
  });

  it("keeps flagged passengers' alerts beside the code at every size, in either browser language, and clears them with a touch", async () => {
    const tracer = await system.t.staff("tracer");
    const flag = async (phone: string, status: "case" | "close_contact") => {
      const rider = await board(phone, { seat: "12A" });
      expect((await system.t.call("POST", `/api/v1/persons/${rider.personId}/status`, { status, reason: "case 2026-301" }, tracer)).status).toBe(200);
      return rider;
    };
    // Marked after boarding, then scanning again a minute later: the driver is told with the masked name and seat.
    const contact = await flag("13911113003", "close_contact");
    const sick = await flag("13911113004", "case");
    system.t.clock.advance(61_000);
    for (const r of [contact, sick]) {
      const res = await system.t.call("POST", "/api/v1/checkins", { code: vehicle.code.id, seat: "12A" }, { cookie: r.cookie });
      expect(res.status).toBe(201);
    }
    await until(() => agent.agent.state().alerts.length >= 2, "two alerts on the screen");

    for (const locale of ["zh-CN", "en-US"]) {
      const { context, page, problems } = await tablet(locale);
      await page.locator(".alert.case").waitFor();
      await page.locator(".alert.close_contact").waitFor();
      // Chinese first, English beside it, whatever the browser's language.
      expect(await page.locator(".alert.case").innerText()).toMatch(/^确诊 Case — 王\*\* · 座位 seat 12A · \d\d:\d\d/);
      expect(await page.locator(".alert.close_contact").innerText()).toMatch(/^密接 Close contact — 王\*\* · 座位 seat 12A · \d\d:\d\d/);
      expect(await page.locator("#onboard").innerText()).toContain("on board");
      for (const [size, viewport] of Object.entries(SIZES)) {
        await page.setViewportSize(viewport);
        // Measured in one go, so that no refresh of the page falls between two of the boxes.
        const { qr, alerts } = await page.evaluate(() => {
          const box = (el: Element) => {
            const r = el.getBoundingClientRect();
            return { x: r.x, y: r.y, width: r.width, height: r.height };
          };
          return { qr: box(document.getElementById("qr")!), alerts: [...document.querySelectorAll(".alert")].map(box) };
        });
        expect(alerts).toHaveLength(2);
        for (const alert of alerts) {
          expect(overlaps(alert, qr), `${size}: an alert over the code`).toBe(false);
          expect(alert.y + alert.height, `${size}: an alert below the fold`).toBeLessThanOrEqual(viewport.height);
        }
        // The code is whole on the screen: nothing covers it and it is not cut by the window.
        expect(qr.x).toBeGreaterThanOrEqual(0);
        expect(qr.x + qr.width).toBeLessThanOrEqual(viewport.width);
        expect(await clipped(page), size).toEqual([]);
        await page.screenshot({ path: path.join(SHOTS, `driver-alerts-${size}-${locale}.png`) });
      }
      expect(problems).toEqual([]);
      await context.close();
    }

    // One touch each, and they are gone; the count is unchanged by it.
    const { context, page, problems } = await tablet("zh-CN");
    const before = await onBoardShown(page);
    for (let i = 0; i < 2; i++) await page.getByRole("button", { name: "知道了 OK" }).first().click();
    await page.locator(".alert").first().waitFor({ state: "detached" });
    expect(agent.agent.state().alerts).toEqual([]);
    expect(await onBoardShown(page)).toBe(before);
    await page.screenshot({ path: path.join(SHOTS, "driver-laptop-acknowledged.png") });

    expect(problems).toEqual([]);
    // A failed action is told on the page, in both languages, not in a dialog (the browser logs the refused request itself).
    await page.getByRole("button", { name: "收车 End trip" }).click();
    await expect.poll(() => page.locator("#err").innerText()).toBe("没有进行中的行程 No trip is open");
    expect(problems).toEqual(["console: Failed to load resource: the server responded with a status of 409 (Conflict)"]);
    await context.close();

    const off = await system.t.call("POST", `/api/v1/checkins/${riders.checkinId}/alight`, undefined, { cookie: riders.cookie });
    expect(off.status).toBe(200);
  });
});

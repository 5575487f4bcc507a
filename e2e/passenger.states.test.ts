import { mkdirSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { serve, type ServerType } from "@hono/node-server";
import type { Browser, BrowserContext, Page, Response } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium } from "../server/src/codes/qr.testing.ts";
import { strings, type Strings } from "../server/src/passenger/i18n.ts";
import { createTestApp, type TestApp } from "../server/test/harness.ts";
import { clippedControls } from "./console.shots.ts";

/*
 * The passenger page in each of its states, as a phone and a tablet show it,
 * in Chinese and in English (issue 13 parts 6 and 10): what the page offers
 * first — the form to a new passenger, one tap to a remembered one, getting
 * off (asked in the page) to one on board, a new ride after getting off, and
 * what to do to a flagged passenger — with no control cut off, no console
 * error, no CSP violation and no browser dialog. Screenshots go to a temp dir.
 */
export const PAGE_SHOTS = path.join(tmpdir(), "transit-shots", "passenger");

const SIZES = { phone: { width: 390, height: 844 }, tablet: { width: 768, height: 1024 } } as const;
const LANGS: Record<string, { locale: string; s: Strings }> = { "zh-CN": { locale: "zh-CN", s: strings.zh }, en: { locale: "en-US", s: strings.en } };

let t: TestApp;
let server: ServerType;
let browser: Browser;
let base: string;
let tracer: { authorization: string };
let admin: { authorization: string };
let phoneNo = 0;

beforeAll(async () => {
  server = serve({ fetch: (req, env) => t.app.fetch(req, env), port: 0, hostname: "127.0.0.1" });
  await new Promise<void>((resolve) => server.once("listening", () => resolve()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  [t, browser] = await Promise.all([createTestApp({ env: { PUBLIC_URL: base } }), launchChromium()]);
  [tracer, admin] = await Promise.all([t.staff("tracer"), t.staff("admin")]);
  mkdirSync(PAGE_SHOTS, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => server?.close(resolve));
  await t?.close();
});

async function vehicle(kind = "bus") {
  const res = await t.call("POST", "/api/v1/vehicles", { plate: `鲁A·S${String(++phoneNo).padStart(4, "0")}`, kind, routeId: "K51" }, admin);
  expect(res.status).toBe(201);
  return res.json as { id: string; code: { id: string; url: string } };
}

/** A verified passenger's device cookie, as their phone keeps it after the texted code. */
async function verifiedDevice() {
  const phone = `139${String(10_000_000 + ++phoneNo)}`;
  const device = await t.verifyPhone(phone, { name: "王小明" });
  return { phone, ...device, value: device.cookie.slice("tc_device=".length) };
}

interface Watched {
  context: BrowserContext;
  page: Page;
  /** Console errors, uncaught exceptions, CSP violations and dialogs: all must stay empty. */
  problems: string[];
}

async function phoneBrowser(size: keyof typeof SIZES, locale: string, cookie?: string): Promise<Watched> {
  const context = await browser.newContext({ viewport: SIZES[size], locale, timezoneId: "Europe/Berlin", isMobile: size === "phone", hasTouch: true });
  if (cookie) await context.addCookies([{ name: "tc_device", value: cookie, url: base }]);
  await context.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) => console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`));
  });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on("console", (m) => void (m.type() === "error" && problems.push(`console: ${m.text()}`)));
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("dialog", (d) => void (problems.push(`dialog: ${d.message()}`), d.dismiss()));
  return { context, page, problems };
}

/** The first visible primary action on the page, by its text: what the page asks the passenger to do first. */
const primaryAction = (page: Page) =>
  page.evaluate(() => {
    const shown = [...document.querySelectorAll<HTMLElement>("main .primary, main a.button.hotline")].filter((el) => el.offsetParent !== null);
    return shown.map((el) => ({ id: el.id, text: (el.textContent ?? "").trim() }))[0] ?? null;
  });

/**
 * Controls cut off or sticking out: the console's check (text wider than its
 * control), plus any control or card wider than the element holding it, and a
 * page that scrolls sideways.
 */
async function clipped(page: Page): Promise<string[]> {
  const own = await page.evaluate(() => {
    const out: string[] = [];
    if (document.documentElement.scrollWidth > window.innerWidth + 1) out.push(`page scrolls sideways: ${document.documentElement.scrollWidth} > ${window.innerWidth}`);
    for (const el of document.querySelectorAll<HTMLElement>("main button, main input, main a.button, main .card, main .result, main .confirm, main .notice ol")) {
      if (el.offsetParent === null) continue;
      const parent = el.parentElement!.getBoundingClientRect();
      const r = el.getBoundingClientRect();
      if (r.right > parent.right + 1 || r.left < parent.left - 1) {
        out.push(`${el.tagName.toLowerCase()}#${el.id || el.className} "${(el.textContent ?? "").trim().slice(0, 30)}" sticks out of its container (${Math.round(r.left)}–${Math.round(r.right)} vs ${Math.round(parent.left)}–${Math.round(parent.right)})`);
      }
    }
    return out;
  });
  return [...(await clippedControls(page)), ...own];
}

async function look(w: Watched, shot: string) {
  expect(await clipped(w.page), shot).toEqual([]);
  await w.page.screenshot({ path: path.join(PAGE_SHOTS, `${shot}.png`), fullPage: true });
}

const checkinResponse = (page: Page) => page.waitForResponse((r) => r.url().endsWith("/api/v1/checkins") && r.request().method() === "POST");
const alightResponse = (page: Page) => page.waitForResponse((r) => /\/api\/v1\/checkins\/[^/]+\/alight$/.test(r.url()));
const body = async (r: Response) => (await r.json()) as { checkinId: string; status: string | null; alightedAt: string | null };

describe("the passenger page leads with the right action", () => {
  for (const [lang, { locale, s }] of Object.entries(LANGS)) {
    for (const size of Object.keys(SIZES) as (keyof typeof SIZES)[]) {
      const name = (state: string) => `${state}-${size}-${lang}`;

      it(`${lang}, ${size}: form → one tap → on board, getting off asked first → a new ride after getting off`, async () => {
        const v = await vehicle();

        // A new passenger: the form, whose button checks in.
        const fresh = await phoneBrowser(size, locale);
        await fresh.page.goto(v.code.url);
        expect(await primaryAction(fresh.page)).toEqual({ id: "submit", text: s.submit });
        await look(fresh, name("new"));
        await fresh.context.close();

        // A remembered passenger: one tap, then the result screen, whose first action is getting off.
        const device = await verifiedDevice();
        const w = await phoneBrowser(size, locale, device.value);
        const { page } = w;
        await page.goto(v.code.url);
        expect(await primaryAction(page)).toEqual({ id: "one-tap", text: s.oneTap });
        await look(w, name("remembered"));
        const [boarded] = await Promise.all([checkinResponse(page), page.locator("#one-tap").click()]);
        expect(boarded.status()).toBe(201);
        const first = await body(boarded);
        expect(first.status).toBe("green");
        await page.getByTestId("result").waitFor({ state: "visible" });
        expect(await primaryAction(page)).toEqual({ id: "alight", text: s.alight });
        // Dates in one style on every phone, as the server writes them.
        expect(await page.getByTestId("boarded-at").innerText()).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$/);
        await look(w, name("result"));

        // Scanning again while on board: getting off comes first, and the ride's screen can be shown again.
        t.clock.advance(60_000);
        await page.goto(v.code.url);
        expect(await primaryAction(page)).toEqual({ id: "alight-open", text: s.alight });
        expect(await page.locator("#open-ride").getAttribute("data-checkin")).toBe(first.checkinId);
        expect(await page.locator("#one-tap").count()).toBe(0);
        await look(w, name("on-board"));
        await page.locator("#show-ride").click();
        await page.getByTestId("result").waitFor({ state: "visible" });
        expect(await page.getByTestId("result").getAttribute("class")).toContain("green");
        await page.goto(v.code.url);

        // Getting off is asked in the page; "cancel" changes nothing.
        await page.getByRole("button", { name: s.alight }).click();
        await page.getByRole("alertdialog").waitFor();
        expect(await page.getByRole("alertdialog").innerText()).toContain(s.alightConfirmTitle);
        expect(await page.locator("#alight-open").isHidden()).toBe(true);
        await look(w, name("confirm"));
        await page.getByRole("button", { name: s.cancel }).click();
        await page.locator("#alight-open").waitFor({ state: "visible" });
        expect(await page.getByRole("alertdialog").isHidden()).toBe(true);
        t.clock.advance(10_000);
        await page.getByRole("button", { name: s.alight }).click();
        const [off] = await Promise.all([alightResponse(page), page.getByRole("button", { name: s.alightYes }).click()]);
        expect(off.status()).toBe(200);
        await page.locator("#alighted-note").waitFor({ state: "visible" });
        expect(await page.locator("#alighted-note").innerText()).toContain(s.nextRide);
        expect(await page.locator("#open-ride").isHidden()).toBe(true);
        await look(w, name("alighted"));

        // 27 s after getting off, within a minute of the last scan: a scan is a new boarding (201), not the finished ride.
        t.clock.advance(27_000);
        await page.goto(v.code.url);
        expect(await primaryAction(page)).toEqual({ id: "one-tap", text: s.oneTap });
        const [again] = await Promise.all([checkinResponse(page), page.locator("#one-tap").click()]);
        expect(again.status()).toBe(201);
        const second = await body(again);
        expect(second.checkinId).not.toBe(first.checkinId);
        expect(second.alightedAt).toBeNull();
        await page.getByTestId("result").waitFor({ state: "visible" });

        // Getting off from the result screen is asked as well.
        await page.locator("#alight").click();
        await page.getByRole("alertdialog").waitFor();
        const [off2] = await Promise.all([alightResponse(page), page.getByRole("button", { name: s.alightYes }).click()]);
        expect(off2.status()).toBe(200);
        await page.locator("#result-alighted").waitFor({ state: "visible" });
        expect(await page.locator("#alight").isHidden()).toBe(true);
        expect(await page.locator("#r-alighted").isVisible()).toBe(true);
        await look(w, name("result-alighted"));

        expect(w.problems).toEqual([]);
        await w.context.close();
      });

      it(`${lang}, ${size}: a close contact reads what to do before anything else, in both languages`, async () => {
        const v = await vehicle();
        const earlier = await vehicle();
        const device = await verifiedDevice();
        const ride = await t.call("POST", "/api/v1/checkins", { code: earlier.code.id }, { cookie: device.cookie });
        expect(ride.status).toBe(201);
        t.clock.advance(2 * 3_600_000);
        const marked = await t.call("POST", `/api/v1/persons/${ride.json.personId}/status`, { status: "close_contact", reason: "case 2026-201" }, tracer);
        expect(marked.status).toBe(200);
        t.clock.advance(60_000); // they scan after the marking, not at its very moment

        const w = await phoneBrowser(size, locale, device.value);
        const { page } = w;
        await page.goto(v.code.url);
        // The notice is the page's first card, and its first action is the hotline — not a green check-in button.
        expect(await page.evaluate(() => document.querySelector("main")!.firstElementChild?.id)).toBe("notice");
        expect(await primaryAction(page)).toEqual({ id: "hotline", text: s.callHotline });
        expect(await page.getByTestId("hotline").getAttribute("href")).toBe("tel:12320");
        const hotline = (await page.getByTestId("hotline").boundingBox())!;
        expect(hotline.y + hotline.height).toBeLessThanOrEqual(SIZES[size].height); // on the first screen
        const steps = await page.getByTestId("notice-steps").innerText();
        for (const step of s.noticeStepsCloseContact) expect(steps).toContain(step);
        const other = lang === "en" ? strings.zh : strings.en;
        expect(await page.getByTestId("notice-other-lang").innerText()).toContain(other.noticeStepsCloseContact[0]);
        // Checking in stays possible, smaller and explained, below the notice.
        const checkin = page.locator("#one-tap");
        expect(await checkin.innerText()).toBe(s.flaggedCheckin);
        expect(await checkin.getAttribute("class")).toBe("secondary");
        expect((await checkin.boundingBox())!.y).toBeGreaterThan(hotline.y);
        expect(await page.locator("#flagged-checkin").innerText()).toContain(s.flaggedOnBoardHint);
        await look(w, name("flagged"));

        const [res] = await Promise.all([checkinResponse(page), checkin.click()]);
        expect(res.status()).toBe(201);
        expect((await body(res)).status).toBe("yellow");
        await page.getByTestId("result").waitFor({ state: "visible" });
        expect(await page.getByTestId("result").getAttribute("class")).toContain("yellow");
        expect(await page.getByTestId("notice").count()).toBe(1); // already on the page: not fetched a second time
        await look(w, name("flagged-result"));

        // On board and flagged: the notice still leads, then getting off.
        await page.goto(v.code.url);
        expect(await page.evaluate(() => document.querySelector("main")!.firstElementChild?.id)).toBe("notice");
        expect(await page.locator("#alight-open").innerText()).toBe(s.alight);
        expect(await page.locator("#one-tap").count()).toBe(0);
        await look(w, name("flagged-on-board"));
        expect(w.problems).toEqual([]);
        await w.context.close();
      });
    }
  }

  it("tells a confirmed case what to do, with the hotline, in both languages", async () => {
    const v = await vehicle();
    const device = await verifiedDevice();
    const ride = await t.call("POST", "/api/v1/checkins", { code: v.code.id }, { cookie: device.cookie });
    await t.call("POST", `/api/v1/checkins/${ride.json.checkinId}/alight`, undefined, { cookie: device.cookie });
    expect((await t.call("POST", `/api/v1/persons/${ride.json.personId}/status`, { status: "case", reason: "case 2026-202" }, tracer)).status).toBe(200);
    const w = await phoneBrowser("phone", "zh-CN", device.value);
    await w.page.goto(v.code.url);
    expect(await w.page.getByTestId("notice").getAttribute("class")).toContain("case");
    expect(await primaryAction(w.page)).toEqual({ id: "hotline", text: strings.zh.callHotline });
    expect(await w.page.getByTestId("notice-steps").innerText()).toContain(strings.zh.noticeStepsCase[0]);
    expect(await w.page.getByTestId("notice-other-lang").innerText()).toContain(strings.en.noticeStepsCase[0]);
    await look(w, "flagged-case-phone-zh-CN");
    expect(w.problems).toEqual([]);
    await w.context.close();
  });
});

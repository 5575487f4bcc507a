import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { scenario, type Scenario } from "../server/src/tracing/fixtures.ts";
import { createTestApp, type TestApp } from "../server/test/harness.ts";
import { LAPTOP, launchBrowser, listen, openPage, shot, signIn, tileServer, unlabelledControls } from "./console.support.ts";

/*
 * The case desk in a real Chromium at 1366×768, in English and Chinese: the
 * case list opening a stored trace, a person's page with status set and
 * undone, and the admin's audit log. Times are relative to now (the browser's
 * cookie jar keeps real time).
 */
let t: TestApp;
let s: Scenario;
let browser: Browser;
let server: Awaited<ReturnType<typeof listen>>;
let tiles: Awaited<ReturnType<typeof tileServer>>;
let tracer: { username: string; password: string; authorization: string };
let admin: { username: string; password: string; authorization: string };
const traceIds: string[] = [];

beforeAll(async () => {
  tiles = await tileServer();
  [t, browser] = await Promise.all([createTestApp({ env: { TILE_URL: tiles.url } }), launchBrowser()]);
  server = await listen(t.app);
  tracer = await t.staff("tracer");
  admin = await t.staff("admin");
  const t0 = new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000 - 26 * 3_600_000);
  s = scenario(t.deps, t0);
  await s.vehicle("bus1", "bus", 40);
  await s.trip("T1", "bus1", 0, 60, "D-001");
  await s.person("P", { displayName: "王小明" });
  await s.person("A", { displayName: "Alice Anders" });
  await s.checkin("cP", "P", "bus1", 5, { alight: 40 });
  await s.checkin("cA", "A", "bus1", 10, { alight: 30 });
  const window = { from: s.at(-60).toISOString(), to: s.at(600).toISOString() };
  for (const reason of ["cluster 2026-07 / 三号线", "case 2026-114 with a rather long reference that must wrap"]) {
    const res = await t.call("POST", "/api/v1/traces", { personId: s.id("P"), ...window, reason }, { authorization: tracer.authorization });
    expect(res.status, res.text).toBe(201);
    traceIds.push(res.json.id);
  }
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
  await tiles?.close();
  await t?.close();
});

/** Controls or cells under `main` whose content is cut off: wider than their box, or sticking out of the page. */
function clipped(page: Page) {
  return page.evaluate(() => {
    const out: string[] = [];
    const width = document.documentElement.clientWidth;
    for (const el of document.querySelectorAll<HTMLElement>("header *, main *")) {
      const r = el.getBoundingClientRect();
      if ((r.width === 0 && r.height === 0) || el.closest(".leaflet-container")) continue; // a map clips its tiles by design
      const style = getComputedStyle(el);
      const overflows = el.scrollWidth > el.clientWidth + 1 && style.overflowX !== "visible" && el.tagName !== "SELECT" && el.tagName !== "INPUT";
      const cell = el.closest("td, th");
      const outOfCell = cell && cell !== el && (r.right > cell.getBoundingClientRect().right + 1 || r.left < cell.getBoundingClientRect().left - 1);
      if (overflows || outOfCell || r.right > width + 1) out.push(`${el.tagName}.${el.className}: ${el.textContent?.slice(0, 40)}`);
    }
    return out;
  });
}

async function inLanguage(page: Page, code: "en" | "zh-CN") {
  await page.getByRole("combobox", { name: /Language|语言/ }).selectOption(code);
}

describe("the case desk", () => {
  it("lists stored traces and opens one by its id, in both languages, unclipped", async () => {
    const { page, errors } = await openPage(browser, LAPTOP);
    await signIn(page, server.base, tracer);
    await page.getByRole("link", { name: "Case list" }).click();
    const rows = page.locator("table.case-list tbody tr");
    await expect.poll(() => rows.count()).toBe(2);
    await expect.poll(() => rows.first().textContent()).toContain("case 2026-114");
    expect(await rows.first().textContent()).toContain("王**");
    expect(await rows.first().textContent()).toContain("1 / 2");
    expect(await page.locator("main").textContent()).not.toContain("王小明");
    expect(await page.getByRole("button", { name: "Show more" }).isVisible()).toBe(false); // one page holds them all
    expect(await clipped(page)).toEqual([]);
    expect(await unlabelledControls(page)).toEqual([]);
    await shot(page, "casedesk-cases-1366-en");

    await page.getByLabel("Case reference or phone").fill("三号线");
    await page.getByRole("button", { name: "Search" }).click();
    await expect.poll(() => rows.count()).toBe(1);

    await inLanguage(page, "zh-CN");
    await page.getByRole("link", { name: "案例列表" }).waitFor();
    await expect.poll(() => rows.count()).toBe(2);
    expect(await clipped(page)).toEqual([]);
    await shot(page, "casedesk-cases-1366-zh");
    await inLanguage(page, "en");

    await rows.last().getByRole("link", { name: /^Open the trace for cluster/ }).click();
    await expect.poll(() => page.evaluate(() => location.hash)).toBe(`#/case?trace=${traceIds[0]}`);
    await page.getByRole("link", { name: "Cases", exact: true }).waitFor();
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it("shows a person's page: set a status with a reason, undo it, rides and the traces that listed them", async () => {
    const { page, errors } = await openPage(browser, LAPTOP);
    page.on("dialog", (d) => void d.accept());
    await signIn(page, server.base, tracer);
    await page.getByRole("link", { name: "Case list" }).click();
    await page.locator("table.case-list tbody tr").first().getByRole("link", { name: "王**" }).click();
    const state = page.getByTestId("person-status");
    await expect.poll(() => state.textContent()).toBe("clear");
    expect(await page.locator("table.person-rides tbody tr").count()).toBe(1);
    expect(await page.locator("table.person-traces tbody tr").count()).toBe(2);

    await page.getByLabel("New status").selectOption("close_contact");
    await page.getByLabel("Reason (case reference)").first().fill("case 2026-114");
    await page.getByRole("button", { name: "Set status" }).click();
    await expect.poll(() => state.textContent()).toBe("close contact");
    expect(await page.locator(".person-summary").textContent()).toMatch(/until \d{4}-\d{2}-\d{2}/);
    await expect.poll(() => page.locator("table.person-history tbody tr").count()).toBe(1);
    expect(await clipped(page)).toEqual([]);
    expect(await unlabelledControls(page)).toEqual([]);
    await shot(page, "casedesk-person-1366-en");

    await page.getByLabel("Reason (case reference)").first().fill("marked by mistake");
    await page.getByRole("button", { name: "Undo last change" }).click();
    await expect.poll(() => state.textContent()).toBe("clear");
    await expect.poll(() => page.locator("table.person-history tbody tr").count()).toBe(2);
    expect(await page.locator("table.person-history tbody tr").first().textContent()).toContain("marked by mistake");
    expect((await t.call("GET", `/api/v1/persons/${s.id("P")}`, undefined, { authorization: tracer.authorization })).json.status).toBe("clear");

    await inLanguage(page, "zh-CN");
    await expect.poll(() => state.textContent()).toBe("无风险");
    expect(await clipped(page)).toEqual([]);
    await shot(page, "casedesk-person-1366-zh");
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it("gives admin the audit log with filters, unclipped", async () => {
    const { page, errors } = await openPage(browser, LAPTOP);
    await signIn(page, server.base, admin);
    expect(await clipped(page)).toEqual([]); // the menu fits with Case list and Audit in it
    await page.getByRole("link", { name: "Audit" }).click();
    const rows = page.locator("table.audit-log tbody tr");
    await expect.poll(() => rows.count()).toBeGreaterThan(2);
    await page.getByLabel("Case reference", { exact: true }).fill("2026-114");
    await page.getByRole("button", { name: "Show", exact: true }).click();
    await expect.poll(async () => (await rows.allTextContents()).every((r) => r.includes("2026-114"))).toBe(true);
    expect(await rows.count()).toBeGreaterThan(0);
    await page.getByLabel("Staff user").selectOption({ label: tracer.username });
    await page.getByRole("button", { name: "Show", exact: true }).click();
    await expect.poll(async () => (await rows.allTextContents()).every((r) => r.includes(tracer.username))).toBe(true);
    expect(await clipped(page)).toEqual([]);
    expect(await unlabelledControls(page)).toEqual([]);
    await shot(page, "casedesk-audit-1366-en");
    await inLanguage(page, "zh-CN");
    await page.getByRole("heading", { name: "审计日志" }).waitFor();
    await expect.poll(() => rows.count()).toBeGreaterThan(0);
    expect(await clipped(page)).toEqual([]);
    await shot(page, "casedesk-audit-1366-zh");
    expect(errors).toEqual([]);
    await page.context().close();
  });
});

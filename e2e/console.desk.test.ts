import { sql } from "drizzle-orm";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rowsOf } from "../server/src/db/client.ts";
import { createTestApp, type TestApp } from "../server/test/harness.ts";
import { clippedControls, shootMatrix } from "./console.shots.ts";
import { LAPTOP, expectPlayMoves, launchBrowser, listen, openPage, runTrace, seedCase, signIn, tileServer } from "./console.support.ts";

/*
 * The case desk as a tracer works it (issue 13 part 1–2): one case after
 * another without the first showing in the second, marking with a
 * confirmation that names and counts, undo, re-opening a stored trace, one
 * row per person, and nothing clipped at any size in either language.
 */
let t: TestApp;
let browser: Browser;
let server: Awaited<ReturnType<typeof listen>>;
let tiles: Awaited<ReturnType<typeof tileServer>>;
let casePhone: string;
let hasRevert = false;

beforeAll(async () => {
  tiles = await tileServer();
  [t, browser] = await Promise.all([createTestApp({ now: "2026-11-28T08:00:00Z", env: { TILE_URL: tiles.url } }), launchBrowser()]);
  server = await listen(t.app);
  casePhone = await seedCase(t);
  const doc = (await (await t.app.request("/api/v1/openapi.json")).json()) as { paths: Record<string, unknown> };
  hasRevert = "/persons/{id}/status/revert" in doc.paths;
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await tiles?.close();
  await t?.close();
});

describe("case desk", () => {
  it("clears the first case before the second lookup starts, and shows nothing of it when that lookup fails", async () => {
    const tracer = await t.staff("tracer");
    const { context, page, errors } = await openPage(browser, LAPTOP);
    await signIn(page, server.base, tracer);
    await runTrace(page, casePhone, "1");
    await expect.poll(() => page.locator("table.contacts tbody tr").count()).toBe(3);

    await page.getByLabel("Phone number or person ID").fill("13900000000");
    await page.getByRole("button", { name: "Run trace" }).click();
    await expect.poll(() => page.locator(".trace-form .status.error").textContent()).toMatch(/not found/i);
    expect(await page.locator("table.contacts").count()).toBe(0);
    expect(await page.locator(".results").isHidden()).toBe(true);
    expect(await page.getByRole("button", { name: /Mark/ }).count()).toBe(0);
    expect(await page.locator("path.contact-marker").count()).toBe(0);
    expect(errors.filter((e) => !/404/.test(e))).toEqual([]);
    await context.close();
  });

  it("lists each person once, with their segments folded under them, the total overlap and highest risk", async () => {
    const tracer = await t.staff("tracer");
    const { context, page, errors } = await openPage(browser, LAPTOP);
    await signIn(page, server.base, tracer);
    await runTrace(page, casePhone, "2");
    const rows = page.locator("table.contacts tbody tr");
    const names = await rows.locator("td:first-child button.link").allTextContents();
    expect(new Set(names).size).toBe(names.length);
    // A rode with the case (depth 1) and later with E: one row, at depth 1.
    expect(names.filter((n) => n === "Passenger A")).toHaveLength(1);
    expect(await page.locator("#risk-help").textContent()).toMatch(/Risk 0–1/);
    expect(await page.locator(".map-legend li").count()).toBe(6);
    // The slider plays, at its slowest speed too: a frame's advance there is far below the slider's one-minute step.
    await expectPlayMoves(page, page.getByLabel("Moment on board"), page.locator(".slider-controls select"), "1");
    expect(await page.locator(".slider-ticks span").count()).toBeGreaterThan(1);
    expect(await clippedControls(page)).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  });

  it("asks before marking, naming and counting the people, and can undo", async () => {
    const tracer = await t.staff("tracer");
    const { context, page, errors } = await openPage(browser, LAPTOP);
    await signIn(page, server.base, tracer);
    await runTrace(page, casePhone, "1");
    const statuses = async () => rowsOf<{ status: string | null }>(await t.deps.db.execute(sql`select status from persons where status = 'close_contact'`)).length;
    const start = await statuses();

    const rowA = page.locator("tr.contact-row", { hasText: "Passenger A" });
    await rowA.getByRole("button", { name: /Mark close contact/ }).click();
    const dialog = page.getByRole("dialog");
    await expect.poll(() => dialog.textContent()).toContain("Passenger A");
    expect(await dialog.getByRole("heading").textContent()).toBe("Mark this person as a close contact?");
    // Cancel changes nothing.
    await dialog.getByRole("button", { name: "Cancel" }).click();
    expect(await statuses()).toBe(start);

    const markAll = page.getByRole("button", { name: /Mark the 2 listed depth-1 passengers/ });
    await markAll.click();
    expect(await dialog.getByRole("heading").textContent()).toBe("Mark these 2 people as close contacts?");
    expect(await dialog.locator("li").allTextContents()).toEqual(expect.arrayContaining(["Passenger A", "Passenger B"]));
    await dialog.getByRole("button", { name: "Mark 2 people" }).click();
    await expect.poll(() => page.locator(".status-badge.close_contact").count()).toBe(2);
    expect(await statuses()).toBe(start + 2);

    if (hasRevert) {
      await page.locator(".action-status").getByRole("button", { name: "Undo" }).click();
      await expect.poll(() => page.locator(".status-badge.close_contact").count()).toBe(0);
      expect(await statuses()).toBe(start);
    }
    expect(errors).toEqual([]);
    await context.close();
  });

  it("re-opens a stored trace from its address without running it again, at every size in both languages with nothing clipped", { timeout: 300_000 }, async () => {
    const tracer = await t.staff("tracer");
    const { context, page, errors } = await openPage(browser, LAPTOP);
    await signIn(page, server.base, tracer);
    await runTrace(page, casePhone, "2");
    const url = page.url();
    expect(url).toMatch(/#\/case\?trace=[0-9a-f-]{36}$/);
    const count = async () => Number(rowsOf<{ n: number | string }>(await t.deps.db.execute(sql`select count(*) as n from traces`))[0]!.n);
    const before = await count();

    await page.goto(`${server.base}/#/live`);
    await page.goto(url);
    await expect.poll(() => page.locator("table.contacts tbody tr").count()).toBeGreaterThan(2);
    expect(await page.locator(".trace-summary").textContent()).toContain("case 2026-114");
    expect(await count()).toBe(before);

    const clipped = await shootMatrix(page, "case", url, (p) => p.locator("table.contacts tbody tr").first().waitFor());
    expect(clipped).toEqual({});
    expect(errors).toEqual([]);
    await context.close();
  });
});

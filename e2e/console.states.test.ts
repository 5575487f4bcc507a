import { sql } from "drizzle-orm";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { scenario, type Scenario } from "../server/src/tracing/fixtures.ts";
import { createTestApp, type TestApp } from "../server/test/harness.ts";
import { shootMatrix } from "./console.shots.ts";
import { LAPTOP, launchBrowser, listen, openPage, signIn, tileServer, unlabelledControls } from "./console.support.ts";

/*
 * What the console says when there is nothing to show, or nothing matches
 * (issue 13 part 9), and the flow chart as hourly bars (part 8): in a real
 * Chromium, at 1366×768, 768×1024 and 390×844, in Chinese and English, with
 * nothing clipped and no console errors. Times are relative to now, so the
 * views' default windows (the last day) hold the seeded rides on any date.
 */
let t: TestApp;
let browser: Browser;
let server: Awaited<ReturnType<typeof listen>>;
let tiles: Awaited<ReturnType<typeof tileServer>>;
let tracer: Awaited<ReturnType<TestApp["staff"]>>;
let admin: Awaited<ReturnType<TestApp["staff"]>>;

beforeAll(async () => {
  tiles = await tileServer();
  [t, browser] = await Promise.all([createTestApp({ env: { TILE_URL: tiles.url } }), launchBrowser()]);
  server = await listen(t.app);
  tracer = await t.staff("tracer");
  admin = await t.staff("admin");
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
  await tiles?.close();
  await t?.close();
});

const status = (page: Page) => page.locator("main .status").first();

describe("an empty desk says what to do", () => {
  it("explains an empty case list, trip search and live map, at every size in both languages", { timeout: 300_000 }, async () => {
    const { context, page, errors } = await openPage(browser, LAPTOP);
    await signIn(page, server.base, tracer);

    await page.goto(`${server.base}/#/cases`);
    await expect.poll(() => page.locator("main .empty").textContent()).toContain("No traces yet");
    expect(await page.locator("table.case-list").isHidden()).toBe(true);
    await page.getByRole("link", { name: "Run a trace" }).click();
    await expect.poll(() => page.evaluate(() => location.hash)).toBe("#/case");

    // Trips with no vehicle registered: says so, and a search says what was searched.
    await page.goto(`${server.base}/#/trips`);
    await expect.poll(() => page.locator(".trip-list .empty").textContent()).toBe("No vehicle is registered yet, so there are no trips to find.");
    await page.getByRole("button", { name: "Find trips" }).click();
    await expect.poll(() => page.locator(".trip-list .empty").textContent()).toMatch(/^No trips of All vehicles between \d{4}-\d{2}-\d{2} \d{2}:\d{2} and /);
    expect(await page.locator("form .status").textContent()).toBe("Found 0 trips.");

    // Live: no vehicle at all is not "0 vehicles, 0 online".
    await page.goto(`${server.base}/#/live`);
    await expect.poll(() => status(page).textContent()).toBe("No vehicles yet.");
    expect(await page.locator("main .empty").textContent()).toContain("No vehicle is registered");
    expect(await page.getByRole("link", { name: /Fleet page/ }).count()).toBe(0); // a tracer registers nothing
    expect(await unlabelledControls(page)).toEqual([]);

    const clipped = {
      ...(await shootMatrix(page, "empty-cases", `${server.base}/#/cases`, (p) => p.locator("main div.empty:not([hidden])").waitFor())),
      ...(await shootMatrix(page, "empty-trips", `${server.base}/#/trips`, (p) => p.locator(".trip-list .empty").waitFor())),
      ...(await shootMatrix(page, "empty-live", `${server.base}/#/live`, (p) => p.locator("main div.empty:not([hidden])").waitFor())),
    };
    expect(clipped).toEqual({});
    expect(errors).toEqual([]);
    await context.close();
  });

  it("tells admin an audit filter matched nothing, and offers the Fleet page on an empty live map", async () => {
    const { context, page, errors } = await openPage(browser, LAPTOP);
    await signIn(page, server.base, admin);
    await page.goto(`${server.base}/#/audit`);
    await page.getByLabel("Case reference", { exact: true }).fill("no such case 0000");
    await page.getByRole("button", { name: "Show", exact: true }).click();
    await expect.poll(() => page.locator("main p.empty:not([hidden])").textContent()).toContain("No entries match these filters");
    await page.goto(`${server.base}/#/live`);
    await page.getByRole("link", { name: "Register a vehicle on the Fleet page" }).waitFor();
    expect(errors).toEqual([]);
    await context.close();
  });
});

describe("with vehicles and rides", () => {
  let s: Scenario;
  beforeAll(async () => {
    // Six hours ago on the hour: inside every view's default window (the last day) whenever the test runs.
    s = scenario(t.deps, new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000 - 6 * 3_600_000));
    await s.vehicle("bus1", "bus", 40);
    await s.vehicle("bus2", "bus", 40);
    await t.deps.db.execute(sql`update vehicles set route_id = 'K51' where id = ${s.id("bus1")}::uuid`);
    await t.deps.db.execute(sql`update vehicles set route_id = 'B2' where id = ${s.id("bus2")}::uuid`);
    await s.trip("T1", "bus1", 0, 150, "D-001");
    await s.trip("T2", "bus2", 0, 150, "D-002");
    await s.track("bus1", 0, 150, 2);
    await s.track("bus2", 0, 150, 2);
    for (const name of ["A", "B", "C", "D", "E", "F", "G", "H", "I"]) await s.person(name);
    // K51: 5 boardings in the first hour, 1 in the second, none in the third; B2: 3 in the first, 2 in the third.
    for (const [name, minute] of [["A", 5], ["B", 10], ["C", 20], ["D", 30], ["E", 40], ["F", 70]] as const) await s.checkin(`k${name}`, name, "bus1", minute, { alight: minute + 5 });
    for (const [name, minute] of [["G", 15], ["H", 25], ["I", 35]] as const) await s.checkin(`b${name}`, name, "bus2", minute, { alight: minute + 5 });
    for (const [name, minute] of [["A", 125], ["B", 130]] as const) await s.checkin(`b2${name}`, name, "bus2", minute, { alight: minute + 5 });
    for (const [v, online] of [["bus1", true], ["bus2", false]] as const) {
      await t.deps.db.execute(sql`
        insert into vehicle_state (vehicle_id, last_ts, lat, lon, online, updated_at)
        values (${s.id(v)}::uuid, now(), 36.65, ${v === "bus1" ? 117.12 : 117.13}, ${online}, clock_timestamp())`);
    }
  });

  it("narrows the live count to the search and says when nothing matches", { timeout: 300_000 }, async () => {
    const { context, page, errors } = await openPage(browser, LAPTOP);
    await signIn(page, server.base, tracer);
    await page.goto(`${server.base}/#/live`);
    await expect.poll(() => status(page).textContent()).toBe("2 vehicles, 1 online, 2 on the map.");
    const search = page.getByLabel("Find a vehicle (plate or route)");
    await search.fill("k51");
    await expect.poll(() => status(page).textContent()).toBe("1 of 2 vehicles match “k51”; 1 of them online.");
    expect(await page.locator(".vehicle-list li").count()).toBe(1);
    await search.fill("zzz");
    await expect.poll(() => status(page).textContent()).toBe("0 of 2 vehicles match “zzz”; 0 of them online.");
    expect(await page.locator(".vehicle-list li").count()).toBe(0);
    expect(await page.locator("main .empty").textContent()).toContain("No vehicle matches “zzz”");
    await page.getByRole("button", { name: "Clear the search" }).click();
    await expect.poll(() => page.locator(".vehicle-list li").count()).toBe(2);
    expect(await status(page).textContent()).toBe("2 vehicles, 1 online, 2 on the map.");

    await page.getByLabel("Language").selectOption("zh-CN");
    await page.getByLabel("查找车辆（车牌或线路）").fill("zzz");
    await expect.poll(() => status(page).textContent()).toBe("2 辆车中有 0 辆符合“zzz”，其中 0 辆在线。");
    expect(await page.locator("main .empty").textContent()).toContain("没有符合“zzz”的车辆");

    const clipped = await shootMatrix(page, "live-nomatch", `${server.base}/#/live`, async (p) => {
      await p.locator(".vehicle-list li").first().waitFor();
      await p.locator("main input[type=search]").fill("zzz");
      await p.locator("main div.empty:not([hidden])").waitFor();
    });
    expect(clipped).toEqual({});
    expect(errors).toEqual([]);
    await context.close();
  });

  it("guides a trip search before it runs and when it finds nothing, then lists what it finds", { timeout: 300_000 }, async () => {
    const { context, page, errors } = await openPage(browser, LAPTOP);
    await signIn(page, server.base, tracer);
    await page.goto(`${server.base}/#/trips`);
    await page.locator("select[name=vehicle] option", { hasText: "TEST-bus1" }).waitFor({ state: "attached" });
    expect(await page.locator(".trip-list .empty").textContent()).toContain("then “Find trips”");
    await page.getByLabel("Vehicle").selectOption({ label: "TEST-bus1 · K51" });
    await page.getByLabel(/^From/).fill("2020-01-01T00:00");
    await page.getByLabel(/^To/).fill("2020-01-02T00:00");
    await page.getByRole("button", { name: "Find trips" }).click();
    await expect.poll(() => page.locator(".trip-list .empty").textContent()).toBe(
      "No trips of TEST-bus1 · K51 between 2020-01-01 00:00 and 2020-01-02 00:00. Try a longer window or all vehicles; a trip appears once the vehicle's agent starts one.",
    );
    await page.reload();
    await page.locator("select[name=vehicle] option", { hasText: "TEST-bus1" }).waitFor({ state: "attached" });
    await page.getByRole("button", { name: "Find trips" }).click();
    await expect.poll(() => page.locator(".trip-list li").count()).toBe(2);
    expect(await page.locator(".trip-list .empty").count()).toBe(0);

    const clipped = await shootMatrix(page, "trips-before", `${server.base}/#/trips`, (p) => p.locator(".trip-list .empty").waitFor());
    expect(clipped).toEqual({});
    expect(errors).toEqual([]);
    await context.close();
  });

  it("draws flow as a bar per hour, routes stacked, with whole-number ticks", { timeout: 300_000 }, async () => {
    const { context, page, errors } = await openPage(browser, LAPTOP);
    await signIn(page, server.base, tracer);
    await page.goto(`${server.base}/#/flow`);
    await expect.poll(() => page.locator(".panel .status").textContent()).toContain("11 boardings in 2 groups");
    // Hours across as bars (an hour nobody boarded is an empty slot, not a line drawn through it); no lines between hours.
    expect(await page.locator("svg polyline").count()).toBe(0);
    const bars = page.locator("svg rect.flow-bar");
    expect(await bars.count()).toBe(4); // K51 and B2 in hour 1, K51 in hour 2, B2 in hour 3
    const tops = await bars.evaluateAll((rects) => rects.map((r) => Number(r.getAttribute("x"))));
    expect(new Set(tops).size).toBe(3); // three hours, the first with two routes stacked
    expect(await bars.first().locator("title").textContent()).toMatch(/^K51 \d{2}-\d{2} \d{2}:00: 5$/);
    // The busiest hour has 8: ticks 0 2 4 6 8, never 0 4 8 or 0 5 9.
    expect(await page.locator("svg text.flow-tick").allTextContents()).toEqual(["0", "2", "4", "6", "8"]);
    expect(await page.locator("svg text.flow-hour").count()).toBeGreaterThan(0);

    const clipped = await shootMatrix(page, "flow-bars", `${server.base}/#/flow`, (p) => p.locator("svg rect.flow-bar").first().waitFor());
    expect(clipped).toEqual({});
    expect(errors).toEqual([]);
    await context.close();
  });
});

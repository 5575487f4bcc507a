import { readFileSync } from "node:fs";
import { sql } from "drizzle-orm";
import type { Browser } from "playwright-core";
import { v7 as uuidv7 } from "uuid";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rowsOf } from "../server/src/db/client.ts";
import { createTestApp, type TestApp } from "../server/test/harness.ts";
import { startTestSystem, type TestSystem } from "../server/test/system.ts";
import { LAPTOP, TABLET, expectPlayMoves, launchBrowser, listen, openPage, runTrace, seedCase, shot, signIn, tileServer, unlabelledControls } from "./console.support.ts";

/*
 * The tracer console in a real Chromium against the real app on a real port:
 * what a tracer and an operator do in it, on a laptop and a tablet. The
 * seeded case is described at seedCase (console.support.ts).
 */
let t: TestApp;
let browser: Browser;
let server: Awaited<ReturnType<typeof listen>>;
let tiles: Awaited<ReturnType<typeof tileServer>>;
let casePhone: string;

beforeAll(async () => {
  tiles = await tileServer();
  [t, browser] = await Promise.all([createTestApp({ now: "2026-11-28T08:00:00Z", env: { TILE_URL: tiles.url } }), launchBrowser()]);
  server = await listen(t.app);
  casePhone = await seedCase(t);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await tiles?.close();
  await t?.close();
});

describe("tracer console", () => {
  it("lets a tracer sign in, trace a case, see each contact in the list and on the map, select one, and export CSV", async () => {
    const tracer = await t.staff("tracer");
    const { context, page, errors } = await openPage(browser, LAPTOP);
    await signIn(page, server.base, tracer);
    // A tracer's menu: cases, trips, live, flow — not the operators' fleet pages.
    const menu = await page.getByRole("navigation", { name: "Main" }).getByRole("link").allTextContents();
    expect(menu).toEqual(["Cases", "Case list", "Trips", "Live", "Flow", "Routes", "Account"]);

    await runTrace(page, casePhone, "1");
    const rows = page.locator("table.contacts tbody tr");
    await expect.poll(() => rows.count()).toBe(3);
    const names = await rows.locator("td:first-child button.link").allTextContents();
    expect(names).toEqual(expect.arrayContaining(["Passenger A", "Passenger B", expect.stringContaining("D-001")]));
    await expect.poll(() => page.locator("path.contact-marker").count()).toBe(3);
    expect(await page.locator("path.segment-path").count()).toBe(1);
    expect(await page.locator("path.case-boarding").count()).toBe(1);
    expect(await page.locator("path.case-alighting").count()).toBe(1);
    // Tiles came from the configured TILE_URL.
    expect(tiles.served()).toBeGreaterThan(0);

    // List → map: the chosen contact's marker is highlighted, and only it.
    await rows.filter({ hasText: "Passenger A" }).getByRole("button", { name: "Passenger A", exact: true }).click();
    await expect.poll(() => page.locator("path.contact-marker.selected").count()).toBe(1);
    expect(await page.locator("tr.contact-row.selected").textContent()).toContain("Passenger A");
    // Map → list: clicking another marker selects its row.
    const other = page.locator("path.contact-marker:not(.selected)").first();
    await other.dispatchEvent("click");
    await expect.poll(() => page.locator("tr.contact-row.selected").textContent()).not.toContain("Passenger A");
    expect(await page.locator("path.contact-marker.selected").count()).toBe(1);

    // The time slider: at 08:20 (16:20 in Shanghai) A, B and the driver are all on board.
    const slider = page.getByLabel("Moment on board");
    await slider.evaluate((el: HTMLInputElement) => {
      el.value = String(Date.parse("2026-11-27T08:20:00Z"));
      el.dispatchEvent(new Event("input"));
    });
    await expect.poll(() => page.locator("tr.contact-row.onboard").count()).toBe(3);
    expect(await page.locator(".slider output").textContent()).toContain("2026-11-27 16:20");

    await shot(page, "case-laptop");
    const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: "Export CSV" }).click()]);
    const csv = readFileSync((await download.path())!, "utf8");
    expect(csv.trim().split(/\r?\n/)).toHaveLength(1 + 3);
    expect(csv).toContain("Passenger A");
    // Times as the console shows them (A rode 16:10–16:30 in Asia/Shanghai), with the offset, never UTC "Z".
    expect(csv).toContain(",2026-11-27 16:10:00+08:00,2026-11-27 16:30:00+08:00,");
    expect(csv).not.toMatch(/\d{2}:\d{2}:\d{2}\.\d{3}Z/);

    expect(await unlabelledControls(page)).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  });

  it("shows depth-2 contacts distinguishably, filters and sorts them, and marks a close contact", async () => {
    const tracer = await t.staff("tracer");
    const { context, page, errors } = await openPage(browser, LAPTOP);
    await signIn(page, server.base, tracer);
    await runTrace(page, casePhone, "2");
    await expect.poll(() => page.locator("tr.contact-row.depth-2").count()).toBeGreaterThan(0);
    const depth2Rows = await page.locator("tr.contact-row.depth-2").count();
    // One row per person; a marker per segment they rode (a person may have more than one).
    await expect.poll(() => page.locator("path.contact-marker.depth-2").count()).toBeGreaterThanOrEqual(depth2Rows);
    expect(await page.locator("tr.contact-row.depth-2").allTextContents()).toEqual(expect.arrayContaining([expect.stringContaining("Passenger E")]));

    await page.getByLabel("Depth", { exact: true }).nth(1).selectOption("2");
    await expect.poll(() => page.locator("tr.contact-row").count()).toBe(depth2Rows);
    expect(await page.locator("tr.contact-row.depth-1").count()).toBe(0);
    await page.getByLabel("Depth", { exact: true }).nth(1).selectOption("all");
    await page.getByLabel("Role").selectOption("driver");
    expect(await page.locator("tr.contact-row").allTextContents()).toEqual(expect.arrayContaining([expect.stringContaining("D-001")]));
    await page.getByLabel("Role").selectOption("all");
    await page.getByLabel("Sort by").selectOption("overlap");
    const overlaps = (await page.locator("tr.contact-row td:nth-child(3)").allTextContents()).map(Number);
    expect(overlaps).toEqual([...overlaps].sort((a, b) => b - a));
    await shot(page, "case-depth2-laptop");

    const rowA = page.locator("tr.contact-row.depth-1", { hasText: "Passenger A" });
    await rowA.getByRole("button", { name: /Mark close contact/ }).click();
    // Marking asks first, naming the person.
    await page.getByRole("dialog").getByRole("button", { name: "Mark 1 person" }).click();
    // The row then says so, and the person's status is what the next scan will show.
    await expect.poll(() => rowA.locator("td:last-child").textContent()).toBe("close contact");
    const marked = rowsOf<{ id: string }>(await t.deps.db.execute(sql`select id from persons where status = 'close_contact'`));
    expect(marked).toHaveLength(1);

    expect(errors).toEqual([]);
    await context.close();
  });

  it("lets an operator register a vehicle, see its agent credentials once, open its poster and rotate its code", async () => {
    const operator = await t.staff("operator", "Jinan Bus");
    const { context, page, errors } = await openPage(browser, LAPTOP);
    await signIn(page, server.base, operator);
    // Operators land on their fleet and see no case tracing.
    await page.getByRole("heading", { name: "Fleet" }).waitFor();
    expect(await page.getByRole("navigation", { name: "Main" }).getByRole("link").allTextContents()).toEqual(["Trips", "Live", "Flow", "Routes", "Fleet", "Applications", "API keys", "Account"]);

    await page.getByLabel("Plate").fill("鲁A·E2E01");
    await page.getByLabel("Kind").selectOption("bus");
    await page.getByLabel("Route").fill("K51");
    await page.getByLabel("Capacity").fill("60");
    await page.getByRole("button", { name: "Register", exact: true }).click();
    const password = await page.locator(".agent-password").textContent();
    expect(password?.length).toBeGreaterThanOrEqual(12);
    await page.locator("table.fleet tbody tr", { hasText: "鲁A·E2E01" }).waitFor();
    await shot(page, "fleet-credentials-laptop");

    const [poster] = await Promise.all([context.waitForEvent("page"), page.locator(".credentials").getByRole("link", { name: "Print poster" }).click()]);
    await poster.waitForLoadState();
    expect(await poster.textContent("body")).toContain("鲁A·E2E01");
    expect(await poster.locator("svg").count()).toBeGreaterThan(0);
    await shot(poster, "fleet-poster");
    await poster.close();

    // Shown once: after "stored", the password is nowhere on the page, and a reload does not bring it back.
    await page.getByRole("button", { name: "I have stored the password" }).click();
    expect(await page.content()).not.toContain(password!);
    await page.reload();
    const row = page.locator("table.fleet tbody tr", { hasText: "鲁A·E2E01" });
    await row.waitFor();
    expect(await page.content()).not.toContain(password!);

    // Rotating the code (after a confirmation) gives a new poster URL; the old one stops working.
    const oldCode = (await page.evaluate(async (id) => (await (await fetch(`/api/v1/vehicles/${id}`)).json()).code.id, await row.getAttribute("data-vehicle")))!;
    await row.getByRole("button", { name: /Rotate code/ }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Rotate code" }).click();
    await expect.poll(() => page.locator(".panel .status", { hasText: "New code" }).count()).toBe(1);
    expect(await page.locator(".panel .status", { hasText: "New code" }).textContent()).not.toContain(oldCode);
    expect((await t.call("POST", "/api/v1/checkins", { code: oldCode, phone: "13800138001" })).status).toBe(410);
    expect(await unlabelledControls(page)).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  });

  it("opens a case's trip from the trace, shows its route and check-ins, and replays it in proportion to real time", async () => {
    for (const viewport of [LAPTOP, TABLET]) {
      const tracer = await t.staff("tracer");
      const { context, page, errors } = await openPage(browser, viewport);
      await signIn(page, server.base, tracer);
      await runTrace(page, casePhone, "1");
      await page.locator("table.segments").getByRole("link", { name: "Trip" }).click();
      await page.getByRole("heading", { name: "Trip", exact: true }).waitFor();
      await page.locator("dl.facts").waitFor();
      expect(await page.locator("dl.facts").textContent()).toContain("TEST-bus1");
      // P, A, B and C checked in on trip T1.
      await expect.poll(() => page.locator("table tbody tr").count()).toBe(4);
      expect(await page.locator("path.checkin-marker").count()).toBe(4);
      expect(await page.locator("path.trip-path").count()).toBe(1);
      // Passengers by masked name (first character, at most four stars: "Case P" is C****, each "Passenger X" P****),
      // each linked to their person page; no id tails.
      const passengers = await page.locator("table tbody tr td:first-child a").allTextContents();
      expect(passengers.toSorted()).toEqual(["C****", "P****", "P****", "P****"]);
      expect(await page.locator("table tbody").textContent()).not.toContain("…");
      expect(await page.locator("table tbody tr td:first-child a").first().getAttribute("href")).toMatch(/^#\/person\/[0-9a-f-]{36}$/);

      const out = page.locator(".replay output");
      expect(await out.textContent()).toContain("2026-11-27 16:00");
      // At 1200× the trip's hour plays in about three seconds and stops at its end, where nobody is left on board.
      await page.getByLabel("Speed").selectOption("1200");
      await page.getByRole("button", { name: "Play" }).click();
      await expect.poll(() => out.textContent(), { timeout: 20_000 }).toContain("2026-11-27 17:00");
      expect(await out.textContent()).toContain("0 on board");
      await page.getByRole("button", { name: "Play" }).waitFor();
      // Scrubbing: at 16:20 P, A and B are on board.
      await page.getByLabel("Replay time").evaluate((el: HTMLInputElement) => {
        el.value = String(Date.parse("2026-11-27T08:20:00Z"));
        el.dispatchEvent(new Event("input"));
      });
      expect(await out.textContent()).toBe("2026-11-27 16:20 · 3 on board");
      // At 1× a frame moves the replay by a few ms, far below the slider's one-second step: it must still move on.
      await expectPlayMoves(page, page.getByLabel("Replay time"), page.getByLabel("Speed"), "1");
      await shot(page, `trip-${viewport === LAPTOP ? "laptop" : "tablet"}`);
      expect(await unlabelledControls(page)).toEqual([]);
      expect(errors).toEqual([]);
      await context.close();
    }
  });

  it("lists a vehicle's trips from the fleet page", async () => {
    const admin = await t.staff("admin");
    const { context, page, errors } = await openPage(browser, LAPTOP);
    await signIn(page, server.base, admin);
    await page.goto(`${server.base}/#/fleet`);
    await page.locator("table.fleet tbody tr", { hasText: "TEST-bus1" }).getByRole("link", { name: /Trips/ }).click();
    // The page first lists the vehicle's trips of the last day by itself; only then choose the window,
    // or that first search would run with half of the new one (a window of a year, on a later date).
    await expect.poll(() => page.locator("form .status").textContent()).toMatch(/Found \d+ trips?\./);
    await page.getByLabel(/^From/).fill("2026-11-27T00:00");
    await page.getByLabel(/^To/).fill("2026-11-28T00:00");
    await page.getByRole("button", { name: "Find trips" }).click();
    await expect.poll(() => page.locator(".trip-list li").count()).toBe(1);
    await shot(page, "trips-list-laptop");
    expect(errors).toEqual([]);
    await context.close();
  });

  it("charts boardings per route and hour and draws where they happened as heat", async () => {
    const tracer = await t.staff("tracer");
    const { context, page, errors } = await openPage(browser, LAPTOP);
    await signIn(page, server.base, tracer);
    await page.goto(`${server.base}/#/flow`);
    await page.getByLabel(/^From/).fill("2026-11-27T00:00");
    await page.getByLabel(/^To/).fill("2026-11-28T00:00");
    await page.getByRole("button", { name: "Show" }).click();
    // Six check-ins on two trips: six boardings, six boarding places.
    await expect.poll(() => page.locator(".panel .status").textContent()).toContain("6 boardings");
    expect(await page.locator(".panel .status").textContent()).toContain("6 boarding places");
    expect(await page.locator("svg rect.flow-bar").count()).toBeGreaterThan(0); // a bar per hour, not a line between hours
    expect(await page.locator("canvas.leaflet-heatmap-layer").count()).toBe(1);
    await page.getByText("Show as a table").click();
    const cells = await page.locator("details table tbody td:nth-child(3)").allTextContents();
    expect(cells.map(Number).reduce((a, b) => a + b, 0)).toBe(6);
    await shot(page, "flow-laptop");
    expect(await unlabelledControls(page)).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  });

  it("works on a tablet, in Chinese, and with the keyboard alone", async () => {
    const tracer = await t.staff("tracer");
    const { context, page, errors } = await openPage(browser, TABLET);
    await page.goto(`${server.base}/`);
    // Keyboard only: the username field has focus, Tab walks to the password and the button.
    await page.keyboard.type(tracer.username);
    await page.keyboard.press("Tab");
    await page.keyboard.type(tracer.password);
    await page.keyboard.press("Enter");
    await page.getByRole("navigation", { name: "Main" }).waitFor();
    await runTrace(page, casePhone, "1");
    await expect.poll(() => page.locator("table.contacts tbody tr").count()).toBe(3);
    const box = await page.locator("#case-map").boundingBox();
    expect(box!.width).toBeGreaterThan(700); // map stacked above the lists, full width
    // The map stays in view above the list: choosing a contact far down still shows its marker highlighted.
    await page.getByRole("button", { name: "Passenger B", exact: true }).click();
    await expect.poll(() => page.locator("path.contact-marker.selected").count()).toBe(1);
    expect((await page.locator("#case-map").boundingBox())!.y).toBeGreaterThanOrEqual(0);
    await shot(page, "case-tablet");

    await page.getByLabel("Language").selectOption("zh-CN");
    await page.getByRole("navigation", { name: "主导航" }).waitFor();
    expect(await page.getByRole("navigation", { name: "主导航" }).getByRole("link").allTextContents()).toEqual(["病例", "案例列表", "行程", "实时", "客流", "线路", "账户"]);
    expect(await page.locator("html").getAttribute("lang")).toBe("zh-CN");
    await shot(page, "case-tablet-zh");
    expect(await unlabelledControls(page)).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  });
});

describe("console without map tiles", () => {
  it("keeps working on a plain background when no tiles can be reached", async () => {
    const offline = await createTestApp({ now: "2026-11-28T08:00:00Z", database: t.database, env: { TILE_URL: "http://127.0.0.1:9/{z}/{x}/{y}.png" } });
    const s2 = await listen(offline.app);
    try {
      const tracer = await t.staff("tracer");
      const { context, page, errors } = await openPage(browser, LAPTOP);
      await signIn(page, s2.base, tracer);
      await runTrace(page, casePhone, "1");
      await expect.poll(() => page.locator("path.contact-marker").count()).toBe(3);
      await expect.poll(() => page.locator("#case-map.no-tiles").count()).toBe(1);
      expect(await page.locator(".no-tiles-note").isVisible()).toBe(true);
      await shot(page, "case-no-tiles");
      // The only errors are the browser's own reports of the unreachable tiles.
      expect(errors.filter((e) => !e.includes("127.0.0.1:9/"))).toEqual([]);
      await context.close();
    } finally {
      await s2.close();
    }
  });
});

describe("live view over MQTT", () => {
  let sys: TestSystem;
  let server: Awaited<ReturnType<typeof listen>>;
  beforeAll(async () => {
    sys = await startTestSystem({ env: { TILE_URL: "none" } });
    server = await listen(sys.t.app);
  });
  afterAll(async () => {
    await server?.close();
    await sys?.close();
  });

  it("shows a vehicle within 2 seconds of its agent publishing a fix", async () => {
    const vehicle = await sys.registerVehicle({ plate: "鲁A·MQTT1", kind: "bus", routeId: "K51" });
    const operator = await sys.t.staff("admin");
    const { context, page, errors } = await openPage(browser, LAPTOP);
    await signIn(page, server.base, operator);
    await page.goto(`${server.base}/#/live`);
    await page.getByRole("heading", { name: "Live fleet" }).waitFor();
    await expect.poll(() => page.locator(".status[data-vehicles]").count()).toBe(1); // snapshot arrived

    const agent = await sys.connect(vehicle);
    await agent.publishAsync(sys.topic(vehicle.id, "status"), JSON.stringify({ online: true, agentVersion: "e2e" }), { qos: 1, retain: true });
    await agent.publishAsync(sys.topic(vehicle.id, "position"), JSON.stringify({ ts: Date.now(), lat: 36.6512, lon: 117.1201, speed: 8 }), { qos: 1 });
    // Everything below must hold within 2 s of the fix being published: listed, online, and a dot on the map.
    const deadline = Date.now() + 2000;
    const left = () => Math.max(1, deadline - Date.now());
    const entry = page.locator(".vehicle-list li", { hasText: "鲁A·MQTT1" });
    await entry.waitFor({ timeout: left() });
    await expect.poll(() => entry.textContent(), { timeout: left() }).toContain("online");
    await expect.poll(() => page.locator(".status[data-vehicles]").getAttribute("data-vehicles"), { timeout: left() }).toBe("1");

    // A trip opens and a passenger scans the poster: the occupancy shows in the list and on hovering the dot.
    await agent.publishAsync(sys.topic(vehicle.id, "trip"), JSON.stringify({ event: "start", tripId: uuidv7(), ts: Date.now() - 60_000, routeId: "K51" }), { qos: 1 });
    await expect.poll(() => entry.textContent(), { timeout: 5000 }).toContain("0 on board");
    const scan = await sys.t.call("POST", "/api/v1/checkins", { code: vehicle.code.id, phone: "13800138000", name: "Rider" });
    expect(scan.status, scan.text).toBe(201);
    await expect.poll(() => entry.textContent(), { timeout: 5000 }).toContain("1 on board");
    const map = (await page.locator("#live-map").boundingBox())!;
    await page.mouse.move(map.x + map.width / 2, map.y + map.height / 2); // the one vehicle sits at the centre
    await expect.poll(() => page.locator(".leaflet-tooltip").textContent()).toContain("1 on board");
    expect(await page.locator(".leaflet-tooltip").textContent()).toContain("鲁A·MQTT1");
    await shot(page, "live-mqtt-hover-laptop");

    // The agent's Last Will (or a clean offline status) shows it offline, in place.
    await agent.publishAsync(sys.topic(vehicle.id, "status"), JSON.stringify({ online: false }), { qos: 1, retain: true });
    await expect.poll(() => entry.textContent(), { timeout: 3000 }).toContain("offline");
    await shot(page, "live-mqtt-laptop");
    expect(errors).toEqual([]);
    await context.close();
  });
});

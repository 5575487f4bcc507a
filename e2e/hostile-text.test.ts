import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { sql } from "drizzle-orm";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rowsOf } from "../server/src/db/client.ts";
import { startTestSystem, until, type RegisteredVehicle, type TestSystem } from "../server/test/system.ts";
import { LAPTOP, launchBrowser, listen, signIn, tileServer } from "./console.support.ts";
import { PAYLOAD, expectStrictPolicies, startAgent, watchedPage } from "./hostile-text.support.ts";

/*
 * Stored XSS, tried as an attacker would: markup typed into every stored
 * free-text field through the paths that store it (the passenger page, the
 * API, the driver's page and the vehicle's MQTT link), then every page that
 * shows it walked in Chromium, hovering and clicking. No script may run, and
 * each text reads as typed. Every HTML document carries the CSP.
 */
let system: TestSystem;
let browser: Browser;
let server: Awaited<ReturnType<typeof listen>>;
let tiles: Awaited<ReturnType<typeof tileServer>>;
let agent: Awaited<ReturnType<typeof startAgent>>;
let dir: string;
let vehicle: RegisteredVehicle;
let casePhone: string;
let caseDevice: Awaited<ReturnType<typeof watchedPage>>;
const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 16);

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "hostile-text-"));
  tiles = await tileServer();
  [system, browser] = await Promise.all([startTestSystem({ env: { TILE_URL: tiles.url, TZ_DISPLAY: "UTC" } }), launchBrowser()]);
  server = await listen(system.t.app);
  const admin = await system.t.staff("admin");
  const registered = await system.t.call("POST", "/api/v1/vehicles", { plate: PAYLOAD.plate, kind: "coach", routeId: PAYLOAD.route, operator: PAYLOAD.operator }, admin);
  expect(registered.status).toBe(201);
  vehicle = { ...registered.json, username: registered.json.agent.username, password: registered.json.agent.password };
  agent = await startAgent(system, vehicle, dir, ["--plate", PAYLOAD.plate, "--driver", PAYLOAD.driver]);

  // The driver starts a trip on the tablet, typing the route; it reaches the server over MQTT.
  const driver = await watchedPage(browser);
  await driver.page.goto(agent.driverPage);
  await driver.page.fill("input[name=routeId]", PAYLOAD.tripRoute);
  await driver.page.click("#start button");
  const trips = async () => rowsOf<{ route_id: string; driver_id: string }>(await system.t.database.db.execute(sql`select route_id, driver_id from trips where vehicle_id = ${vehicle.id}`));
  await until(async () => (await trips()).length === 1, "the trip stored");
  expect(await trips()).toEqual([{ route_id: PAYLOAD.tripRoute, driver_id: PAYLOAD.driver }]);
  await driver.context.close();

  // The case checks in on the passenger page with a companion and a seat (a coach sells seats); another rider through the API.
  casePhone = "13912345678";
  caseDevice = await watchedPage(browser, { width: 390, height: 844 });
  const { page } = caseDevice;
  await page.goto(`${server.base}/v/${vehicle.code.id}`);
  await page.fill("#phone", casePhone);
  await page.fill("#name", PAYLOAD.name);
  await page.click("#add-companion");
  await page.fill("#companions .c-name", PAYLOAD.companion);
  await page.fill("#seat", PAYLOAD.seat);
  await page.click("#submit");
  await page.getByTestId("result").waitFor({ state: "visible" });
  // The case proves the phone with the texted code (the development SMS sink), so the ride is theirs.
  await until(async () => /\d{6}/.test(system.t.lastText(casePhone) ?? ""), "the case's code in the SMS sink");
  await page.fill("#code", /(\d{6})/.exec(system.t.lastText(casePhone)!)![1]!);
  await page.click("#confirm-code");
  await page.locator("#alight").waitFor({ state: "visible" });
  const riderDevice = await system.t.verifyPhone("13987654321", { name: PAYLOAD.rider });
  const rider = await system.t.call("POST", "/api/v1/checkins", { code: vehicle.code.id, phone: "13987654321", name: PAYLOAD.rider, seat: PAYLOAD.seat }, { cookie: riderDevice.cookie });
  expect(rider.status).toBe(201);

  // A few fixes on board, so everyone has a boarding and an alighting place; then the case gets off and the trip ends.
  const fixCount = async () => rowsOf<{ n: number }>(await system.t.database.db.execute(sql`select count(*)::int as n from positions where vehicle_id = ${vehicle.id}`))[0]!.n;
  const before = await fixCount();
  await until(async () => (await fixCount()) >= before + 4, "fixes while on board");
  await page.click("#alight");
  await page.click("#alight-yes"); // getting off is asked first, in the page
  await page.locator("#r-alighted").waitFor({ state: "visible" });
  const alighted = await fixCount();
  await until(async () => (await fixCount()) >= alighted + 3, "fixes after the case got off");
  await fetch(`${agent.driverPage}trip/end`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
  await system.drain();

  // The tracer marks the case, with a reason.
  const tracer = await system.t.staff("tracer");
  const status = await system.t.call("POST", `/api/v1/persons/${rider.json.personId}/status`, { status: "close_contact", reason: PAYLOAD.statusReason }, tracer);
  expect(status.status).toBe(200);
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await agent?.agent.stop();
  await server?.close();
  await tiles?.close();
  await system?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("stored text is shown as text, never run", () => {
  it("in the tracer's case view: the contact list, every marker's and path's tooltip, and marking a contact", async () => {
    const tracer = await system.t.staff("tracer");
    const w = await watchedPage(browser, LAPTOP);
    const { page } = w;
    await signIn(page, server.base, tracer);
    await page.getByLabel("Phone number or person ID").fill(casePhone);
    await page.getByLabel(/^From/).fill(day(-1));
    await page.getByLabel(/^To/).fill(day(1));
    await page.getByLabel("Depth", { exact: true }).first().selectOption("2");
    await page.getByLabel("Minimum overlap (minutes)").fill("0"); // the rides here last seconds
    await page.getByLabel("Reason (case reference)").fill(PAYLOAD.traceReason);
    await page.getByRole("button", { name: "Run trace" }).click();
    await page.locator(".results h2").waitFor();
    const rows = page.locator("table.contacts tbody tr");
    await expect.poll(() => rows.count()).toBeGreaterThanOrEqual(3);
    const table = await page.locator("table.contacts").innerText();
    for (const text of [PAYLOAD.rider, PAYLOAD.companion, PAYLOAD.driver]) expect(table).toContain(text);

    // Hover every shape on the map: each tooltip reads as text. Each shape's own tooltip is the one it is
    // described by (Leaflet sets aria-describedby on opening): the last tooltip in the page may be the
    // previous shape's, still fading out for 200 ms after its mouseout.
    const tooltips: string[] = [];
    for (const selector of ["path.contact-marker", "path.contact-alight", "path.case-boarding", "path.case-alighting", "path.segment-path"]) {
      const shapes = page.locator(selector);
      for (let i = 0; i < (await shapes.count()); i++) {
        await shapes.nth(i).dispatchEvent("mouseover");
        await expect.poll(() => shapes.nth(i).getAttribute("aria-describedby")).toMatch(/^leaflet-tooltip-/);
        const tooltip = page.locator(`#${await shapes.nth(i).getAttribute("aria-describedby")}`);
        await tooltip.waitFor();
        tooltips.push(await tooltip.innerText());
        await shapes.nth(i).dispatchEvent("mouseout");
      }
    }
    expect(tooltips.join("\n")).toContain(PAYLOAD.rider);
    expect(tooltips.join("\n")).toContain(PAYLOAD.driver);
    expect(tooltips.join("\n")).toContain(PAYLOAD.companion);
    expect(tooltips.join("\n")).toContain(PAYLOAD.plate);
    // Clicking a marker selects its row (and opens its tooltip); marking a contact carries the case reference.
    await page.locator("path.contact-marker").first().dispatchEvent("click");
    await expect.poll(() => page.locator("tr.contact-row.selected").count()).toBe(1);
    // Marking asks first, naming the person in the dialog (as text), then says who was marked.
    await rows.filter({ hasText: PAYLOAD.companion }).getByRole("button", { name: /Mark/ }).click();
    const dialog = page.getByRole("dialog");
    expect(await dialog.locator(".confirm-names").innerText()).toContain(PAYLOAD.companion);
    await w.expectNothingRan();
    await dialog.getByRole("button", { name: "Mark 1 person" }).click();
    await expect.poll(() => page.locator(".action-status").innerText()).toContain(PAYLOAD.companion);
    await w.expectNothingRan();

    // The case's trip: plate, route, driver and seats as text, in the facts, the table and the markers' tooltips.
    await page.locator("table.segments").getByRole("link", { name: "Trip" }).click();
    await page.locator("dl.facts").waitFor();
    const facts = await page.locator("dl.facts").innerText();
    for (const text of [PAYLOAD.plate, PAYLOAD.tripRoute, PAYLOAD.driver]) expect(facts).toContain(text);
    await expect.poll(() => page.locator("path.checkin-marker").count()).toBeGreaterThanOrEqual(2);
    const markers = page.locator("path.checkin-marker");
    const labels: string[] = [];
    for (let i = 0; i < (await markers.count()); i++) {
      await markers.nth(i).dispatchEvent("mouseover");
      labels.push(await page.locator(".leaflet-tooltip").last().innerText());
    }
    // The case's and the rider's seats (the companion gave none).
    expect(labels.filter((l) => l.includes(PAYLOAD.seat))).toHaveLength(2);
    expect(await page.locator("table").last().innerText()).toContain(PAYLOAD.seat);
    await w.expectNothingRan();
    expectStrictPolicies(w.htmlPolicies);
    await w.context.close();
  });

  it("in the trips list, the live map and its list, and the flow chart", async () => {
    const tracer = await system.t.staff("tracer");
    const w = await watchedPage(browser, LAPTOP);
    const { page } = w;
    await signIn(page, server.base, tracer);

    await page.goto(`${server.base}/#/trips`);
    await page.getByLabel(/^From/).fill(day(-1));
    await page.getByLabel(/^To/).fill(day(1));
    await page.getByRole("button", { name: "Find trips" }).click();
    await expect.poll(() => page.locator(".trip-list li").count()).toBe(1);
    expect(await page.locator(".trip-list").innerText()).toContain(PAYLOAD.plate);
    await w.expectNothingRan();

    await page.goto(`${server.base}/#/live`);
    const entry = page.locator(".vehicle-list li", { hasText: PAYLOAD.plate });
    await entry.waitFor();
    await entry.getByRole("button").first().click();
    await page.locator(".leaflet-tooltip").waitFor();
    expect(await page.locator(".leaflet-tooltip").innerText()).toContain(PAYLOAD.plate);
    expect(await page.locator(".vehicle-list").innerText()).toContain(PAYLOAD.plate);
    await w.expectNothingRan();
    // A fresh page for the next view: leaving the live map mid-zoom makes Leaflet throw (its animation outlives the map).
    await page.goto("about:blank");

    await page.goto(`${server.base}/#/flow`);
    await page.getByLabel(/^From/).fill(day(-1));
    await page.getByLabel(/^To/).fill(day(1));
    await page.getByRole("button", { name: "Show" }).click();
    await expect.poll(() => page.locator(".legend").innerText()).toContain(PAYLOAD.tripRoute);
    await page.locator("svg rect.flow-bar").first().hover(); // its title names the route
    await page.getByText("Show as a table").click();
    expect(await page.locator("details table").innerText()).toContain(PAYLOAD.tripRoute);
    await w.expectNothingRan();
    expectStrictPolicies(w.htmlPolicies);
    await w.context.close();
  });

  it("on the fleet page and the printable poster", async () => {
    const admin = await system.t.staff("admin");
    const w = await watchedPage(browser, LAPTOP);
    const { page } = w;
    await signIn(page, server.base, admin);
    await page.goto(`${server.base}/#/fleet`);
    const row = page.locator("table.fleet tbody tr", { hasText: PAYLOAD.plate });
    await row.waitFor();
    for (const text of [PAYLOAD.plate, PAYLOAD.route, PAYLOAD.operator]) expect(await row.innerText()).toContain(text);
    await w.expectNothingRan();

    await page.goto(`${server.base}/api/v1/vehicles/${vehicle.id}/poster`);
    expect(await page.getByTestId("plate").innerText()).toBe(PAYLOAD.plate);
    const meta = await page.locator(".meta").innerText();
    for (const text of [PAYLOAD.route, PAYLOAD.operator]) expect(meta).toContain(text);
    // The print button works by a listener (an onclick attribute would be blocked by the CSP).
    await page.evaluate(() => (window.print = () => void ((window as unknown as { __printed: boolean }).__printed = true)));
    await page.getByRole("button", { name: /Print/ }).click();
    expect(await page.evaluate(() => (window as unknown as { __printed?: boolean }).__printed)).toBe(true);
    await w.expectNothingRan();
    expectStrictPolicies(w.htmlPolicies);
    await w.context.close();
  });

  it("on the passenger's pages: the vehicle card, the exposure notice and the pass card", async () => {
    const { page } = caseDevice;
    // The case's own device, now that a fellow rider's status changed nothing for it, and a flagged rider's device.
    await page.goto(`${server.base}/v/${vehicle.code.id}`);
    expect(await page.getByTestId("vehicle-plate").innerText()).toBe(PAYLOAD.plate);
    const card = await page.locator(".card.vehicle .meta").innerText();
    for (const text of [PAYLOAD.route, PAYLOAD.operator]) expect(card).toContain(text);
    await page.click("#one-tap");
    await page.getByTestId("result").waitFor({ state: "visible" });
    expect(await page.getByTestId("result").innerText()).toContain(PAYLOAD.plate);
    await caseDevice.expectNothingRan();

    await page.goto(`${server.base}/pass`);
    await page.getByTestId("pass-card").waitFor();
    await page.evaluate(() => (window.print = () => void ((window as unknown as { __printed: boolean }).__printed = true)));
    await page.getByRole("button", { name: /Print/ }).click();
    expect(await page.evaluate(() => (window as unknown as { __printed?: boolean }).__printed)).toBe(true);
    await caseDevice.expectNothingRan();

    // A rider marked as a close contact scans again: the notice names the ride (plate and route) as text.
    const flagged = await watchedPage(browser, { width: 390, height: 844 });
    await flagged.page.goto(`${server.base}/v/${vehicle.code.id}`);
    await flagged.page.fill("#phone", "13987654321");
    await flagged.page.click("#submit");
    // A new phone proves the number first (the code from the SMS sink); only then is the status, and the notice, shown.
    await flagged.page.getByTestId("verify").waitFor();
    await until(async () => (await flagged.page.locator("#code-sent").innerText()) !== "", "the code sent");
    await flagged.page.fill("#code", /(\d{6})/.exec(system.t.lastText("13987654321")!)![1]!);
    await flagged.page.click("#confirm-code");
    await flagged.page.getByTestId("notice").waitFor();
    const notice = await flagged.page.getByTestId("notice").innerText();
    expect(notice).toContain(PAYLOAD.plate);
    await flagged.expectNothingRan();
    expectStrictPolicies([...caseDevice.htmlPolicies, ...flagged.htmlPolicies]);
    await flagged.context.close();
  });

  it("on the driver's page of the vehicle agent", async () => {
    const w = await watchedPage(browser);
    await w.page.goto(agent.driverPage);
    await w.page.locator("#plate", { hasText: PAYLOAD.plate }).waitFor();
    await w.page.fill("input[name=routeId]", PAYLOAD.tripRoute);
    await w.page.click("#start button");
    await w.page.locator("#trip", { hasText: PAYLOAD.tripRoute }).waitFor();
    await w.page.click("#end button");
    await w.page.locator("#trip", { hasText: "No open trip" }).waitFor();
    await w.expectNothingRan();
    expectStrictPolicies(w.htmlPolicies);
    await w.context.close();
  });

  it("the API reference renders from this server alone, under the CSP", async () => {
    const w = await watchedPage(browser, LAPTOP);
    const outside: string[] = [];
    w.page.on("request", (r) => void (new URL(r.url()).origin !== server.base && outside.push(r.url())));
    await w.page.goto(`${server.base}/api/v1/docs`);
    await w.page.getByText("Transit check-in API").first().waitFor();
    await w.page.getByText("/checkins", { exact: false }).first().waitFor();
    expect(outside).toEqual([]);
    await w.expectNothingRan();
    expectStrictPolicies(w.htmlPolicies);
    await w.context.close();
  });
});

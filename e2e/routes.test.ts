import { readFileSync } from "node:fs";
import type { Browser } from "playwright-core";
import { v7 as uuidv7 } from "uuid";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sharedDataFile } from "../vehicle-agent/test/shared-data.ts";
import { positions, trips } from "../server/src/db/schema/index.ts";
import { importGtfsFeed } from "../server/src/gtfs/gtfs.import.ts";
import { createNetworkRepository } from "../server/src/gtfs/network.repository.ts";
import { createTestApp, type TestApp } from "../server/test/harness.ts";
import { LAPTOP, launchBrowser, listen, openPage, shot, signIn, tileServer, unlabelledControls } from "./console.support.ts";

/*
 * The imported timetable in the console: a route's shape and stops on the
 * map, the route under a trip's GPS track, and a vehicle put on a route from
 * the fleet page. Uses the real Berlin (VBB) GTFS subset beside the project.
 */
const berlin = sharedDataFile("berlin-gtfs-subset.zip");
const ROUTE = "1923_700"; // bus 653

let t: TestApp;
let browser: Browser;
let server: Awaited<ReturnType<typeof listen>>;
let tiles: Awaited<ReturnType<typeof tileServer>>;
let busId: string;
let tripId: string;

describe.skipIf(!berlin)("routes in the console (Berlin feed)", () => {
  beforeAll(async () => {
    tiles = await tileServer();
    [t, browser] = await Promise.all([createTestApp({ env: { TILE_URL: tiles.url, TZ_DISPLAY: "Europe/Berlin" } }), launchBrowser()]);
    await importGtfsFeed(t.deps.db, readFileSync(berlin!));
    server = await listen(t.app);
    const admin = await t.staff("admin");
    busId = (await t.call("POST", "/api/v1/vehicles", { plate: "B-VB 653", kind: "bus", routeId: ROUTE }, admin)).json.id;
    await t.call("POST", "/api/v1/vehicles", { plate: "B-VB 999", kind: "bus" }, admin);
    // A trip of the bus along the first half of the route's shape, one fix a minute.
    const route = await createNetworkRepository(t.deps).getRoute(ROUTE);
    const line = route!.shapes[0]!.points;
    const t0 = new Date(Date.now() - 3_600_000);
    tripId = uuidv7();
    await t.deps.db.insert(trips).values({ id: tripId, vehicleId: busId, startedAt: t0, endedAt: new Date(t0.getTime() + 30 * 60_000), routeId: ROUTE });
    const step = Math.max(1, Math.floor(line.length / 60));
    const fixes = line.filter((_, i) => i % step === 0).slice(0, 30);
    await t.deps.db.insert(positions).values(fixes.map(([lon, lat], i) => ({ vehicleId: busId, ts: new Date(t0.getTime() + i * 60_000), lat, lon })));
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await tiles?.close();
    await t?.close();
  });

  it("lists the routes and draws the chosen one's shape and stops", async () => {
    const tracer = await t.staff("tracer");
    const { context, page, errors } = await openPage(browser, LAPTOP);
    await signIn(page, server.base, tracer);
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Routes" }).click();
    await expect.poll(() => page.locator("tr[data-route]").count()).toBe(6);
    // VBB lists 651 and 652 twice (as "bus" and "bus service"): each entry says which one it is.
    const names = await page.locator("tr[data-route] a").allTextContents();
    expect(new Set(names).size).toBe(6);
    expect(names).toContain("651 (1921_3)");
    await page.getByRole("link", { name: "653", exact: true }).click();
    await expect.poll(() => page.locator("tr[data-route][aria-current]").getAttribute("data-route")).toBe(ROUTE);
    const detail = (await t.call("GET", `/api/v1/routes/${ROUTE}`, undefined, tracer)).json;
    await expect.poll(() => page.locator("path.route-shape").count()).toBe(detail.shape.features.length);
    expect(await page.locator("path.route-stop").count()).toBe(detail.stops.length);
    expect(await page.locator(".route-facts").textContent()).toBe(`653 · ${detail.stops.length} stops`);
    await shot(page, "routes-laptop");
    expect(await unlabelledControls(page)).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  });

  it("shows a trip's timetable route under its GPS track", async () => {
    const tracer = await t.staff("tracer");
    const { context, page, errors } = await openPage(browser, LAPTOP);
    await signIn(page, server.base, tracer);
    await page.goto(`${server.base}/#/trips/${tripId}`);
    await page.locator("dl.facts").waitFor();
    await expect.poll(() => page.locator("path.route-shape").count()).toBeGreaterThan(0);
    // The route by the name a rider knows, not the feed's id.
    await expect.poll(() => page.locator("dl.facts dd").nth(1).textContent()).toBe("653");
    expect(await page.locator("path.trip-path").count()).toBe(1);
    // The track is drawn above the route: later in the SVG, so on top.
    const order = await page.evaluate(() => {
      const paths = [...document.querySelectorAll("#trip-map svg path")];
      return { route: paths.findIndex((p) => p.classList.contains("route-shape")), track: paths.findIndex((p) => p.classList.contains("trip-path")) };
    });
    expect(order.route).toBeLessThan(order.track);
    await shot(page, "trip-with-route-laptop");
    expect(errors).toEqual([]);
    await context.close();
  });

  it("puts a vehicle on a route from the fleet page", async () => {
    const operator = await t.staff("admin");
    const { context, page, errors } = await openPage(browser, LAPTOP);
    await signIn(page, server.base, operator);
    await page.goto(`${server.base}/#/fleet`);
    const chooser = page.getByLabel("Route of B-VB 999");
    await chooser.waitFor();
    const options = await chooser.locator("option").allTextContents();
    expect(new Set(options).size).toBe(options.length);
    // Registering offers the timetable's routes as the route is typed (a route outside the feed is refused).
    expect(await page.locator("datalist#timetable-routes option").evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value).sort())).toEqual(
      (await t.call("GET", "/api/v1/routes", undefined, operator)).json.routes.map((r: { id: string }) => r.id).sort(),
    );
    expect(await page.getByLabel("Route", { exact: true }).getAttribute("list")).toBe("timetable-routes");
    await chooser.selectOption({ label: "653" });
    await expect.poll(() => page.getByRole("status").filter({ hasText: "B-VB 999 now runs 653." }).count()).toBe(1);
    // The table says so too, without a reload.
    await expect.poll(() => page.locator("tr", { hasText: "B-VB 999" }).locator("td.route").textContent()).toBe("653");
    const list = (await t.call("GET", "/api/v1/vehicles", undefined, operator)).json.vehicles;
    expect(list.find((v: { plate: string }) => v.plate === "B-VB 999").routeId).toBe(ROUTE);
    expect(await unlabelledControls(page)).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  });
});

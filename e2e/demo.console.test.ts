import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { PNG } from "pngjs";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../server/src/config.ts";
import { CASE_PHONE } from "../server/src/demo/demo.passengers.ts";
import { parseDemoArgs, startDemo } from "../server/src/demo/demo.ts";
import { sharedDataFile } from "../vehicle-agent/test/shared-data.ts";
import { LAPTOP, launchBrowser, openPage, shot, signIn } from "./console.support.ts";

/*
 * `npm run demo -- --gtfs berlin-gtfs-subset.zip` as a new user meets it: the
 * console shows the fleet moving on one city's map, the trips, the passenger
 * flow by route, and the seeded case's trace with its passenger and driver
 * contacts on the map. A small fleet at four times real speed.
 */
const BERLIN = sharedDataFile("berlin-gtfs-subset.zip");

/** A stand-in tile server (no network here) that remembers the zoom levels asked for: a city fills the map at 10 and more. */
async function tiles() {
  const png = PNG.sync.write(new PNG({ width: 256, height: 256 }));
  const zooms: number[] = [];
  const server: Server = createServer((req, res) => {
    zooms.push(Number(/^\/(\d+)\//.exec(req.url ?? "")?.[1]));
    res.writeHead(200, { "content-type": "image/png", "access-control-allow-origin": "*" });
    res.end(png);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/{z}/{x}/{y}.png`, zooms, close: () => new Promise((r) => server.close(r)) };
}

let demo: Awaited<ReturnType<typeof startDemo>>;
let browser: Browser;
let tileServer: Awaited<ReturnType<typeof tiles>>;
let dir: string;

describe.skipIf(!BERLIN)("the demo on the Berlin feed, in the console", () => {
  beforeAll(async () => {
    tileServer = await tiles();
    dir = mkdtempSync(path.join(os.tmpdir(), "demo-console-"));
    const config = loadConfig({ DATA_DIR: dir, PORT: "0", MQTT_PORT: "0", HOST: "127.0.0.1", LOG_LEVEL: "silent", TILE_URL: tileServer.url, TZ_DISPLAY: "Europe/Berlin" });
    // Noon in Berlin (--clock), whatever the hour here: buses on the road, boarding, counted per route.
    const args = ["--gtfs", BERLIN!, "--buses", "3", "--taxis", "1", "--ride-hail", "0", "--time-scale", "4", "--board-every", "700", "--clock", "12:00"];
    [demo, browser] = await Promise.all([startDemo(config, parseDemoArgs(args)), launchBrowser()]);
  }, 300_000); // the demo's start (import, migrations, registrations) as demo.gtfs.test.ts allows it on a busy machine

  afterAll(async () => {
    await browser?.close();
    await demo?.stop();
    await tileServer?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("shows the fleet moving on the feed's city, its trips, flow by route, and the seeded case's contacts on the map", async () => {
    const base = `http://127.0.0.1:${demo.server.port}`;
    const { context, page, errors } = await openPage(browser, LAPTOP);
    await signIn(page, base, { username: "admin", password: demo.adminPassword });

    // Live: every vehicle on the map, the buses named by their routes as riders know them, and moving.
    await page.goto(`${base}/#/live`);
    await expect.poll(() => page.locator(".status[data-vehicles]").getAttribute("data-vehicles"), { timeout: 60_000 }).toBe("4");
    const routeNames = demo.lines.map((l) => l.name);
    const listed = await page.locator("li[data-vehicle]").allTextContents();
    expect(listed.filter((l) => routeNames.some((n) => l.includes(` · ${n}`))).length).toBeGreaterThanOrEqual(3);
    const changes = Number(await page.locator(".status[data-vehicles]").getAttribute("data-changes"));
    await expect.poll(async () => Number(await page.locator(".status[data-vehicles]").getAttribute("data-changes")), { timeout: 30_000 }).toBeGreaterThan(changes + 4);
    // One city: the map fits the buses and the taxi at a city's zoom, not a view from Berlin to Jinan.
    await expect.poll(() => Math.max(0, ...tileServer.zooms)).toBeGreaterThanOrEqual(10);
    await shot(page, "demo-berlin-live");

    // Trips: the buses' trips on the feed's routes.
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Trips", exact: true }).click();
    await page.getByRole("button", { name: "Find trips" }).click();
    await expect.poll(() => page.locator("a[href^='#/trips/']").count(), { timeout: 30_000 }).toBeGreaterThan(0);

    // Flow: boardings counted per route, each named as riders know it, not by the feed's route id.
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Flow", exact: true }).click();
    await expect
      .poll(
        async () => {
          await page.getByRole("button", { name: "Show" }).click();
          return (await page.locator("ul.legend li").allTextContents()).some((l) => routeNames.some((n) => l.startsWith(n) && /: [1-9]\d*$/.test(l)));
        },
        { timeout: 60_000, interval: 3_000 },
      )
      .toBe(true);
    await shot(page, "demo-berlin-flow");

    // The seeded case: traced from the console, its fellow passengers and its driver in the list and on the map.
    await demo.caseSeeded;
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Cases", exact: true }).click();
    await page.getByLabel("Phone number or person ID").fill(CASE_PHONE);
    // The case boarded seconds ago: any time together counts, not only the default minute.
    await page.getByLabel("Minimum overlap (minutes)").fill("0");
    await page.getByLabel("Reason (case reference)").fill("demo case");
    await page.getByRole("button", { name: "Run trace" }).click();
    await page.locator(".results h2").waitFor();
    const rows = page.locator("table.contacts tbody tr");
    await expect.poll(() => rows.count()).toBeGreaterThanOrEqual(2);
    const roles = await rows.locator("td:first-child").allTextContents();
    expect(roles.some((r) => r.includes("driver · depth 1"))).toBe(true);
    expect(roles.some((r) => r.includes("passenger · depth 1"))).toBe(true);
    expect(await page.locator("path.segment-path").count()).toBe(1);
    await expect.poll(() => page.locator("path.contact-marker").count()).toBeGreaterThanOrEqual(2);
    await shot(page, "demo-berlin-case");
    expect(errors).toEqual([]);
    await context.close();
  }, 120_000);
});

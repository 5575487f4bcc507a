import { once } from "node:events";
import { mkdirSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { serve } from "@hono/node-server";
import { PNG } from "pngjs";
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from "playwright-core";
import { expect } from "vitest";
import { scenario } from "../server/src/tracing/fixtures.ts";
import type { TestApp } from "../server/test/harness.ts";

/** Helpers for driving the tracer console in headless Chromium against the real app on a real port. */

export const LAPTOP = { width: 1366, height: 768 };
export const TABLET = { width: 768, height: 1024 };
/** Where screenshots go: CONSOLE_SHOTS (e.g. a temp dir), else test-results/console (ignored by git). */
export const SHOTS = process.env.CONSOLE_SHOTS ?? path.resolve(import.meta.dirname, "../test-results/console");

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
}

/** Serves the app on a free port, as `npm start` would. */
export async function listen(app: TestApp["app"]) {
  const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }) as Server;
  if (!server.listening) await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    async close() {
      server.closeAllConnections(); // live views hold event streams open
      await new Promise((r) => server.close(r));
    },
  };
}

/** A stand-in tile server (there is no network here): every tile is a plain grey square with a border. */
export async function tileServer() {
  const tile = new PNG({ width: 256, height: 256 });
  for (let y = 0; y < 256; y++) {
    for (let x = 0; x < 256; x++) {
      const i = (y * 256 + x) * 4;
      const edge = x === 0 || y === 0;
      tile.data.set(edge ? [200, 205, 210, 255] : [236, 238, 240, 255], i);
    }
  }
  const png = PNG.sync.write(tile);
  let served = 0;
  const server = createServer((_req, res) => {
    served += 1;
    res.writeHead(200, { "content-type": "image/png", "access-control-allow-origin": "*" });
    res.end(png);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/{z}/{x}/{y}.png`, served: () => served, close: () => new Promise((r) => server.close(r)) };
}

/** A page that records every console error and uncaught exception, to assert there were none. */
export async function openPage(browser: Browser, viewport = LAPTOP): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await browser.newContext({ viewport, acceptDownloads: true, locale: "en-US", timezoneId: "Europe/Berlin" });
  const page = await context.newPage();
  const errors: string[] = [];
  const watch = (p: Page) => {
    p.on("console", (m) => {
      if (m.type() === "error") errors.push(`${p.url()}: ${m.text()} ${m.location().url}`);
    });
    p.on("pageerror", (e) => errors.push(`${p.url()}: ${e.message}${process.env.CONSOLE_STACKS ? `\n${e.stack}` : ""}`));
  };
  watch(page);
  context.on("page", watch);
  return { context, page, errors };
}

export async function signIn(page: Page, base: string, who: { username: string; password: string }) {
  await page.goto(`${base}/`);
  await page.getByLabel("Username").fill(who.username);
  await page.getByLabel("Password").fill(who.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("navigation", { name: "Main" }).waitFor();
}

export async function shot(page: Page, name: string) {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: false });
}

/**
 * Plays a range slider at `speed` and expects it to move on, then pauses it.
 * At the slowest speeds a frame's advance is far below the slider's step, so
 * this fails where the view reads its moment back from the snapping input.
 */
export async function expectPlayMoves(page: Page, slider: Locator, speed: Locator, value: string) {
  const before = Number(await slider.inputValue());
  await speed.selectOption(value);
  await page.getByRole("button", { name: "Play" }).click();
  await expect.poll(async () => Number(await slider.inputValue()), { timeout: 20_000 }).toBeGreaterThan(before);
  await page.getByRole("button", { name: "Pause" }).click();
}

/**
 * Controls a keyboard or screen-reader user could not use: visible inputs,
 * selects, buttons and links without an accessible name, or taken out of the
 * tab order.
 */
export function unlabelledControls(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const named = (el: HTMLElement) => {
      const aria = el.getAttribute("aria-label") || el.getAttribute("aria-labelledby");
      const labels = (el as HTMLInputElement).labels;
      const text = el.textContent?.trim() || el.getAttribute("title") || (el as HTMLInputElement).value;
      if (el.tagName === "INPUT" || el.tagName === "SELECT" || el.tagName === "TEXTAREA") return Boolean(aria || (labels && labels.length > 0));
      return Boolean(aria || text);
    };
    const visible = (el: HTMLElement) => el.offsetParent !== null || getComputedStyle(el).position === "fixed";
    return [...document.querySelectorAll<HTMLElement>("input, select, textarea, button, a[href]")]
      .filter((el) => visible(el) && (!named(el) || el.tabIndex < 0))
      .map((el) => el.outerHTML.slice(0, 120));
  });
}

export const CASE_T0 = new Date("2026-11-27T08:00:00Z");

/**
 * The case P rides bus1 (trip T1, driver D-001) from 08:05 to 08:40 UTC
 * (16:05–16:40 in Asia/Shanghai). A boards at 08:10 and alights 08:30, B rides
 * 08:02–08:50, C boards at 08:45 after P left: P's depth-1 contacts are A, B
 * and the driver. Later A rides bus2 (trip T2, driver D-002) with E, a depth-2
 * contact. Returns P's phone and the scenario's ids.
 */
export async function seedCase(t: TestApp) {
  const s = scenario(t.deps, CASE_T0);
  await s.vehicle("bus1", "bus", 40);
  await s.vehicle("bus2", "bus", 40);
  await s.trip("T1", "bus1", 0, 60, "D-001");
  await s.trip("T2", "bus2", 65, 120, "D-002");
  await s.track("bus1", 0, 60, 1);
  await s.track("bus2", 65, 120, 1);
  const phone = await s.person("P", { displayName: "Case P" });
  for (const name of ["A", "B", "C", "E"]) await s.person(name, { displayName: `Passenger ${name}` });
  await s.checkin("cP", "P", "bus1", 5, { alight: 40 });
  await s.checkin("cA", "A", "bus1", 10, { alight: 30 });
  await s.checkin("cB", "B", "bus1", 2, { alight: 50 });
  await s.checkin("cC", "C", "bus1", 45, { alight: 55 });
  await s.checkin("cA2", "A", "bus2", 70, { alight: 100 });
  await s.checkin("cE", "E", "bus2", 75, { alight: 110 });
  return phone;
}

/** Fills the case form as a tracer would (window in Asia/Shanghai) and waits for the result. */
export async function runTrace(page: Page, phone: string, depth: "1" | "2") {
  await page.getByLabel("Phone number or person ID").fill(phone);
  await page.getByLabel(/^From/).fill("2026-11-27T00:00");
  await page.getByLabel(/^To/).fill("2026-11-28T00:00");
  await page.getByLabel("Depth", { exact: true }).first().selectOption(depth);
  await page.getByLabel("Reason (case reference)").fill("case 2026-114");
  await page.getByRole("button", { name: "Run trace" }).click();
  await page.locator(".results h2").waitFor();
}

import type { AddressInfo } from "node:net";
import { serve, type ServerType } from "@hono/node-server";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { decodeQrPng, launchChromium } from "../server/src/codes/qr.testing.ts";
import { createTestApp, type TestApp } from "../server/test/harness.ts";
import { ROUTE_ID_MAX } from "../protocol/fields.ts";

/*
 * What comes out of the printer: the A5 and A4 posters and the personal pass
 * card, filled with the longest texts the API accepts, each fit one printed
 * page with nothing cut off, in Chinese as a machine with CJK fonts draws it.
 */
let t: TestApp;
let server: ServerType;
let browser: Browser;
let base: string;

// The longest values the API accepts (plate 20, route ROUTE_ID_MAX = 64 as a GTFS feed may name one, operator 100,
// name 50), in wide CJK glyphs where it counts and with runs that have no break opportunity.
const LONGEST = {
  plate: "鲁A·E2E01鲁A·E2E01鲁A·1",
  routeId: "K51-城际快线-EXPRESS-INTERCITY-00012-济南西站至章丘明水经济开发区城际公交快线东行方向WWWWWWW",
  operator: "济南公共交通集团有限公司".repeat(6) + "Jinan Public Transport Group",
  name: "Wolfeschlegelsteinhausenbergerdorff-Wolfeschlegel", // no break opportunity in 50 characters
};

beforeAll(async () => {
  server = serve({ fetch: (req, env) => t.app.fetch(req, env), port: 0, hostname: "127.0.0.1" });
  await new Promise<void>((resolve) => server.once("listening", () => resolve()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  [t, browser] = await Promise.all([createTestApp({ env: { PUBLIC_URL: base } }), launchChromium()]);
});

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => server?.close(resolve));
  await t?.close();
});

/** Printable width in CSS pixels (96 per inch) of each sheet, less its @page margins. */
const PRINTABLE_PX = { A4: (190 * 96) / 25.4, A5: (128 * 96) / 25.4, A6: (89 * 96) / 25.4 };

/**
 * How many pages Chromium prints, with the page's own @page size. The page is
 * left laid out as printed (print media, the sheet's width), for `clipped`.
 */
async function printedPages(page: Page, sheet: keyof typeof PRINTABLE_PX): Promise<number> {
  await page.emulateMedia({ media: "print" });
  await page.setViewportSize({ width: Math.floor(PRINTABLE_PX[sheet]), height: 1000 });
  const pdf = (await page.pdf({ preferCSSPageSize: true })).toString("latin1");
  return pdf.match(/\/Type\s*\/Page[^s]/g)?.length ?? 0;
}

/** Elements under `root` whose text overflows its box or sticks out of the root's box. */
function clipped(page: Page, root: string) {
  return page.evaluate((sel) => {
    const box = document.querySelector(sel)!.getBoundingClientRect();
    const out: string[] = [];
    for (const el of document.querySelectorAll(`${sel}, ${sel} *`)) {
      const r = el.getBoundingClientRect();
      if (r.width === 0 && r.height === 0) continue;
      const overflows = el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX !== "visible";
      const outside = r.left < box.left - 1 || r.right > box.right + 1 || r.bottom > box.bottom + 1;
      if (overflows || outside) out.push(`${el.tagName}.${el.className}: ${el.textContent?.slice(0, 40)}`);
    }
    return out;
  }, root);
}

describe("printed codes", () => {
  it("are drawn with real Chinese glyphs, not boxes (CJK fonts installed, as on a phone)", async () => {
    const page = await browser.newPage();
    const chars = [..."乘车扫码"];
    await page.setContent(chars.map((ch, i) => `<span id="c${i}" style="font-size:40px">${ch}</span>`).join(""));
    // A missing font draws every character as the same empty box.
    const glyphs = await Promise.all(chars.map((_, i) => page.locator(`#c${i}`).screenshot().then((b) => b.toString("base64"))));
    expect(new Set(glyphs).size).toBe(chars.length);
    await page.close();
  });

  for (const size of ["A5", "A4"] as const) {
    it(`fit the ${size} poster with the longest plate, route and operator on one page, nothing cut off, the QR still readable`, async () => {
      expect(LONGEST.routeId).toHaveLength(ROUTE_ID_MAX);
      const operator = await t.staff("admin");
      const res = await t.call("POST", "/api/v1/vehicles", { kind: "coach", plate: LONGEST.plate, routeId: LONGEST.routeId, operator: LONGEST.operator }, { authorization: operator.authorization });
      expect(res.status).toBe(201);
      // A plate is in service once per fleet: the next size registers it afresh once this one is retired.
      onTestFinished(async () => void (await t.call("POST", `/api/v1/vehicles/${res.json.id}/retire`, {}, { authorization: operator.authorization })));
      const context = await browser.newContext({ extraHTTPHeaders: { authorization: operator.authorization } });
      const page = await context.newPage();
      await page.goto(`${base}/api/v1/vehicles/${res.json.id}/poster?size=${size}`);
      expect(await page.getByTestId("plate").textContent()).toBe(LONGEST.plate);
      expect(await printedPages(page, size)).toBe(1);
      expect(await clipped(page, "main.poster")).toEqual([]);
      expect(await decodeQrPng(await page.getByTestId("qr").screenshot())).toEqual([res.json.code.url]);
      // The fallback under the QR: the address to type, printed whole on the same page.
      expect(await page.getByTestId("fallback").textContent()).toContain(res.json.code.url);
      await context.close();
    });
  }

  for (const lang of ["zh-CN", "en"] as const) {
    it(`fit the pass card of a passenger with the longest name on one page (${lang})`, async () => {
      const context = await browser.newContext({ locale: lang });
      const page = await context.newPage();
      await page.goto(`${base}/pass?lang=${lang}`);
      // A phone of its own per language: each proves it afresh with the code texted to it (issue 11).
      const phone = lang === "en" ? "13900001112" : "13900001111";
      await page.locator("#phone").fill(phone);
      await page.locator("#name").fill(LONGEST.name);
      await page.locator("form button[type=submit]").click();
      await page.locator("#code").waitFor();
      await expect.poll(() => t.lastText(phone)).toMatch(/\d{6}/);
      await page.locator("#code").fill(/(\d{6})/.exec(t.lastText(phone)!)![1]!);
      await page.locator("form button[type=submit]").click();
      await page.getByTestId("pass-card").waitFor();
      expect(await printedPages(page, "A6")).toBe(1);
      expect(await clipped(page, "[data-testid=pass-card]")).toEqual([]);
      expect(await decodeQrPng(await page.getByTestId("pass-qr").screenshot())).toHaveLength(1);
      await context.close();
    });
  }
});

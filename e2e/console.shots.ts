import { mkdirSync } from "node:fs";
import path from "node:path";
import type { Page } from "playwright-core";
import { SHOTS } from "./console.support.ts";

/** The three screens every view is tried on: a laptop, a tablet and a phone. */
export const SIZES = {
  laptop: { width: 1366, height: 768 },
  tablet: { width: 768, height: 1024 },
  phone: { width: 390, height: 844 },
} as const;
export const LANGS = ["zh-CN", "en"] as const;

/**
 * Controls cut off by their column: a control wider than the table cell (or
 * field) holding it, text wider than the control's own box, a cell whose
 * content is wider than the cell, or a table wider than its scroll box at a
 * laptop's width. Returns a description of each.
 */
export function clippedControls(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const out: string[] = [];
    const visible = (el: HTMLElement) => el.offsetParent !== null && el.getClientRects().length > 0;
    const name = (el: Element) => `${el.tagName.toLowerCase()}${el.className ? `.${String(el.className).split(" ").join(".")}` : ""} "${(el.textContent ?? "").trim().slice(0, 40)}"`;
    for (const el of document.querySelectorAll<HTMLElement>("main button, main select, main input:not([type=range]):not([type=checkbox]), main a.button")) {
      if (!visible(el)) continue;
      if (el.scrollWidth > el.clientWidth + 1 && el.tagName !== "INPUT") out.push(`text overflows ${name(el)}: ${el.scrollWidth} > ${el.clientWidth}`);
      const cell = el.closest("td, th");
      if (cell) {
        const c = cell.getBoundingClientRect();
        const r = el.getBoundingClientRect();
        if (r.right > c.right + 1 || r.left < c.left - 1) out.push(`${name(el)} sticks out of its column (${Math.round(r.left)}–${Math.round(r.right)} vs ${Math.round(c.left)}–${Math.round(c.right)})`);
      }
    }
    for (const cell of document.querySelectorAll<HTMLElement>("main td, main th")) {
      if (visible(cell) && cell.scrollWidth > cell.clientWidth + 1) out.push(`content wider than its cell ${name(cell)}: ${cell.scrollWidth} > ${cell.clientWidth}`);
    }
    if (window.innerWidth >= 1300) {
      for (const box of document.querySelectorAll<HTMLElement>("main .table-scroll")) {
        if (visible(box) && box.scrollWidth > box.clientWidth + 1) out.push(`table scrolls sideways: ${name(box.querySelector("table") ?? box)} ${box.scrollWidth} > ${box.clientWidth}`);
      }
    }
    return out;
  });
}

/**
 * Shoots one view at every size in both languages: for each, sets the
 * language, reloads `url`, waits for `ready`, checks nothing is clipped, and
 * saves `<name>-<size>-<lang>.png`. Returns the clipped controls found, by shot.
 */
export async function shootMatrix(page: Page, name: string, url: string, ready: (page: Page) => Promise<unknown>): Promise<Record<string, string[]>> {
  mkdirSync(SHOTS, { recursive: true });
  const problems: Record<string, string[]> = {};
  for (const [size, viewport] of Object.entries(SIZES)) {
    await page.setViewportSize(viewport);
    for (const lang of LANGS) {
      await page.evaluate((l) => localStorage.setItem("console.lang", l), lang);
      await page.goto(url);
      await page.reload();
      await ready(page);
      const shot = `${name}-${size}-${lang}`;
      const clipped = await clippedControls(page);
      if (clipped.length) problems[shot] = clipped;
      await page.screenshot({ path: path.join(SHOTS, `${shot}.png`), fullPage: true });
    }
  }
  return problems;
}

import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { chromium, type Browser } from "playwright-core";

/*
 * Test support: a real QR decoder (zbarimg from Debian's zbar-tools) and a
 * real renderer (headless Chromium) for SVGs and pages, so tests read codes
 * the way a phone camera would, not by trusting our own encoder.
 */

const run = promisify(execFile);

/** Every QR symbol zbarimg finds in a PNG, as text. */
export async function decodeQrPng(png: Uint8Array): Promise<string[]> {
  const dir = await mkdtemp(path.join(tmpdir(), "qr-"));
  const file = path.join(dir, "code.png");
  try {
    await writeFile(file, png);
    const { stdout } = await run("/usr/bin/zbarimg", ["--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", file]);
    return stdout.split("\n").filter((line) => line.length > 0);
  } catch (err) {
    // zbarimg exits 4 when it finds no symbol: that is an answer, not a failure.
    if ((err as { code?: number }).code === 4) return [];
    throw err;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
}

/** An SVG drawn by Chromium at `size` pixels, as a PNG screenshot. */
export async function renderSvg(browser: Browser, svg: string, size = 400): Promise<Buffer> {
  const page = await browser.newPage({ viewport: { width: size, height: size } });
  try {
    await page.setContent(`<html><body style="margin:0;background:#fff">${svg.replace("<svg ", `<svg width="${size}" height="${size}" `)}</body></html>`);
    return await page.screenshot({ type: "png" });
  } finally {
    await page.close();
  }
}

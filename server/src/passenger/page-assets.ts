import { createHash } from "node:crypto";
import type { Context } from "hono";
import { strings, type Lang, type Strings } from "./i18n.ts";
import { checkinScript, scriptJson } from "./page-script.ts";
import { pageCss } from "./page-style.ts";
import { rideScreenHtml } from "./ride-screen.tsx";

/**
 * The passenger pages' files a phone fetches once, not with every scan: the
 * stylesheet of every page, and the check-in page's script with its
 * language's strings and the ride's screen (ride-screen.tsx), one file a
 * language. Each is named by a hash of what
 * it holds and cached for a year. Inline, the script was two thirds of the
 * page (14 of 20 KB), sent with every scan; leaving those bytes out took the
 * page from 0.35 to 0.45 of /health (bench:checkin), the styles (page-style.ts)
 * from there to 0.50. Only the page's own values stay inline (CheckinPage),
 * under the CSP nonce.
 */
export interface PageAsset {
  path: string;
  body: string;
  contentType: string;
}

function named(stem: string, ext: "js" | "css", body: string): PageAsset {
  const hash = createHash("sha256").update(body).digest("base64url").slice(0, 16);
  return { path: `/assets/${stem}.${hash}.${ext}`, body, contentType: ext === "js" ? "text/javascript; charset=utf-8" : "text/css; charset=utf-8" };
}

/** The strings the script reads (window.__checkin.t): text, with the two that take a value as templates. */
function scriptStrings(t: Strings): string {
  return scriptJson({ ...t, noticeRide: undefined, codeSent: undefined, companionsCount: undefined, codeSentText: t.codeSent("{phone}"), companionsText: t.companionsCount(9).replace("9", "{n}") });
}

const scripts = new Map<Lang, PageAsset>();

/** The page script for `lang`, made at its first use. */
export function checkinScriptAsset(lang: Lang): PageAsset {
  let asset = scripts.get(lang);
  if (!asset) scripts.set(lang, (asset = named(`checkin.${lang}`, "js", `window.__checkin.t=${scriptStrings(strings[lang])};window.__checkin.rideScreen=${scriptJson(rideScreenHtml(lang))};${checkinScript}`)));
  return asset;
}

/** /assets/page.{hash}.css: every passenger page's styles (layout.tsx). */
export const pageStylesheet = named("page", "css", pageCss);

/**
 * GET /assets/checkin.{lang}.{hash}.js and /assets/page.{hash}.css. Any other
 * name is a 404: a page is never cached (no-store), so it always names the
 * files of the running version.
 */
export function servePageAsset(c: Context) {
  const lang = (c.req.param("file") ?? "").split(".")[1];
  const asset = c.req.path === pageStylesheet.path ? pageStylesheet : lang === "zh" || lang === "en" ? checkinScriptAsset(lang) : null;
  if (!asset || c.req.path !== asset.path) return c.text("Not found", 404, { "cache-control": "no-store" });
  return c.body(asset.body, 200, { "content-type": asset.contentType, "cache-control": "public, max-age=31536000, immutable" });
}

import { createHash } from "node:crypto";
import type { Context } from "hono";
import { strings, type Lang, type Strings } from "./i18n.ts";
import { scriptJson } from "./layout.tsx";
import { checkinScript } from "./page-script.ts";

/**
 * The check-in page's script and its language's strings, one file a
 * language, named by a hash of what it holds and cached by the phone for a
 * year: a commuter's phone fetches it once, not with every scan. Inline, it
 * was two thirds of the page (14 of 20 KB), sent with every scan; leaving
 * those bytes out took the page from 0.35 to 0.45 of /health (bench:checkin).
 * Only the page's own values stay inline (CheckinPage), under the CSP nonce.
 */
export interface ScriptAsset {
  path: string;
  body: string;
}

const PREFIX = "/assets/checkin.";

/** The strings the script reads (window.__checkin.t): text, with the two that take a value as templates. */
function scriptStrings(t: Strings): string {
  return scriptJson({ ...t, noticeRide: undefined, codeSent: undefined, companionsCount: undefined, codeSentText: t.codeSent("{phone}"), companionsText: t.companionsCount(9).replace("9", "{n}") });
}

function assetFor(lang: Lang): ScriptAsset {
  const body = `window.__checkin.t=${scriptStrings(strings[lang])};${checkinScript}`;
  const hash = createHash("sha256").update(body).digest("base64url").slice(0, 16);
  return { path: `${PREFIX}${lang}.${hash}.js`, body };
}

const assets = new Map<Lang, ScriptAsset>();

/** The page script for `lang`, made at its first use. */
export function checkinScriptAsset(lang: Lang): ScriptAsset {
  let asset = assets.get(lang);
  if (!asset) assets.set(lang, (asset = assetFor(lang)));
  return asset;
}

/**
 * GET /assets/checkin.{lang}.{hash}.js. Any other name is a 404: a page is
 * never cached (no-store), so it always names the script of the running
 * version.
 */
export function serveScriptAsset(c: Context) {
  const lang = (c.req.param("file") ?? "").split(".")[1];
  const asset = lang === "zh" || lang === "en" ? checkinScriptAsset(lang) : null;
  if (!asset || c.req.path !== asset.path) return c.text("Not found", 404, { "cache-control": "no-store" });
  return c.body(asset.body, 200, { "content-type": "text/javascript; charset=utf-8", "cache-control": "public, max-age=31536000, immutable" });
}

import type { Context } from "hono";
import { randomBytes } from "node:crypto";
import { secureHeaders } from "hono/secure-headers";

/**
 * The Content-Security-Policy every response carries (and the other secure
 * headers). Scripts and styles run only from this origin or with the
 * request's nonce, so markup that slipped into a page through stored data
 * still cannot run; no page may be framed (clickjacking a tracer's "mark as
 * case"), no plugin loads, no <base> redirects relative URLs.
 *
 * Styles: the API reference (Scalar, a Vue app) injects dozens of <style>
 * elements and style attributes with no way to give them a nonce; it alone
 * gets 'unsafe-inline' styles (never scripts). It shows no stored data, only
 * the OpenAPI document this code generates.
 *
 * Images: this origin, the QR codes' data: URLs and the map's tile host.
 * Scalar (the API reference) reads its document with fetch from this origin.
 */
export function securityHeaders(config: { tileUrl: string }) {
  return secureHeaders({
    crossOriginEmbedderPolicy: false,
    contentSecurityPolicy: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'", NONCE],
      styleSrc: ["'self'", (c) => (INLINE_STYLE_PAGES.has(c.req.path) ? "'unsafe-inline'" : NONCE(c))],
      imgSrc: ["'self'", "data:", "blob:", ...tileSources(config.tileUrl)],
      fontSrc: ["'self'", "data:"],
      connectSrc: ["'self'"],
      objectSrc: ["'none'"],
      baseUri: ["'none'"],
      formAction: ["'self'"],
      frameAncestors: ["'none'"],
    },
  });
}

const INLINE_STYLE_PAGES = new Set(["/api/v1/docs"]);

/*
 * A fresh 128-bit nonce per response, cut from a pool of random bytes filled
 * 4 KiB at a time (as Node's randomUUID does): hono's own NONCE asks WebCrypto
 * for 16 bytes on every request, a few percent of a check-in's CPU.
 */
const NONCE_BYTES = 16;
let pool = Buffer.alloc(0);
let used = 0;
function freshNonce(): string {
  if (used + NONCE_BYTES > pool.length) {
    pool = randomBytes(NONCE_BYTES * 256);
    used = 0;
  }
  used += NONCE_BYTES;
  return pool.toString("base64", used - NONCE_BYTES, used);
}

/** This request's nonce as a CSP source, made on first use and kept for the page (cspNonce). */
function NONCE(c: Context): string {
  let nonce = c.get("secureHeadersNonce");
  if (!nonce) {
    nonce = freshNonce();
    c.set("secureHeadersNonce", nonce);
  }
  return `'nonce-${nonce}'`;
}

/** The nonce of this request's CSP, for the inline <script> and <style> of server-rendered pages. */
export const cspNonce = (c: Context): string => c.get("secureHeadersNonce") ?? "";

/**
 * The tile template's origin as a CSP source: "{s}" (Leaflet's subdomains)
 * and any other placeholder in the host become a wildcard. A relative
 * template is this origin, already allowed.
 */
export function tileSources(tileUrl: string): string[] {
  const m = /^(https?:\/\/[^/?#]+)/i.exec(tileUrl);
  if (!m) return [];
  const origin = m[1]!.replace(/\{[^}]*\}/g, "*");
  // A placeholder inside a label (a{s}.tiles…) gives "a*", which CSP does not allow: widen to the parent.
  return [origin.replace(/\/\/[^/]*\*[^.]*\./, "//*.")];
}

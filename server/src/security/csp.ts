import type { Context } from "hono";
import { NONCE, secureHeaders } from "hono/secure-headers";

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
      styleSrc: ["'self'", (c, directive) => (INLINE_STYLE_PAGES.has(c.req.path) ? "'unsafe-inline'" : NONCE(c, directive))],
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

import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../context.ts";
import { AppError } from "../errors.ts";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * Cross-site request forgery guard for everything a cookie authenticates (the
 * staff session, the passenger's device cookie). SameSite=Lax is not enough:
 * a page on another port of the same host is the same *site*, so its forms
 * carry our cookies. hono's `csrf` middleware checks form content types only,
 * and a body-less POST (rotate a code, reset an agent, alight) has none, so
 * this checks every unsafe method, the way Go's CrossOriginProtection does:
 *
 * - `Sec-Fetch-Site: same-origin` (or `none`, a user's own navigation) passes;
 * - otherwise `Origin` must be this server's own origin or PUBLIC_URL's;
 * - a request with neither header is not from a browser (browsers send one of
 *   them on every cross-origin POST), so it passes, like curl with a cookie jar.
 *
 * Requests that carry an Authorization header or no cookie at all are left
 * alone: a page on another site cannot set that header without a CORS preflight
 * (which this server never grants), and without a cookie there is no ambient
 * credential to misuse.
 */
export function csrfGuard(publicUrl: string) {
  const publicOrigin = new URL(publicUrl).origin;
  return createMiddleware<AppEnv>(async (c, next) => {
    if (SAFE_METHODS.has(c.req.method) || c.req.header("authorization") || !c.req.header("cookie")) return next();
    const fetchSite = c.req.header("sec-fetch-site");
    if (fetchSite === "same-origin" || fetchSite === "none") return next();
    const origin = c.req.header("origin");
    if (fetchSite === undefined && origin === undefined) return next();
    if (origin !== undefined && (origin === publicOrigin || origin === new URL(c.req.url).origin)) return next();
    throw new AppError(403, "csrf_refused", "This request came from another site's page; submit it from this site");
  });
}

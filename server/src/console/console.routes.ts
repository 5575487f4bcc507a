import type { Hono } from "hono";
import { getCookie } from "hono/cookie";
import { createAuthRepository } from "../auth/auth.repository.ts";
import { SESSION_COOKIE } from "../auth/auth.middleware.ts";
import type { AppDeps, AppEnv } from "../context.ts";
import { AppError } from "../errors.ts";
import { consoleBundle } from "./console.bundle.ts";
import { consolePage, type ConsoleBootstrap } from "./console.page.ts";

/**
 * The tracer console at `/`: one HTML page, its script and its stylesheet.
 * Everything it shows comes from the public /api/v1, as a script would get it.
 */
export function registerConsole(app: Hono<AppEnv>, deps: AppDeps) {
  const auth = createAuthRepository(deps);

  app.get("/", async (c) => {
    // The signed-in user rides along in the page, so the console never asks
    // /auth/me while signed out (a 401 the browser would log as an error).
    const token = getCookie(c, SESSION_COOKIE);
    const user = token ? await auth.userForToken(token) : null;
    const boot: ConsoleBootstrap = {
      tileUrl: deps.config.tileUrl,
      tileCrs: deps.config.tileCrs,
      tzDisplay: deps.config.tzDisplay,
      publicUrl: deps.config.publicUrl,
      publicUrlSet: deps.config.publicUrlSet,
      mqttUrl: deps.config.mqtt.url ?? `mqtt://${new URL(deps.config.publicUrl).hostname}:${deps.config.mqtt.port}`,
      user,
    };
    c.header("cache-control", "no-store");
    return c.html(consolePage(boot));
  });

  // Every page of the server (posters, passenger pages) gets this, so browsers stop asking and logging 404s.
  app.get("/favicon.ico", (c) => c.body(FAVICON, 200, { "content-type": "image/svg+xml", "cache-control": "public, max-age=86400" }));

  app.get("/console.js", async (c) => {
    const { js } = await built(deps);
    return c.body(js, 200, { "content-type": "text/javascript; charset=utf-8", "cache-control": "no-cache" });
  });

  app.get("/console.css", async (c) => {
    const { css } = await built(deps);
    return c.body(css, 200, { "content-type": "text/css; charset=utf-8", "cache-control": "no-cache" });
  });
}

const FAVICON =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect x="4" y="3" width="24" height="22" rx="4" fill="#1d4ed8"/>' +
  '<rect x="8" y="7" width="16" height="8" fill="#fff"/><circle cx="10" cy="27" r="3" fill="#111827"/><circle cx="22" cy="27" r="3" fill="#111827"/></svg>';

async function built(deps: AppDeps) {
  try {
    return await consoleBundle();
  } catch (err) {
    deps.logger.error({ err }, "console bundle failed");
    throw new AppError(503, "console_unavailable", "The console could not be built; see the server log");
  }
}

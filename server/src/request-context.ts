import { randomUUID } from "node:crypto";
import { createMiddleware } from "hono/factory";
import type { AppDeps, AppEnv } from "./context.ts";

/** An incoming X-Request-Id is kept when it is short and plain (a proxy's or client's id); anything else is replaced. */
const SANE_ID = /^[A-Za-z0-9._:-]{8,128}$/;

/**
 * Gives each request an id (X-Request-Id in and out, `requestId` in error
 * bodies) and a child logger carrying it, so a 500 a user reports can be
 * matched to its log lines. Counts and logs the request by its route pattern,
 * never the concrete path: paths carry poster codes and live tokens.
 */
export function requestContext(deps: Pick<AppDeps, "logger" | "metrics">) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const incoming = c.req.header("x-request-id");
    const requestId = incoming && SANE_ID.test(incoming) ? incoming : randomUUID();
    const log = deps.logger.child({ requestId });
    c.set("requestId", requestId);
    c.set("log", log);
    const started = performance.now();
    await next();
    c.header("x-request-id", requestId);
    const route = c.req.routePath;
    deps.metrics.httpRequests.inc({ method: c.req.method, route, status: String(c.res.status) });
    log.debug({ method: c.req.method, route, status: c.res.status, ms: Math.round(performance.now() - started) }, "request");
  });
}

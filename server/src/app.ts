import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { createMiddleware } from "hono/factory";
import type { AppDeps, AppEnv, FleetAccess, StaffUser } from "./context.ts";
import { codeCacheOf } from "./codes/code-cache.ts";
import { AppError, errorBody, handleError } from "./errors.ts";
import { createRouter, nameOperations } from "./openapi.ts";
import { csrfGuard } from "./auth/csrf.ts";
import { requestContext } from "./request-context.ts";
import { RETRY_AFTER_SECONDS } from "./unavailable.ts";
import { registerApiRoutes } from "./routes.ts";
import { registerConsole } from "./console/console.routes.ts";
import { registerPassengerPages } from "./passenger/passenger.routes.tsx";
import { registerDevSmsPages } from "./sms/dev-sms.routes.tsx";
import { registerApiReference } from "./api-reference.ts";
import { securityHeaders } from "./security/csp.ts";
import { registerDriverPage } from "./platforms/driver-page.tsx";
import { createDriversRepository } from "./platforms/drivers.repository.ts";
import { registerApplyPages } from "./platforms/apply-page.tsx";
import { createApplicationsRepository } from "./platforms/applications.repository.ts";
import { createAuthRepository } from "./auth/auth.repository.ts";

/** Largest request body the API reads; a check-in is well under 4 KiB. */
export const MAX_BODY_BYTES = 64 * 1024;
/** A fleet system's batch (PUT /operators/{id}/vehicles, up to 5,000 cars of ~100 bytes) is the one larger body. */
export const MAX_BATCH_BODY_BYTES = 1024 * 1024;
const FLEET_BATCH_PATH = /^\/api\/v1\/operators\/[^/]+\/vehicles$/;

/**
 * The body limit, checked on the declared length where there is one. hono's
 * bodyLimit reads `c.req.raw.body` first, which makes @hono/node-server build a
 * whole web Request with a ReadableStream for every request (a tenth of a
 * check-in's CPU); Node's parser already holds a body to its Content-Length,
 * so that header is the body's size. A chunked body (no length) is counted
 * as it streams, by hono's middleware.
 */
const limitBodies = (maxSize: number) => {
  const tooLarge = () => {
    throw new AppError(413, "payload_too_large", `Request bodies here are limited to ${maxSize / 1024} KiB`);
  };
  const streamed = bodyLimit({ maxSize, onError: tooLarge });
  return createMiddleware<AppEnv>(async (c, next) => {
    if (c.req.method === "GET" || c.req.method === "HEAD") return next();
    const length = c.req.header("content-length");
    if (length !== undefined && c.req.header("transfer-encoding") === undefined) return Number(length) > maxSize ? tooLarge() : next();
    return streamed(c, next);
  });
};

/**
 * A staff or API-key write may have changed a code, a vehicle or its
 * operator (rotation, retirement, a new plate, an approval): this process
 * forgets the codes it resolved before the write's answer goes out, so the
 * next scan sees the change (codes/code-cache.ts). Passengers' own writes
 * (check-ins, one-time codes) change no code and keep the cache.
 */
const forgetCodesAfterStaffWrites = (deps: AppDeps) =>
  createMiddleware<AppEnv>(async (c, next) => {
    await next();
    if (c.req.method === "GET" || c.req.method === "HEAD") return;
    if ((c.var.user as StaffUser | undefined) || (c.var.fleet as FleetAccess | undefined)) codeCacheOf(deps.db).clear();
  });

/** The composition root's product: one hono app over injected dependencies, no globals. */
export function createApp(deps: AppDeps) {
  const app = new Hono<AppEnv>();
  app.onError(handleError(deps.logger));
  app.notFound((c) => c.json(errorBody("not_found", `No route for ${c.req.method} ${c.req.path}`, undefined, c.get("requestId")), 404));
  app.use(requestContext(deps));
  app.use(securityHeaders(deps.config));
  app.use(csrfGuard(deps.config.publicUrl));
  app.use(forgetCodesAfterStaffWrites(deps));

  const api = createRouter();
  const smallBody = limitBodies(MAX_BODY_BYTES);
  const batchBody = limitBodies(MAX_BATCH_BODY_BYTES);
  api.use((c, next) => (c.req.method === "PUT" && FLEET_BATCH_PATH.test(c.req.path) ? batchBody : smallBody)(c, next));
  api.openAPIRegistry.registerComponent("securitySchemes", "bearer", { type: "http", scheme: "bearer" });
  registerApiRoutes(api, deps);
  nameOperations(api);
  api.doc31("/openapi.json", {
    openapi: "3.1.0",
    info: {
      title: "Transit check-in API",
      version: "1.0.0",
      description: "Vehicle codes, passenger check-ins, trips and trip-level exposure tracing. Errors are {error:{code,message}}.",
    },
    servers: [{ url: `${deps.config.publicUrl}/api/v1` }],
  });
  registerApiReference(api);
  app.route("/api/v1", api);
  registerConsole(app, deps);
  registerPassengerPages(app, deps);
  registerDevSmsPages(app, deps);
  registerDriverPage(app, deps, createDriversRepository(deps));
  registerApplyPages(app, deps, createAuthRepository(deps), createApplicationsRepository(deps));

  registerOps(app, deps);

  return app;
}

export type App = ReturnType<typeof createApp>;

/**
 * What an ingest-only process (SERVER_ROLE=ingest) serves: /health and
 * /metrics for its load balancer and Prometheus, and nothing of the API.
 */
export function createOpsApp(deps: AppDeps) {
  const app = new Hono<AppEnv>();
  app.onError(handleError(deps.logger));
  app.notFound((c) => c.json(errorBody("not_found", `This process only ingests (SERVER_ROLE=ingest): no route for ${c.req.method} ${c.req.path}`), 404));
  registerOps(app, deps);
  return app;
}

function registerOps(app: Hono<AppEnv>, deps: AppDeps) {
  // What is down, for a load balancer and a person: without the database nothing works (503);
  // without the broker, HTTP still does but vehicles are not heard ("degraded", 200).
  app.get("/health", async (c) => {
    const database = await databaseReachable(deps);
    const broker = deps.broker ? (deps.broker.connected() ? "ok" : "unreachable") : "none";
    const status = database !== "ok" ? "unavailable" : broker === "unreachable" ? "degraded" : "ok";
    if (status === "unavailable") c.header("retry-after", String(RETRY_AFTER_SECONDS));
    return c.json({ status, database, broker }, status === "unavailable" ? 503 : 200);
  });
  app.get("/metrics", async (c) => c.text(await deps.metrics.registry.metrics(), 200, { "content-type": deps.metrics.registry.contentType }));
}

/** A health check must answer even when the database hangs (a cut network): 2 s, then it counts as unreachable. */
async function databaseReachable(deps: AppDeps): Promise<"ok" | "unreachable"> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error("no answer within 2 s")), 2_000)));
  try {
    await Promise.race([deps.db.execute("select 1"), timeout]);
    return "ok";
  } catch (err) {
    deps.logger.error({ err }, "health check: database unreachable");
    return "unreachable";
  } finally {
    clearTimeout(timer);
  }
}


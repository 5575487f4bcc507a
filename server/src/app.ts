import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { AppDeps, AppEnv } from "./context.ts";
import { AppError, errorBody, handleError } from "./errors.ts";
import { createRouter, nameOperations } from "./openapi.ts";
import { csrfGuard } from "./auth/csrf.ts";
import { requestContext } from "./request-context.ts";
import { registerApiRoutes } from "./routes.ts";
import { registerConsole } from "./console/console.routes.ts";
import { registerPassengerPages } from "./passenger/passenger.routes.tsx";
import { registerApiReference } from "./api-reference.ts";
import { securityHeaders } from "./security/csp.ts";

/** Largest request body the API reads; a check-in is well under 4 KiB. */
export const MAX_BODY_BYTES = 64 * 1024;

/** The composition root's product: one hono app over injected dependencies, no globals. */
export function createApp(deps: AppDeps) {
  const app = new Hono<AppEnv>();
  app.onError(handleError(deps.logger));
  app.notFound((c) => c.json(errorBody("not_found", `No route for ${c.req.method} ${c.req.path}`, undefined, c.get("requestId")), 404));
  app.use(requestContext(deps));
  app.use(securityHeaders(deps.config));
  app.use(csrfGuard(deps.config.publicUrl));

  const api = createRouter();
  api.use(
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: () => {
        throw new AppError(413, "payload_too_large", `Request bodies are limited to ${MAX_BODY_BYTES / 1024} KiB`);
      },
    }),
  );
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

  app.get("/health", async (c) => {
    try {
      await deps.db.execute("select 1");
      return c.json({ status: "ok" });
    } catch (err) {
      deps.logger.error({ err }, "health check: database unreachable");
      return c.json({ status: "unavailable", database: "unreachable" }, 503);
    }
  });
  app.get("/metrics", async (c) => c.text(await deps.metrics.registry.metrics(), 200, { "content-type": deps.metrics.registry.contentType }));

  return app;
}

export type App = ReturnType<typeof createApp>;


import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "./context.ts";
import { ERROR_CODES, errorBody } from "./errors.ts";

/** Shapes shared by every route's OpenAPI description. */
export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.enum(ERROR_CODES),
      message: z.string(),
      details: z.unknown().optional(),
      requestId: z.string().openapi({ description: "The request's id, also in the X-Request-Id header and the server's log lines for this request" }),
    }),
  })
  .openapi("Error");

export const json = <T extends z.ZodTypeAny>(schema: T, description = "OK") => ({
  content: { "application/json": { schema } },
  description,
});

export const jsonBody = <T extends z.ZodTypeAny>(schema: T) => ({
  body: { content: { "application/json": { schema } }, required: true },
});

/** The error responses a route can give, for the document; the handler throws AppError. */
export function errors(...statuses: (400 | 401 | 403 | 404 | 409 | 410 | 413 | 429 | 503)[]) {
  return Object.fromEntries(statuses.map((s) => [s, json(ErrorSchema, "Error")]));
}

export const staffSecurity = [{ bearer: [] }];

/**
 * An OpenAPIHono whose validation failures come out as our 400 error body
 * (with the zod issues as details) instead of the library's own shape.
 */
export function createRouter() {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result, c) => {
      if (!result.success) {
        const issues = result.error.issues.map((i) => ({ path: i.path.join("."), message: i.message }));
        const summary = issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join("; ");
        return c.json(errorBody("invalid_request", summary, issues, c.get("requestId")), 400);
      }
    },
  });
}

export type Router = ReturnType<typeof createRouter>;

/**
 * Gives every operation without an explicit operationId one derived from its
 * method and path ("post /vehicles/{id}/rotate" → "postVehiclesByIdRotate"),
 * so generated clients and the auth suite can name each operation.
 */
export function nameOperations(api: Router) {
  for (const def of api.openAPIRegistry.definitions) {
    if (def.type !== "route" || def.route.operationId) continue;
    const words = def.route.path
      .split("/")
      .filter(Boolean)
      .flatMap((part) => (part.startsWith("{") ? ["by", part.slice(1, -1)] : part.split(/[-_.]/)));
    def.route.operationId = def.route.method + words.map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join("");
  }
}

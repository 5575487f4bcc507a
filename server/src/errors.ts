import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { Logger } from "pino";

/**
 * The one error type: a machine-readable code, an HTTP status and a message a
 * person can act on. Rendered everywhere as {"error":{"code","message"}}.
 */
export class AppError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

export const badRequest = (code: string, message: string, details?: unknown) => new AppError(400, code, message, details);
export const unauthorized = (message = "Sign in first") => new AppError(401, "unauthorized", message);
export const forbidden = (message = "Your role does not allow this") => new AppError(403, "forbidden", message);
export const notFound = (what: string) => new AppError(404, "not_found", `${what} not found`);
export const conflict = (code: string, message: string) => new AppError(409, code, message);
export const gone = (code: string, message: string) => new AppError(410, code, message);

export function errorBody(code: string, message: string, details?: unknown) {
  return { error: details === undefined ? { code, message } : { code, message, details } };
}

/** The app's one onError: nothing a client sends may become a 500 with internals in it. */
export function handleError(logger: Logger) {
  return (err: Error, c: Context) => {
    if (err instanceof AppError) {
      return c.json(errorBody(err.code, err.message, err.details), err.status);
    }
    if (err instanceof HTTPException) {
      const status = err.status;
      const code = status === 413 ? "payload_too_large" : status === 400 ? "malformed_request" : "http_error";
      return c.json(errorBody(code, err.message || "Bad request"), status);
    }
    logger.error({ err, method: c.req.method, path: c.req.path }, "unhandled error");
    return c.json(errorBody("internal", "Something went wrong on our side; it has been logged"), 500);
  };
}

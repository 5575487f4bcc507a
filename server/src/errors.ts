import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { Logger } from "pino";
import type { AppEnv } from "./context.ts";
import { isDatabaseUnreachable } from "./db/db-errors.ts";
import { RETRY_AFTER_SECONDS, UNAVAILABLE_MESSAGE, unavailablePage } from "./unavailable.ts";

/**
 * Every code an HTTP error body may carry: a closed list, published as an enum
 * in the OpenAPI document, so clients can switch on it and a typo is a type error.
 * Add a new code here (and only here) when a new refusal needs its own name.
 */
export const ERROR_CODES = [
  "invalid_request",
  "malformed_request",
  "http_error",
  "unauthorized",
  "invalid_credentials",
  "forbidden",
  "csrf_refused",
  "user_disabled",
  "wrong_password",
  "not_found",
  "code_not_found",
  "code_revoked",
  "code_expired",
  "invalid_phone",
  "phone_required",
  "phone_unverified",
  "otp_wrong",
  "otp_expired",
  "otp_exhausted",
  "sms_unavailable",
  "ticket_not_a_code",
  "invalid_window",
  "unknown_route",
  "not_in_trace",
  "nothing_to_revert",
  "person_erased",
  "invalid_cursor",
  "operator_required",
  "username_taken",
  "invalid_api_key",
  "plate_taken",
  "duplicate_in_batch",
  "vehicle_rejected",
  "vehicle_retired",
  "already_decided",
  "too_many_drivers",
  "phone_not_verified",
  "payload_too_large",
  "rate_limited",
  "console_unavailable",
  "unavailable",
  "internal",
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/**
 * The one error type: a machine-readable code, an HTTP status and a message a
 * person can act on. Rendered everywhere as {"error":{"code","message","requestId"}}.
 */
export class AppError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
    /** Extra response headers, such as Retry-After on a 429. */
    readonly headers?: Record<string, string>,
  ) {
    super(message);
  }
}

export const badRequest = (code: ErrorCode, message: string, details?: unknown) => new AppError(400, code, message, details);
export const unauthorized = (message = "Sign in first") => new AppError(401, "unauthorized", message);
export const forbidden = (message = "Your role does not allow this") => new AppError(403, "forbidden", message);
export const notFound = (what: string) => new AppError(404, "not_found", `${what} not found`);
export const conflict = (code: ErrorCode, message: string) => new AppError(409, code, message);
export const gone = (code: ErrorCode, message: string) => new AppError(410, code, message);
export const tooManyRequests = (message: string, retryAfterSeconds: number) =>
  new AppError(429, "rate_limited", message, undefined, { "retry-after": String(Math.max(1, Math.ceil(retryAfterSeconds))) });

/** The error body; `requestId` matches the X-Request-Id header and the request's log lines. */
export function errorBody(code: ErrorCode, message: string, details?: unknown, requestId?: string) {
  return { error: { code, message, ...(details === undefined ? {} : { details }), ...(requestId ? { requestId } : {}) } };
}

/** The app's one onError: nothing a client sends may become a 500 with internals in it. */
export function handleError(logger: Logger) {
  return (err: Error, c: Context<AppEnv>) => {
    const requestId = c.get("requestId");
    if (err instanceof AppError) {
      return c.json(errorBody(err.code, err.message, err.details, requestId), err.status, err.headers);
    }
    if (err instanceof HTTPException) {
      const status = err.status;
      const code = status === 413 ? "payload_too_large" : status === 400 ? "malformed_request" : "http_error";
      return c.json(errorBody(code, err.message || "Bad request", undefined, requestId), status);
    }
    if (isDatabaseUnreachable(err)) {
      // One line per request is enough to see an outage; the route pattern, not the path (paths carry codes).
      const log = c.get("log") ?? logger;
      // The err serializer (logger.ts) keeps a failed statement's SQL and values out of the line.
      log.error({ err, method: c.req.method, route: c.req.routePath }, "database unreachable: answered 503");
      c.header("retry-after", String(RETRY_AFTER_SECONDS));
      c.header("cache-control", "no-store");
      // Pages (the passenger page, the pass, the console) get a page; the API and fetches get the error body.
      if (!c.req.path.startsWith("/api/")) return c.html(unavailablePage, 503);
      return c.json(errorBody("unavailable", UNAVAILABLE_MESSAGE, undefined, requestId), 503);
    }
    // The route pattern, not the path: paths carry poster codes and live tokens.
    const log = c.get("log") ?? logger;
    log.error({ err, method: c.req.method, route: c.req.routePath }, "unhandled error");
    return c.json(errorBody("internal", "Something went wrong on our side; it has been logged with this request id", undefined, requestId), 500);
  };
}

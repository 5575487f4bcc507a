import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../context.ts";
import { AppError, forbidden, tooManyRequests, unauthorized } from "../errors.ts";
import type { AuthRepository } from "../auth/auth.repository.ts";
import { bearerToken, staffFromRequest } from "../auth/auth.middleware.ts";
import type { RateLimits, Limit } from "../rate-limit.ts";
import { API_KEY_PREFIX, type ApiKeysRepository } from "./api-keys.repository.ts";

/** A fleet system's calls per key: a batch of 5,000 cars is one call, so this only stops a runaway loop. */
export const API_KEY_LIMIT: Limit = { bucket: "api_key", limit: 120, windowMs: 60_000 };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Who may act on /operators/{id}/…: admin staff on any operator, operator
 * staff on their own, and — when `keys` is allowed — the operator's own API
 * key (another operator's key is refused with 403, a revoked one with 401).
 * Sets c.var.fleet, whose actor the audit rows name.
 */
export function requireFleetAccess(deps: { auth: AuthRepository; apiKeys: ApiKeysRepository; rateLimits: RateLimits }, opts: { keys: boolean }) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const operatorId = c.req.param("id") ?? "";
    const token = bearerToken(c.req.header("authorization"));
    if (token?.startsWith(API_KEY_PREFIX)) {
      const key = await deps.apiKeys.authenticate(token);
      if (!key) throw new AppError(401, "invalid_api_key", "This API key is unknown or revoked");
      if (!opts.keys) throw forbidden("An API key cannot do this; sign in as the operator's staff");
      if (key.operatorId !== operatorId) throw forbidden("This API key belongs to another operator");
      const verdict = await deps.rateLimits.take({ limit: API_KEY_LIMIT, key: key.keyId });
      if (!verdict.allowed) throw tooManyRequests("Too many calls with this API key; wait and retry", verdict.retryAfterSeconds);
      c.set("fleet", { operatorId, actor: { kind: "api_key", id: key.keyId, name: key.name } });
      return next();
    }
    const user = await staffFromRequest(c, deps.auth);
    if (!user) throw unauthorized();
    if (user.role !== "admin" && user.role !== "operator") throw forbidden(`This needs the role admin or operator; you are ${user.role}`);
    if (user.role === "operator" && user.operatorId !== operatorId) throw forbidden("This is another operator's fleet");
    if (!UUID.test(operatorId)) throw new AppError(404, "not_found", "Operator not found");
    c.set("user", user);
    c.set("fleet", { operatorId, actor: { kind: "staff", id: user.id, name: user.username } });
    return next();
  });
}

import { createRoute, z } from "@hono/zod-openapi";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import type { AppDeps } from "../context.ts";
import { clientAddress } from "../client-address.ts";
import { AppError, badRequest, tooManyRequests } from "../errors.ts";
import { errors, json, jsonBody, staffSecurity, type Router } from "../openapi.ts";
import { bearerToken, requireStaff, SESSION_COOKIE } from "./auth.middleware.ts";
import { createLoginThrottle, LOGIN_LIMITS } from "./login-throttle.ts";
import { text } from "../../../protocol/fields.ts";
import { staffAccounts, staffRole, staffUser } from "../../../protocol/api/staff.ts";
import { createAuditLog } from "../tracing/audit.ts";
import { createAuthRepository, type AuthRepository } from "./auth.repository.ts";

const login = createRoute({
  method: "post",
  path: "/auth/login",
  tags: ["auth"],
  summary: "Sign in as staff; the token also comes back as an HttpOnly cookie",
  description:
    `Public. After ${LOGIN_LIMITS.perUser.limit} failed sign-ins for one username, or ${LOGIN_LIMITS.perAddress.limit} from one client address, ` +
    `within ${LOGIN_LIMITS.perUser.windowMs / 60_000} minutes, answers 429 rate_limited with Retry-After until the window ends. ` +
    "A disabled user cannot sign in (401 invalid_credentials, like a wrong password).",
  request: jsonBody(z.object({ username: text({ min: 1, max: 100 }), password: text({ min: 1, max: 200 }) })),
  responses: { 200: json(z.object({ token: z.string(), expiresAt: z.string(), user: staffUser })), ...errors(400, 401, 429) },
});

const logout = createRoute({
  method: "post",
  path: "/auth/logout",
  tags: ["auth"],
  security: staffSecurity,
  responses: { 204: { description: "Signed out" } },
});

const changeOwnPassword = createRoute({
  method: "post",
  path: "/auth/password",
  tags: ["auth"],
  summary: "Change your own password; your other sessions end",
  description: "Needs the current password (400 wrong_password otherwise; wrong tries count toward the sign-in limit).",
  security: staffSecurity,
  request: jsonBody(
    z.object({
      currentPassword: text({ min: 1, max: 200 }),
      newPassword: text({ min: 10, max: 200 }),
    }),
  ),
  responses: { 204: { description: "Changed" }, ...errors(400, 401, 429) },
});

const me = createRoute({
  method: "get",
  path: "/auth/me",
  tags: ["auth"],
  security: staffSecurity,
  responses: { 200: json(staffUser), ...errors(401) },
});

const createUser = createRoute({
  method: "post",
  path: "/users",
  tags: ["auth"],
  summary: "Create a staff account (admin only). Operator staff name their company.",
  security: staffSecurity,
  request: jsonBody(
    z.object({
      username: z.string().regex(/^[a-zA-Z0-9_.-]{3,40}$/, "3–40 letters, digits, _ . or -"),
      password: text({ min: 10, max: 200 }),
      role: staffRole,
      operator: text({ min: 1, max: 100 }).optional(),
    }),
  ),
  responses: { 201: json(staffUser), ...errors(400, 401, 403, 409) },
});

const listUsers = createRoute({
  method: "get",
  path: "/users",
  tags: ["auth"],
  security: staffSecurity,
  responses: {
    200: json(staffAccounts),
    ...errors(401, 403),
  },
});

export function registerAuthRoutes(app: Router, deps: AppDeps, auth: AuthRepository) {
  const secure = deps.config.publicUrl.startsWith("https:");
  const throttle = createLoginThrottle(deps);
  const throttled = (retryAfterSeconds: number) =>
    tooManyRequests(`Too many failed sign-ins; try again in ${Math.ceil(retryAfterSeconds / 60)} minutes`, retryAfterSeconds);

  app.openapi(login, async (c) => {
    const { username, password } = c.req.valid("json");
    const address = clientAddress(c, deps.config.trustProxy);
    const allowed = await throttle.attempt(username, address);
    if (!allowed.allowed) {
      deps.metrics.loginFailures.inc({ outcome: "throttled" });
      c.var.log.warn({ address }, "sign-in throttled");
      throw throttled(allowed.retryAfterSeconds);
    }
    const session = await auth.attempt(username, password);
    if ("reason" in session) {
      deps.metrics.loginFailures.inc({ outcome: "invalid" });
      // The user's id, never the typed username: people type passwords into the wrong field.
      c.var.log.warn({ reason: session.reason, userId: session.userId, address }, "sign-in failed");
      throw new AppError(401, "invalid_credentials", "Wrong username or password");
    }
    await throttle.succeeded(username, address);
    // Max-Age, not Expires: the browser counts it from its own clock, so a
    // phone or PC whose clock is off from the server's still keeps the session
    // for its whole life (the server checks expiry against its own clock).
    const maxAge = Math.max(0, Math.floor((session.expiresAt.getTime() - deps.clock.now().getTime()) / 1000));
    setCookie(c, SESSION_COOKIE, session.token, { httpOnly: true, sameSite: "Lax", secure, path: "/", maxAge });
    c.var.log.info({ userId: session.user.id }, "staff signed in");
    return c.json({ token: session.token, expiresAt: session.expiresAt.toISOString(), user: session.user }, 200);
  });

  app.use("/auth/logout", requireStaff(auth));
  app.openapi(logout, async (c) => {
    const token = bearerToken(c.req.header("authorization")) ?? getCookie(c, SESSION_COOKIE);
    if (token) await auth.logout(token);
    deleteCookie(c, SESSION_COOKIE, { path: "/" });
    return c.body(null, 204);
  });

  app.use("/auth/password", requireStaff(auth));
  app.openapi(changeOwnPassword, async (c) => {
    const { currentPassword, newPassword } = c.req.valid("json");
    const user = c.var.user;
    const address = clientAddress(c, deps.config.trustProxy);
    const allowed = await throttle.attempt(user.username, address);
    if (!allowed.allowed) throw throttled(allowed.retryAfterSeconds);
    if (!(await auth.checkPassword(user.id, currentPassword))) {
      deps.metrics.loginFailures.inc({ outcome: "invalid" });
      c.var.log.warn({ reason: "wrong_password", userId: user.id, address }, "password change refused");
      throw badRequest("wrong_password", "currentPassword: that is not your current password");
    }
    const token = bearerToken(c.req.header("authorization")) ?? getCookie(c, SESSION_COOKIE);
    await auth.setPassword(user.id, newPassword, token);
    await throttle.succeeded(user.username, address);
    c.var.log.info({ userId: user.id }, "password changed by its user");
    return c.body(null, 204);
  });

  app.use("/auth/me", requireStaff(auth));
  app.openapi(me, (c) => c.json(c.var.user, 200));

  app.use("/users", requireStaff(auth, "admin"));
  app.openapi(createUser, async (c) => {
    const body = c.req.valid("json");
    if (body.role === "operator" && !body.operator) {
      throw new AppError(400, "operator_required", "An operator account needs the operator (company) it belongs to");
    }
    // The new account and its audit row commit together.
    const user = await deps.db.transaction(async (db) => {
      const tx = createAuthRepository({ ...deps, db });
      const operatorId = body.role === "operator" && body.operator ? (await tx.operatorByName(body.operator)).id : null;
      const user = await tx.createUser({ ...body, operatorId });
      await createAuditLog({ ...deps, db }).record({ user: c.var.user, action: "user.create", details: { userId: user.id, username: user.username, role: user.role, operatorId } });
      return user;
    });
    return c.json(user, 201);
  });
  app.openapi(listUsers, async (c) => c.json({ users: await auth.listUsers() }, 200));
}

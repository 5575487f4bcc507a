import { createRoute, z } from "@hono/zod-openapi";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import type { AppDeps } from "../context.ts";
import { AppError } from "../errors.ts";
import { errors, json, jsonBody, staffSecurity, type Router } from "../openapi.ts";
import { bearerToken, requireStaff, SESSION_COOKIE } from "./auth.middleware.ts";
import type { AuthRepository } from "./auth.repository.ts";

const StaffUserSchema = z
  .object({
    id: z.string(),
    username: z.string(),
    role: z.enum(["admin", "operator", "tracer"]),
    operatorId: z.string().nullable(),
  })
  .openapi("StaffUser");

const login = createRoute({
  method: "post",
  path: "/auth/login",
  tags: ["auth"],
  summary: "Sign in as staff; the token also comes back as an HttpOnly cookie",
  request: jsonBody(z.object({ username: z.string().min(1).max(100), password: z.string().min(1).max(200) })),
  responses: { 200: json(z.object({ token: z.string(), expiresAt: z.string(), user: StaffUserSchema })), ...errors(400, 401) },
});

const logout = createRoute({
  method: "post",
  path: "/auth/logout",
  tags: ["auth"],
  security: staffSecurity,
  responses: { 204: { description: "Signed out" } },
});

const me = createRoute({
  method: "get",
  path: "/auth/me",
  tags: ["auth"],
  security: staffSecurity,
  responses: { 200: json(StaffUserSchema), ...errors(401) },
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
      password: z.string().min(10, "at least 10 characters").max(200),
      role: z.enum(["admin", "operator", "tracer"]),
      operator: z.string().min(1).max(100).optional(),
    }),
  ),
  responses: { 201: json(StaffUserSchema), ...errors(400, 401, 403, 409) },
});

const listUsers = createRoute({
  method: "get",
  path: "/users",
  tags: ["auth"],
  security: staffSecurity,
  responses: { 200: json(z.object({ users: z.array(StaffUserSchema) })), ...errors(401, 403) },
});

export function registerAuthRoutes(app: Router, deps: AppDeps, auth: AuthRepository) {
  const secure = deps.config.publicUrl.startsWith("https:");

  app.openapi(login, async (c) => {
    const { username, password } = c.req.valid("json");
    const session = await auth.login(username, password);
    if (!session) throw new AppError(401, "invalid_credentials", "Wrong username or password");
    // Max-Age, not Expires: the browser counts it from its own clock, so a
    // phone or PC whose clock is off from the server's still keeps the session
    // for its whole life (the server checks expiry against its own clock).
    const maxAge = Math.max(0, Math.floor((session.expiresAt.getTime() - deps.clock.now().getTime()) / 1000));
    setCookie(c, SESSION_COOKIE, session.token, { httpOnly: true, sameSite: "Lax", secure, path: "/", maxAge });
    deps.logger.info({ userId: session.user.id }, "staff signed in");
    return c.json({ token: session.token, expiresAt: session.expiresAt.toISOString(), user: session.user }, 200);
  });

  app.use("/auth/logout", requireStaff(auth));
  app.openapi(logout, async (c) => {
    const token = bearerToken(c.req.header("authorization")) ?? getCookie(c, SESSION_COOKIE);
    if (token) await auth.logout(token);
    deleteCookie(c, SESSION_COOKIE, { path: "/" });
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
    const operatorId = body.role === "operator" && body.operator ? (await auth.operatorByName(body.operator)).id : null;
    const user = await auth.createUser({ ...body, operatorId });
    return c.json(user, 201);
  });
  app.openapi(listUsers, async (c) => c.json({ users: await auth.listUsers() }, 200));
}

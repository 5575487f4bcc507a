import { getCookie } from "hono/cookie";
import { createMiddleware } from "hono/factory";
import type { AppEnv, StaffRole } from "../context.ts";
import { forbidden, unauthorized } from "../errors.ts";
import type { AuthRepository } from "./auth.repository.ts";

export const SESSION_COOKIE = "session";

export function bearerToken(header: string | undefined): string | undefined {
  const m = /^Bearer\s+(\S+)$/i.exec(header ?? "");
  return m?.[1];
}

/** Staff only: a valid bearer token or session cookie, and one of `roles`. */
export function requireStaff(auth: AuthRepository, ...roles: StaffRole[]) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const token = bearerToken(c.req.header("authorization")) ?? getCookie(c, SESSION_COOKIE);
    const user = token ? await auth.userForToken(token) : null;
    if (!user) throw unauthorized();
    if (roles.length > 0 && !roles.includes(user.role)) {
      throw forbidden(`This needs the role ${roles.join(" or ")}; you are ${user.role}`);
    }
    c.set("user", user);
    await next();
  });
}

import { getCookie } from "hono/cookie";
import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { AppEnv, StaffRole, StaffUser } from "../context.ts";
import { forbidden, unauthorized } from "../errors.ts";
import type { AuthRepository } from "./auth.repository.ts";

export const SESSION_COOKIE = "session";

export function bearerToken(header: string | undefined): string | undefined {
  const m = /^Bearer\s+(\S+)$/i.exec(header ?? "");
  return m?.[1];
}

/** The staff member signed in on this request (bearer token or session cookie), or null; public routes use it to relax limits for staff. */
export async function staffFromRequest(c: Context, auth: AuthRepository): Promise<StaffUser | null> {
  const token = bearerToken(c.req.header("authorization")) ?? getCookie(c, SESSION_COOKIE);
  return token ? auth.userForToken(token) : null;
}

/** Staff only: a valid bearer token or session cookie, and one of `roles`. */
export function requireStaff(auth: AuthRepository, ...roles: StaffRole[]) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const user = await staffFromRequest(c, auth);
    if (!user) throw unauthorized();
    if (roles.length > 0 && !roles.includes(user.role)) {
      throw forbidden(`This needs the role ${roles.join(" or ")}; you are ${user.role}`);
    }
    c.set("user", user);
    await next();
  });
}

import { createRoute, z } from "@hono/zod-openapi";
import { badRequest, notFound } from "../errors.ts";
import { errors, json, jsonBody, staffSecurity, type Router } from "../openapi.ts";
import { requireStaff } from "./auth.middleware.ts";
import type { AuthRepository } from "./auth.repository.ts";
import { StaffAccountSchema } from "./auth.routes.ts";
import { text } from "../../../protocol/fields.ts";
const userId = { params: z.object({ id: z.string().uuid() }) };

const disableUser = createRoute({
  method: "post",
  path: "/users/{id}/disable",
  tags: ["auth"],
  summary: "Disable a staff account (admin only); its sessions end at once",
  security: staffSecurity,
  request: userId,
  responses: { 200: json(StaffAccountSchema), ...errors(400, 401, 403, 404) },
});

const enableUser = createRoute({
  method: "post",
  path: "/users/{id}/enable",
  tags: ["auth"],
  summary: "Enable a disabled staff account again (admin only)",
  security: staffSecurity,
  request: userId,
  responses: { 200: json(StaffAccountSchema), ...errors(400, 401, 403, 404) },
});

const resetPassword = createRoute({
  method: "put",
  path: "/users/{id}/password",
  tags: ["auth"],
  summary: "Set a staff member's password (admin only); every session of theirs ends",
  security: staffSecurity,
  request: { ...userId, ...jsonBody(z.object({ password: text({ min: 10, max: 200 }) })) },
  responses: { 204: { description: "Set" }, ...errors(400, 401, 403, 404) },
});

/** Admin's management of staff accounts: disable, enable, reset a password. */
export function registerUsersRoutes(app: Router, auth: AuthRepository) {
  app.use("/users/*", requireStaff(auth, "admin"));

  app.openapi(disableUser, async (c) => {
    const { id } = c.req.valid("param");
    // An admin locking themself out would leave nobody to undo it.
    if (id === c.var.user.id) throw badRequest("invalid_request", "You cannot disable your own account");
    const user = await auth.setDisabled(id, true);
    if (!user) throw notFound("User");
    c.var.log.info({ userId: id, by: c.var.user.id }, "staff user disabled");
    return c.json(user, 200);
  });

  app.openapi(enableUser, async (c) => {
    const { id } = c.req.valid("param");
    const user = await auth.setDisabled(id, false);
    if (!user) throw notFound("User");
    c.var.log.info({ userId: id, by: c.var.user.id }, "staff user enabled");
    return c.json(user, 200);
  });

  app.openapi(resetPassword, async (c) => {
    const { id } = c.req.valid("param");
    if (!(await auth.setPassword(id, c.req.valid("json").password))) throw notFound("User");
    c.var.log.info({ userId: id, by: c.var.user.id }, "staff password reset by admin");
    return c.body(null, 204);
  });
}

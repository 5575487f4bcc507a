import { createRoute, z } from "@hono/zod-openapi";
import type { AppDeps, StaffUser } from "../context.ts";
import { AppError, badRequest, notFound } from "../errors.ts";
import { errors, json, jsonBody, staffSecurity, type Router } from "../openapi.ts";
import { createAuditLog } from "../tracing/audit.ts";
import { requireStaff } from "./auth.middleware.ts";
import { createAuthRepository, type AuthRepository } from "./auth.repository.ts";
import { text } from "../../../protocol/fields.ts";
import { staffAccount, staffRole } from "../../../protocol/api/staff.ts";

const userId = { params: z.object({ id: z.string().uuid() }) };

const disableUser = createRoute({
  method: "post",
  path: "/users/{id}/disable",
  tags: ["auth"],
  summary: "Disable a staff account (admin only); its sessions end at once",
  security: staffSecurity,
  request: userId,
  responses: { 200: json(staffAccount), ...errors(400, 401, 403, 404) },
});

const enableUser = createRoute({
  method: "post",
  path: "/users/{id}/enable",
  tags: ["auth"],
  summary: "Enable a disabled staff account again (admin only)",
  security: staffSecurity,
  request: userId,
  responses: { 200: json(staffAccount), ...errors(400, 401, 403, 404) },
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

const setRole = createRoute({
  method: "put",
  path: "/users/{id}/role",
  operationId: "setUserRole",
  tags: ["auth"],
  summary: "Give a staff member another role (admin only); it holds from their next request",
  description:
    "An operator account names its operator (company) in `operator`; any other role belongs to no operator. " +
    "Admins cannot change their own role (400), so there is always an admin left to undo a change. Audited as `user.role`.",
  security: staffSecurity,
  request: { ...userId, ...jsonBody(z.object({ role: staffRole, operator: text({ trim: true, min: 1, max: 100 }).optional() })) },
  responses: { 200: json(staffAccount), ...errors(400, 401, 403, 404) },
});

/**
 * Admin's management of staff accounts: disable, enable, reset a password,
 * change a role. Each act commits with its audit row (who did what to which
 * account) or not at all.
 */
export function registerUsersRoutes(app: Router, deps: AppDeps, auth: AuthRepository) {
  app.use("/users/*", requireStaff(auth, "admin"));
  const inTransaction = <T>(work: (tx: { auth: AuthRepository; audit: ReturnType<typeof createAuditLog> }) => Promise<T>) =>
    deps.db.transaction((db) => work({ auth: createAuthRepository({ ...deps, db }), audit: createAuditLog({ ...deps, db }) }));
  const recordAct = (audit: ReturnType<typeof createAuditLog>, by: StaffUser, action: string, details: Record<string, unknown>) =>
    audit.record({ user: by, action, details });

  app.openapi(disableUser, async (c) => {
    const { id } = c.req.valid("param");
    // An admin locking themself out would leave nobody to undo it.
    if (id === c.var.user.id) throw badRequest("invalid_request", "You cannot disable your own account");
    const user = await inTransaction(async (tx) => {
      const user = await tx.auth.setDisabled(id, true);
      if (!user) throw notFound("User");
      await recordAct(tx.audit, c.var.user, "user.disable", { userId: id, username: user.username });
      return user;
    });
    c.var.log.info({ userId: id, by: c.var.user.id }, "staff user disabled");
    return c.json(user, 200);
  });

  app.openapi(enableUser, async (c) => {
    const { id } = c.req.valid("param");
    const user = await inTransaction(async (tx) => {
      const user = await tx.auth.setDisabled(id, false);
      if (!user) throw notFound("User");
      await recordAct(tx.audit, c.var.user, "user.enable", { userId: id, username: user.username });
      return user;
    });
    c.var.log.info({ userId: id, by: c.var.user.id }, "staff user enabled");
    return c.json(user, 200);
  });

  app.openapi(resetPassword, async (c) => {
    const { id } = c.req.valid("param");
    await inTransaction(async (tx) => {
      const user = await tx.auth.getAccount(id);
      if (!user || !(await tx.auth.setPassword(id, c.req.valid("json").password))) throw notFound("User");
      // The password itself is never written down; only that it was set, and by whom.
      await recordAct(tx.audit, c.var.user, "user.password", { userId: id, username: user.username });
    });
    c.var.log.info({ userId: id, by: c.var.user.id }, "staff password reset by admin");
    return c.body(null, 204);
  });

  app.openapi(setRole, async (c) => {
    const { id } = c.req.valid("param");
    const { role, operator } = c.req.valid("json");
    // An admin demoting themself could leave no admin at all; another admin can do it.
    if (id === c.var.user.id) throw badRequest("invalid_request", "You cannot change your own role");
    if (role === "operator" && !operator) throw new AppError(400, "operator_required", "An operator account needs the operator (company) it belongs to");
    const changed = await inTransaction(async (tx) => {
      const operatorId = role === "operator" && operator ? (await tx.auth.operatorByName(operator)).id : null;
      const changed = await tx.auth.setRole(id, role, operatorId);
      if (!changed) throw notFound("User");
      await recordAct(tx.audit, c.var.user, "user.role", {
        userId: id,
        username: changed.account.username,
        role,
        operatorId,
        previous: changed.previous.role,
        previousOperatorId: changed.previous.operatorId,
      });
      return changed;
    });
    c.var.log.info({ userId: id, by: c.var.user.id, role, previous: changed.previous.role }, "staff role changed");
    return c.json(changed.account, 200);
  });
}

import { createRoute, z } from "@hono/zod-openapi";
import { requireStaff } from "../auth/auth.middleware.ts";
import type { AuthRepository } from "../auth/auth.repository.ts";
import type { AppDeps } from "../context.ts";
import { badRequest } from "../errors.ts";
import { errors, json, staffSecurity, type Router } from "../openapi.ts";
import { CursorParam, LimitParam, decodeCursor, page } from "../pagination.ts";
import { isoTime, text } from "../../../protocol/fields.ts";
import { createAuditRepository } from "./audit.repository.ts";
import { auditPage } from "../../../protocol/api/audit.ts";

/** The audit log, readable (issue 11 part 6): admin only, since it says who looked at whom. */
export function registerAuditRoutes(app: Router, deps: AppDeps, auth: AuthRepository) {
  const audit = createAuditRepository(deps);

  app.openapi(
    createRoute({
      method: "get",
      path: "/audit",
      operationId: "listAudit",
      tags: ["audit"],
      summary: "The audit log, newest first: who read or changed what, about whom, and why (admin)",
      description:
        "Filters: `personId` (the person the act was about), `userId` (the staff user), `reason` (part of the case reference), `from`/`to` (when). Pages of `limit` (at most 200); pass `next` back as `cursor`.",
      security: staffSecurity,
      middleware: [requireStaff(auth, "admin")] as const,
      request: {
        query: z.object({
          personId: z.string().uuid().optional(),
          userId: z.string().uuid().optional(),
          reason: text({ trim: true, min: 1, max: 200 }).optional(),
          from: isoTime().optional(),
          to: isoTime().optional(),
          limit: LimitParam(200, 50),
          cursor: CursorParam,
        }),
      },
      responses: { 200: json(auditPage), ...errors(400, 401, 403) },
    }),
    async (c) => {
      const q = c.req.valid("query");
      const from = q.from ? new Date(q.from) : undefined;
      const to = q.to ? new Date(q.to) : undefined;
      if (from && to && !(from < to)) throw badRequest("invalid_window", "from must be before to");
      const rows = await audit.list({ personId: q.personId, userId: q.userId, reason: q.reason, from, to, cursor: decodeCursor(q.cursor), limit: q.limit });
      const { items, next } = page(rows, q.limit, (r) => ({ at: r.at, id: r.id }));
      const entries = items.map((r) => ({
        id: r.id,
        at: r.at.toISOString(),
        userId: r.actorId,
        user: r.actorName,
        action: r.action,
        personId: r.subjectPersonId,
        reason: r.reason,
        traceId: r.traceId,
        details: (r.details as Record<string, unknown> | null) ?? null,
      }));
      return c.json({ entries, next }, 200);
    },
  );
}

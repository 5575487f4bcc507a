import { createRoute, z } from "@hono/zod-openapi";
import { requireStaff } from "../auth/auth.middleware.ts";
import type { AuthRepository } from "../auth/auth.repository.ts";
import type { AppDeps } from "../context.ts";
import { notFound } from "../errors.ts";
import { errors, json, jsonBody, staffSecurity, type Router } from "../openapi.ts";
import { createAuditLog } from "../tracing/audit.ts";
import { text } from "../../../protocol/fields.ts";
import { personPage as PersonPageSchema } from "../../../protocol/api/persons.ts";
import { createErasure } from "./erasure.ts";
import { createPersonPage } from "./person-page.repository.ts";
import { StatusChangeSchema, presentChange } from "./status.schema.ts";
import { createStatusRepository } from "./status.repository.ts";


const Reason = text({ trim: true, min: 1, max: 500 });

/**
 * A person as the case desk sees them: their page, the way back from a status
 * change, and erasure on request. Setting a status is POST /persons/{id}/status
 * in tracing/tracing.routes.ts.
 */
export function registerPersonsRoutes(app: Router, deps: AppDeps, auth: AuthRepository) {
  const pages = createPersonPage(deps);
  const audit = createAuditLog(deps);
  const tracerOnly = requireStaff(auth, "admin", "tracer");
  const params = z.object({ id: z.string().uuid() });
  const inTransaction = <T>(work: (tx: AppDeps) => Promise<T>) => deps.db.transaction((db) => work({ ...deps, db }));

  app.openapi(
    createRoute({
      method: "get",
      path: "/persons/{id}",
      operationId: "getPerson",
      tags: ["tracing"],
      summary: "A person's page: masked name, status in force with its history, rides, and the traces that listed them (an audited read)",
      security: staffSecurity,
      middleware: [tracerOnly] as const,
      request: { params },
      responses: { 200: json(PersonPageSchema), ...errors(400, 401, 403, 404) },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const page = await pages.get(id);
      if (!page) throw notFound("Person");
      await audit.record({ user: c.var.user, action: "person.read", subjectPersonId: id, details: { rides: page.rides.length } });
      return c.json(page, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/persons/{id}/status/revert",
      operationId: "revertPersonStatus",
      tags: ["tracing"],
      summary: "Undo the person's last status change: back to the status (and quarantine end) it replaced",
      security: staffSecurity,
      middleware: [tracerOnly] as const,
      request: { params, ...jsonBody(z.object({ reason: Reason })) },
      responses: { 200: json(StatusChangeSchema), ...errors(400, 401, 403, 404, 409) },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const { reason } = c.req.valid("json");
      // Like every status change: it commits with its audit row or not at all.
      const change = await inTransaction(async (tx) => {
        const change = await createStatusRepository(tx).revert({ personId: id, reason, by: c.var.user });
        if (!change) throw notFound("Person");
        await createAuditLog(tx).record({
          user: c.var.user,
          action: "person.status.revert",
          subjectPersonId: id,
          reason,
          details: { status: change.status, previous: change.previous, changeId: change.changeId },
        });
        return change;
      });
      return c.json(presentChange(change), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/persons/{id}/erase",
      operationId: "erasePerson",
      tags: ["tracing"],
      summary: "Erase a person on request: phone, name and lookup hash go, their rides become an anonymous person's (admin)",
      security: staffSecurity,
      middleware: [requireStaff(auth, "admin")] as const,
      request: { params, ...jsonBody(z.object({ reason: Reason })) },
      responses: {
        200: json(z.object({ personId: z.string(), erasedAt: z.string(), rides: z.number(), traces: z.number() })),
        ...errors(400, 401, 403, 404, 409),
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const { reason } = c.req.valid("json");
      const done = await inTransaction(async (tx) => {
        const done = await createErasure(tx).erase(id);
        if (!done) throw notFound("Person");
        await createAuditLog(tx).record({ user: c.var.user, action: "person.erase", subjectPersonId: id, reason, details: done });
        return done;
      });
      return c.json({ personId: id, erasedAt: deps.clock.now().toISOString(), ...done }, 200);
    },
  );
}

import { createRoute, z } from "@hono/zod-openapi";
import { requireStaff } from "../auth/auth.middleware.ts";
import type { AuthRepository } from "../auth/auth.repository.ts";
import type { AppDeps } from "../context.ts";
import { badRequest } from "../errors.ts";
import { errors, json, staffSecurity, type Router } from "../openapi.ts";
import { CursorParam, LimitParam, decodeCursor, page } from "../pagination.ts";
import { normalisePhone } from "../persons/phone.ts";
import { isoTime, text } from "../../../protocol/fields.ts";
import { caseList } from "../../../protocol/api/trace.ts";
import { createAuditLog } from "./audit.ts";
import { createCaseListRepository } from "./case-list.repository.ts";
import { createTracesRepository } from "./traces.repository.ts";

/** The case list: GET /traces (issue 13 part 1). Re-opening one is GET /traces/{id} in tracing.routes.ts. */
export function registerCaseListRoutes(app: Router, deps: AppDeps, auth: AuthRepository) {
  const cases = createCaseListRepository(deps);
  const traces = createTracesRepository(deps);
  const audit = createAuditLog(deps);

  app.openapi(
    createRoute({
      method: "get",
      path: "/traces",
      operationId: "listTraces",
      tags: ["tracing"],
      summary: "Stored traces, newest first: case reference, masked index person, window, counts, who ran it and when",
      description:
        "`q` matches part of the case reference, or a phone number (the index person's); `personId` names the index person; `from`/`to` bound when the trace was run. Pages of `limit` (at most 100); pass `next` back as `cursor`.",
      security: staffSecurity,
      middleware: [requireStaff(auth, "admin", "tracer")] as const,
      request: {
        query: z.object({
          from: isoTime().optional(),
          to: isoTime().optional(),
          q: text({ trim: true, min: 1, max: 200 }).optional(),
          personId: z.string().uuid().optional(),
          limit: LimitParam(100, 50),
          cursor: CursorParam,
        }),
      },
      responses: { 200: json(caseList), ...errors(400, 401, 403) },
    }),
    async (c) => {
      const q = c.req.valid("query");
      const from = q.from ? new Date(q.from) : undefined;
      const to = q.to ? new Date(q.to) : undefined;
      if (from && to && !(from < to)) throw badRequest("invalid_window", "from must be before to");
      const cursor = decodeCursor(q.cursor);
      // A typed phone finds the index person by its keyed hash; anything else is part of a case reference.
      const phone = q.q ? normalisePhone(q.q) : null;
      const phonePerson = phone ? ((await traces.personByPhone(phone)) ?? "00000000-0000-0000-0000-000000000000") : undefined;
      if (q.personId && phonePerson && q.personId !== phonePerson) return c.json({ traces: [], next: null }, 200);
      const rows = await cases.list({
        from,
        to,
        reference: q.q,
        personId: q.personId ?? phonePerson,
        cursor,
        limit: q.limit,
      });
      const { items, next } = page(rows, q.limit, (r) => ({ at: r.at, id: r.id }));
      // The list shows masked names only, but it is still a look at who was traced: written down like any read.
      await audit.record({
        user: c.var.user,
        action: "trace.list",
        subjectPersonId: q.personId ?? null,
        details: { results: items.length, filtered: Boolean(q.q || q.personId || q.from || q.to) },
      });
      return c.json({ traces: items.map((r) => ({ ...r, at: r.at.toISOString() })), next }, 200);
    },
  );
}

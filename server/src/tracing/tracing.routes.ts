import { createRoute, z } from "@hono/zod-openapi";
import { v7 as uuidv7 } from "uuid";
import { requireStaff } from "../auth/auth.middleware.ts";
import type { AuthRepository } from "../auth/auth.repository.ts";
import type { AppDeps } from "../context.ts";
import { badRequest, notFound } from "../errors.ts";
import { errors, json, jsonBody, staffSecurity, type Router } from "../openapi.ts";
import { createTrackRepository } from "../trips/track.ts";
import { createAuditLog, type AuditLog } from "./audit.ts";
import { normalisePhone } from "../persons/phone.ts";
import { traceCsv, traceGeoJson } from "./trace.export.ts";
import { createTraceService } from "./trace.service.ts";
import { createTracesRepository, type TracesRepository } from "./traces.repository.ts";
import { createTracingRepository } from "./tracing.repository.ts";
import { createStatusRepository, type StatusRepository } from "../persons/status.repository.ts";
import { StatusChangeSchema, presentChange } from "../persons/status.schema.ts";
import { isoTime, text } from "../../../protocol/fields.ts";
import { healthStatus as HealthStatusSchema, storedTrace as StoredTraceSchema, trace as TraceSchema, type Trace } from "../../../protocol/api/trace.ts";
import { tellCloseContacts } from "../sms/tell-contacts.ts";

const MAX_WINDOW_DAYS = 60;

const TraceRequestSchema = z
  .object({
    phone: text({ trim: true, min: 5, max: 32 }).optional(),
    personId: z.string().uuid().optional(),
    from: isoTime(),
    to: isoTime(),
    reason: text({ trim: true, min: 1, max: 500 }),
    depth: z.union([z.literal(1), z.literal(2)]).default(1),
    minOverlapMinutes: z.number().min(0).max(24 * 60).default(1),
  })
  .refine((r) => (r.phone === undefined) !== (r.personId === undefined), "give exactly one of phone or personId")
  .openapi("TraceRequest");

export function registerTracingRoutes(app: Router, deps: AppDeps, auth: AuthRepository) {
  // The trace's join and paths read from the standby when there is one (DATABASE_READ_URL); the stored trace, its audit row and the person lookup stay on the primary.
  const reads = { ...deps, db: deps.readDb ?? deps.db };
  const track = createTrackRepository(reads);
  const svc = {
    service: createTraceService({ tracing: createTracingRepository(reads), track }),
    traces: createTracesRepository(deps),
    track,
    audit: createAuditLog(deps),
  };
  /** The stores a change and its audit row are written through, inside one transaction: both commit or neither. */
  const inTransaction = <T>(work: (tx: { traces: TracesRepository; audit: AuditLog; status: StatusRepository }) => Promise<T>) =>
    deps.db.transaction((db) =>
      work({ traces: createTracesRepository({ ...deps, db }), audit: createAuditLog({ ...deps, db }), status: createStatusRepository({ ...deps, db }) }),
    );
  const tracerOnly = requireStaff(auth, "admin", "tracer");

  app.openapi(
    createRoute({
      method: "post",
      path: "/traces",
      tags: ["tracing"],
      summary: "Trace a case: their segments, and the passengers and drivers who shared a vehicle with them (DESIGN §7)",
      security: staffSecurity,
      middleware: [tracerOnly] as const,
      request: jsonBody(TraceRequestSchema),
      responses: { 201: json(TraceSchema, "The stored trace"), ...errors(400, 401, 403, 404) },
    }),
    async (c) => {
      const body = c.req.valid("json");
      const from = new Date(body.from);
      const to = new Date(body.to);
      if (!(from < to)) throw badRequest("invalid_window", "from must be before to");
      if (to.getTime() - from.getTime() > MAX_WINDOW_DAYS * 86_400_000) throw badRequest("invalid_window", `A trace window is at most ${MAX_WINDOW_DAYS} days`);
      let personId = body.personId ?? null;
      if (body.phone !== undefined) {
        const e164 = normalisePhone(body.phone);
        if (!e164) throw badRequest("invalid_phone", "That is not a phone number");
        personId = await svc.traces.personByPhone(e164);
      } else if (personId && !(await svc.traces.personExists(personId))) {
        personId = null;
      }
      const user = c.var.user;
      if (!personId) {
        // A lookup that finds nobody is still a tracer's query about a person: it is audited too.
        await svc.audit.record({ user, action: "trace.not_found", reason: body.reason, details: { by: body.phone ? "phone" : "personId" } });
        throw notFound("Person");
      }
      const request = { from: from.toISOString(), to: to.toISOString(), depth: body.depth, minOverlapMinutes: body.minOverlapMinutes, reason: body.reason };
      const outcome = await svc.service.trace({ personId, from, to, depth: body.depth, minOverlapMinutes: body.minOverlapMinutes }, deps.clock.now());
      const reveal = svc.traces.revealer();
      const contacts = outcome.contacts.map(({ identity, ...k }) => ({ ...k, ...reveal(k.personId, identity) }));
      const result = { index: outcome.index, segments: outcome.segments, contacts };
      const id = uuidv7();
      // A trace stored without its audit row would be a read of personal data nobody can account for.
      await inTransaction(async (tx) => {
        await tx.traces.store({ id, createdBy: user.id, indexPersonId: personId, request: { personId, ...request }, result });
        await tx.audit.record({
          user,
          action: "trace.create",
          subjectPersonId: personId,
          reason: body.reason,
          details: { traceId: id, from: request.from, to: request.to, depth: body.depth, minOverlapMinutes: body.minOverlapMinutes, contacts: contacts.length },
        });
      });
      deps.logger.info({ traceId: id, by: user.id, segments: result.segments.length, contacts: contacts.length }, "trace computed");
      return c.json({ id, request, ...result } satisfies Trace, 201);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/traces/{file}",
      tags: ["tracing"],
      summary: "A stored trace, re-opened without re-running it: {id} as JSON, {id}.csv as a contact list, {id}.geojson for a map",
      security: staffSecurity,
      middleware: [tracerOnly] as const,
      request: { params: z.object({ file: z.string().regex(/^[0-9a-f-]{36}(\.csv|\.geojson)?$/i, "a trace id, optionally ending in .csv or .geojson") }) },
      responses: {
        200: {
          description: "The trace",
          content: { "application/json": { schema: StoredTraceSchema }, "text/csv": { schema: z.string() }, "application/geo+json": { schema: z.any() } },
        },
        ...errors(400, 401, 403, 404),
      },
    }),
    async (c) => {
      const [id, format = "json"] = c.req.valid("param").file.toLowerCase().split(".") as [string, string?];
      if (!z.string().uuid().safeParse(id).success) throw badRequest("invalid_request", "Not a trace id");
      const stored = await svc.traces.get<Omit<Trace, "id" | "request">>(id);
      const { personId: _p, ...request } = stored.request as Trace["request"] & { personId: string };
      const trace: Trace = { id, request, ...stored.result };
      const action = format === "json" ? "trace.read" : `trace.export.${format}`;
      await svc.audit.record({ user: c.var.user, action, subjectPersonId: stored.indexPersonId, reason: request.reason, details: { traceId: id } });
      if (format === "csv") {
        return c.body(traceCsv(trace, deps.config.tzDisplay), 200, { "content-type": "text/csv; charset=utf-8", "content-disposition": `attachment; filename="trace-${id}.csv"` });
      }
      if (format === "geojson") {
        const points = await svc.track.pointsAt(trace.contacts.map((k) => ({ vehicleId: k.vehicleId, at: Date.parse(k.boardedAt) })));
        return c.body(JSON.stringify(traceGeoJson(trace, points)), 200, { "content-type": "application/geo+json" });
      }
      return c.json({ ...trace, reason: request.reason, by: stored.by, at: stored.createdAt.toISOString() }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/traces/{id}/mark",
      tags: ["tracing"],
      summary: "Set the health status of chosen contacts of a trace (or its index case) in one call",
      security: staffSecurity,
      middleware: [tracerOnly] as const,
      request: {
        params: z.object({ id: z.string().uuid() }),
        ...jsonBody(z.object({ personIds: z.array(z.string().uuid()).min(1).max(5000), status: HealthStatusSchema })),
      },
      responses: {
        200: json(z.object({ marked: z.array(z.string()), status: HealthStatusSchema, changes: z.array(StatusChangeSchema) })),
        ...errors(400, 401, 403, 404),
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const { personIds, status } = c.req.valid("json");
      const stored = await svc.traces.get<Omit<Trace, "id" | "request">>(id);
      const inTrace = new Set([stored.indexPersonId, ...stored.result.contacts.flatMap((k) => (k.personId ? [k.personId] : []))]);
      const outside = personIds.filter((p) => !inTrace.has(p));
      if (outside.length > 0) throw badRequest("not_in_trace", `${outside.length} of these persons are not in trace ${id}`, { personIds: outside });
      const reason = (stored.request as { reason?: string }).reason ?? null;
      const changes = await inTransaction(async (tx) => {
        const changes = await tx.status.change({ personIds, status, reason, by: c.var.user, traceId: id });
        for (const k of changes) {
          await tx.audit.record({
            user: c.var.user,
            action: "person.status",
            subjectPersonId: k.personId,
            reason,
            details: { status, previous: k.previous, changeId: k.changeId, traceId: id },
          });
        }
        return changes;
      });
      const marked = changes.map((k) => k.personId);
      await tellCloseContacts(deps, { personIds: marked, status });
      return c.json({ marked, status, changes: changes.map(presentChange) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/persons/{id}/status",
      tags: ["tracing"],
      summary: "Set a person's health status: their next scan shows red (case) or yellow (close contact, until the quarantine ends)",
      security: staffSecurity,
      middleware: [tracerOnly] as const,
      request: {
        params: z.object({ id: z.string().uuid() }),
        ...jsonBody(z.object({ status: HealthStatusSchema, reason: text({ trim: true, max: 500 }).optional() })),
      },
      responses: { 200: json(StatusChangeSchema), ...errors(400, 401, 403, 404) },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const { status, reason } = c.req.valid("json");
      // A status change nobody can account for must not happen: it commits with its audit row or not at all.
      const change = await inTransaction(async (tx) => {
        const [change] = await tx.status.change({ personIds: [id], status, reason: reason ?? null, by: c.var.user });
        if (!change) throw notFound("Person");
        await tx.audit.record({
          user: c.var.user,
          action: "person.status",
          subjectPersonId: id,
          reason: reason ?? null,
          details: { status, previous: change.previous, changeId: change.changeId },
        });
        return change;
      });
      await tellCloseContacts(deps, { personIds: [id], status });
      return c.json(presentChange(change), 200);
    },
  );
}

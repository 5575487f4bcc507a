import { createRoute, z } from "@hono/zod-openapi";
import { requireStaff } from "../auth/auth.middleware.ts";
import type { AuthRepository } from "../auth/auth.repository.ts";
import type { AppDeps } from "../context.ts";
import { badRequest } from "../errors.ts";
import { errors, json, staffSecurity, type Router } from "../openapi.ts";
import { createFlowRepository } from "./flow.repository.ts";
import { isoTime } from "../../../protocol/fields.ts";
import { flow as FlowSchema, flowGroupBy, occupancy as OccupancySchema } from "../../../protocol/api/flow.ts";

const MAX_DAYS = 31;

export function registerFlowRoutes(app: Router, deps: AppDeps, auth: AuthRepository) {
  // Boardings and occupancy read from the standby when there is one (DATABASE_READ_URL).
  const flow = createFlowRepository({ ...deps, db: deps.readDb ?? deps.db });
  const staff = requireStaff(auth, "admin", "operator", "tracer");

  app.openapi(
    createRoute({
      method: "get",
      path: "/flow",
      tags: ["flow"],
      summary: "Boardings per route or vehicle per hour in [from, to); operators see their own fleet",
      security: staffSecurity,
      middleware: [staff] as const,
      request: {
        query: z.object({
          groupBy: flowGroupBy.default("route"),
          bucket: z.literal("hour").default("hour"),
          from: isoTime(),
          to: isoTime(),
        }),
      },
      responses: {
        200: json(FlowSchema),
        ...errors(400, 401, 403),
      },
    }),
    async (c) => {
      const q = c.req.valid("query");
      const from = new Date(q.from);
      const to = new Date(q.to);
      if (!(from < to)) throw badRequest("invalid_window", "from must be before to");
      if (to.getTime() - from.getTime() > MAX_DAYS * 86_400_000) throw badRequest("invalid_window", `The window is at most ${MAX_DAYS} days`);
      const rows = await flow.boardings(c.var.user, { groupBy: q.groupBy, from, to }, deps.clock.now());
      return c.json(
        {
          groupBy: q.groupBy,
          bucket: q.bucket,
          from: from.toISOString(),
          to: to.toISOString(),
          rows: rows.map((r) => ({ hour: new Date(r.hour).toISOString(), key: r.key, plate: r.label, boardings: r.boardings })),
        },
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/flow/occupancy",
      tags: ["flow"],
      summary: "Live occupancy: people on board now, per vehicle (by the tracing rules of DESIGN §7)",
      security: staffSecurity,
      middleware: [staff] as const,
      responses: {
        200: json(OccupancySchema),
        ...errors(401, 403),
      },
    }),
    async (c) => {
      const now = deps.clock.now();
      return c.json({ at: now.toISOString(), vehicles: await flow.occupancy(c.var.user, now) }, 200);
    },
  );
}

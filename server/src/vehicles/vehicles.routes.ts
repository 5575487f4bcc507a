import { createRoute, z } from "@hono/zod-openapi";
import type { AuthRepository } from "../auth/auth.repository.ts";
import { requireStaff } from "../auth/auth.middleware.ts";
import type { AppDeps } from "../context.ts";
import { errors, json, jsonBody, staffSecurity, type Router } from "../openapi.ts";
import type { VehiclesRepository } from "./vehicles.repository.ts";
import { provisionAgent, registerVehicleAgentRoutes } from "./vehicle-agent.routes.ts";
import { refuseUnknownRoutes } from "./vehicle-route.routes.ts";
import type { NetworkRepository } from "../gtfs/network.repository.ts";
import { ROUTE_ID_MAX, routeIdText, text } from "../../../protocol/fields.ts";

import { VehicleKindSchema } from "./vehicle-kind.ts";
import { vehicle as VehicleSchema } from "../../../protocol/api/vehicles.ts";
export { VehicleKindSchema };


const RegisterSchema = z
  .object({
    plate: text({ trim: true, min: 2, max: 20 }),
    kind: VehicleKindSchema,
    /** Operator (company) name; operator staff always register into their own. */
    operator: text({ trim: true, min: 1, max: 100 }).optional(),
    routeId: routeIdText().optional(),
    capacity: z.number().int().min(1).max(500).optional(),
  })
  .openapi("RegisterVehicle");

const register = createRoute({
  method: "post",
  path: "/vehicles",
  tags: ["vehicles"],
  summary: "Register a vehicle: returns its code and, only this once, the agent's password",
  description: "A plate already on a vehicle in service in the same fleet → 409 plate_taken. With a GTFS feed imported, `routeId` must be one of its routes (400 unknown_route).",
  security: staffSecurity,
  request: jsonBody(RegisterSchema),
  responses: {
    201: json(
      z.object({
        id: z.string(),
        plate: z.string(),
        kind: VehicleKindSchema,
        code: z.object({ id: z.string(), url: z.string() }),
        agent: z.object({ username: z.string(), password: z.string() }),
      }),
      "Registered",
    ),
    ...errors(400, 401, 403, 409),
  },
});

const list = createRoute({
  method: "get",
  path: "/vehicles",
  tags: ["vehicles"],
  security: staffSecurity,
  request: { query: z.object({ routeId: text({ max: ROUTE_ID_MAX }).optional() }) },
  responses: { 200: json(z.object({ vehicles: z.array(VehicleSchema) })), ...errors(401, 403) },
});

const get = createRoute({
  method: "get",
  path: "/vehicles/{id}",
  tags: ["vehicles"],
  security: staffSecurity,
  request: { params: z.object({ id: z.string().uuid() }) },
  responses: { 200: json(VehicleSchema), ...errors(400, 401, 403, 404) },
});

const retire = createRoute({
  method: "post",
  path: "/vehicles/{id}/retire",
  tags: ["vehicles"],
  summary: "Take a vehicle out of service: its codes stop working, its agent cannot log in, lists hide it; its trips and check-ins stay",
  security: staffSecurity,
  request: { params: z.object({ id: z.string().uuid() }) },
  responses: { 200: json(z.object({ id: z.string(), retiredAt: z.string() }), "Retired"), ...errors(400, 401, 403, 404) },
});

export function registerVehiclesRoutes(app: Router, deps: AppDeps, auth: AuthRepository, vehicles: VehiclesRepository, network: NetworkRepository) {
  const codeUrl = (codeId: string) => `${deps.config.publicUrl}/v/${codeId}`;
  const present = (v: Awaited<ReturnType<VehiclesRepository["getFor"]>> | (Awaited<ReturnType<VehiclesRepository["list"]>>[number] & { codeId?: string | null })) => ({
    id: v.id,
    plate: v.plate,
    kind: v.kind,
    operatorId: v.operatorId,
    operator: v.operator,
    routeId: v.routeId,
    capacity: v.capacity,
    online: v.online ?? false,
    lastSeenAt: v.lastTs?.toISOString() ?? null,
    code: v.codeId ? { id: v.codeId, url: codeUrl(v.codeId) } : null,
    retiredAt: v.retiredAt?.toISOString() ?? null,
  });

  app.on("POST", "/vehicles", requireStaff(auth, "admin", "operator"));
  app.openapi(register, async (c) => {
    const body = c.req.valid("json");
    const user = c.var.user;
    if (body.routeId) await refuseUnknownRoutes(network, [body.routeId]);
    const operatorId =
      user.role === "operator" ? user.operatorId : body.operator ? (await auth.operatorByName(body.operator)).id : null;
    const created = await vehicles.register({ ...body, operatorId });
    deps.logger.info({ vehicleId: created.id, by: user.id }, "vehicle registered");
    await provisionAgent(deps, created.id, created.agentPassword);
    return c.json(
      {
        id: created.id,
        plate: body.plate,
        kind: body.kind,
        code: { id: created.codeId, url: codeUrl(created.codeId) },
        agent: { username: created.id, password: created.agentPassword },
      },
      201,
    );
  });

  app.on("GET", ["/vehicles", "/vehicles/*"], requireStaff(auth, "admin", "operator", "tracer"));
  app.openapi(list, async (c) => {
    const rows = await vehicles.list(c.var.user, c.req.valid("query"));
    return c.json({ vehicles: rows.map((v) => present({ ...v, codeId: null })) }, 200);
  });
  app.openapi(get, async (c) => c.json(present(await vehicles.getFor(c.var.user, c.req.valid("param").id)), 200));

  app.on("POST", "/vehicles/:id/retire", requireStaff(auth, "admin", "operator"));
  app.openapi(retire, async (c) => {
    const { id } = c.req.valid("param");
    const vehicle = await vehicles.getFor(c.var.user, id); // 404 / 403 for another operator's vehicle
    if (vehicle.retiredAt) return c.json({ id, retiredAt: vehicle.retiredAt.toISOString() }, 200);
    const retiredAt = await vehicles.retire(id);
    // A fresh password nobody holds: the broker forgets (or re-keys) the agent's login.
    await provisionAgent(deps, id, await vehicles.resetAgentPassword(id));
    deps.logger.info({ vehicleId: id, by: c.var.user.id }, "vehicle retired");
    return c.json({ id, retiredAt: retiredAt.toISOString() }, 200);
  });
  registerVehicleAgentRoutes(app, deps, auth, vehicles);
}

import { createRoute, z } from "@hono/zod-openapi";
import type { AuthRepository } from "../auth/auth.repository.ts";
import { requireStaff } from "../auth/auth.middleware.ts";
import type { AppDeps } from "../context.ts";
import { errors, json, staffSecurity, type Router } from "../openapi.ts";
import type { VehiclesRepository } from "./vehicles.repository.ts";

/**
 * Hands a fresh agent password to the broker (embedded: forget the cached
 * login; Mosquitto: create or re-key the dynamic-security client). A broker
 * that is down must not fail the registration: the vehicle is stored, and a
 * reset later provisions it.
 */
export async function provisionAgent(deps: AppDeps, vehicleId: string, password: string): Promise<boolean> {
  if (!deps.agentAccounts) return true;
  try {
    await deps.agentAccounts.provision(vehicleId, password);
    return true;
  } catch (err) {
    deps.logger.warn({ err, vehicleId }, "could not provision the vehicle's broker login; reset its agent password once the broker is back");
    return false;
  }
}

const reset = createRoute({
  method: "post",
  path: "/vehicles/{id}/agent/reset",
  tags: ["vehicles"],
  summary: "Issue a new agent password (shown only here); the old one stops working",
  description:
    "Also provisions the vehicle's login on a Mosquitto broker with dynamic security — needed for vehicles registered while the broker was unreachable.",
  security: staffSecurity,
  request: { params: z.object({ id: z.string().uuid() }) },
  responses: {
    200: json(z.object({ agent: z.object({ username: z.string(), password: z.string() }), brokerProvisioned: z.boolean() }), "New agent credentials"),
    ...errors(400, 401, 403, 404),
  },
});

export function registerVehicleAgentRoutes(app: Router, deps: AppDeps, auth: AuthRepository, vehicles: VehiclesRepository) {
  app.on("POST", "/vehicles/:id/agent/reset", requireStaff(auth, "admin", "operator"));
  app.openapi(reset, async (c) => {
    const { id } = c.req.valid("param");
    await vehicles.getFor(c.var.user, id); // 404 / 403 for another operator's vehicle
    const password = await vehicles.resetAgentPassword(id);
    const brokerProvisioned = await provisionAgent(deps, id, password);
    deps.logger.info({ vehicleId: id, by: c.var.user.id }, "agent password reset");
    return c.json({ agent: { username: id, password }, brokerProvisioned }, 200);
  });
}

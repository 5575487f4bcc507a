import { createRoute, z } from "@hono/zod-openapi";
import type { AppDeps } from "../context.ts";
import { sqlState } from "../db/db-errors.ts";
import { badRequest, notFound } from "../errors.ts";
import { errors, json, jsonBody, type Router } from "../openapi.ts";
import { normalisePhone } from "../persons/phone.ts";
import { text } from "../../../protocol/fields.ts";
import type { DriversRepository } from "./drivers.repository.ts";
import type { requireFleetAccess } from "./fleet-access.ts";

const operatorParams = z.object({ id: z.string().uuid() });
const vehicleIds = z.array(z.string().uuid()).max(30);
const keyOrStaff = [{ bearer: [] }];

const create = createRoute({
  method: "post",
  path: "/operators/{id}/drivers",
  operationId: "createDriver",
  tags: ["drivers"],
  summary: "Register a driver (ref: what the agent sends as the trip's driverId) and link their vehicles; returns their page link once",
  security: keyOrStaff,
  request: {
    params: operatorParams,
    ...jsonBody(
      z.object({
        ref: text({ trim: true, min: 1, max: 64 }),
        name: text({ trim: true, min: 1, max: 50 }),
        phone: text({ trim: true, min: 5, max: 20 }).optional(),
        vehicleIds: vehicleIds.optional(),
      }),
    ),
  },
  responses: {
    201: json(z.object({ id: z.string().uuid(), ref: z.string(), page: z.object({ url: z.string() }) }), "Registered; the page link is shown only here"),
    ...errors(400, 401, 403, 404, 409, 429),
  },
});

const list = createRoute({
  method: "get",
  path: "/operators/{id}/drivers",
  operationId: "listDrivers",
  tags: ["drivers"],
  security: keyOrStaff,
  request: { params: operatorParams },
  responses: {
    200: json(z.object({ drivers: z.array(z.object({ id: z.string().uuid(), ref: z.string(), maskedName: z.string(), vehicleIds: z.array(z.string()) })) })),
    ...errors(400, 401, 403, 429),
  },
});

const setVehicles = createRoute({
  method: "put",
  path: "/operators/{id}/drivers/{driverId}/vehicles",
  operationId: "setDriverVehicles",
  tags: ["drivers"],
  summary: "Set the vehicles a driver drives (a taxi takes up to three drivers, a ride-hail car one)",
  security: keyOrStaff,
  request: { params: z.object({ id: z.string().uuid(), driverId: z.string().uuid() }), ...jsonBody(z.object({ vehicleIds })) },
  responses: { 200: json(z.object({ driverId: z.string().uuid(), vehicleIds: z.array(z.string()) })), ...errors(400, 401, 403, 404, 409, 429) },
});

export function registerDriversRoutes(app: Router, deps: AppDeps, access: ReturnType<typeof requireFleetAccess>, drivers: DriversRepository) {
  app.on(["GET", "POST"], "/operators/:id/drivers", access);
  app.on("PUT", "/operators/:id/drivers/*", access);

  app.openapi(create, async (c) => {
    const body = c.req.valid("json");
    const { operatorId, actor } = c.var.fleet;
    const phone = body.phone === undefined ? null : normalisePhone(body.phone);
    if (phone === null && body.phone !== undefined) throw badRequest("invalid_phone", "That phone number does not look right");
    // An admin may name any operator id: one that does not exist is a 404, not the foreign key's 500.
    const created = await drivers.create(operatorId, { ...body, phone }, actor).catch((err: unknown) => {
      throw sqlState(err) === "23503" ? notFound("Operator") : err;
    });
    return c.json({ id: created.id, ref: created.ref, page: { url: `${deps.config.publicUrl}/driver/${created.pageToken}` } }, 201);
  });

  app.openapi(list, async (c) => c.json({ drivers: await drivers.list(c.var.fleet.operatorId) }, 200));

  app.openapi(setVehicles, async (c) => {
    const { driverId } = c.req.valid("param");
    const { vehicleIds: ids } = c.req.valid("json");
    await drivers.setVehicles(c.var.fleet.operatorId, driverId, ids, c.var.fleet.actor);
    return c.json({ driverId, vehicleIds: ids }, 200);
  });
}

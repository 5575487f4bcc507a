import { createRoute, z } from "@hono/zod-openapi";
import type { AppDeps } from "../context.ts";
import { eq } from "drizzle-orm";
import { auditLog, vehicles } from "../db/schema/index.ts";
import { generateSecret, hashPassword } from "../crypto/passwords.ts";
import { errors, json, jsonBody, type Router } from "../openapi.ts";
import { cspNonce } from "../security/csp.ts";
import { posterCodeUrl } from "../codes/live-code.ts";
import { Poster } from "../codes/poster.tsx";
import { qrSvg } from "../codes/qr.ts";
import { provisionAgent } from "../vehicles/vehicle-agent.routes.ts";
import { VehicleKindSchema } from "../vehicles/vehicles.routes.ts";
import { routeIdText, text } from "../../../protocol/fields.ts";
import { auditRow } from "./audit-row.ts";
import type { NetworkRepository } from "../gtfs/network.repository.ts";
import { refuseUnknownRoutes } from "../vehicles/vehicle-route.routes.ts";
import type { FleetSyncRepository, FleetVehicle } from "./fleet-sync.repository.ts";
import { MAX_BATCH } from "./fleet-sync.repository.ts";
import type { requireFleetAccess } from "./fleet-access.ts";

const operatorParams = z.object({ id: z.string().uuid() });
const vehicleParams = z.object({ id: z.string().uuid(), vehicleId: z.string().uuid() });
const externalId = text({ trim: true, min: 1, max: 64 });
const VehicleStatusSchema = z.enum(["active", "pending", "rejected", "retired"]);

const FleetItemSchema = z
  .object({
    externalId,
    plate: text({ trim: true, min: 2, max: 20 }),
    kind: VehicleKindSchema,
    routeId: routeIdText().nullable().optional(),
    capacity: z.number().int().min(1).max(500).nullable().optional(),
    status: z.enum(["active", "retired"]).optional().openapi({ description: "retired takes the car out of service: its codes stop working, its history stays" }),
  })
  .openapi("FleetItem");

const FleetVehicleSchema = z
  .object({
    id: z.string().uuid(),
    externalId: z.string().nullable(),
    plate: z.string(),
    kind: VehicleKindSchema,
    routeId: z.string().nullable(),
    capacity: z.number().int().nullable(),
    status: VehicleStatusSchema,
    code: z.object({ id: z.string(), url: z.string() }).nullable(),
    createdAt: z.string(),
    retiredAt: z.string().nullable(),
  })
  .openapi("FleetVehicle");

const keyOrStaff = [{ bearer: [] }];

const upsert = createRoute({
  method: "put",
  path: "/operators/{id}/vehicles",
  operationId: "putFleetVehicles",
  tags: ["platforms"],
  summary: `Create, update and retire up to ${MAX_BATCH} of the operator's cars in one call, idempotent by the platform's own externalId`,
  description:
    "An upsert: cars not in the batch are left as they are. Re-sending a batch changes nothing (unchanged counts them). All or nothing: a plate already on another car of this operator → 409 plate_taken; an externalId or plate twice in the batch → 400 duplicate_in_batch; with a GTFS feed imported, a routeId not among its routes → 400 unknown_route. Authenticated by the operator's API key (Bearer tck_…) or its staff.",
  security: keyOrStaff,
  request: { params: operatorParams, ...jsonBody(z.object({ vehicles: z.array(FleetItemSchema).min(1).max(MAX_BATCH) }).openapi("FleetBatch")) },
  responses: {
    200: json(z.object({ created: z.number().int(), updated: z.number().int(), unchanged: z.number().int(), vehicles: z.array(FleetVehicleSchema) }), "Applied"),
    ...errors(400, 401, 403, 404, 409, 413, 429),
  },
});

const list = createRoute({
  method: "get",
  path: "/operators/{id}/vehicles",
  operationId: "listFleetVehicles",
  tags: ["platforms"],
  summary: "The operator's vehicles with their codes, a page at a time (pass next as after)",
  security: keyOrStaff,
  request: {
    params: operatorParams,
    query: z.object({
      status: VehicleStatusSchema.optional(),
      after: z.string().uuid().optional(),
      limit: z.coerce.number().int().min(1).max(1000).default(500),
    }),
  },
  responses: { 200: json(z.object({ vehicles: z.array(FleetVehicleSchema), next: z.string().nullable() })), ...errors(400, 401, 403, 429) },
});

const poster = createRoute({
  method: "get",
  path: "/operators/{id}/vehicles/{vehicleId}/poster",
  operationId: "getFleetVehiclePoster",
  tags: ["platforms"],
  summary: "The car's printable poster (as GET /vehicles/{id}/poster), for a platform's key",
  security: keyOrStaff,
  request: { params: vehicleParams, query: z.object({ size: z.enum(["A4", "A5"]).default("A5") }) },
  responses: { 200: { content: { "text/html": { schema: z.string() } }, description: "Poster page" }, ...errors(400, 401, 403, 404, 429) },
});

const codeSvg = createRoute({
  method: "get",
  path: "/operators/{id}/vehicles/{vehicleId}/code.svg",
  operationId: "getFleetVehicleCodeSvg",
  tags: ["platforms"],
  summary: "The car's poster code as an SVG QR image, for a platform's key",
  security: keyOrStaff,
  request: { params: vehicleParams },
  responses: { 200: { content: { "image/svg+xml": { schema: z.string() } }, description: "QR code" }, ...errors(400, 401, 403, 404, 429) },
});

const agent = createRoute({
  method: "post",
  path: "/operators/{id}/vehicles/{vehicleId}/agent",
  operationId: "issueFleetVehicleAgent",
  tags: ["platforms"],
  summary: "Issue the car's onboard-agent credentials (shown only here; the old password stops working)",
  security: keyOrStaff,
  request: { params: vehicleParams },
  responses: { 200: json(z.object({ agent: z.object({ username: z.string(), password: z.string() }), brokerProvisioned: z.boolean() })), ...errors(400, 401, 403, 404, 429) },
});

const transfer = createRoute({
  method: "post",
  path: "/operators/{id}/vehicles/{vehicleId}/transfer",
  operationId: "transferFleetVehicle",
  tags: ["platforms"],
  summary: "Hand a car, with its code, agent login and history, to another operator (the only way a code changes platform)",
  security: keyOrStaff,
  request: {
    params: vehicleParams,
    ...jsonBody(z.object({ toOperatorId: z.string().uuid(), externalId: externalId.optional(), reason: text({ trim: true, min: 1, max: 200 }) })),
  },
  responses: {
    200: json(z.object({ id: z.string().uuid(), operatorId: z.string().uuid(), externalId: z.string().nullable() }), "Transferred"),
    ...errors(400, 401, 403, 404, 409, 429),
  },
});

export function registerFleetSyncRoutes(
  app: Router,
  deps: AppDeps,
  access: ReturnType<typeof requireFleetAccess>,
  fleet: FleetSyncRepository,
  network: NetworkRepository,
) {
  const present = (v: FleetVehicle) => ({
    id: v.id,
    externalId: v.externalId,
    plate: v.plate,
    kind: v.kind,
    routeId: v.routeId,
    capacity: v.capacity,
    status: v.status,
    code: v.codeId ? { id: v.codeId, url: posterCodeUrl(deps.config.publicUrl, v.codeId) } : null,
    createdAt: new Date(v.createdAt).toISOString(),
    retiredAt: v.retiredAt ? new Date(v.retiredAt).toISOString() : null,
  });
  /** Reads by a key are audited too (every use of a key is); staff reads of their own fleet are not personal data. */
  const auditRead = async (fleetAccess: { operatorId: string; actor: Parameters<typeof auditRow>[1] }, action: string, details: Record<string, unknown>) => {
    if (fleetAccess.actor.kind !== "api_key") return;
    await deps.db.insert(auditLog).values(auditRow(deps.clock, fleetAccess.actor, action, { operatorId: fleetAccess.operatorId, ...details }));
  };

  app.on(["PUT", "GET"], "/operators/:id/vehicles", access);
  app.on(["GET", "POST"], "/operators/:id/vehicles/:vehicleId/*", access);

  app.openapi(upsert, async (c) => {
    const { operatorId, actor } = c.var.fleet;
    const batch = c.req.valid("json").vehicles;
    // The same rule as one vehicle's: with a timetable imported, a car's route is one of its routes.
    await refuseUnknownRoutes(network, batch.flatMap((v) => (v.routeId ? [v.routeId] : [])));
    const result = await fleet.upsert(operatorId, batch, actor);
    c.var.log.info({ operatorId, by: actor.id, created: result.created, updated: result.updated }, "fleet batch applied");
    return c.json({ ...result, vehicles: result.vehicles.map(present) }, 200);
  });

  app.openapi(list, async (c) => {
    const q = c.req.valid("query");
    const page = await fleet.list(c.var.fleet.operatorId, { status: q.status, after: q.after, limit: q.limit });
    await auditRead(c.var.fleet, "fleet.list", { count: page.vehicles.length });
    return c.json({ vehicles: page.vehicles.map(present), next: page.next }, 200);
  });

  const current = async (operatorId: string, vehicleId: string) => {
    const v = await fleet.get(operatorId, vehicleId);
    if (!v.codeId) throw new Error(`vehicle ${v.id} has no active code`);
    return { vehicle: v, url: posterCodeUrl(deps.config.publicUrl, v.codeId) };
  };

  app.openapi(poster, async (c) => {
    const { vehicleId } = c.req.valid("param");
    const { vehicle, url } = await current(c.var.fleet.operatorId, vehicleId);
    await auditRead(c.var.fleet, "fleet.poster", { vehicleId });
    const page = Poster({ vehicle: { ...vehicle, operator: null }, url, qrSvg: await qrSvg(url, "Q"), size: c.req.valid("query").size, nonce: cspNonce(c) });
    return c.html(`<!doctype html>${page}`, 200, { "cache-control": "no-store" });
  });

  app.openapi(codeSvg, async (c) => {
    const { vehicleId } = c.req.valid("param");
    const { url } = await current(c.var.fleet.operatorId, vehicleId);
    await auditRead(c.var.fleet, "fleet.code", { vehicleId });
    return c.body(await qrSvg(url, "Q"), 200, { "content-type": "image/svg+xml; charset=utf-8", "cache-control": "no-store" });
  });

  app.openapi(agent, async (c) => {
    const { vehicleId } = c.req.valid("param");
    const { operatorId, actor } = c.var.fleet;
    await fleet.get(operatorId, vehicleId);
    const password = generateSecret();
    const hash = await hashPassword(password);
    await deps.db.transaction(async (tx) => {
      await tx.update(vehicles).set({ agentPasswordHash: hash }).where(eq(vehicles.id, vehicleId));
      await tx.insert(auditLog).values(auditRow(deps.clock, actor, "fleet.agent_issue", { operatorId, vehicleId }));
    });
    const brokerProvisioned = await provisionAgent(deps, vehicleId, password);
    return c.json({ agent: { username: vehicleId, password }, brokerProvisioned }, 200);
  });

  app.openapi(transfer, async (c) => {
    const { vehicleId } = c.req.valid("param");
    const body = c.req.valid("json");
    const { operatorId, actor } = c.var.fleet;
    const moved = await fleet.transfer(operatorId, vehicleId, { operatorId: body.toOperatorId, externalId: body.externalId ?? null }, actor, body.reason);
    return c.json(moved, 200);
  });
}

import { createRoute, z } from "@hono/zod-openapi";
import type { AuthRepository } from "../auth/auth.repository.ts";
import { requireStaff } from "../auth/auth.middleware.ts";
import { notFound } from "../errors.ts";
import { errors, json, jsonBody, staffSecurity, type Router } from "../openapi.ts";
import { text } from "../../../protocol/fields.ts";
import type { ApiKeysRepository } from "./api-keys.repository.ts";
import type { requireFleetAccess } from "./fleet-access.ts";

const ApiKeySchema = z
  .object({
    id: z.string().uuid(),
    name: z.string(),
    prefix: z.string().openapi({ description: "The key's first characters, to tell keys apart" }),
    createdAt: z.string(),
    lastUsedAt: z.string().nullable(),
    revokedAt: z.string().nullable(),
  })
  .openapi("ApiKey");

const operatorParams = z.object({ id: z.string().uuid() });
const iso = (d: Date | string | null) => (d ? new Date(d).toISOString() : null);
const present = (k: { id: string; name: string; prefix: string; createdAt: Date; lastUsedAt: Date | null; revokedAt: Date | null }) => ({
  id: k.id,
  name: k.name,
  prefix: k.prefix,
  createdAt: iso(k.createdAt)!,
  lastUsedAt: iso(k.lastUsedAt),
  revokedAt: iso(k.revokedAt),
});

const listOperators = createRoute({
  method: "get",
  path: "/operators",
  operationId: "listOperators",
  tags: ["platforms"],
  summary: "The operators (admin: all; operator staff: their own)",
  security: staffSecurity,
  responses: { 200: json(z.object({ operators: z.array(z.object({ id: z.string().uuid(), name: z.string() })) })), ...errors(401, 403) },
});

const create = createRoute({
  method: "post",
  path: "/operators/{id}/api-keys",
  operationId: "createApiKey",
  tags: ["platforms"],
  summary: "Create an API key for the operator's fleet system: the key is in this answer only",
  security: staffSecurity,
  request: { params: operatorParams, ...jsonBody(z.object({ name: text({ trim: true, min: 1, max: 60 }) })) },
  responses: { 201: json(ApiKeySchema.extend({ key: z.string() }), "Created; store the key now, it is never shown again"), ...errors(400, 401, 403, 404) },
});

const list = createRoute({
  method: "get",
  path: "/operators/{id}/api-keys",
  operationId: "listApiKeys",
  tags: ["platforms"],
  security: staffSecurity,
  request: { params: operatorParams },
  responses: { 200: json(z.object({ keys: z.array(ApiKeySchema) })), ...errors(400, 401, 403) },
});

const revoke = createRoute({
  method: "post",
  path: "/operators/{id}/api-keys/{keyId}/revoke",
  operationId: "revokeApiKey",
  tags: ["platforms"],
  summary: "Revoke a key: the next request with it is refused (401 invalid_api_key)",
  security: staffSecurity,
  request: { params: z.object({ id: z.string().uuid(), keyId: z.string().uuid() }) },
  responses: { 200: json(ApiKeySchema), ...errors(400, 401, 403, 404) },
});

/** Keys are made and revoked by people (admin, or the operator's own staff), never by another key. */
export function registerApiKeysRoutes(app: Router, auth: AuthRepository, staffOnly: ReturnType<typeof requireFleetAccess>, keys: ApiKeysRepository) {
  app.on("GET", "/operators", requireStaff(auth, "admin", "operator"));
  app.openapi(listOperators, async (c) => {
    const user = c.var.user;
    const all = await auth.listOperators();
    return c.json({ operators: user.role === "admin" ? all : all.filter((o) => o.id === user.operatorId) }, 200);
  });

  app.on(["GET", "POST"], ["/operators/:id/api-keys", "/operators/:id/api-keys/*"], staffOnly);
  app.openapi(create, async (c) => {
    const { operatorId, actor } = c.var.fleet;
    if (!(await auth.listOperators()).some((o) => o.id === operatorId)) throw notFound("Operator");
    const created = await keys.create(operatorId, c.req.valid("json").name, actor);
    c.var.log.info({ operatorId, keyId: created.id, by: actor.id }, "API key created");
    return c.json({ ...present({ ...created, lastUsedAt: null, revokedAt: null }), key: created.key }, 201);
  });
  app.openapi(list, async (c) => c.json({ keys: (await keys.list(c.var.fleet.operatorId)).map(present) }, 200));
  app.openapi(revoke, async (c) => {
    const { operatorId, actor } = c.var.fleet;
    const row = await keys.revoke(operatorId, c.req.valid("param").keyId, actor);
    if (!row) throw notFound("API key");
    return c.json(present(row), 200);
  });
}

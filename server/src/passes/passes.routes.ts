import { createRoute, z } from "@hono/zod-openapi";
import type { AuthRepository } from "../auth/auth.repository.ts";
import { staffFromRequest } from "../auth/auth.middleware.ts";
import type { AppDeps } from "../context.ts";
import { ErrorSchema, errors, json, jsonBody, type Router } from "../openapi.ts";
import type { PassIssuer } from "./passes.service.ts";
import { clientAddress } from "../client-address.ts";
import { devicePersonId } from "../passenger/device.ts";
import { text } from "../../../protocol/fields.ts";

const issue = createRoute({
  method: "post",
  path: "/passes",
  tags: ["passes"],
  summary: "Issue a personal pass (Ed25519-signed token) for a passenger without a smartphone",
  description:
    "Public, so passengers and family can make one for themselves; limited to 10 passes per client address per 10 minutes. " +
    "Staff (bearer token) are not limited, for service desks. The same phone always gets the same personId. " +
    "Print it as a QR card at /pass (form) — the token itself carries only the person id and issue time.",
  request: jsonBody(
    z
      .object({
        phone: text({ min: 1, max: 32 }).openapi({ example: "13812345678" }),
        name: text({ trim: true, min: 1, max: 50 }),
      })
      .openapi("PassRequest"),
  ),
  responses: {
    201: json(z.object({ personId: z.string().uuid(), pass: z.string().openapi({ example: "P1.eyJwIjoi….sig" }) }), "Issued"),
    ...errors(400, 403, 413),
    429: json(ErrorSchema, "Too many passes from this address"),
  },
});

const publicKey = createRoute({
  method: "get",
  path: "/passes/public-key",
  tags: ["passes"],
  summary: "The Ed25519 public key that verifies passes, for onboard scanners to cache and verify offline",
  responses: {
    200: json(
      z.object({
        algorithm: z.literal("Ed25519"),
        format: z.string(),
        pem: z.string().openapi({ description: "SPKI PEM" }),
        raw: z.string().openapi({ description: "The 32-byte public key, base64url" }),
      }),
    ),
  },
});

export function registerPassesRoutes(app: Router, deps: AppDeps, auth: AuthRepository, passes: PassIssuer) {
  app.openapi(issue, async (c) => {
    const staff = (await staffFromRequest(c, auth)) !== null;
    const issued = await passes.issue(c.req.valid("json"), {
      address: clientAddress(c, deps.config.trustProxy),
      staff,
      devicePersonId: await devicePersonId(c, deps.keys.cookie),
    });
    return c.json(issued, 201);
  });

  const pem = deps.keys.passVerifying.export({ type: "spki", format: "pem" }).toString();
  const raw = (deps.keys.passVerifying.export({ format: "jwk" }).x ?? "") as string;
  app.openapi(publicKey, (c) =>
    c.json(
      { algorithm: "Ed25519" as const, format: "P1.{base64url JSON {p: personId, i: issued-at epoch s}}.{base64url Ed25519 signature of 'P1.' + payload}", pem, raw },
      200,
      { "cache-control": "public, max-age=86400" },
    ),
  );
}

import { createRoute, z } from "@hono/zod-openapi";
import type { AuthRepository } from "../auth/auth.repository.ts";
import { requireStaff } from "../auth/auth.middleware.ts";
import { cspNonce } from "../security/csp.ts";
import type { AppDeps } from "../context.ts";
import { errors, json, staffSecurity, type Router } from "../openapi.ts";
import type { VehiclesRepository } from "../vehicles/vehicles.repository.ts";
import { vehicleRetired, type CodesRepository } from "./codes.repository.ts";
import { posterCodeUrl } from "./live-code.ts";
import { Poster } from "./poster.tsx";
import { qrPng, qrSvg } from "./qr.ts";

const params = z.object({ id: z.string().uuid() });
const binary = (type: string, description: string) => ({
  content: { [type]: { schema: z.string().openapi({ format: "binary" }) } },
  description,
});

const svg = createRoute({
  method: "get",
  path: "/vehicles/{id}/code.svg",
  tags: ["codes"],
  summary: "The vehicle's poster code as an SVG QR image (error correction Q)",
  security: staffSecurity,
  request: { params },
  responses: { 200: binary("image/svg+xml", "QR code of {PUBLIC_URL}/v/{codeId}"), ...errors(400, 401, 403, 404, 410) },
});

const png = createRoute({
  method: "get",
  path: "/vehicles/{id}/code.png",
  tags: ["codes"],
  summary: "The vehicle's poster code as a PNG QR image",
  security: staffSecurity,
  request: { params, query: z.object({ width: z.coerce.number().int().min(128).max(2048).optional() }) },
  responses: { 200: binary("image/png", "QR code of {PUBLIC_URL}/v/{codeId}"), ...errors(400, 401, 403, 404, 410) },
});

const poster = createRoute({
  method: "get",
  path: "/vehicles/{id}/poster",
  tags: ["codes"],
  summary: "Printable poster (HTML, print CSS for A5 or A4): plate, route, kind, the code and instructions in Chinese and English",
  security: staffSecurity,
  request: { params, query: z.object({ size: z.enum(["A4", "A5"]).default("A5") }) },
  responses: { 200: { content: { "text/html": { schema: z.string() } }, description: "Poster page" }, ...errors(400, 401, 403, 404, 410) },
});

const rotate = createRoute({
  method: "post",
  path: "/vehicles/{id}/code/rotate",
  tags: ["codes"],
  summary: "Issue a new poster code; the old one stops working at once (its page and the check-in API answer 410)",
  security: staffSecurity,
  request: { params },
  responses: { 201: json(z.object({ id: z.string(), url: z.string() }), "The new code"), ...errors(400, 401, 403, 404) },
});

/** Poster codes are printed and rotated by the fleet's own staff: admins, and operators for their own vehicles. */
export function registerCodesRoutes(app: Router, deps: AppDeps, auth: AuthRepository, vehicles: VehiclesRepository, codes: CodesRepository) {
  const current = async (user: Parameters<VehiclesRepository["getFor"]>[0], id: string) => {
    const v = await vehicles.getFor(user, id);
    // Retiring revokes the codes; otherwise every vehicle gets a code at registration and rotation
    // replaces it atomically, so a missing one is a broken invariant, not bad input.
    if (v.retiredAt) throw vehicleRetired();
    if (!v.codeId) throw new Error(`vehicle ${v.id} has no active code`);
    return { vehicle: v, url: posterCodeUrl(deps.config.publicUrl, v.codeId) };
  };
  const fleetStaff = requireStaff(auth, "admin", "operator");
  app.on("GET", ["/vehicles/:id/code.svg", "/vehicles/:id/code.png", "/vehicles/:id/poster"], fleetStaff);
  app.on("POST", "/vehicles/:id/code/rotate", fleetStaff);

  app.openapi(svg, async (c) => {
    const { url } = await current(c.var.user, c.req.valid("param").id);
    return c.body(await qrSvg(url, "Q"), 200, { "content-type": "image/svg+xml; charset=utf-8", "cache-control": "no-store" });
  });

  app.openapi(png, async (c) => {
    const { url } = await current(c.var.user, c.req.valid("param").id);
    const image = await qrPng(url, "Q", c.req.valid("query").width ?? 512);
    return c.body(new Uint8Array(image), 200, { "content-type": "image/png", "cache-control": "no-store" });
  });

  app.openapi(poster, async (c) => {
    const { vehicle, url } = await current(c.var.user, c.req.valid("param").id);
    const page = Poster({ vehicle, url, qrSvg: await qrSvg(url, "Q"), size: c.req.valid("query").size, nonce: cspNonce(c) });
    return c.html(`<!doctype html>${page}`, 200, { "cache-control": "no-store" });
  });

  app.openapi(rotate, async (c) => {
    const v = await vehicles.getFor(c.var.user, c.req.valid("param").id);
    const codeId = await codes.rotate(v.id);
    deps.logger.info({ vehicleId: v.id, by: c.var.user.id }, "vehicle code rotated");
    return c.json({ id: codeId, url: posterCodeUrl(deps.config.publicUrl, codeId) }, 201);
  });
}

import { createRoute, z } from "@hono/zod-openapi";
import type { AuthRepository } from "../auth/auth.repository.ts";
import type { AppDeps } from "../context.ts";
import { forbidden, notFound } from "../errors.ts";
import { errors, json, jsonBody, type Router } from "../openapi.ts";
import { staffFromRequest } from "../auth/auth.middleware.ts";
import { devicePersonId, rememberDevice } from "../passenger/device.ts";
import { clientAddress } from "../client-address.ts";
import { pickLang } from "../passenger/i18n.ts";
import type { Limit } from "../rate-limit.ts";
import type { VehiclesRepository } from "../vehicles/vehicles.repository.ts";
import type { CheckinsRepository } from "./checkins.repository.ts";
import type { CheckinService } from "./checkins.service.ts";
import { text } from "../../../protocol/fields.ts";

/**
 * Check-ins that type a phone, and companions, per client address: each
 * makes or touches a person (and a companion's phone gets a text), so an
 * unlimited endpoint would let a script fill the persons table or text a
 * list of phones. A check-in counts 1 for a typed phone plus 1 per
 * companion. Generous, since many passengers share a carrier's address; a
 * verified device's one-tap scan without companions is not counted.
 */
export const TYPED_PHONE_LIMIT: Limit = { bucket: "typed-phone", limit: 100, windowMs: 10 * 60_000 };

const name = text({ trim: true, min: 1, max: 50 });
const phone = text({ min: 1, max: 32 }).openapi({ example: "13812345678" });

const CheckinRequest = z
  .object({
    code: text({ min: 1, max: 300 }).openapi({ description: "A poster code id (the last part of /v/{codeId}) or a live display token (L1.…)" }),
    phone: phone.optional().openapi({
      description:
        "Chinese mobile (13812345678, +8613812345678) or E.164. Required on a first scan; may be left out when the request carries the device cookie `tc_device` set by POST /otp/verify (the one-tap form). " +
        "A phone this device has not verified is recorded as an unverified check-in (see `verified`).",
    }),
    name: name.optional(),
    companions: z.array(z.object({ name, phone: phone.optional() })).max(9).optional(),
    seat: text({ trim: true, min: 1, max: 10 }).optional(),
  })
  .openapi("CheckinRequest");

const CheckinResult = z
  .object({
    checkinId: z.string().uuid(),
    personId: z.string().uuid().nullable().openapi({ description: "The verified passenger's person id; null on an unverified check-in" }),
    verified: z.boolean().openapi({
      description: "True when this device has proved the phone (cookie `tc_device`). False: the ride is recorded, but no status is shown until the phone is verified (POST /otp, POST /otp/verify with this checkinId)",
    }),
    boardedAt: z.string(),
    alightedAt: z.string().nullable(),
    vehicle: z.object({ plate: z.string(), kind: z.string(), routeId: z.string().nullable() }),
    tripId: z.string().nullable(),
    status: z.enum(["green", "yellow", "red"]).nullable().openapi({ description: "The verified passenger's status colour; null on an unverified check-in" }),
    companions: z.array(z.object({ checkinId: z.string() })).openapi({ description: "One entry per companion checked in (\"you + 2\"); their statuses are theirs alone" }),
  })
  .openapi("Checkin");

/** The remembered device (signed, HttpOnly; holds only the verified person's id). Documented so clients know the one-tap form. */
const deviceCookie = z.object({
  tc_device: z.string().optional().openapi({ description: "Set by POST /otp/verify; lets a later check-in omit phone, shows the verified passenger's status, and lets this device alight its own rides" }),
});

const checkin = createRoute({
  method: "post",
  path: "/checkins",
  tags: ["checkins"],
  summary: "Passenger check-in by scanning a vehicle code",
  description:
    "Public. Sets the signed, HttpOnly device cookie `tc_device` (it holds only the person id), so later scans may omit `phone` (one tap). " +
    "A repeat scan of the same vehicle by the same person within 60 s returns the existing check-in with 200, while it is not alighted; a scan after alighting is a new check-in (201). " +
    "Unknown code → 404 code_not_found; rotated-out code → 410 code_revoked; expired live code → 410 code_expired; bad phone → 400 invalid_phone; over 100 typed-phone check-ins per address in 10 minutes → 429 rate_limited.",
  request: { cookies: deviceCookie, ...jsonBody(CheckinRequest) },
  responses: {
    201: json(CheckinResult, "Checked in"),
    200: json(CheckinResult, "The same person scanned the same vehicle within a minute, and has not alighted: the existing check-in"),
    ...errors(400, 404, 410, 413, 429),
  },
});

const alight = createRoute({
  method: "post",
  path: "/checkins/{id}/alight",
  tags: ["checkins"],
  summary: "Check out when getting off (also checks out the companions); idempotent",
  description: "Allowed for the passenger's own device (cookie `tc_device`) or admin/operator staff of the vehicle's fleet.",
  request: { params: z.object({ id: z.string().uuid() }), cookies: deviceCookie },
  responses: { 200: json(z.object({ alightedAt: z.string() })), ...errors(400, 403, 404) },
});

export function registerCheckinsRoutes(
  app: Router,
  deps: AppDeps,
  repos: { auth: AuthRepository; vehicles: VehiclesRepository; checkins: CheckinsRepository; service: CheckinService },
) {
  app.openapi(checkin, async (c) => {
    const body = c.req.valid("json");
    const cost = (body.phone !== undefined ? 1 : 0) + (body.companions?.length ?? 0);
    const device = await devicePersonId(c, deps.keys.cookie);
    const result = await repos.service.checkIn({
      ...body,
      devicePersonId: device,
      lang: pickLang(c),
      ...(cost > 0 && { limit: { limit: TYPED_PHONE_LIMIT, key: clientAddress(c, deps.config.trustProxy), cost } }),
      mayExceedLimit: async () => (await staffFromRequest(c, repos.auth)) !== null,
    });
    // A verified device stays remembered for another half year from its latest ride.
    if (result.verified && device) await rememberDevice(c, deps.keys.cookie, device, deps.config.publicUrl);
    return result.created ? c.json(result.body, 201) : c.json(result.body, 200);
  });

  app.openapi(alight, async (c) => {
    const row = await repos.checkins.byId(c.req.valid("param").id);
    if (!row) throw notFound("Check-in");
    // Only the verified owner's device may alight a verified ride; an unverified ride is alighted by staff (or by its end).
    if ((await devicePersonId(c, deps.keys.cookie)) !== row.personId || !row.verified) {
      const staff = await staffFromRequest(c, repos.auth);
      if (!staff || staff.role === "tracer") throw forbidden("Only the passenger's own phone, or the fleet's staff, can check out this ride");
      await repos.vehicles.getFor(staff, row.vehicleId);
    }
    const now = deps.clock.now();
    const alightedAt = await repos.checkins.alight(row, now < row.boardedAt ? row.boardedAt : now);
    if (!row.alightedAt) deps.driverScreens?.onBoardChanged(row.vehicleId);
    return c.json({ alightedAt: alightedAt.toISOString() }, 200);
  });
}

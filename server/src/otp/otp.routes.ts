import { randomBytes } from "node:crypto";
import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { getCookie, setCookie } from "hono/cookie";
import type { AppDeps } from "../context.ts";
import { clientAddress } from "../client-address.ts";
import { errors, json, jsonBody, type Router } from "../openapi.ts";
import { rememberDevice } from "../passenger/device.ts";
import { pickLang } from "../passenger/i18n.ts";
import { statusColour } from "../persons/persons.repository.ts";
import type { OtpService } from "./otp.service.ts";
import { text } from "../../../protocol/fields.ts";

/**
 * An anonymous id for a device that has not verified a phone yet, so codes can
 * be limited per device as well as per phone and address. It proves nothing
 * and names no one; a script that drops it is still held by the address limit.
 */
const OTP_DEVICE_COOKIE = "tc_otp";

function otpDevice(c: Context, publicUrl: string): string {
  const known = getCookie(c, OTP_DEVICE_COOKIE);
  if (known && /^[A-Za-z0-9_-]{22}$/.test(known)) return known;
  const id = randomBytes(16).toString("base64url");
  setCookie(c, OTP_DEVICE_COOKIE, id, { path: "/api/v1/otp", httpOnly: true, sameSite: "Lax", secure: publicUrl.startsWith("https:"), maxAge: 86_400 });
  return id;
}

const phone = text({ min: 1, max: 32 }).openapi({ example: "13812345678" });

const sendCode = createRoute({
  method: "post",
  path: "/otp",
  tags: ["passengers"],
  summary: "Text a one-time code to a phone, to prove it is the passenger's own",
  description:
    "Public. Sends a random 6-digit code by the configured SMS gateway (on the development sink it is shown at /dev/sms), valid 5 minutes and 5 attempts; a new code replaces the last. " +
    "Limited per phone, per device and per client address (429 rate_limited). The text is in Chinese, or English when `lang` is en (or the browser prefers English).",
  request: {
    ...jsonBody(z.object({ phone, lang: z.enum(["zh", "en"]).optional() }).openapi("OtpRequest")),
  },
  responses: {
    202: json(z.object({ expiresAt: z.string() }), "The code is on its way"),
    ...errors(400, 413, 429, 503),
  },
});

const verifyCode = createRoute({
  method: "post",
  path: "/otp/verify",
  tags: ["passengers"],
  summary: "Prove a phone with the code it was sent; this device then checks in as its owner with one tap",
  description:
    "Public. A right code sets the signed device cookie `tc_device`, which from now on names this verified person: later check-ins may omit the phone, and the answers show their status. " +
    "`checkinId` (the check-in this device just made with the phone typed) becomes a verified ride of theirs; `name` sets their name. " +
    "Wrong code → 400 otp_wrong (details.attemptsLeft); the fifth wrong try, or any try after it → 410 otp_exhausted; expired or never sent → 410 otp_expired.",
  request: {
    ...jsonBody(
      z
        .object({
          phone,
          code: z.string().regex(/^\d{6}$/, "the 6 digits of the text"),
          name: text({ trim: true, min: 1, max: 50 }).optional(),
          checkinId: z.string().uuid().optional(),
        })
        .openapi("OtpVerifyRequest"),
    ),
  },
  responses: {
    200: json(
      z.object({
        personId: z.string().uuid(),
        status: z.enum(["green", "yellow", "red"]),
        checkinVerified: z.boolean().openapi({ description: "Whether `checkinId` became this person's verified ride" }),
      }),
      "Verified: the device cookie is set",
    ),
    ...errors(400, 410, 413),
  },
});

export function registerOtpRoutes(app: Router, deps: AppDeps, otp: OtpService) {
  app.openapi(sendCode, async (c) => {
    const body = c.req.valid("json");
    const device = otpDevice(c, deps.config.publicUrl);
    const sent = await otp.send({ phone: body.phone, lang: body.lang ?? pickLang(c) }, { address: clientAddress(c, deps.config.trustProxy), device });
    return c.json({ expiresAt: sent.expiresAt.toISOString() }, 202);
  });

  app.openapi(verifyCode, async (c) => {
    const { person, promoted } = await otp.verify(c.req.valid("json"));
    await rememberDevice(c, deps.keys.cookie, person.id, deps.config.publicUrl);
    return c.json({ personId: person.id, status: statusColour(person.status), checkinVerified: promoted }, 200);
  });
}

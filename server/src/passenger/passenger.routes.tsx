import type { Context, Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { createCheckinsRepository } from "../checkins/checkins.repository.ts";
import { createCodesRepository, type CodeVehicle } from "../codes/codes.repository.ts";
import { pageTicket } from "../codes/live-code.ts";
import { qrSvg } from "../codes/qr.ts";
import type { AppDeps, AppEnv } from "../context.ts";
import { AppError } from "../errors.ts";
import { PassCard, PassForm } from "../passes/pass-card.tsx";
import { createPassIssuer } from "../passes/passes.service.ts";
import { clientAddress } from "../client-address.ts";
import { maskName, maskPhone, normalisePhone } from "../persons/phone.ts";
import { createPersonsRepository, statusColour } from "../persons/persons.repository.ts";
import { CheckinPage, ErrorPage, ExposureNotice, type RememberedPassenger } from "./checkin-page.tsx";
import { devicePersonId, forgetDevice, rememberDevice } from "./device.ts";
import { createOtpRepository } from "../otp/otp.repository.ts";
import { createOtpService } from "../otp/otp.service.ts";
import { createExposureLookup } from "./exposure.repository.ts";
import { createRememberedLookup } from "./remembered.repository.ts";
import { servePageAsset } from "./page-assets.ts";
import { pickLang, strings } from "./i18n.ts";
import { cspNonce } from "../security/csp.ts";
import { isPlainText } from "../../../protocol/fields.ts";

/** "张* 138****5678": enough on a screen or card for the owner to know it is theirs, little for anyone else. */
const masked = (name: string | null, phone: string | null) => [name && maskName(name), phone && maskPhone(phone)].filter(Boolean).join(" ");

/** As bytes: a string body is measured for its length and encoded again to be sent, two passes over the page's text. */
const html = (c: Context, page: unknown, status: 200 | 400 | 404 | 410 | 429 = 200) =>
  c.body(Buffer.from(`<!doctype html>${String(page)}`), status, { "content-type": "text/html; charset=UTF-8", "cache-control": "no-store" });

/** The passenger's own pages: the check-in page behind every vehicle code, and the personal pass card. */
export function registerPassengerPages(app: Hono<AppEnv>, deps: AppDeps) {
  const persons = createPersonsRepository(deps);
  const checkins = createCheckinsRepository(deps);
  const repos = {
    codes: createCodesRepository(deps),
    persons,
    exposures: createExposureLookup({ ...deps, checkins }),
    remembered: createRememberedLookup({ ...deps, persons, checkins }),
    passes: createPassIssuer(deps, persons),
    otp: createOtpService(deps, { otp: createOtpRepository(deps), persons, checkins }),
  };
  const tz = deps.config.tzDisplay;

  async function remembered(c: Context, vehicleId?: string): Promise<RememberedPassenger | null> {
    const id = await devicePersonId(c, deps.keys.cookie);
    const now = deps.clock.now();
    const found = id ? await repos.remembered(id, vehicleId ?? null, now) : null;
    if (!found) return null;
    const { person, onBoard, reads } = found;
    // Only a flagged passenger is told which ride made them one: a second read, for the few it concerns.
    const exposure = person.status === "clear" ? null : await repos.exposures.latest(person.id, person.statusSetAt ?? now);
    return { status: person.status, who: masked(person.name, person.phone), exposure, onBoard: onBoard && { ...onBoard, status: statusColour(person.status) }, reads };
  }

  app.get("/v/:code", async (c) => {
    const lang = pickLang(c);
    const t = strings[lang];
    const code = c.req.param("code");
    let vehicle: CodeVehicle;
    let pageCode = code;
    try {
      const resolved = await repos.codes.resolve(code); // a page ticket here is ticket_not_a_code (410)
      vehicle = resolved.vehicle;
      if (resolved.live) pageCode = pageTicket(deps, vehicle.id, resolved.liveExpiresAt!);
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      // A page ticket opened as a page (a shared or reloaded link) is not renewed: scan the screen again.
      const gone = err.status === 410;
      const page = ErrorPage({ t, nonce: cspNonce(c), title: gone ? t.goneTitle : t.notFoundTitle, message: t.errors[err.code] ?? err.message });
      return html(c, page, gone ? 410 : 404);
    }
    return html(c, CheckinPage({ t, nonce: cspNonce(c), lang, code: pageCode, vehicle, tz, me: await remembered(c, vehicle.id) }));
  });

  app.get("/assets/:file", servePageAsset);

  // The notice for a passenger whose check-in came back yellow or red, fetched by the page after the check-in.
  app.get("/passenger/notice", async (c) => {
    const me = await remembered(c);
    if (!me || me.status === "clear") return c.body(null, 204);
    return html(c, ExposureNotice({ t: strings[pickLang(c)], status: me.status, exposure: me.exposure, tz }));
  });

  app.post("/passenger/forget", (c) => {
    forgetDevice(c);
    return c.body(null, 204);
  });

  app.get("/pass", async (c) => {
    const lang = pickLang(c);
    const t = strings[lang];
    const id = await devicePersonId(c, deps.keys.cookie);
    const person = id ? await repos.persons.reveal(id) : null;
    if (!person) return html(c, PassForm({ t, nonce: cspNonce(c), lang }));
    return html(c, PassCard({ t, nonce: cspNonce(c), who: masked(person.name, person.phone), qrSvg: await qrSvg(repos.passes.signFor(person.id), "M") }));
  });

  // The pass form without JavaScript: phone and name → a code texted to the phone → code → the pass (issue 11 part 1).
  app.post("/pass", bodyLimit({ maxSize: 4096, onError: (c) => c.text("Form too large", 413) }), async (c) => {
    const lang = pickLang(c);
    const t = strings[lang];
    const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
    const phone = typeof form.phone === "string" ? form.phone : "";
    const name = typeof form.name === "string" ? form.name.trim().slice(0, 50) : "";
    const code = typeof form.code === "string" ? form.code.trim() : undefined;
    if (!phone || !name || !isPlainText(phone) || !isPlainText(name) || phone.length > 32) return html(c, PassForm({ t, nonce: cspNonce(c), lang, error: t.errors.invalid_request }), 400);
    const e164 = normalisePhone(phone);
    const codeFor = e164 ? { phone, name, masked: maskPhone(e164) } : undefined;
    const address = clientAddress(c, deps.config.trustProxy);
    try {
      let device = await devicePersonId(c, deps.keys.cookie);
      const own = device !== null && e164 !== null && (await repos.persons.hasPhone(device, e164));
      if (!own && code === undefined) {
        // Not this device's verified phone yet: text a code, and ask for it.
        await repos.otp.send({ phone, lang }, { address, device: `pass:${address}` });
        return html(c, PassForm({ t, nonce: cspNonce(c), lang, codeFor }));
      }
      if (!own) {
        if (!/^\d{6}$/.test(code ?? "")) return html(c, PassForm({ t, nonce: cspNonce(c), lang, codeFor, error: t.errors.otp_wrong }), 400);
        const { person } = await repos.otp.verify({ phone, code: code!, name });
        await rememberDevice(c, deps.keys.cookie, person.id, deps.config.publicUrl);
        device = person.id;
      }
      const issued = await repos.passes.issue({ phone, name }, { address, staff: false, devicePersonId: device });
      return html(c, PassCard({ t, nonce: cspNonce(c), who: masked(name, e164), qrSvg: await qrSvg(issued.pass, "M") }));
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      for (const [name, value] of Object.entries(err.headers ?? {})) c.header(name, value); // Retry-After on a 429
      // A wrong code keeps the code step; anything else starts again from the phone.
      const keep = err.code === "otp_wrong" ? codeFor : undefined;
      return html(c, PassForm({ t, nonce: cspNonce(c), lang, codeFor: keep, error: t.errors[err.code] ?? err.message }), err.status === 429 ? 429 : err.status === 410 ? 410 : 400);
    }
  });
}

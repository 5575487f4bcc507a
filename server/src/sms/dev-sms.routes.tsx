import type { Hono } from "hono";
import type { AppDeps, AppEnv } from "../context.ts";
import { errorBody } from "../errors.ts";
import { normalisePhone } from "../persons/phone.ts";
import { Page } from "../passenger/layout.tsx";
import { strings } from "../passenger/i18n.ts";
import { cspNonce } from "../security/csp.ts";

/**
 * /dev/sms: the development sink's texts (newest first), so a developer or a
 * test reads the code they were sent. Only when SMS_GATEWAY=sink; with a real
 * gateway there is nothing here (404), since texts never stay on the server.
 * `?phone=` narrows to one phone (any way of writing it).
 */
export function registerDevSmsPages(app: Hono<AppEnv>, deps: AppDeps) {
  const sink = deps.sms.sink;
  const listed = (phone: string | undefined) => {
    const e164 = phone ? normalisePhone(phone) : undefined;
    return sink!.messages(e164 ?? undefined).slice(0, 50);
  };

  app.get("/dev/sms.json", (c) => {
    if (!sink) return c.json(errorBody("not_found", "No SMS sink here: SMS_GATEWAY is not sink", undefined, c.get("requestId")), 404);
    return c.json({ messages: listed(c.req.query("phone")) }, 200, { "cache-control": "no-store" });
  });

  app.get("/dev/sms", (c) => {
    if (!sink) return c.json(errorBody("not_found", "No SMS sink here: SMS_GATEWAY is not sink", undefined, c.get("requestId")), 404);
    const t = strings.en;
    const page = (
      <Page t={t} nonce={cspNonce(c)} title="SMS sink">
        <section class="card">
          <h1>SMS sink</h1>
          <p class="small">SMS_GATEWAY=sink: these texts were not sent. A development tool; set SMS_GATEWAY=smpp or http for real passengers.</p>
          <ul data-testid="sms-messages">
            {listed(c.req.query("phone")).map((m) => (
              <li>
                <strong>{m.phone}</strong> · {m.at}
                <div>{m.text}</div>
              </li>
            ))}
          </ul>
        </section>
      </Page>
    );
    return c.html(`<!doctype html>${String(page)}`, 200, { "cache-control": "no-store" });
  });
}

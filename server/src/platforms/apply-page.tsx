import type { Context, Hono } from "hono";
import type { AppDeps, AppEnv } from "../context.ts";
import { posterCodeUrl } from "../codes/live-code.ts";
import { Poster } from "../codes/poster.tsx";
import { qrSvg } from "../codes/qr.ts";
import { cspNonce } from "../security/csp.ts";
import { pickLang, strings } from "../passenger/i18n.ts";
import { Page } from "../passenger/layout.tsx";
import type { AuthRepository } from "../auth/auth.repository.ts";
import { applyScript } from "./apply-script.ts";
import { applyWords } from "./apply-words.ts";
import type { ApplicationsRepository } from "./applications.repository.ts";

const css = `.qr{width:100%;max-width:300px;display:block;margin:8px auto;background:#fff}
select{width:100%;font-size:18px;padding:11px 12px;border:1px solid #b9c4bd;border-radius:10px;background:#fff}
.check{display:flex;gap:8px;align-items:flex-start;font-weight:400}.check input{width:auto;margin-top:4px}
.ok{color:#0a7d3b;font-weight:700}.secret{font-family:monospace;word-break:break-all}`;

/** JSON for a data block inside <script>: "<" escaped, so no text can close the element. */
const dataBlock = (value: unknown) => JSON.stringify(value).replace(/</g, "\\u003c");

/**
 * The owner's or driver's own application pages (issue 16), mobile first:
 * /apply (verify the phone, fill in, get the code at once),
 * /apply/{link} (the application's state, the code, the poster to print).
 */
export function registerApplyPages(app: Hono<AppEnv>, deps: AppDeps, auth: AuthRepository, applications: ApplicationsRepository) {
  const html = (c: Context, page: unknown, status: 200 | 404 = 200) => c.html(`<!doctype html>${String(page)}`, status, { "cache-control": "no-store" });

  app.get("/apply", async (c) => {
    const lang = pickLang(c);
    const w = applyWords[lang];
    const operators = await auth.listOperators();
    const nonce = cspNonce(c);
    return html(
      c,
      Page({
        t: strings[lang],
        nonce,
        title: w.title,
        extraCss: css,
        script: applyScript,
        children: (
          <>
            <script type="application/json" id="apply-config" dangerouslySetInnerHTML={{ __html: dataBlock({ words: w }) }} />
            <h1>{w.title}</h1>
            <p class="small">{w.intro}</p>
            <div id="start">
              <div class="card">
                <label for="phone">{w.phone}</label>
                <input id="phone" type="tel" inputmode="tel" autocomplete="tel" maxlength={20} />
                <button type="button" class="secondary" id="send-code">{w.sendCode}</button>
                <label for="code">{w.code}</label>
                <input id="code" inputmode="numeric" autocomplete="one-time-code" maxlength={6} />
                <button type="button" id="verify">{w.verify}</button>
                <p id="verified" class="ok" role="status" hidden></p>
              </div>
              <form id="application" class="card" hidden>
                <label for="plate">{w.plate}</label>
                <input id="plate" required maxlength={20} autocomplete="off" />
                <label for="kind">{w.kind}</label>
                <select id="kind">
                  {(["taxi", "ride_hail", "bus", "coach"] as const).map((k) => <option value={k}>{w.kinds[k]}</option>)}
                </select>
                <label for="operator">{w.operator}</label>
                <select id="operator">
                  <option value="">{w.independent}</option>
                  {operators.map((o) => <option value={o.id}>{o.name}</option>)}
                </select>
                <label for="driver-name">{w.driverName}</label>
                <input id="driver-name" required maxlength={50} autocomplete="name" />
                <label for="licence">{w.licence}</label>
                <input id="licence" required minlength={4} maxlength={40} autocomplete="off" />
                <label class="check"><input type="checkbox" id="onboard" /> {w.onboardUnit}</label>
                <button type="submit">{w.submit}</button>
              </form>
            </div>
            <p id="error" class="error" role="alert" hidden></p>
            <div id="result" class="card vehicle" hidden data-testid="result">
              <div class="plate" id="result-plate"></div>
              <p>{w.done}</p>
              <img id="result-code" class="qr" alt={w.title} />
              <a class="button" id="result-poster" target="_blank">{w.print}</a>
              <a class="button secondary" id="result-page">{w.myPage}</a>
              <div id="agent" hidden>
                <p class="error">{w.agentTitle}</p>
                <p>{w.agentUser}: <span class="secret" id="agent-user"></span></p>
                <p>{w.agentPassword}: <span class="secret" id="agent-password"></span></p>
              </div>
            </div>
          </>
        ),
      }),
    );
  });

  app.get("/apply/:token", async (c) => {
    const lang = pickLang(c);
    const w = applyWords[lang];
    const a = await applications.byPageToken(c.req.param("token"));
    const nonce = cspNonce(c);
    if (!a) return html(c, Page({ t: strings[lang], nonce, title: w.title, children: <div class="card error">{w.unknown}</div> }), 404);
    const path = `/apply/${c.req.param("token")}`;
    return html(
      c,
      Page({
        t: strings[lang],
        nonce,
        title: `${w.status} · ${a.vehicle.plate}`,
        extraCss: css,
        children: (
          <div class="card vehicle">
            <div class="plate">{a.vehicle.plate}</div>
            <p data-testid="application-status">
              {w.status}: <strong>{w.statuses[a.status]}</strong>
            </p>
            {a.reason ? (
              <p>
                {w.reason}: {a.reason}
              </p>
            ) : null}
            {a.status !== "rejected" ? (
              <>
                <img class="qr" src={`${path}/code.svg`} alt={w.title} />
                <a class="button" href={`${path}/poster`} target="_blank">
                  {w.print}
                </a>
              </>
            ) : null}
          </div>
        ),
      }),
    );
  });

  const codeFor = async (token: string) => {
    const a = await applications.byPageToken(token);
    if (!a || a.status === "rejected" || !a.vehicle.codeId) return null;
    return { a, url: posterCodeUrl(deps.config.publicUrl, a.vehicle.codeId) };
  };

  app.get("/apply/:token/code.svg", async (c) => {
    const found = await codeFor(c.req.param("token"));
    if (!found) return c.body(null, 404);
    return c.body(await qrSvg(found.url, "Q"), 200, { "content-type": "image/svg+xml; charset=utf-8", "cache-control": "no-store" });
  });

  app.get("/apply/:token/poster", async (c) => {
    const found = await codeFor(c.req.param("token"));
    if (!found) return c.body(null, 404);
    const v = found.a.vehicle;
    const page = Poster({ vehicle: { id: v.id, plate: v.plate, kind: v.kind, routeId: null, operator: found.a.operator }, url: found.url, qrSvg: await qrSvg(found.url, "Q"), size: "A5", nonce: cspNonce(c) });
    return c.html(`<!doctype html>${page}`, 200, { "cache-control": "no-store" });
  });
}

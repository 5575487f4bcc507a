import type { Context, Hono } from "hono";
import type { AppDeps, AppEnv } from "../context.ts";
import { liveCodeUrl } from "../codes/live-code.ts";
import { qrSvg } from "../codes/qr.ts";
import { cspNonce } from "../security/csp.ts";
import { pickLang, strings } from "../passenger/i18n.ts";
import { Page } from "../passenger/layout.tsx";
import { createFlowRepository } from "../flow/flow.repository.ts";
import type { DriversRepository } from "./drivers.repository.ts";

/** How often the page asks for the on-board count: the driver sees a stop's boarding within seconds. */
const ON_BOARD_POLL_MS = 10_000;

const words = {
  zh: {
    title: "司机乘车码",
    show: "请将此码展示给乘客扫描登记。码每分钟更新，截图无效。",
    none: "您尚未关联车辆，请联系所属运营单位。",
    unknown: "此链接无效，请向所属运营单位重新获取。",
    stopped: "此车辆的乘车码已停用。",
    onBoard: "车上乘客",
  },
  en: {
    title: "Driver's ride code",
    show: "Show this code to passengers to scan. It changes every minute; a screenshot does not work.",
    none: "No vehicle is linked to you yet; ask your operator.",
    unknown: "This link is not valid; ask your operator for a new one.",
    stopped: "This vehicle's code has been stopped.",
    onBoard: "On board",
  },
};

/** The page refreshes its QR image before each live code expires, and the on-board counts more often. */
const refreshScript = (everyMs: number) => String.raw`
(function () {
  setInterval(function () {
    var imgs = document.querySelectorAll("img.live");
    for (var i = 0; i < imgs.length; i++) imgs[i].src = imgs[i].getAttribute("data-src") + "?at=" + Date.now();
  }, ${everyMs});
  setInterval(function () {
    var counts = document.querySelectorAll("[data-count-src]");
    Array.prototype.forEach.call(counts, function (el) {
      fetch(el.getAttribute("data-count-src"), { cache: "no-store" })
        .then(function (res) { return res.ok ? res.json() : null; })
        .then(function (body) { if (body && typeof body.onBoard === "number") el.textContent = String(body.onBoard); })
        .catch(function () {});
    });
  }, ${ON_BOARD_POLL_MS});
})();`;

const css = `.live{width:100%;max-width:340px;display:block;margin:8px auto;background:#fff}
.onboard{text-align:center;font-size:18px}.onboard strong{font-size:28px;margin-left:6px}`;

/** A vehicle whose code passengers can scan: pending applications scan from the first minute (issue 16). */
const scannable = (v: { status: string }) => v.status === "active" || v.status === "pending";

/**
 * A driver's own page (/driver/{link}), for a vehicle whose onboard unit is
 * the driver's phone: the vehicle's live code, rotating like the onboard
 * screen's (DESIGN §6), so a photo of it is useless a minute later.
 */
export function registerDriverPage(app: Hono<AppEnv>, deps: AppDeps, drivers: DriversRepository) {
  const flow = createFlowRepository({ db: deps.db });
  const html = (c: Context, page: unknown, status: 200 | 404 = 200) => c.html(`<!doctype html>${String(page)}`, status, { "cache-control": "no-store" });

  app.get("/driver/:token", async (c) => {
    const lang = pickLang(c);
    const w = words[lang];
    const t = strings[lang];
    const driver = await drivers.byPageToken(c.req.param("token"));
    const nonce = cspNonce(c);
    if (!driver) return html(c, Page({ t, nonce, title: w.title, children: <div class="card error">{w.unknown}</div> }), 404);
    const token = c.req.param("token");
    const running = driver.vehicles.filter(scannable);
    const counts = await flow.onBoardCounts(running.map((v) => v.id), deps.clock.now());
    const cars = driver.vehicles.map((v) => (
      <div class="card vehicle">
        <div class="plate">{v.plate}</div>
        {scannable(v) ? (
          <>
            <img class="live" src={`/driver/${token}/vehicles/${v.id}/code.svg`} data-src={`/driver/${token}/vehicles/${v.id}/code.svg`} alt={w.title} />
            <p class="onboard">
              {w.onBoard}
              <strong data-count-src={`/driver/${token}/vehicles/${v.id}/on-board.json`}>{counts.get(v.id) ?? 0}</strong>
            </p>
          </>
        ) : (
          <p class="error">{w.stopped}</p>
        )}
      </div>
    ));
    const everyMs = Math.max(5, deps.config.liveCodeTtlSeconds - 15) * 1000;
    return html(
      c,
      Page({
        t,
        nonce,
        title: w.title,
        extraCss: css,
        script: refreshScript(everyMs),
        children: (
          <>
            <h1 class="center">{w.title}</h1>
            <p class="small center">{w.show}</p>
            {cars.length ? cars : <div class="card">{w.none}</div>}
          </>
        ),
      }),
    );
  });

  /** The driver's own running vehicle named in the path, or null: a link opens only its driver's cars. */
  async function ownCar(c: Context) {
    const driver = await drivers.byPageToken(c.req.param("token") ?? "");
    const car = driver?.vehicles.find((v) => v.id === c.req.param("vehicleId"));
    return car && scannable(car) ? car : null;
  }

  app.get("/driver/:token/vehicles/:vehicleId/on-board.json", async (c) => {
    const car = await ownCar(c);
    if (!car) return c.json({ error: { code: "not_found", message: "No such vehicle on this driver's page" } }, 404);
    const at = deps.clock.now();
    const counts = await flow.onBoardCounts([car.id], at);
    return c.json({ onBoard: counts.get(car.id) ?? 0, at: at.toISOString() }, 200, { "cache-control": "no-store" });
  });

  app.get("/driver/:token/vehicles/:vehicleId/code.svg", async (c) => {
    const car = await ownCar(c);
    if (!car) return c.body(null, 404);
    const { url } = liveCodeUrl(deps, car.id);
    return c.body(await qrSvg(url, "Q"), 200, { "content-type": "image/svg+xml; charset=utf-8", "cache-control": "no-store" });
  });
}

import { api, errorText } from "../api.ts";
import { clear, h, status } from "../dom.ts";
import { t } from "../i18n.ts";
import { createMap } from "../map.ts";
import { drawRoute, routeLabels, type RouteLayer } from "../route-layer.ts";
import type { View } from "../shell.ts";

interface RouteSummary {
  id: string;
  shortName: string | null;
  longName: string | null;
  agency: string | null;
  trips: number;
  vehicles: number;
}

/** Routes view: the imported timetable's routes; choosing one draws its shape and stops. */
export const routesView: View = (ctx, el, params) => {
  const list = h("div", { className: "table-scroll" });
  const msg = h("p", { className: "status", role: "status" }, t("common.loading"));
  const facts = h("p", { className: "route-facts" });
  const panel = h("section", { className: "panel", "aria-label": t("nav.routes") }, h("h1", {}, t("routes.title")), msg, facts, list);
  const mapEl = h("div", { id: "routes-map" });
  el.append(h("div", { className: "split" }, panel, h("div", { className: "map-wrap" }, mapEl)));
  const cm = createMap(mapEl, ctx.boot, { label: t("routes.mapLabel") });
  let drawn: RouteLayer | null = null;
  let labels = new Map<string, string>();

  async function show(id: string) {
    const res = await drawRoute(cm, id);
    if (!res) return;
    drawn?.remove();
    drawn = res.layer;
    facts.textContent = `${labels.get(id) ?? id} · ${t("routes.stops", { n: res.route.stops.length })}`;
    const bounds = res.layer.getBounds();
    if (bounds.isValid()) cm.map.fitBounds(bounds, { padding: [24, 24], animate: false });
    list.querySelectorAll("tr[aria-current]").forEach((tr) => tr.removeAttribute("aria-current"));
    list.querySelector(`tr[data-route="${CSS.escape(id)}"]`)?.setAttribute("aria-current", "true");
  }

  void (async () => {
    try {
      const { routes } = await api<{ routes: RouteSummary[] }>("GET", "/routes");
      if (!cm.alive()) return;
      labels = routeLabels(routes);
      status(msg, routes.length ? "" : t("routes.none"));
      clear(list);
      if (!routes.length) return;
      list.append(
        h(
          "table",
          { "aria-label": t("nav.routes") },
          h("thead", {}, h("tr", {}, [t("col.route"), t("routes.trips"), t("routes.vehicles")].map((c) => h("th", { scope: "col" }, c)))),
          h(
            "tbody",
            {},
            routes.map((r) =>
              h(
                "tr",
                { "data-route": r.id },
                h("td", {}, h("a", { href: `#/routes/${encodeURIComponent(r.id)}` }, labels.get(r.id)!), r.agency ? h("small", {}, ` ${r.agency}`) : null),
                h("td", {}, String(r.trips)),
                h("td", {}, String(r.vehicles)),
              ),
            ),
          ),
        ),
      );
      await show(params[0] ?? routes[0]!.id);
    } catch (err) {
      status(msg, errorText(err), "error");
    }
  })();
  return { destroy: () => cm.destroy() };
};

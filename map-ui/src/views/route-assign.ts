import { api, errorText } from "../api.ts";
import { h, status } from "../dom.ts";
import { t } from "../i18n.ts";
import { routeName } from "../route-layer.ts";

type RouteOption = { id: string; shortName: string | null; longName: string | null };
let routes: Promise<RouteOption[]> | null = null;
/** The timetable's routes, asked once per page: every fleet row offers the same list. */
const timetableRoutes = () => (routes ??= api<{ routes: RouteOption[] }>("GET", "/routes").then((r) => r.routes, () => []));

/**
 * A fleet row's route chooser: the imported timetable's routes, saved on change
 * with PATCH /vehicles/{id}. Without a timetable it shows nothing (routes stay free text).
 */
export function routeAssign(v: { id: string; plate: string; routeId: string | null }, msg: HTMLElement) {
  const slot = h("span", { className: "route-assign" });
  void timetableRoutes().then((list) => {
    if (!list.length) return;
    const choose = h("select", { "aria-label": t("routes.assignLabel", { plate: v.plate }) }, h("option", { value: "" }, t("routes.noRoute")));
    for (const r of list) choose.append(h("option", { value: r.id }, routeName(r)));
    choose.value = v.routeId && list.some((r) => r.id === v.routeId) ? v.routeId : "";
    choose.addEventListener("change", async () => {
      try {
        await api("PATCH", `/vehicles/${encodeURIComponent(v.id)}`, { routeId: choose.value || null });
        status(msg, t("routes.assigned", { plate: v.plate, route: choose.selectedOptions[0]?.textContent ?? "—" }));
      } catch (err) {
        status(msg, errorText(err), "error");
      }
    });
    slot.append(choose);
  });
  return slot;
}

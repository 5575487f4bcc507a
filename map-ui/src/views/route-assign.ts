import { api, errorText } from "../api.ts";
import { h, status } from "../dom.ts";
import { t } from "../i18n.ts";
import { routeLabels, timetableRoutes } from "../route-layer.ts";

/**
 * A fleet row's route chooser: the imported timetable's routes, saved on change
 * with PATCH /vehicles/{id}. Without a timetable it shows nothing (routes stay free text).
 */
export function routeAssign(v: { id: string; plate: string; routeId: string | null }, msg: HTMLElement, onAssigned: (routeId: string | null) => void = () => {}) {
  const slot = h("span", { className: "route-assign" });
  void timetableRoutes().then((list) => {
    if (!list.length) return;
    const choose = h("select", { "aria-label": t("routes.assignLabel", { plate: v.plate }) }, h("option", { value: "" }, t("routes.noRoute")));
    const labels = routeLabels(list);
    for (const r of list) choose.append(h("option", { value: r.id }, labels.get(r.id)!));
    choose.value = v.routeId && list.some((r) => r.id === v.routeId) ? v.routeId : "";
    choose.addEventListener("change", async () => {
      try {
        await api("PATCH", `/vehicles/${encodeURIComponent(v.id)}`, { routeId: choose.value || null });
        status(msg, t("routes.assigned", { plate: v.plate, route: choose.selectedOptions[0]?.textContent ?? "—" }));
        onAssigned(choose.value || null);
      } catch (err) {
        status(msg, errorText(err), "error");
      }
    });
    slot.append(choose);
  });
  return slot;
}

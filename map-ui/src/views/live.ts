import * as L from "leaflet";
import { apiUrl } from "../api.ts";
import { clear, field, h, lines } from "../dom.ts";
import { timetableRouteLabels } from "../route-layer.ts";
import { t, tn } from "../i18n.ts";
import { createMap, fitTo } from "../map.ts";
import type { View } from "../shell.ts";
import { fmtDateTime } from "../time.ts";

// The event payload's type, from the route that sends it (a type only: nothing of the server is bundled).
import type { LiveVehicle } from "../../../server/src/live/live.repository.ts";

const LIST_LIMIT = 100;
const STYLE = {
  online: { color: "#15803d", fillColor: "#22c55e", fillOpacity: 0.9, radius: 5, weight: 1 },
  offline: { color: "#6b7280", fillColor: "#d1d5db", fillOpacity: 0.9, radius: 5, weight: 1 },
};

/**
 * Live view: every vehicle's last position from GET /api/v1/live (SSE). One
 * circle marker per vehicle on a canvas, kept in a Map and moved with
 * setLatLng, so thousands of vehicles update without rebuilding anything.
 * A searchable list beside the map gives the same facts to keyboard and
 * screen-reader users.
 */
export const liveView: View = (ctx, el) => {
  const mapEl = h("div", { id: "live-map" });
  const summary = h("p", { className: "status", role: "status", "aria-live": "polite" }, t("live.connecting"));
  const filter = h("input", { type: "search", name: "plate", autocomplete: "off" });
  const list = h("ul", { className: "vehicle-list", "aria-label": t("live.listLabel") });
  el.append(
    h(
      "div",
      { className: "split" },
      h("section", { className: "panel", "aria-label": t("nav.live") }, h("h1", {}, t("live.title")), summary, field(t("live.filter"), filter), list),
      h("div", { className: "map-wrap" }, mapEl),
    ),
  );
  const cm = createMap(mapEl, ctx.boot, { label: t("live.mapLabel"), canvas: true });
  const vehicles = new Map<string, LiveVehicle>();
  const markers = new Map<string, L.CircleMarker>();
  const pending = new Map<string, LiveVehicle>();
  let frame = 0;
  let listTimer = 0;
  let listDrawnAt = -Infinity;
  let fitted = false;
  let changes = 0; // vehicle changes applied, exposed for tests and load measurements
  // The timetable's names for route ids ("653" for "1923_700"); ids as they are until the list arrives, or without a timetable.
  let labels = new Map<string, string>();
  void timetableRouteLabels().then((l) => (labels = l));
  const routeOf = (v: LiveVehicle) => (v.routeId ? (labels.get(v.routeId) ?? v.routeId) : "");

  const tooltip = (id: string) => () => {
    const v = vehicles.get(id);
    if (!v) return lines();
    const occ = v.occupancy === null ? t("live.noTrip") : t("live.occupancy", { n: v.occupancy });
    const head = h("span", {}, h("strong", {}, v.plate), ` ${routeOf(v)}`);
    return lines(head, `${v.online ? t("live.online") : t("live.offline")} · ${occ}`, ...(v.ts ? [fmtDateTime(v.ts)] : []));
  };

  // Changes are applied once per animation frame, however fast they arrive.
  function apply() {
    frame = 0;
    for (const v of pending.values()) {
      const before = vehicles.get(v.vehicleId);
      vehicles.set(v.vehicleId, v);
      if (v.lat === null || v.lon === null) continue;
      const at = cm.ll(v.lat, v.lon);
      let m = markers.get(v.vehicleId);
      if (!m) {
        m = L.circleMarker(at, { ...(v.online ? STYLE.online : STYLE.offline) }).bindTooltip(tooltip(v.vehicleId));
        m.addTo(cm.map);
        markers.set(v.vehicleId, m);
      } else {
        m.setLatLng(at);
        if (before?.online !== v.online) m.setStyle(v.online ? STYLE.online : STYLE.offline);
        if (m.isTooltipOpen()) m.getTooltip()?.update();
      }
    }
    changes += pending.size;
    summary.dataset.changes = String(changes);
    pending.clear();
    if (!fitted && markers.size > 0) {
      fitted = true;
      fitTo(cm, [...markers.values()].map((m) => [m.getLatLng().lat, m.getLatLng().lng] as L.LatLngTuple), 14);
    }
    scheduleList();
  }
  const receive = (batch: LiveVehicle[]) => {
    for (const v of batch) if (v?.vehicleId) pending.set(v.vehicleId, v);
    frame ||= requestAnimationFrame(apply);
  };

  // At most two list redraws a second (a big fleet changes all the time), but
  // the first change after a quiet spell is drawn at once, not held back.
  const scheduleList = () => {
    listTimer ||= window.setTimeout(renderList, Math.max(0, listDrawnAt + 500 - performance.now()));
  };
  function renderList() {
    listTimer = 0;
    listDrawnAt = performance.now();
    const all = [...vehicles.values()];
    const online = all.filter((v) => v.online).length;
    summary.textContent = t("live.summary", { vehicles: tn("n.vehicles", all.length), online, shown: markers.size });
    summary.dataset.vehicles = String(markers.size);
    const q = filter.value.trim().toLowerCase();
    const matching = all.filter((v) => !q || v.plate.toLowerCase().includes(q) || (v.routeId ?? "").toLowerCase().includes(q) || routeOf(v).toLowerCase().includes(q));
    matching.sort((a, b) => Number(b.online) - Number(a.online) || a.plate.localeCompare(b.plate, undefined, { numeric: true }));
    clear(list);
    for (const v of matching.slice(0, LIST_LIMIT)) {
      const occ = v.occupancy === null ? "" : ` · ${t("live.occupancy", { n: v.occupancy })}`;
      list.append(
        h(
          "li",
          { className: v.online ? "online" : "offline", "data-vehicle": v.vehicleId },
          h(
            "button",
            { type: "button", className: "link", onclick: () => focusVehicle(v.vehicleId) },
            h("span", { className: "dot", "aria-hidden": "true" }),
            `${v.plate}${v.routeId ? ` · ${routeOf(v)}` : ""} · ${v.online ? t("live.online") : t("live.offline")}${occ}`,
          ),
        ),
      );
    }
    if (matching.length > LIST_LIMIT) list.append(h("li", { className: "more" }, t("live.more", { n: matching.length - LIST_LIMIT })));
  }
  filter.addEventListener("input", scheduleList);

  function focusVehicle(id: string) {
    const m = markers.get(id);
    if (!m) return;
    cm.map.setView(m.getLatLng(), Math.max(cm.map.getZoom(), 15));
    m.openTooltip();
  }

  const source = new EventSource(apiUrl("/live"));
  const onData = (e: MessageEvent<string>) => {
    try {
      const data = JSON.parse(e.data) as { vehicles?: LiveVehicle[] } | LiveVehicle;
      receive("vehicles" in data && Array.isArray(data.vehicles) ? data.vehicles : [data as LiveVehicle]);
    } catch {
      /* a malformed event is skipped; the next snapshot or update repairs the map */
    }
  };
  for (const name of ["snapshot", "update", "message"]) source.addEventListener(name, onData as EventListener);
  source.addEventListener("open", () => (summary.textContent ||= t("live.connected")));
  source.addEventListener("error", () => {
    if (source.readyState === EventSource.CONNECTING) summary.textContent = t("live.reconnecting");
  });

  return {
    destroy() {
      source.close();
      cancelAnimationFrame(frame);
      clearTimeout(listTimer);
      cm.destroy();
    },
  };
};


import type { LiveEvent, LiveVehicle } from "../../../protocol/api/live.ts";
import { apiUrl } from "../api.ts";
import { clear, field, h, lines } from "../dom.ts";
import { timetableRouteLabels } from "../route-layer.ts";
import { t, tn } from "../i18n.ts";
import { createMap, fitTo } from "../map.ts";
import type { View } from "../shell.ts";
import { fmtDateTime } from "../time.ts";
import { LiveVehiclesLayer } from "./live-layer.ts";

const LIST_LIMIT = 100;

/**
 * Live view: every vehicle's last position from GET /api/v1/live (SSE), drawn
 * by one LiveVehiclesLayer on a canvas. A searchable list beside the map
 * gives the same facts to keyboard and screen-reader users; its count follows
 * the search, and an empty fleet or a search that matches nothing says so.
 */
export const liveView: View = (ctx, el) => {
  const mapEl = h("div", { id: "live-map" });
  const summary = h("p", { className: "status", role: "status", "aria-live": "polite" }, t("live.connecting"));
  const filter = h("input", { type: "search", name: "plate", autocomplete: "off" });
  const list = h("ul", { className: "vehicle-list", "aria-label": t("live.listLabel") });
  const empty = h("div", { className: "empty", hidden: true });
  el.append(
    h(
      "div",
      { className: "split" },
      h("section", { className: "panel", "aria-label": t("nav.live") }, h("h1", {}, t("live.title")), summary, field(t("live.filter"), filter), empty, list),
      h("div", { className: "map-wrap" }, mapEl),
    ),
  );
  const cm = createMap(mapEl, ctx.boot, { label: t("live.mapLabel"), canvas: true });
  const vehicles = new Map<string, LiveVehicle>();
  const pending = new Map<string, LiveVehicle>();
  let frame = 0;
  let listTimer = 0;
  let listDrawnAt = -Infinity;
  let fitted = false;
  let received = false; // the first snapshot arrived: from then on an empty list means an empty fleet
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
  const layer = new LiveVehiclesLayer(cm.ll, tooltip).addTo(cm.map);

  // Changes are applied once per animation frame, however fast they arrive.
  function apply() {
    frame = 0;
    for (const v of pending.values()) {
      const before = vehicles.get(v.vehicleId);
      vehicles.set(v.vehicleId, v);
      layer.put(v, before);
    }
    changes += pending.size;
    summary.dataset.changes = String(changes);
    pending.clear();
    if (!fitted && layer.size > 0) {
      fitted = true;
      fitTo(cm, layer.points(), 14);
    }
    scheduleList();
  }
  const receive = (batch: LiveVehicle[]) => {
    received = true;
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
    if (!received) return;
    const all = [...vehicles.values()];
    const q = filter.value.trim();
    const matching = all.filter((v) => matches(v, q.toLowerCase()) || (q !== "" && routeOf(v).toLowerCase().includes(q.toLowerCase())));
    matching.sort((a, b) => Number(b.online) - Number(a.online) || a.plate.localeCompare(b.plate, undefined, { numeric: true }));
    const online = matching.filter((v) => v.online).length;
    summary.dataset.vehicles = String(layer.size);
    summary.dataset.matching = String(matching.length);
    summary.textContent =
      all.length === 0
        ? t("live.none")
        : q
          ? t("live.summaryFiltered", { matching: matching.length, vehicles: tn("n.vehicles", all.length), q, online })
          : t("live.summary", { vehicles: tn("n.vehicles", all.length), online, shown: layer.size });
    showEmpty(all.length, matching.length, q);
    clear(list);
    for (const v of matching.slice(0, LIST_LIMIT)) {
      const occ = v.occupancy === null ? "" : ` · ${t("live.occupancy", { n: v.occupancy })}`;
      list.append(
        h(
          "li",
          { className: v.online ? "online" : "offline", "data-vehicle": v.vehicleId },
          h(
            "button",
            { type: "button", className: "link", onclick: () => layer.focus(v.vehicleId) },
            h("span", { className: "dot", "aria-hidden": "true" }),
            `${v.plate}${v.routeId ? ` · ${routeOf(v)}` : ""} · ${v.online ? t("live.online") : t("live.offline")}${occ}`,
          ),
        ),
      );
    }
    if (matching.length > LIST_LIMIT) list.append(h("li", { className: "more" }, t("live.more", { n: matching.length - LIST_LIMIT })));
  }

  /** What an empty list means: no vehicle at all (and where to register one), or none matching the search. */
  function showEmpty(total: number, matching: number, q: string) {
    clear(empty);
    empty.hidden = matching > 0;
    if (matching > 0) return;
    if (total > 0) {
      empty.append(h("p", {}, t("live.noMatch", { q })), h("button", { type: "button", className: "secondary", onclick: () => ((filter.value = ""), renderList(), filter.focus()) }, t("live.clearSearch")));
      return;
    }
    const mayRegister = ctx.user.role === "operator" || ctx.user.role === "admin";
    empty.append(h("p", {}, t("live.noneHint")), ...(mayRegister ? [h("p", {}, h("a", { href: "#/fleet" }, t("live.toFleet")))] : []));
  }
  filter.addEventListener("input", scheduleList);

  const source = new EventSource(apiUrl("/live"));
  const onData = (e: MessageEvent<string>) => {
    try {
      const data = JSON.parse(e.data) as LiveEvent;
      receive(Array.isArray(data.vehicles) ? data.vehicles : []);
    } catch {
      /* a malformed event is skipped; the next snapshot or update repairs the map */
    }
  };
  for (const name of ["snapshot", "update"]) source.addEventListener(name, onData as EventListener);
  source.addEventListener("open", () => (summary.textContent ||= t("live.connected")));
  source.addEventListener("error", () => {
    if (source.readyState === EventSource.CONNECTING) summary.textContent = t("live.reconnecting");
  });

  return {
    destroy() {
      source.close();
      cancelAnimationFrame(frame);
      clearTimeout(listTimer);
      cm.destroy(); // removes the vehicles' layer with the map
    },
  };
};

/** A search matches part of the plate or the route, in any case. */
const matches = (v: LiveVehicle, q: string) => !q || v.plate.toLowerCase().includes(q) || (v.routeId ?? "").toLowerCase().includes(q);

import * as L from "leaflet";
import { api, errorText } from "../api.ts";
import { clear, field, h, lines, select, status } from "../dom.ts";
import { fixAt, parseTrack, type Fix } from "../geo.ts";
import { t, tn } from "../i18n.ts";
import { createMap, fitTo } from "../map.ts";
import type { View } from "../shell.ts";
import { daysAgo, endOfToday, fmtDateTime, fmtTime, fromLocalInput, toLocalInput } from "../time.ts";
import { loadVehicles } from "../vehicles.ts";
import { drawRoute, timetableRouteLabels } from "../route-layer.ts";

interface TripCheckin {
  id: string;
  boardedAt: string;
  alightedAt: string | null;
  alightEstimated: boolean;
  board: Fix | null;
  /** "张** · seat 12A": the masked name (first character only) and the seat, never an id. */
  label: string;
  personId: string | null;
}
interface TripDetail {
  id: string;
  vehicleId: string;
  plate: string | null;
  routeId: string | null;
  driverId: string | null;
  startedAt: string | null;
  endedAt: string | null;
  /** Where the trip counts as ending: its end, or now while it is open. */
  endsAt: string | null;
  track: Fix[];
  checkins: TripCheckin[];
}

/** GET /api/v1/trips/{id}, read defensively. */
function readTrip(raw: unknown): TripDetail {
  const r = (raw ?? {}) as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === "string" ? v : null);
  const checkins = (Array.isArray(r.checkins) ? r.checkins : []) as Record<string, unknown>[];
  return {
    id: String(r.id ?? ""),
    vehicleId: String(r.vehicleId ?? ""),
    plate: str(r.plate),
    routeId: str(r.routeId),
    driverId: str(r.driverId),
    startedAt: str(r.startedAt),
    endedAt: str(r.endedAt),
    endsAt: str(r.endsAt) ?? str(r.endedAt),
    track: parseTrack(r.track ?? null),
    checkins: checkins.map((c) => ({
      id: String(c.checkinId ?? c.id ?? ""),
      boardedAt: String(c.from ?? c.boardedAt ?? ""),
      alightedAt: str(c.to) ?? str(c.alightedAt),
      alightEstimated: c.alightEstimated === true,
      board: parseTrack(c.boardingPoint ?? null)[0] ?? null,
      label: [str(c.maskedName) ?? t("case.unnamed"), str(c.seat) ? `${t("trip.seat")} ${c.seat}` : null].filter(Boolean).join(" · "),
      personId: str(c.personId),
    })),
  };
}

/** The vehicle's fixes with their times, for the replay (the trip's own track carries no times). */
async function timedTrack(trip: TripDetail): Promise<Fix[]> {
  if (!trip.startedAt || !trip.endsAt) return [];
  const q = new URLSearchParams({ from: trip.startedAt, to: trip.endsAt });
  return api("GET", `/vehicles/${encodeURIComponent(trip.vehicleId)}/track?${q}`).then(parseTrack, () => []);
}

/** Trip view: pick a vehicle's trip, see its route and check-ins, replay it in proportion to real time. */
export const tripView: View = (ctx, el, params) => {
  const id = params[0];
  if (!id || id === "vehicle") return tripPicker(ctx, el, params[1]);
  const panel = h("section", { className: "panel", "aria-label": t("nav.trips") }, h("h1", {}, t("trip.title")));
  const mapEl = h("div", { id: "trip-map" });
  el.append(h("div", { className: "split" }, panel, h("div", { className: "map-wrap" }, mapEl)));
  const cm = createMap(mapEl, ctx.boot, { label: t("trip.mapLabel") });
  const msg = h("p", { className: "status", role: "status" }, t("common.loading"));
  panel.append(msg);
  let frame = 0;

  void (async () => {
    try {
      const trip = await api("GET", `/trips/${encodeURIComponent(id)}`).then(readTrip);
      const timed = await timedTrack(trip);
      if (!cm.alive()) return;
      msg.textContent = "";
      const start = Date.parse(trip.startedAt ?? "") || timed[0]?.t || Date.parse(trip.checkins[0]?.boardedAt ?? "");
      const end = Date.parse(trip.endsAt ?? "") || timed[timed.length - 1]?.t || Date.now();
      // The timetable's name for the route ("653"), the id itself when the timetable has none.
      const routeFact = h("dd", {}, trip.routeId ?? "—");
      if (trip.routeId) void timetableRouteLabels().then((labels) => (routeFact.textContent = labels.get(trip.routeId!) ?? trip.routeId));
      panel.append(
        h(
          "dl",
          { className: "facts" },
          h("dt", {}, t("col.vehicle")),
          h("dd", {}, trip.plate ?? trip.vehicleId.slice(0, 8)),
          h("dt", {}, t("col.route")),
          routeFact,
          h("dt", {}, t("trip.window")),
          h("dd", {}, `${Number.isFinite(start) ? fmtDateTime(start) : "—"} – ${trip.endedAt ? fmtDateTime(trip.endedAt) : t("trip.open")}`),
          h("dt", {}, t("trip.driver")),
          h("dd", {}, trip.driverId ?? "—"),
          h("dt", {}, t("trip.checkins")),
          h("dd", {}, tn("n.passengers", trip.checkins.length)),
        ),
      );
      const latlngs = (trip.track.length > 1 ? trip.track : timed).map((f) => cm.ll(f.lat, f.lon));
      if (latlngs.length > 1) L.polyline(latlngs, { color: "#1d4ed8", weight: 4, className: "trip-path" }).addTo(cm.map);
      fitTo(cm, latlngs);
      if (trip.routeId) void drawRoute(cm, trip.routeId, { under: true });
      const boardMarkers = trip.checkins.map((c) => {
        const f = c.board ?? fixAt(timed, Date.parse(c.boardedAt));
        return f
          ? L.circleMarker(cm.ll(f.lat, f.lon), { radius: 6, color: "#c2410c", fillOpacity: 0.8, className: "checkin-marker" })
              .bindTooltip(lines(`${c.label} · ${t("case.boarded")} ${fmtTime(c.boardedAt)}`))
              .addTo(cm.map)
          : null;
      });
      const vehicle = L.circleMarker(latlngs[0] ?? cm.map.getCenter(), { radius: 10, color: "#0f766e", fillOpacity: 0.6, className: "trip-vehicle" }).addTo(cm.map);
      panel.append(replay(trip, timed, start, end, vehicle, boardMarkers) ?? "", checkinTable(trip, ctx.user.role !== "operator"));
    } catch (err) {
      status(msg, errorText(err), "error");
    }
  })();

  function replay(trip: TripDetail, timed: Fix[], start: number, end: number, vehicle: L.CircleMarker, boardMarkers: (L.CircleMarker | null)[]) {
    if (!Number.isFinite(start) || !Number.isFinite(end) || end <= start) return null;
    const slider = h("input", { type: "range", min: String(start), max: String(end), step: "1000", value: String(start) });
    const speed = select([["1", "1×"], ["10", "10×"], ["60", "60×"], ["300", "300×"], ["1200", "1200×"]], "60");
    const play = h("button", { type: "button", "aria-pressed": "false" }, t("trip.play"));
    const out = h("output", { "aria-live": "off" });
    let playing = false;
    let last = 0;
    const show = (at: number) => {
      const f = fixAt(timed, at);
      if (f) vehicle.setLatLng(cm.ll(f.lat, f.lon));
      const onBoard = trip.checkins.filter((c) => Date.parse(c.boardedAt) <= at && (!c.alightedAt || at < Date.parse(c.alightedAt))).length;
      trip.checkins.forEach((c, i) => boardMarkers[i]?.setStyle({ opacity: Date.parse(c.boardedAt) <= at ? 1 : 0.2, fillOpacity: Date.parse(c.boardedAt) <= at ? 0.8 : 0.1 }));
      out.textContent = `${fmtDateTime(at)} · ${t("trip.onBoard", { n: onBoard })}`;
      slider.setAttribute("aria-valuetext", fmtDateTime(at));
    };
    // Simulated time advances by real elapsed time × speed, so pauses and gaps keep their proportions.
    const tick = (now: number) => {
      if (!playing) return;
      const next = Math.min(end, Number(slider.value) + (now - last) * Number(speed.value));
      last = now;
      slider.value = String(next);
      show(next);
      if (next >= end) return setPlaying(false);
      frame = requestAnimationFrame(tick);
    };
    const setPlaying = (on: boolean) => {
      playing = on;
      play.textContent = on ? t("trip.pause") : t("trip.play");
      play.setAttribute("aria-pressed", String(on));
      if (on) {
        if (Number(slider.value) >= end) slider.value = String(start);
        last = performance.now();
        frame = requestAnimationFrame(tick);
      } else cancelAnimationFrame(frame);
    };
    play.addEventListener("click", () => setPlaying(!playing));
    slider.addEventListener("input", () => show(Number(slider.value)));
    show(start);
    return h("div", { className: "replay" }, h("h2", {}, t("trip.replay")), h("div", { className: "row" }, play, field(t("trip.speed"), speed)), field(t("trip.position"), slider), out);
  }

  return { destroy: () => (cancelAnimationFrame(frame), cm.destroy()) };
};

/** The trip's passengers: masked name and seat, boarding and alighting; tracers open each one's person page. */
function checkinTable(trip: TripDetail, linkPeople: boolean) {
  if (trip.checkins.length === 0) return h("p", {}, t("trip.noCheckins"));
  return h(
    "div",
    { className: "table-scroll" },
    h(
      "table",
      { "aria-label": t("trip.checkins") },
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, t("col.passenger")), h("th", { scope: "col" }, t("col.boarded")), h("th", { scope: "col" }, t("col.alighted")))),
      h(
        "tbody",
        {},
        trip.checkins.map((c) => h("tr", {}, h("td", {}, linkPeople && c.personId ? h("a", { href: `#/person/${encodeURIComponent(c.personId)}` }, c.label) : c.label), h("td", {}, fmtTime(c.boardedAt)), h("td", {}, c.alightedAt ? fmtTime(c.alightedAt) : "—", c.alightEstimated ? h("span", { className: "badge" }, t("case.estimated")) : null))),
      ),
    ),
  );
}

/** No trip chosen yet: a vehicle and a window, then the trips found. */
function tripPicker(ctx: Parameters<View>[0], el: HTMLElement, vehicleId?: string) {
  const vehicle = h("select", { name: "vehicle" });
  const from = h("input", { type: "datetime-local", required: true, value: toLocalInput(daysAgo(1)) });
  const to = h("input", { type: "datetime-local", required: true, value: toLocalInput(endOfToday()) });
  const list = h("div", { className: "trip-list" });
  const msg = h("p", { className: "status", role: "status" });
  const form = h(
    "form",
    { "aria-label": t("trip.find") },
    field(t("col.vehicle"), vehicle),
    h("div", { className: "row" }, field(`${t("case.from")} (${ctx.boot.tzDisplay})`, from), field(`${t("case.to")} (${ctx.boot.tzDisplay})`, to)),
    h("button", { type: "submit" }, t("trip.find")),
    msg,
  );
  el.append(h("section", { className: "panel wide" }, h("h1", {}, t("trip.pickTitle")), form, list));
  vehicle.append(h("option", { value: "" }, t("trip.allVehicles")));
  void loadVehicles().then((vs) => {
    for (const v of vs.values()) vehicle.append(h("option", { value: v.id }, `${v.plate}${v.routeId ? ` · ${v.routeId}` : ""}`));
    if (vs.size === 0) status(msg, t("trip.noVehicles"));
    if (vehicleId && vs.has(vehicleId)) {
      vehicle.value = vehicleId;
      form.requestSubmit();
    }
  });
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    clear(list);
    try {
      const q = new URLSearchParams({ from: fromLocalInput(from.value) ?? "", to: fromLocalInput(to.value) ?? "" });
      if (vehicle.value) q.set("vehicleId", vehicle.value);
      const res = await api<{ trips?: Record<string, string | null>[] } | Record<string, string | null>[]>("GET", `/trips?${q}`);
      const trips = Array.isArray(res) ? res : (res.trips ?? []);
      status(msg, t("trip.found", { trips: tn("n.trips", trips.length) }));
      list.append(
        h(
          "ul",
          {},
          trips.map((tr) =>
            h("li", {}, h("a", { href: `#/trips/${encodeURIComponent(tr.id ?? "")}` }, `${tr.plate ? `${tr.plate} · ` : ""}${tr.startedAt ? fmtDateTime(tr.startedAt) : "?"} – ${tr.endedAt ? fmtTime(tr.endedAt) : t("trip.open")}${tr.routeId ? ` · ${tr.routeId}` : ""}`)),
          ),
        ),
      );
    } catch (err) {
      status(msg, errorText(err), "error");
    }
  });
}

import type { Trip, TripCheckin, TripDetail, TripList } from "../../../protocol/api/trips.ts";
import { api, errorText } from "../api.ts";
import { clear, field, h, select, status } from "../dom.ts";
import { fixAt, parseTrack, type Fix } from "../geo.ts";
import { t, tn } from "../i18n.ts";
import { createMap, fitTo } from "../map.ts";
import { drawRoute, routeText, timetableRouteLabels } from "../route-layer.ts";
import type { View } from "../shell.ts";
import { daysAgo, endOfToday, fmtDateTime, fmtTime, fromLocalInput } from "../time.ts";
import { timeInput } from "../time-input.ts";
import { loadVehicles } from "../vehicles.ts";
import { TripBoardingsLayer, TripPathLayer, TripVehicleLayer } from "./trip-layers.ts";

/** "张** · seat 12A": the masked name (first character only) and the seat, never an id. */
const passengerLabel = (c: TripCheckin) => [c.maskedName ?? t("case.unnamed"), c.seat ? `${t("trip.seat")} ${c.seat}` : null].filter(Boolean).join(" · ");

/** The vehicle's fixes with their times, for the replay (the trip's own track carries no times). */
async function timedTrack(trip: TripDetail): Promise<Fix[]> {
  const ends = trip.endsAt ?? trip.endedAt;
  if (!trip.startedAt || !ends) return [];
  const q = new URLSearchParams({ from: trip.startedAt, to: ends });
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
  const ll = (f: Fix) => cm.ll(f.lat, f.lon);
  const msg = h("p", { className: "status", role: "status" }, t("common.loading"));
  panel.append(msg);
  let frame = 0;

  void (async () => {
    try {
      const trip = await api<TripDetail>("GET", `/trips/${encodeURIComponent(id)}`);
      const timed = await timedTrack(trip);
      if (!cm.alive()) return;
      msg.textContent = "";
      const start = Date.parse(trip.startedAt ?? "") || timed[0]?.t || Date.parse(trip.checkins[0]?.from ?? "");
      const end = Date.parse(trip.endsAt ?? "") || timed[timed.length - 1]?.t || Date.now();
      // The timetable's name for the route ("653"), the id itself when the timetable has none.
      const routeFact = h("dd", {}, trip.routeId ?? "—");
      if (trip.routeId) void timetableRouteLabels().then((labels) => (routeFact.textContent = labels.get(trip.routeId!) ?? trip.routeId));
      panel.append(
        h(
          "dl",
          { className: "facts" },
          h("dt", {}, t("col.vehicle")),
          h("dd", {}, trip.plate),
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
      const path = (trip.track ? parseTrack(trip.track) : []).length > 1 ? parseTrack(trip.track) : timed;
      const latlngs = path.map(ll);
      new TripPathLayer(latlngs).addTo(cm.map);
      fitTo(cm, latlngs);
      if (trip.routeId) void drawRoute(cm, trip.routeId, { under: true });
      const boardings = new TripBoardingsLayer(
        trip.checkins.map((c) => ({ label: passengerLabel(c), at: Date.parse(c.from), place: parseTrack(c.boardingPoint)[0] ?? fixAt(timed, Date.parse(c.from)) })),
        ll,
      ).addTo(cm.map);
      const vehicle = new TripVehicleLayer(timed, ll, latlngs[0] ?? cm.map.getCenter()).addTo(cm.map);
      panel.append(replay(trip, start, end, (at) => (vehicle.setTime(at), boardings.setTime(at))) ?? "", checkinTable(trip, ctx.user.role !== "operator"));
    } catch (err) {
      status(msg, errorText(err), "error");
    }
  })();

  function replay(trip: TripDetail, start: number, end: number, moveTo: (at: number) => void) {
    if (!Number.isFinite(start) || !Number.isFinite(end) || end <= start) return null;
    const slider = h("input", { type: "range", min: String(start), max: String(end), step: "1000", value: String(start) });
    const speed = select([["1", "1×"], ["10", "10×"], ["60", "60×"], ["300", "300×"], ["1200", "1200×"]], "60");
    const play = h("button", { type: "button", "aria-pressed": "false" }, t("trip.play"));
    const out = h("output", { "aria-live": "off" });
    let playing = false;
    let last = 0;
    // The replay's moment, kept here: the slider snaps to its one-second step, and a frame's advance
    // below half a second (1× and 10×) read back from it was rounded away, so the replay stood still.
    let moment = start;
    const show = (at: number) => {
      moment = at;
      moveTo(at);
      const onBoard = trip.checkins.filter((c) => Date.parse(c.from) <= at && at < Date.parse(c.to)).length;
      out.textContent = `${fmtDateTime(at)} · ${t("trip.onBoard", { n: onBoard })}`;
      slider.setAttribute("aria-valuetext", fmtDateTime(at));
    };
    // Simulated time advances by real elapsed time × speed, so pauses and gaps keep their proportions.
    const tick = (now: number) => {
      if (!playing) return;
      const next = Math.min(end, moment + (now - last) * Number(speed.value));
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
        if (moment >= end) {
          slider.value = String(start);
          show(start);
        }
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
  if (trip.checkins.length === 0) return h("p", { className: "empty" }, t("trip.noCheckins"));
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
        trip.checkins.map((c) => {
          const label = passengerLabel(c);
          return h(
            "tr",
            {},
            h("td", {}, linkPeople ? h("a", { href: `#/person/${encodeURIComponent(c.personId)}` }, label) : label),
            h("td", {}, fmtTime(c.from)),
            h("td", {}, fmtTime(c.to), c.alightEstimated ? h("span", { className: "badge" }, t("case.estimated")) : null),
          );
        }),
      ),
    ),
  );
}

/** No trip chosen yet: a vehicle and a window, then the trips found, or what to try when there are none. */
function tripPicker(ctx: Parameters<View>[0], el: HTMLElement, vehicleId?: string) {
  const vehicle = h("select", { name: "vehicle" });
  const from = timeInput({ required: true, value: daysAgo(1) });
  const to = timeInput({ required: true, value: endOfToday() });
  const list = h("div", { className: "trip-list" }, h("p", { className: "empty" }, t("trip.before")));
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
    for (const v of vs.values()) {
      const option = h("option", { value: v.id }, `${v.plate}${v.routeId ? ` · ${v.routeId}` : ""}`);
      if (v.routeId) void timetableRouteLabels().then((names) => (option.textContent = `${v.plate} · ${names.get(v.routeId!) ?? v.routeId}`));
      vehicle.append(option);
    }
    if (vs.size === 0) {
      clear(list);
      list.append(h("p", { className: "empty" }, t(ctx.user.role === "tracer" ? "trip.noVehiclesHint" : "trip.noVehiclesFleet")));
    }
    if (vehicleId && vs.has(vehicleId)) {
      vehicle.value = vehicleId;
      form.requestSubmit();
    }
  });
  const tripLine = (tr: Trip) => [
    `${tr.plate} · ${tr.startedAt ? fmtDateTime(tr.startedAt) : "?"} – ${tr.endedAt ? fmtTime(tr.endedAt) : t("trip.open")}`,
    tr.routeId ? [" · ", routeText(tr.routeId)] : "",
  ];
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    clear(list);
    try {
      const q = new URLSearchParams({ from: fromLocalInput(from.value) ?? "", to: fromLocalInput(to.value) ?? "" });
      if (vehicle.value) q.set("vehicleId", vehicle.value);
      const { trips } = await api<TripList>("GET", `/trips?${q}`);
      status(msg, t("trip.found", { trips: tn("n.trips", trips.length) }));
      if (trips.length === 0) {
        const which = vehicle.value ? vehicle.selectedOptions[0]?.textContent ?? "" : t("trip.allVehicles");
        list.append(h("p", { className: "empty" }, t("trip.none", { vehicle: which, from: fmtDateTime(fromLocalInput(from.value) ?? ""), to: fmtDateTime(fromLocalInput(to.value) ?? "") })));
        return;
      }
      list.append(h("ul", {}, trips.map((tr) => h("li", {}, h("a", { href: `#/trips/${encodeURIComponent(tr.id)}` }, ...tripLine(tr))))));
    } catch (err) {
      status(msg, errorText(err), "error");
    }
  });
}

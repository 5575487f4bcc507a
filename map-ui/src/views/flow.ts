import { api, errorText } from "../api.ts";
import { clear, field, h, select, status } from "../dom.ts";
import { t, tn } from "../i18n.ts";
import { heatLayer } from "../leaflet-heat.ts";
import { createMap, fitTo } from "../map.ts";
import { timetableRouteLabels } from "../route-layer.ts";
import type { View } from "../shell.ts";
import { daysAgo, endOfToday, fmtHour, fromLocalInput, wallHour } from "../time.ts";
import { timeInput } from "../time-input.ts";
import type { Flow } from "../../../protocol/api/flow.ts";
import { countTicks, hourlyStacks, NO_ROUTE, readFlow, type FlowSeries } from "./flow-model.ts";
import { boardingPlaces, MAX_TRIPS } from "./flow-places.ts";
import type * as L from "leaflet";

const SVG = "http://www.w3.org/2000/svg";
const PALETTE = ["#1d4ed8", "#c2410c", "#15803d", "#7e22ce", "#b91c1c", "#0f766e", "#a16207", "#be185d"];
const MAX_SERIES = 8;
/** Check-ins on a vehicle with no route come back with no key. */
const label = (key: string) => (key === NO_ROUTE ? t("flow.noRoute") : key);

/** Flow view: boardings per route (or vehicle) and hour as a chart, and where boardings happen as heat. */
export const flowView: View = (ctx, el) => {
  const from = timeInput({ required: true, value: daysAgo(1) });
  const to = timeInput({ required: true, value: endOfToday() });
  const groupBy = select([["route", t("flow.byRoute")], ["vehicle", t("flow.byVehicle")]], "route");
  const msg = h("p", { className: "status", role: "status" });
  const chart = h("figure", { className: "chart" });
  const form = h(
    "form",
    { "aria-label": t("flow.formLabel") },
    h("div", { className: "row" }, field(`${t("case.from")} (${ctx.boot.tzDisplay})`, from), field(`${t("case.to")} (${ctx.boot.tzDisplay})`, to), field(t("flow.groupBy"), groupBy)),
    h("button", { type: "submit" }, t("flow.show")),
    msg,
  );
  const mapEl = h("div", { id: "flow-map" });
  el.append(h("div", { className: "split" }, h("section", { className: "panel", "aria-label": t("nav.flow") }, h("h1", {}, t("flow.title")), form, chart), h("div", { className: "map-wrap" }, mapEl)));
  const cm = createMap(mapEl, ctx.boot, { label: t("flow.mapLabel"), canvas: true });
  let heat: L.Layer | null = null;

  async function load() {
    const q = new URLSearchParams({ groupBy: groupBy.value, bucket: "hour", from: fromLocalInput(from.value) ?? "", to: fromLocalInput(to.value) ?? "" });
    status(msg, t("common.loading"));
    try {
      const flow = await api<Flow>("GET", `/flow?${q}`);
      if (!cm.alive()) return;
      // By route, each series carries the timetable's route name, not its id ("M41", not "10144_700").
      const names = flow.groupBy === "route" ? await timetableRouteLabels() : new Map<string, string>();
      if (!cm.alive()) return;
      const series = readFlow(flow).map((s) => ({ ...s, key: names.get(s.key) ?? s.key }));
      clear(chart);
      chart.append(drawChart(series), ...legendAndTable(series));
      const found = await boardingPlaces(flow.from, flow.to);
      if (!cm.alive()) return;
      const places = found.places;
      if (heat) heat.remove();
      const make = await heatLayer();
      if (!cm.alive()) return;
      const max = Math.max(1, ...places.map((p) => p.weight));
      heat = make(places.map((p) => { const [lat, lon] = cm.ll(p.lat, p.lon); return [lat, lon, p.weight / max] as [number, number, number]; }), { radius: 22, blur: 18, minOpacity: 0.3 }).addTo(cm.map);
      fitTo(cm, places.map((p) => cm.ll(p.lat, p.lon)), 15);
      const summary = t("flow.summary", { boardings: tn("n.boardings", series.reduce((s, x) => s + x.total, 0)), groups: tn("n.groups", series.length), places: tn("n.places", places.length) });
      status(msg, found.capped ? `${summary} ${t("flow.capped", { n: MAX_TRIPS })}` : summary);
    } catch (err) {
      status(msg, errorText(err), "error");
    }
  }
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    void load();
  });
  void load();
  return { destroy: () => cm.destroy() };
};

/** Label steps for the hour axis, in hours: about six labels, on round wall-clock hours of the display zone. */
const LABEL_STEPS = [1, 2, 3, 4, 6, 12, 24, 48, 72, 168, 336];

/**
 * A hand-drawn bar chart: one bar per hour (the API counts boardings per
 * hour, so a line between hours would invent the minutes in between), the
 * routes stacked in each bar, whole-number ticks on a 1-2-5 step.
 */
function drawChart(all: FlowSeries[]): SVGSVGElement {
  const series = all.slice(0, MAX_SERIES);
  const W = 640;
  const H = 240;
  const pad = { l: 40, r: 16, t: 10, b: 28 };
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", t("flow.chartLabel"));
  const el = (name: string, attrs: Record<string, string | number>, text?: string, parent: Element = svg) => {
    const e = document.createElementNS(SVG, name);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
    if (text) e.textContent = text;
    parent.append(e);
    return e;
  };
  const stacks = hourlyStacks(series);
  const ticks = countTicks(Math.max(0, ...stacks.map((s) => s.total)));
  const top = ticks[ticks.length - 1]!;
  const plotW = W - pad.l - pad.r;
  const y = (n: number) => H - pad.b - (n / top) * (H - pad.t - pad.b);
  for (const n of ticks) {
    el("line", { x1: pad.l, y1: y(n), x2: W - pad.r, y2: y(n), stroke: n === 0 ? "#9ca3af" : "#e5e7eb", class: "flow-grid" });
    el("text", { x: pad.l - 6, y: y(n) + 4, "text-anchor": "end", "font-size": 11, class: "flow-tick" }, String(n));
  }
  if (stacks.length === 0) {
    el("text", { x: W / 2, y: H / 2, "text-anchor": "middle", "font-size": 14 }, t("flow.empty"));
    return svg;
  }
  const band = plotW / stacks.length;
  const barW = Math.max(1, band * 0.8);
  const step = LABEL_STEPS.find((k) => stacks.length / k <= 6) ?? LABEL_STEPS[LABEL_STEPS.length - 1]!;
  stacks.forEach((hour, i) => {
    const x = pad.l + i * band + (band - barW) / 2;
    let base = 0;
    hour.values.forEach((n, k) => {
      if (n <= 0) return;
      const bar = el("rect", { x, y: y(base + n), width: barW, height: y(base) - y(base + n), fill: PALETTE[k % PALETTE.length]!, class: "flow-bar" });
      el("title", {}, `${label(series[k]!.key)} ${fmtHour(hour.t)}: ${n}`, bar);
      base += n;
    });
    if (wallHour(hour.t) % step === 0) el("text", { x: x + barW / 2, y: H - 8, "text-anchor": "middle", "font-size": 11, class: "flow-hour" }, fmtHour(hour.t));
  });
  return svg;
}

/** The chart's legend, and the same numbers as a table for screen readers and copying. */
function legendAndTable(series: FlowSeries[]) {
  const legend = h(
    "figcaption",
    {},
    h("ul", { className: "legend" }, series.slice(0, MAX_SERIES).map((s, i) => h("li", {}, h("span", { className: "swatch", style: `background:${PALETTE[i % PALETTE.length]}`, "aria-hidden": "true" }), `${label(s.key)}: ${s.total}`))),
  );
  const rows = series.flatMap((s) => s.points.map((p) => h("tr", {}, h("td", {}, label(s.key)), h("td", {}, fmtHour(p.t)), h("td", { className: "num" }, String(p.boardings)))));
  const table = h(
    "details",
    {},
    h("summary", {}, t("flow.asTable")),
    h("table", {}, h("thead", {}, h("tr", {}, h("th", { scope: "col" }, t("flow.group")), h("th", { scope: "col" }, t("flow.hour")), h("th", { scope: "col" }, t("flow.boardings")))), h("tbody", {}, rows)),
  );
  return [legend, table];
}

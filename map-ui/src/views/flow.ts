import { api, errorText } from "../api.ts";
import { clear, field, h, select, status } from "../dom.ts";
import { t, tn } from "../i18n.ts";
import { heatLayer } from "../leaflet-heat.ts";
import { createMap, fitTo } from "../map.ts";
import type { View } from "../shell.ts";
import { daysAgo, endOfToday, fmtHour, fromLocalInput, toLocalInput } from "../time.ts";
import { readFlow, readPlaces, type FlowSeries } from "./flow-model.ts";
import { boardingPlaces, MAX_TRIPS } from "./flow-places.ts";
import type * as L from "leaflet";

const SVG = "http://www.w3.org/2000/svg";
const PALETTE = ["#1d4ed8", "#c2410c", "#15803d", "#7e22ce", "#b91c1c", "#0f766e", "#a16207", "#be185d"];
const MAX_SERIES = 8;
/** Check-ins on a vehicle with no route come back with no key. */
const label = (key: string) => (key === "—" ? t("flow.noRoute") : key);

/** Flow view: boardings per route (or vehicle) and hour as a chart, and where boardings happen as heat. */
export const flowView: View = (ctx, el) => {
  const from = h("input", { type: "datetime-local", required: true, value: toLocalInput(daysAgo(1)) });
  const to = h("input", { type: "datetime-local", required: true, value: toLocalInput(endOfToday()) });
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
      const raw = await api("GET", `/flow?${q}`);
      if (!cm.alive()) return;
      const series = readFlow(raw);
      clear(chart);
      chart.append(drawChart(series), ...legendAndTable(series));
      const given = readPlaces(raw);
      const found = given.length > 0 ? { places: given, capped: false } : await boardingPlaces(q.get("from")!, q.get("to")!);
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

/** A hand-drawn line chart: hours across, boardings up, one line per route. */
function drawChart(all: FlowSeries[]): SVGSVGElement {
  const series = all.slice(0, MAX_SERIES);
  const W = 640;
  const H = 240;
  const pad = { l: 40, r: 40, t: 10, b: 28 };
  const times = series.flatMap((s) => s.points.map((p) => p.t));
  const t0 = Math.min(...times);
  const t1 = Math.max(...times, t0 + 3_600_000);
  const max = Math.max(1, ...series.flatMap((s) => s.points.map((p) => p.boardings)));
  const x = (t: number) => pad.l + ((t - t0) / (t1 - t0)) * (W - pad.l - pad.r);
  const y = (n: number) => H - pad.b - (n / max) * (H - pad.t - pad.b);
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", t("flow.chartLabel"));
  const el = (name: string, attrs: Record<string, string | number>, text?: string) => {
    const e = document.createElementNS(SVG, name);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
    if (text) e.textContent = text;
    svg.append(e);
    return e;
  };
  el("line", { x1: pad.l, y1: H - pad.b, x2: W - pad.r, y2: H - pad.b, stroke: "#9ca3af" });
  el("line", { x1: pad.l, y1: pad.t, x2: pad.l, y2: H - pad.b, stroke: "#9ca3af" });
  for (const n of [0, Math.round(max / 2), max]) el("text", { x: pad.l - 6, y: y(n) + 4, "text-anchor": "end", "font-size": 11 }, String(n));
  if (times.length === 0) {
    el("text", { x: W / 2, y: H / 2, "text-anchor": "middle", "font-size": 14 }, t("flow.empty"));
    return svg;
  }
  const ticks = Math.min(6, Math.max(1, Math.round((t1 - t0) / 3_600_000)));
  for (let i = 0; i <= ticks; i++) {
    const tt = t0 + ((t1 - t0) * i) / ticks;
    el("text", { x: x(tt), y: H - 8, "text-anchor": "middle", "font-size": 11 }, fmtHour(tt));
  }
  series.forEach((s, i) => {
    const color = PALETTE[i % PALETTE.length]!;
    el("polyline", { points: s.points.map((p) => `${x(p.t)},${y(p.boardings)}`).join(" "), fill: "none", stroke: color, "stroke-width": 2, class: "flow-line" });
    for (const p of s.points) el("circle", { cx: x(p.t), cy: y(p.boardings), r: 3, fill: color }).append(Object.assign(document.createElementNS(SVG, "title"), { textContent: `${label(s.key)} ${fmtHour(p.t)}: ${p.boardings}` }));
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

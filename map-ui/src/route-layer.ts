import * as L from "leaflet";
import { api } from "./api.ts";
import { h } from "./dom.ts";
import type { ConsoleMap } from "./map.ts";

export interface RouteDetail {
  id: string;
  shortName: string | null;
  longName: string | null;
  color: string | null;
  shape: { features: { geometry: { coordinates: [number, number][] }; properties: { shapeId: string; headsign: string | null } }[] };
  stops: { id: string; name: string | null; lat: number; lon: number }[];
}

export const routeName = (r: { id: string; shortName: string | null; longName: string | null }) => [r.shortName, r.longName].filter(Boolean).join(" · ") || r.id;

/**
 * A timetable route drawn on a map: its shapes as lines and its stops as small
 * circles, in a group of its own so that a view can replace or remove it whole.
 * Tooltips are elements built with text, never HTML made from the feed's names.
 */
export function routeLayer(cm: ConsoleMap, route: RouteDetail, opts: { under?: boolean } = {}) {
  const color = route.color ? `#${route.color}` : "#6d28d9";
  const group = L.featureGroup();
  for (const f of route.shape.features) {
    const line = L.polyline(
      f.geometry.coordinates.map(([lon, lat]) => cm.ll(lat, lon)),
      { color, weight: opts.under ? 7 : 5, opacity: opts.under ? 0.35 : 0.8, className: "route-shape", interactive: !opts.under },
    );
    if (!opts.under) line.bindTooltip(h("span", {}, `${routeName(route)}${f.properties.headsign ? ` → ${f.properties.headsign}` : ""}`), { sticky: true });
    group.addLayer(line);
  }
  for (const s of route.stops) {
    const stop = L.circleMarker(cm.ll(s.lat, s.lon), { radius: opts.under ? 3 : 5, color, weight: 2, fillColor: "#fff", fillOpacity: 1, className: "route-stop" });
    stop.bindTooltip(h("span", {}, s.name ?? s.id));
    group.addLayer(stop);
  }
  group.addTo(cm.map);
  // Under a GPS track the route is context: drawn first in the stack, so the track stays on top.
  if (opts.under) group.eachLayer((l) => (l as L.Path).bringToBack());
  return group;
}

export type TimetableRoute = { id: string; shortName: string | null; longName: string | null };

let known: Promise<TimetableRoute[]> | null = null;
/**
 * The imported timetable's routes, asked once per page: every view, fleet row
 * and drawn route reads the same list; empty without a timetable (route ids
 * are then free text, and asking for one would only give a 404).
 */
export const timetableRoutes = () => (known ??= api<{ routes: TimetableRoute[] }>("GET", "/routes").then((r) => r.routes, () => []));

/**
 * Each route's name as a person reads it. A feed may give two routes one name
 * (VBB lists bus 651 once as a bus and once as a bus service): those get their
 * route id after the name, so that a list or a chooser never offers two
 * entries nobody can tell apart.
 */
export function routeLabels(routes: readonly TimetableRoute[]): Map<string, string> {
  const named = routes.map((r) => [r.id, routeName(r)] as const);
  const uses = new Map<string, number>();
  for (const [, name] of named) uses.set(name, (uses.get(name) ?? 0) + 1);
  return new Map(named.map(([id, name]) => [id, uses.get(name)! > 1 && name !== id ? `${name} (${id})` : name]));
}

/** The labels of the timetable's routes, for views that show a vehicle's or trip's route id. */
export const timetableRouteLabels = () => timetableRoutes().then(routeLabels);

/** Fetches a route and draws it; null when the timetable has no such route (a free-text route id). */
export async function drawRoute(cm: ConsoleMap, routeId: string, opts: { under?: boolean } = {}): Promise<{ route: RouteDetail; layer: L.FeatureGroup } | null> {
  if (!(await timetableRoutes()).some((r) => r.id === routeId)) return null;
  const route = await api<RouteDetail>("GET", `/routes/${encodeURIComponent(routeId)}`).catch(() => null);
  if (!route || !cm.alive()) return null;
  return { route, layer: routeLayer(cm, route, opts) };
}

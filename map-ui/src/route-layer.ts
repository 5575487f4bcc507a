import * as L from "leaflet";
import { api } from "./api.ts";
import { h } from "./dom.ts";
import type { Project } from "./gcj02.ts";
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
 * A timetable route as one Leaflet layer: its shapes as lines and its stops as
 * small circles, so a view replaces or removes it whole. Under a GPS track it
 * is context: on being added (onAdd) it goes to the back of the stack, so the
 * track stays on top. Tooltips are elements built with text, never HTML made
 * from the feed's names.
 */
export class RouteLayer extends L.FeatureGroup {
  constructor(
    readonly route: RouteDetail,
    ll: Project,
    private opts: { under?: boolean } = {},
  ) {
    super();
    const color = route.color ? `#${route.color}` : "#6d28d9";
    const under = opts.under ?? false;
    for (const f of route.shape.features) {
      const line = L.polyline(
        f.geometry.coordinates.map(([lon, lat]) => ll(lat, lon)),
        { color, weight: under ? 7 : 5, opacity: under ? 0.35 : 0.8, className: "route-shape", interactive: !under },
      );
      if (!under) line.bindTooltip(h("span", {}, `${routeName(route)}${f.properties.headsign ? ` → ${f.properties.headsign}` : ""}`), { sticky: true });
      this.addLayer(line);
    }
    for (const s of route.stops) {
      const stop = L.circleMarker(ll(s.lat, s.lon), { radius: under ? 3 : 5, color, weight: 2, fillColor: "#fff", fillOpacity: 1, className: "route-stop" });
      stop.bindTooltip(h("span", {}, s.name ?? s.id));
      this.addLayer(stop);
    }
  }

  override onAdd(map: L.Map) {
    super.onAdd(map);
    if (this.opts.under) this.eachLayer((l) => (l as L.Path).bringToBack());
    return this;
  }
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

let labels: Promise<Map<string, string>> | null = null;
/** The labels of the timetable's routes, for views that show a vehicle's or trip's route id. */
export const timetableRouteLabels = () => (labels ??= timetableRoutes().then(routeLabels));

/**
 * A route id as a reader sees it: the id at once, then the route's name from
 * the timetable when it has one ("M41 · S+U Hauptbahnhof – Sonnenallee", not
 * "10144_700"). Free-text route ids stay as typed.
 */
export function routeText(routeId: string): HTMLElement {
  const el = h("span", { className: "route" }, routeId);
  void timetableRouteLabels().then((names) => {
    const name = names.get(routeId);
    if (name) el.textContent = name;
  });
  return el;
}

/** Fetches a route and draws it; null when the timetable has no such route (a free-text route id). */
export async function drawRoute(cm: ConsoleMap, routeId: string, opts: { under?: boolean } = {}): Promise<{ route: RouteDetail; layer: RouteLayer } | null> {
  if (!(await timetableRoutes()).some((r) => r.id === routeId)) return null;
  const route = await api<RouteDetail>("GET", `/routes/${encodeURIComponent(routeId)}`).catch(() => null);
  if (!route || !cm.alive()) return null;
  return { route, layer: new RouteLayer(route, cm.ll, opts).addTo(cm.map) };
}

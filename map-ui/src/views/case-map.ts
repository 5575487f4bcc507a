import * as L from "leaflet";
import { h, lines } from "../dom.ts";
import { fixAt, parseTrack, type Fix } from "../geo.ts";
import { t } from "../i18n.ts";
import type { ConsoleMap } from "../map.ts";
import { fitTo } from "../map.ts";
import { fmtDateTime } from "../time.ts";
import { onBoardAt, type Contact, type Segment, type Trace } from "./trace-model.ts";

export interface Places {
  board: Fix | null;
  alight: Fix | null;
}

const COLORS = { case: "#1d4ed8", depth1: "#c2410c", depth2: "#7e22ce", selected: "#111827", vehicle: "#0f766e" };

interface SegmentTrack {
  from: number;
  to: number;
  track: Fix[];
}

/**
 * The paths the case rode, with where it boarded (white dot) and alighted
 * (blue dot). Each map concern is its own layer with its own lifecycle
 * (Leaflet's onAdd/onRemove), so the view swaps a trace by swapping layers.
 */
class CaseRidesLayer extends L.Layer {
  private group = L.layerGroup();
  readonly tracks: SegmentTrack[];
  readonly points: L.LatLngTuple[] = [];

  constructor(segments: Segment[], pt: (f: Fix) => L.LatLngTuple) {
    super();
    this.tracks = segments.map((s) => {
      const track = parseTrack(s.path);
      const from = Date.parse(s.from);
      const to = Date.parse(s.to);
      const latlngs = track.map(pt);
      this.points.push(...latlngs);
      if (latlngs.length > 1) {
        // The ride names its vehicle and time, so the path can be told apart where two rides cross.
        const vehicle = [s.plate, s.routeId].filter(Boolean).join(" · ");
        L.polyline(latlngs, { color: COLORS.case, weight: 4, opacity: 0.8, className: "segment-path" })
          .bindTooltip(lines(t("legend.casePath"), ...(vehicle ? [vehicle] : []), `${fmtDateTime(s.from)} – ${fmtDateTime(s.to)}`), { sticky: true })
          .addTo(this.group);
      }
      const board = fixAt(track, from) ?? track[0];
      const alight = fixAt(track, to) ?? track[track.length - 1];
      if (board) {
        L.circleMarker(pt(board), { radius: 8, color: COLORS.case, fillColor: "#fff", fillOpacity: 1, weight: 3, className: "case-boarding" })
          .bindTooltip(lines(`${t("case.caseBoarded")} ${fmtDateTime(s.from)}`))
          .addTo(this.group);
      }
      if (alight) {
        L.circleMarker(pt(alight), { radius: 8, color: COLORS.case, fillColor: COLORS.case, fillOpacity: 1, weight: 3, className: "case-alighting" })
          .bindTooltip(lines(`${t("case.caseAlighted")} ${fmtDateTime(s.to)}${s.alightEstimated ? ` (${t("case.estimated")})` : ""}`))
          .addTo(this.group);
      }
      return { from, to, track };
    });
  }

  override onAdd(map: L.Map) {
    this.group.addTo(map);
    return this;
  }
  override onRemove() {
    this.group.remove();
    return this;
  }
}

interface ContactMarker {
  board: L.CircleMarker;
  alight: L.CircleMarker | null;
  contact: Contact;
}

/** Where each contact boarded (orange; depth 2 purple, smaller, dashed) and where their time with the case ended. */
class ContactPlacesLayer extends L.Layer {
  private group = L.layerGroup();
  private markers = new Map<number, ContactMarker>();
  private selected = new Set<number>();
  private onBoard = new Map<number, boolean>();
  readonly points: L.LatLngTuple[] = [];

  constructor(contacts: { key: number; contact: Contact }[], places: Map<number, Places>, pt: (f: Fix) => L.LatLngTuple, onSelect: (key: number) => void) {
    super();
    for (const { key, contact } of contacts) {
      const p = places.get(key);
      if (!p?.board) continue;
      const depthClass = contact.depth >= 2 ? "depth-2" : "depth-1";
      const label = `${contactName(contact)} · ${t(`role.${contact.role}`)} · ${t("case.depth")} ${contact.depth}`;
      const board = L.circleMarker(pt(p.board), { radius: contact.depth >= 2 ? 6 : 7, dashArray: contact.depth >= 2 ? "3 3" : undefined, className: `contact-marker ${depthClass}` })
        .bindTooltip(lines(label, `${t("case.boarded")} ${fmtDateTime(contact.boardedAt ?? contact.from)}`))
        .on("click", () => onSelect(key))
        .addTo(this.group);
      const alight = p.alight
        ? L.circleMarker(pt(p.alight), { radius: 4, fillOpacity: 0, className: `contact-alight ${depthClass}` })
            .bindTooltip(lines(label, `${t("case.alighted")} ${fmtDateTime(contact.to)}`))
            .on("click", () => onSelect(key))
            .addTo(this.group)
        : null;
      this.markers.set(key, { board, alight, contact });
      this.restyle(key);
      this.points.push(pt(p.board));
    }
  }

  private restyle(key: number) {
    const m = this.markers.get(key)!;
    const isSel = this.selected.has(key);
    const on = this.onBoard.get(key) ?? true;
    const color = isSel ? COLORS.selected : m.contact.depth >= 2 ? COLORS.depth2 : COLORS.depth1;
    const style = { color, fillColor: color, weight: isSel ? 4 : 2, fillOpacity: on ? 0.85 : 0.25, opacity: on ? 1 : 0.5 };
    m.board.setStyle(style);
    m.alight?.setStyle({ ...style, fillOpacity: 0 });
    m.board.getElement()?.classList.toggle("selected", isSel);
    m.board.getElement()?.classList.toggle("onboard", on);
    m.alight?.getElement()?.classList.toggle("selected", isSel);
  }

  /** Highlights one person's markers (all their segments); pans to the first. */
  select(keys: number[], map: L.Map) {
    const previous = [...this.selected];
    this.selected = new Set(keys);
    for (const k of [...previous, ...keys]) if (this.markers.has(k)) this.restyle(k);
    const first = keys.map((k) => this.markers.get(k)).find(Boolean);
    if (first) {
      first.board.bringToFront();
      first.board.openTooltip();
      map.panTo(first.board.getLatLng());
    }
  }

  setTime(at: number) {
    for (const [key, m] of this.markers) {
      this.onBoard.set(key, onBoardAt(m.contact, at));
      this.restyle(key);
    }
  }

  override onAdd(map: L.Map) {
    this.group.addTo(map);
    // Elements exist only once on a map: apply the classes tests and assistive tools look for.
    for (const key of this.markers.keys()) this.restyle(key);
    return this;
  }
  override onRemove() {
    this.group.remove();
    return this;
  }
}

/** Where the case's vehicle was at the slider's moment. */
class VehicleCursorLayer extends L.Layer {
  private group = L.layerGroup();
  constructor(
    private tracks: SegmentTrack[],
    private pt: (f: Fix) => L.LatLngTuple,
  ) {
    super();
  }
  setTime(at: number) {
    this.group.clearLayers();
    for (const s of this.tracks) {
      if (at < s.from || at >= s.to) continue;
      const f = fixAt(s.track, at);
      if (f) L.circleMarker(this.pt(f), { radius: 10, color: COLORS.vehicle, fillColor: COLORS.vehicle, fillOpacity: 0.5, className: "case-vehicle" }).addTo(this.group);
    }
  }
  override onAdd(map: L.Map) {
    this.group.addTo(map);
    return this;
  }
  override onRemove() {
    this.group.remove();
    return this;
  }
}

/** What each mark on the map means, as text (a legend a screen reader can read too). */
class LegendControl extends L.Control {
  override onAdd() {
    const item = (cls: string, label: string) => h("li", {}, h("span", { className: `legend-mark ${cls}`, "aria-hidden": "true" }), label);
    const el = h(
      "div",
      { className: "map-legend leaflet-bar" },
      h(
        "ul",
        { "aria-label": t("legend.title") },
        item("case-path", t("legend.casePath")),
        item("case-board", t("legend.caseBoarded")),
        item("case-alight", t("legend.caseAlighted")),
        item("depth-1", t("legend.depth1")),
        item("depth-2", t("legend.depth2")),
        item("vehicle", t("legend.vehicle")),
      ),
    );
    L.DomEvent.disableClickPropagation(el);
    return el;
  }
}

/** The case on the map: one set of layers per trace shown, replaced as a whole. */
export function createTraceMap(cm: ConsoleMap, onSelect: (key: number) => void) {
  const pt = (f: Fix) => cm.ll(f.lat, f.lon);
  let layers: { rides: CaseRidesLayer; contacts: ContactPlacesLayer; cursor: VehicleCursorLayer } | null = null;
  let legend: LegendControl | null = null;

  const clear = () => {
    if (!layers) return;
    for (const layer of Object.values(layers)) layer.remove();
    layers = null;
  };

  return {
    clear,
    show(trace: Trace, places: Map<number, Places>) {
      clear();
      const rides = new CaseRidesLayer(trace.segments, pt);
      const contacts = new ContactPlacesLayer(
        trace.contacts.map((contact, key) => ({ key, contact })),
        places,
        pt,
        onSelect,
      );
      const cursor = new VehicleCursorLayer(rides.tracks, pt);
      layers = { rides: rides.addTo(cm.map), contacts: contacts.addTo(cm.map), cursor: cursor.addTo(cm.map) };
      legend ??= new LegendControl({ position: "bottomleft" }).addTo(cm.map);
      fitTo(cm, [...rides.points, ...contacts.points]);
    },
    select(keys: number[]) {
      layers?.contacts.select(keys, cm.map);
    },
    /** The slider's moment: who was on board, and where the case's vehicle was. */
    setTime(at: number) {
      layers?.contacts.setTime(at);
      layers?.cursor.setTime(at);
    },
  };
}

export function contactName(c: Contact): string {
  if (c.role === "driver") return c.name ?? `${t("role.driver")} ${c.driverId ?? ""}`.trim();
  return c.name ?? c.phone ?? t("case.unnamed");
}

import * as L from "leaflet";
import { lines } from "../dom.ts";
import { fixAt, parseTrack, type Fix } from "../geo.ts";
import { t } from "../i18n.ts";
import type { ConsoleMap } from "../map.ts";
import { fitTo } from "../map.ts";
import { fmtDateTime } from "../time.ts";
import { onBoardAt, type Contact, type Trace } from "./trace-model.ts";

export interface Places {
  board: Fix | null;
  alight: Fix | null;
}

const COLORS = { case: "#1d4ed8", depth1: "#c2410c", depth2: "#7e22ce", selected: "#111827", vehicle: "#0f766e" };

/**
 * The case on the map: the paths it rode, where it and each contact boarded
 * and alighted. Few enough shapes to draw as SVG, so each marker is an element
 * a test (or an assistive tool) can find by class.
 */
export function createTraceMap(cm: ConsoleMap, onSelect: (key: number) => void) {
  const layer = L.layerGroup().addTo(cm.map);
  const vehicles = L.layerGroup().addTo(cm.map);
  const contactMarkers = new Map<number, { board: L.CircleMarker; alight: L.CircleMarker | null; contact: Contact }>();
  let selected: number | null = null;
  let segmentTracks: { from: number; to: number; track: Fix[] }[] = [];

  const pt = (f: Fix) => cm.ll(f.lat, f.lon);

  function styleFor(key: number, onBoard: boolean) {
    const m = contactMarkers.get(key)!;
    const isSel = key === selected;
    const color = isSel ? COLORS.selected : m.contact.depth >= 2 ? COLORS.depth2 : COLORS.depth1;
    return { color, fillColor: color, weight: isSel ? 4 : 2, fillOpacity: onBoard ? 0.85 : 0.25, opacity: onBoard ? 1 : 0.5 };
  }

  return {
    show(trace: Trace, rows: { key: number; contact: Contact }[], places: Map<number, Places>) {
      layer.clearLayers();
      vehicles.clearLayers();
      contactMarkers.clear();
      const all: L.LatLngTuple[] = [];
      segmentTracks = trace.segments.map((s) => {
        const track = parseTrack(s.path);
        const from = Date.parse(s.from);
        const to = Date.parse(s.to);
        const latlngs = track.map(pt);
        all.push(...latlngs);
        if (latlngs.length > 1) L.polyline(latlngs, { color: COLORS.case, weight: 4, opacity: 0.8, className: "segment-path" }).addTo(layer);
        const board = fixAt(track, from) ?? track[0];
        const alight = fixAt(track, to) ?? track[track.length - 1];
        if (board) {
          L.circleMarker(pt(board), { radius: 8, color: COLORS.case, fillColor: "#fff", fillOpacity: 1, weight: 3, className: "case-boarding" })
            .bindTooltip(lines(`${t("case.caseBoarded")} ${fmtDateTime(s.from)}`))
            .addTo(layer);
        }
        if (alight) {
          L.circleMarker(pt(alight), { radius: 8, color: COLORS.case, fillColor: COLORS.case, fillOpacity: 1, weight: 3, className: "case-alighting" })
            .bindTooltip(lines(`${t("case.caseAlighted")} ${fmtDateTime(s.to)}${s.alightEstimated ? ` (${t("case.estimated")})` : ""}`))
            .addTo(layer);
        }
        return { from, to, track };
      });
      for (const { key, contact } of rows) {
        const p = places.get(key);
        if (!p?.board) continue;
        const depthClass = contact.depth >= 2 ? "depth-2" : "depth-1";
        const label = `${contactName(contact)} · ${t(`role.${contact.role}`)} · ${t("case.depth")} ${contact.depth}`;
        const board = L.circleMarker(pt(p.board), {
          radius: contact.depth >= 2 ? 6 : 7,
          dashArray: contact.depth >= 2 ? "3 3" : undefined,
          className: `contact-marker ${depthClass}`,
        })
          .bindTooltip(lines(label, `${t("case.boarded")} ${fmtDateTime(contact.boardedAt ?? contact.from)}`))
          .on("click", () => onSelect(key))
          .addTo(layer);
        const alight = p.alight
          ? L.circleMarker(pt(p.alight), { radius: 4, fillOpacity: 0, className: `contact-alight ${depthClass}` })
              .bindTooltip(lines(label, `${t("case.alighted")} ${fmtDateTime(contact.to)}`))
              .on("click", () => onSelect(key))
              .addTo(layer)
          : null;
        contactMarkers.set(key, { board, alight, contact });
        board.setStyle(styleFor(key, true));
        alight?.setStyle({ ...styleFor(key, true), fillOpacity: 0 });
        all.push(pt(p.board));
      }
      fitTo(cm, all);
    },

    select(key: number | null) {
      const previous = selected;
      selected = key;
      for (const k of [previous, key]) {
        if (k === null) continue;
        const m = contactMarkers.get(k);
        if (!m) continue;
        m.board.setStyle(styleFor(k, true));
        m.board.getElement()?.classList.toggle("selected", k === key);
        m.alight?.getElement()?.classList.toggle("selected", k === key);
      }
      const m = key === null ? undefined : contactMarkers.get(key);
      if (m) {
        m.board.bringToFront();
        m.board.openTooltip();
        cm.map.panTo(m.board.getLatLng());
      }
    },

    /** The slider's moment: who was on board, and where the case's vehicle was. */
    setTime(at: number) {
      for (const [key, m] of contactMarkers) {
        const on = onBoardAt(m.contact, at);
        m.board.setStyle(styleFor(key, on));
        m.board.getElement()?.classList.toggle("onboard", on);
      }
      vehicles.clearLayers();
      for (const s of segmentTracks) {
        if (at < s.from || at >= s.to) continue;
        const f = fixAt(s.track, at);
        if (f) L.circleMarker(pt(f), { radius: 10, color: COLORS.vehicle, fillColor: COLORS.vehicle, fillOpacity: 0.5, className: "case-vehicle" }).addTo(vehicles);
      }
    },
  };
}

export function contactName(c: Contact): string {
  if (c.role === "driver") return c.name ?? `${t("role.driver")} ${c.driverId ?? ""}`.trim();
  // The tail of a UUID v7: its head is a timestamp, alike for people created together.
  return c.name ?? c.phone ?? (c.personId ? `…${c.personId.slice(-8)}` : "?");
}

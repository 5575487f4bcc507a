import * as L from "leaflet";
import type { LiveVehicle } from "../../../protocol/api/live.ts";
import type { Project } from "../gcj02.ts";

const STYLE = {
  online: { color: "#15803d", fillColor: "#22c55e", fillOpacity: 0.9, radius: 5, weight: 1 },
  offline: { color: "#6b7280", fillColor: "#d1d5db", fillOpacity: 0.9, radius: 5, weight: 1 },
};

/**
 * Every vehicle's last position as one Leaflet layer: a circle marker per
 * vehicle, kept in a Map and moved with setLatLng, so thousands of vehicles
 * update without rebuilding anything. Added to a map it shows them all;
 * removed, it takes them all away (onAdd/onRemove).
 */
export class LiveVehiclesLayer extends L.Layer {
  private group = L.featureGroup();
  private markers = new Map<string, L.CircleMarker>();

  constructor(
    private ll: Project,
    private tooltip: (vehicleId: string) => () => HTMLElement,
  ) {
    super();
  }

  /** Places or moves a vehicle; `before` is what was known of it, to restyle only on a change. */
  put(v: LiveVehicle, before: LiveVehicle | undefined) {
    if (v.lat === null || v.lon === null) return;
    const at = this.ll(v.lat, v.lon);
    const m = this.markers.get(v.vehicleId);
    if (!m) {
      const marker = L.circleMarker(at, { ...(v.online ? STYLE.online : STYLE.offline) }).bindTooltip(this.tooltip(v.vehicleId));
      this.markers.set(v.vehicleId, marker);
      this.group.addLayer(marker);
      return;
    }
    m.setLatLng(at);
    if (before?.online !== v.online) m.setStyle(v.online ? STYLE.online : STYLE.offline);
    if (m.isTooltipOpen()) m.getTooltip()?.update();
  }

  /** Vehicles with a position, i.e. on the map. */
  get size() {
    return this.markers.size;
  }

  points(): L.LatLngTuple[] {
    return [...this.markers.values()].map((m) => [m.getLatLng().lat, m.getLatLng().lng]);
  }

  /** Centres the map on one vehicle and opens its tooltip. */
  focus(vehicleId: string) {
    const m = this.markers.get(vehicleId);
    if (!m || !this._map) return;
    this._map.setView(m.getLatLng(), Math.max(this._map.getZoom(), 15));
    m.openTooltip();
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

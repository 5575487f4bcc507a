import * as L from "leaflet";
import { lines } from "../dom.ts";
import { fixAt, type Fix } from "../geo.ts";
import { t } from "../i18n.ts";
import { fmtTime } from "../time.ts";

/*
 * The trip on the map, one Leaflet layer per concern (its path, where each
 * passenger boarded, the vehicle during the replay), each adding and removing
 * its own marks (onAdd/onRemove), so the view only adds layers and moves time.
 */

/** A group of marks that comes and goes as one layer. */
abstract class GroupLayer extends L.Layer {
  protected group = L.layerGroup();
  override onAdd(map: L.Map) {
    this.group.addTo(map);
    return this;
  }
  override onRemove() {
    this.group.remove();
    return this;
  }
}

/** The trip's GPS path. */
export class TripPathLayer extends GroupLayer {
  constructor(latlngs: L.LatLngTuple[]) {
    super();
    if (latlngs.length > 1) L.polyline(latlngs, { color: "#1d4ed8", weight: 4, className: "trip-path" }).addTo(this.group);
  }
}

export interface Boarding {
  label: string;
  at: number;
  place: Fix | null;
}

/** Where each passenger boarded; faint until the replay reaches their boarding. */
export class TripBoardingsLayer extends GroupLayer {
  private markers: (L.CircleMarker | null)[];
  constructor(
    private boardings: Boarding[],
    ll: (f: Fix) => L.LatLngTuple,
  ) {
    super();
    this.markers = boardings.map((b) =>
      b.place
        ? L.circleMarker(ll(b.place), { radius: 6, color: "#c2410c", fillOpacity: 0.8, className: "checkin-marker" })
            .bindTooltip(lines(`${b.label} · ${t("case.boarded")} ${fmtTime(b.at)}`))
            .addTo(this.group)
        : null,
    );
  }
  setTime(at: number) {
    this.boardings.forEach((b, i) => {
      const on = b.at <= at;
      this.markers[i]?.setStyle({ opacity: on ? 1 : 0.2, fillOpacity: on ? 0.8 : 0.1 });
    });
  }
}

/** The vehicle where it was at the replay's moment. */
export class TripVehicleLayer extends GroupLayer {
  private marker: L.CircleMarker;
  constructor(
    private timed: Fix[],
    private ll: (f: Fix) => L.LatLngTuple,
    start: L.LatLngExpression,
  ) {
    super();
    this.marker = L.circleMarker(start, { radius: 10, color: "#0f766e", fillOpacity: 0.6, className: "trip-vehicle" }).addTo(this.group);
  }
  setTime(at: number) {
    const f = fixAt(this.timed, at);
    if (f) this.marker.setLatLng(this.ll(f));
  }
}

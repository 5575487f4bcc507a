import * as L from "leaflet";
import type { Boot } from "./boot.ts";
import { projectionFor, type Project } from "./gcj02.ts";
import { t } from "./i18n.ts";

export interface ConsoleMap {
  map: L.Map;
  /** Every WGS-84 coordinate goes through this before it is drawn (GCJ-02 for Chinese tiles). */
  ll: Project;
  /** False once the view is gone: async answers arriving later must not draw. */
  alive(): boolean;
  destroy(): void;
}

const DEFAULT_CENTER: L.LatLngTuple = [36.6512, 117.1201]; // Jinan

/**
 * A Leaflet map with the configured tiles (BaseTiles). When tiles cannot be
 * loaded the map keeps working on a plain background and says so once.
 */
export function createMap(el: HTMLElement, boot: Boot, opts: { label: string; canvas?: boolean }): ConsoleMap {
  el.classList.add("map");
  el.setAttribute("role", "region");
  el.setAttribute("aria-label", opts.label);
  const map = L.map(el, {
    preferCanvas: opts.canvas ?? false,
    renderer: opts.canvas ? new SafeCanvas({ padding: 0.2 }) : L.svg(),
    keyboard: true,
    zoomControl: true,
    attributionControl: true,
  }).setView(DEFAULT_CENTER, 12);
  map.attributionControl.setPrefix(false);

  new BaseTiles(tileUrlOf(boot.tileUrl)).addTo(map);

  const ll = projectionFor(boot.tileCrs);
  // A map created inside a just-shown container measures 0×0 until told otherwise.
  const resize = new ResizeObserver(() => map.invalidateSize());
  resize.observe(el);
  let alive = true;
  return {
    map,
    ll,
    alive: () => alive,
    destroy() {
      alive = false;
      resize.disconnect();
      // Stop pan/zoom animations first: one finishing on a removed map throws (_leaflet_pos).
      map.stop();
      map.off();
      map.remove();
    },
  };
}

/**
 * Leaflet 1.9.4's canvas renderer can run a redraw queued just before its map
 * was removed: a redraw done at once (map.stop() in destroy) drops the queued
 * frame's id, so map.remove() cannot cancel it, and it then draws on a canvas
 * that is gone ("Cannot read properties of undefined (reading 'save')", seen
 * when a live view is left while markers move). Leaflet fixed this after 1.9.4
 * (PR #9608); until then a redraw without its canvas is skipped.
 */
const SafeCanvas = L.Canvas.extend({
  _redraw(this: { _ctx?: CanvasRenderingContext2D }) {
    if (this._ctx) (L.Canvas.prototype as unknown as { _redraw(): void })._redraw.call(this);
  },
}) as unknown as new (options?: L.RendererOptions) => L.Canvas;

/**
 * The background as one layer: the configured tiles, and the note shown when
 * there are none or they cannot be loaded (offline, blocked, misconfigured).
 * It marks its map's container `no-tiles` while that is so, and takes the
 * tiles, the note and the mark away again when removed.
 */
class BaseTiles extends L.Layer {
  private tiles: L.TileLayer | null;
  private note: HTMLElement | null = null;
  private failures = 0;

  constructor(url: string | null) {
    super();
    this.tiles = url ? L.tileLayer(url, { maxZoom: 19, attribution: attributionFor(url), crossOrigin: false }) : null;
  }

  private failed = () => {
    this.failures += 1;
    if (this.failures === 3) this._map?.getContainer().classList.add("no-tiles");
  };
  private loaded = () => this._map?.getContainer().classList.remove("no-tiles");

  override onAdd(map: L.Map) {
    const el = map.getContainer();
    this.note = L.DomUtil.create("div", "no-tiles-note", el);
    this.note.textContent = t("map.noTiles");
    if (!this.tiles) el.classList.add("no-tiles");
    this.tiles?.on("tileerror", this.failed).on("tileload", this.loaded).addTo(map);
    return this;
  }

  override onRemove(map: L.Map) {
    this.tiles?.off("tileerror", this.failed).off("tileload", this.loaded).remove();
    this.note?.remove();
    map.getContainer().classList.remove("no-tiles");
    return this;
  }
}

/** TILE_URL "none" (or empty) means a plain background on purpose, e.g. on an offline network. */
function tileUrlOf(url: string): string | null {
  const u = url.trim();
  return u === "" || u.toLowerCase() === "none" ? null : u;
}

function attributionFor(url: string): string {
  return url.includes("openstreetmap.org") ? "© OpenStreetMap contributors" : "";
}

/** Fits the map to these points, if there are any. */
export function fitTo(cm: ConsoleMap, points: L.LatLngTuple[], maxZoom = 16) {
  if (points.length === 0) return;
  cm.map.fitBounds(L.latLngBounds(points), { padding: [24, 24], maxZoom, animate: false });
}

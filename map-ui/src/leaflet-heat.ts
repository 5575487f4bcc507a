import * as Leaflet from "leaflet";

/*
 * leaflet.heat is a plain script that extends a global `L`. An ES bundle of
 * Leaflet sets none, so give it one (a copy: module namespaces are sealed),
 * then load the plugin behind it.
 */
const globalL = { ...Leaflet } as typeof Leaflet & { heatLayer?: HeatLayerFactory };
(window as unknown as { L: typeof globalL }).L = globalL;

type HeatPoint = [lat: number, lon: number, intensity?: number];
type HeatLayerFactory = (points: HeatPoint[], options?: { radius?: number; blur?: number; maxZoom?: number; max?: number; minOpacity?: number }) => Leaflet.Layer & {
  setLatLngs(points: HeatPoint[]): void;
};

export async function heatLayer(): Promise<HeatLayerFactory> {
  if (!globalL.heatLayer) await import("leaflet.heat");
  return globalL.heatLayer!;
}

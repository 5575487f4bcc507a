// leaflet.heat ships no types; leaflet-heat.ts describes the one function used.
declare module "leaflet.heat";

import { api } from "../api.ts";
import { fixAt, parseTrack, type Fix } from "../geo.ts";
import type { Places } from "./case-map.ts";
import type { Contact, Trace } from "./trace-model.ts";

type Feature = { geometry?: { type?: string; coordinates?: unknown }; properties?: Record<string, unknown> };

/** One contact's identity in the trace and in its GeoJSON export, which carries no phone or name. */
const keyOf = (c: { role?: unknown; personId?: unknown; driverId?: unknown; vehicleId?: unknown; boardedAt?: unknown; from?: unknown }) =>
  [c.role, c.personId ?? "", c.driverId ?? "", c.vehicleId, c.boardedAt ?? "", c.from].join("|");

/**
 * Where each contact boarded: the server's own answer (the vehicle's track
 * interpolated at their boarding time, DESIGN §7) from the trace's GeoJSON.
 * Where the API offers vehicle tracks, also where their shared time ended.
 */
export async function contactPlaces(trace: Trace, hasTrackRoute: boolean): Promise<Map<number, Places>> {
  const places = new Map<number, Places>();
  if (!trace.id) return places;
  const boardings = new Map<string, Fix>();
  const geo = await api<{ features?: Feature[] }>("GET", `/traces/${encodeURIComponent(trace.id)}.geojson`).catch(() => ({ features: [] }));
  for (const f of geo.features ?? []) {
    if (f.properties?.kind !== "contact") continue;
    const [fix] = parseTrack(f.geometry ?? null);
    if (fix) boardings.set(keyOf(f.properties), fix);
  }
  await Promise.all(
    trace.contacts.map(async (c, key) => {
      places.set(key, { board: boardings.get(keyOf(c)) ?? null, alight: hasTrackRoute ? await endOfContact(c) : null });
    }),
  );
  return places;
}

/** The vehicle's place when the contact's time with the case ended: the end of its track over that time. */
async function endOfContact(c: Contact): Promise<Fix | null> {
  const q = new URLSearchParams({ from: c.from, to: c.to });
  const track = await api("GET", `/vehicles/${encodeURIComponent(c.vehicleId)}/track?${q}`).then(parseTrack, () => []);
  return fixAt(track, Date.parse(c.to)) ?? track[track.length - 1] ?? null;
}

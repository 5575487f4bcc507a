import { v7 as uuidv7 } from "uuid";
import { tripMessage } from "../../../protocol/index.ts";
import type { Outbox } from "../outbox/outbox.ts";

/** What the driver (or the replayed file) says about a trip. */
export interface TripDetails {
  /** Bus or coach: the route. */
  routeId?: string;
  /** Bus: "up"/"down" or a headsign. */
  direction?: string;
  /** Taxi fare or ride-hail order reference. */
  orderRef?: string;
  driverId?: string;
}

export interface OpenTrip extends TripDetails {
  tripId: string;
  startedAt: number;
  /** The replay file's own trip key, when the trip came from the file. */
  replayKey?: string;
}

const STATE_KEY = "trip";

/**
 * Trips are opened and closed on the vehicle, offline too: the agent makes the
 * tripId (UUID v7, its time part the trip's start) and writes the event to the
 * outbox in the same transaction as the open trip it records, so a crash can
 * neither lose a start nor leave a trip open that the server never heard of.
 * Starting a trip while one is open ends that one first: a vehicle's trips
 * never overlap.
 */
export function createTrips(deps: { outbox: Outbox; defaults?: TripDetails; onChange?: (trip: OpenTrip | null) => void }) {
  const { outbox } = deps;
  let open = outbox.getState<OpenTrip>(STATE_KEY) ?? null;

  function endOpen(ts: number): OpenTrip | null {
    const ending = open;
    if (!ending) return null;
    outbox.add("trip", tripMessage.parse({ event: "end", tripId: ending.tripId, ts: Math.max(ts, ending.startedAt) }));
    outbox.setState(STATE_KEY, undefined);
    open = null;
    return ending;
  }

  return {
    current: (): OpenTrip | null => open,

    start(details: TripDetails, ts = Date.now(), replayKey?: string): OpenTrip {
      const merged: TripDetails = { ...deps.defaults, ...details };
      const trip: OpenTrip = { tripId: uuidv7({ msecs: ts }), startedAt: ts, ...merged, ...(replayKey ? { replayKey } : {}) };
      // Validate before anything is stored: a bad route name is the caller's error, not a half-written trip.
      const message = tripMessage.parse({ event: "start", tripId: trip.tripId, ts, ...merged });
      outbox.transaction(() => {
        endOpen(ts);
        outbox.add("trip", message);
        outbox.setState(STATE_KEY, trip);
      });
      open = trip;
      deps.onChange?.(open);
      return trip;
    },

    /** Ends the open trip; null when there was none. */
    end(ts = Date.now()): OpenTrip | null {
      const ended = outbox.transaction(() => endOpen(ts));
      if (ended) deps.onChange?.(null);
      return ended;
    },
  };
}

export type Trips = ReturnType<typeof createTrips>;

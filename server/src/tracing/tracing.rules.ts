/**
 * The constants of DESIGN §7 and the risk score. The SQL that applies the
 * rules lives in tracing.repository.ts; these numbers are shared with it, the
 * trips API and the flow figures so every screen agrees on who was on board.
 */

/** A check-in up to this long before a trip's start belongs to that trip. */
export const TRIP_GRACE_MS = 2 * 60_000;
/** How long a passenger is taken to ride when no trip was open on the vehicle. */
export const DEFAULT_RIDE_MS = 60 * 60_000;
/**
 * Safety bound on any on-board interval: a trip whose end event never came
 * (and no later trip closed it) must not keep its passengers on board for
 * days. Also bounds how far back the join looks, so day partitions are pruned.
 */
export const MAX_ON_BOARD_MS = 24 * 3_600_000;

export type VehicleKind = "bus" | "taxi" | "ride_hail" | "coach";

/** Smaller vehicles share more air per passenger: a taxi ride outranks a bus ride of the same length. */
export const KIND_WEIGHT: Record<VehicleKind, number> = { taxi: 1, ride_hail: 1, coach: 0.75, bus: 0.5 };
/** Seats assumed when a vehicle was registered without a capacity. */
export const DEFAULT_CAPACITY: Record<VehicleKind, number> = { taxi: 4, ride_hail: 4, coach: 50, bus: 60 };
/** Overlap, in minutes, at which the time factor reaches 63 % of its maximum. */
export const OVERLAP_SCALE_MINUTES = 15;
/** Depth-2 contacts were exposed to someone not (yet) known to be infected. */
export const DEPTH2_WEIGHT = 0.5;

/** "12A" → 12; "A12" → 12; anything without a number → null. */
export function seatRow(seat: string | null | undefined): number | null {
  const m = /(\d+)/.exec(seat ?? "");
  return m ? Number(m[1]) : null;
}

export interface RiskInput {
  overlapMinutes: number;
  kind: VehicleKind;
  capacity: number | null;
  /** Distinct people on board during the source's segment, the source included. */
  onBoard: number;
  /** Seats of the source and of the contact (coach rows), when both were given. */
  sourceSeat?: string | null;
  contactSeat?: string | null;
  depth: 1 | 2;
}

/**
 * risk = time × kind × crowding × seat × depth, in [0, 1] (see docs/tracing.md):
 * - time     = 1 − e^(−overlap / 15 min)
 * - kind     = taxi/ride-hail 1, coach 0.75, bus 0.5
 * - crowding = 0.5 + 0.5 × min(1, onBoard / capacity)
 * - seat     = on a coach with both rows known: 1 within three rows, else 0.4; unknown 0.7; other kinds 1
 * - depth    = 1 at depth 1, 0.5 at depth 2
 */
export function riskScore(r: RiskInput): number {
  const time = 1 - Math.exp(-Math.max(0, r.overlapMinutes) / OVERLAP_SCALE_MINUTES);
  const capacity = r.capacity && r.capacity > 0 ? r.capacity : DEFAULT_CAPACITY[r.kind];
  const crowding = 0.5 + 0.5 * Math.min(1, r.onBoard / capacity);
  let seat = 1;
  if (r.kind === "coach") {
    const a = seatRow(r.sourceSeat);
    const b = seatRow(r.contactSeat);
    seat = a === null || b === null ? 0.7 : Math.abs(a - b) <= 3 ? 1 : 0.4;
  }
  const depth = r.depth === 1 ? 1 : DEPTH2_WEIGHT;
  return Math.round(time * KIND_WEIGHT[r.kind] * crowding * seat * depth * 1000) / 1000;
}

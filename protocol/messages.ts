import { z } from "zod";
import { epochMs, ROUTE_ID_MAX, text } from "./fields.ts";

/**
 * Payload schemas, protocol v1 (DESIGN §4). The server validates every message
 * with these; the agent builds its messages with the same types.
 */

/** The agent's own increasing counter; the server's ack names it. */
export const seq = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

export const positionFix = z.object({
  ts: epochMs,
  lat: z.number().min(-90).max(90),
  lon: z.number().min(-180).max(180),
  speed: z.number().min(0).max(200).optional(),
  heading: z.number().min(0).max(360).optional(),
  accuracy: z.number().min(0).max(100_000).optional(),
});
export type PositionFix = z.infer<typeof positionFix>;

export const MAX_BATCH_POINTS = 500;

export const positionMessage = z.union([
  positionFix.extend({ seq: seq.optional() }),
  z.object({ points: z.array(positionFix).min(1).max(MAX_BATCH_POINTS), seq: seq.optional() }),
]);
export type PositionMessage = z.infer<typeof positionMessage>;

/** Every fix of a position message, single or batch. */
export function fixesOf(message: PositionMessage): PositionFix[] {
  return "points" in message ? message.points : [message];
}

const uuid = z.string().uuid();
const shortText = text({ min: 1, max: 64 });

export const tripStart = z.object({
  event: z.literal("start"),
  tripId: uuid,
  ts: epochMs,
  routeId: text({ min: 1, max: ROUTE_ID_MAX }).optional(),
  /** Bus: "up"/"down" or a headsign. */
  direction: shortText.optional(),
  driverId: shortText.optional(),
  /** Taxi fare or ride-hail order reference. */
  orderRef: shortText.optional(),
  seq: seq.optional(),
});
export const tripEnd = z.object({ event: z.literal("end"), tripId: uuid, ts: epochMs, seq: seq.optional() });
export const tripMessage = z.discriminatedUnion("event", [tripStart, tripEnd]);
export type TripMessage = z.infer<typeof tripMessage>;

export const checkinMessage = z.object({
  checkinId: uuid,
  ts: epochMs,
  /** The personal pass token read by the onboard scanner (see codes.ts). */
  pass: text({ min: 10, max: 512 }),
  seat: text({ min: 1, max: 16 }).optional(),
  seq: seq.optional(),
});
export type CheckinMessage = z.infer<typeof checkinMessage>;

export const statusMessage = z.object({
  online: z.boolean(),
  agentVersion: text({ max: 64 }).optional(),
});
export type StatusMessage = z.infer<typeof statusMessage>;

/**
 * Server → agent: these seqs are committed to the database (or were refused
 * for good, listed again in `rejected`), so the agent may drop them from its outbox.
 */
export const ackMessage = z.object({
  seqs: z.array(seq),
  rejected: z.array(z.object({ seq, code: z.string(), message: z.string() })).optional(),
});
export type AckMessage = z.infer<typeof ackMessage>;

/**
 * Server → agent, retained: what the driver's screen shows — the live code,
 * and how many passengers are on board now (DESIGN §7), counted at `onBoardAt`.
 * The count rides on this retained message rather than a topic of its own, so
 * a reconnecting agent gets it at once and no broker login needs a new right;
 * older agents ignore it, older servers leave it out.
 */
export const displayMessage = z.object({
  url: z.string().url(),
  expiresAt: epochMs,
  onBoard: z.number().int().min(0).max(100_000).optional(),
  onBoardAt: epochMs.optional(),
});
export type DisplayMessage = z.infer<typeof displayMessage>;

export const alertMessage = z.object({
  kind: z.literal("flagged_passenger"),
  status: z.enum(["case", "close_contact"]),
  checkinId: uuid,
  ts: epochMs,
  /** The passenger as the driver may see them: first character and stars ("张**"), never the whole name. */
  maskedName: text({ max: 16 }).optional(),
  seat: text({ max: 16 }).optional(),
});
export type AlertMessage = z.infer<typeof alertMessage>;

/** Largest payload the server reads; bigger ones are counted and dropped. 500 fixes fit easily. */
export const MAX_PAYLOAD_BYTES = 128 * 1024;

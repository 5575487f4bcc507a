import {
  agentChannels,
  checkinMessage,
  fixesOf,
  MAX_PAYLOAD_BYTES,
  parseVehicleTopic,
  positionMessage,
  statusMessage,
  tripMessage,
  verifyPass,
  type AckMessage,
  type AgentChannel,
  type CheckinMessage,
} from "../../../protocol/index.ts";
import type { AppDeps } from "../context.ts";
import type { Database } from "../db/client.ts";
import { isDataRefused, sqlState } from "../db/db-errors.ts";
import type { VehicleBus } from "../mqtt/vehicle-bus.ts";
import { createQualityChecker, QUALITY_LIMITS } from "./gps-quality.ts";
import { createIngestRepository } from "./ingest.repository.ts";
import { rawQuery } from "./bulk-query.ts";
import { createPositionWriter } from "./positions.writer.ts";
import { createVehicleStateWriter } from "./vehicle-state.writer.ts";
import { createBatcher } from "../batcher.ts";
import { createTripEventsRepository, type TripEvent } from "./trip-events.repository.ts";
import { createVehicleDirectory } from "./vehicle-directory.ts";
import { createWorkLane, Overloaded } from "./work-lane.ts";

type Rejection = NonNullable<AckMessage["rejected"]>[number];

/** A message refused for good: counted, logged with its reason, dropped, and (if it has a seq) acked as rejected. */
class Invalid extends Error {
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

export interface IngestOptions {
  /** A vehicle's status says it came online: the live code goes out to it at once. */
  onOnline?(vehicleId: string): void;
  /** A pass check-in or a trip event was stored: who is on board may have changed (the driver's screen shows it). */
  onBoardChanged?(vehicleId: string): void;
  positionBatchRows?: number;
  positionBatchDelayMs?: number;
  /** Onboard check-ins stored at once (each a few statements on the shared pool); default 4. */
  checkinsInFlight?: number;
}

/**
 * Every agent message lands here (DESIGN §4): validated with the protocol
 * schemas, stored idempotently, then acked to the vehicle — only after the
 * commit, so the agent's outbox keeps anything the database has not got.
 * If the database fails the message is simply not acked; the agent resends.
 * If the database refuses the data itself (a permanent error, db-errors.ts),
 * resending cannot help: it is acked as rejected, counted and logged.
 * Nothing a vehicle sends can stop ingest.
 */
export function createIngest(deps: Pick<AppDeps, "config" | "db" | "clock" | "logger" | "keys" | "metrics">, database: Database, bus: VehicleBus, opts: IngestOptions = {}) {
  const { logger, metrics } = deps;
  const prefix = deps.config.mqtt.topicPrefix;
  const repo = createIngestRepository(deps);
  const directory = createVehicleDirectory(repo);
  const checkinLane = createWorkLane({ maxInFlight: opts.checkinsInFlight ?? 4, maxWaiting: 50_000 });
  const tripEvents = createBatcher(createTripEventsRepository(deps).applyTrips);
  const presence = createBatcher(async (statuses: Parameters<typeof repo.setPresences>[0]) => {
    metrics.vehiclesOnline.set(await repo.setPresences(statuses));
    return statuses.map(() => undefined);
  });
  const waiting = () => metrics.ingestWaiting.set(checkinLane.waiting() + tripEvents.waiting() + presence.waiting());
  const flagFix = createQualityChecker(() => deps.clock.now().getTime());
  const pending = new Set<Promise<void>>();
  let lastOverloadLog = 0;

  const ack = (vehicleId: string, message: AckMessage) =>
    bus.ack(vehicleId, message).catch((err: unknown) => logger.warn({ err, vehicleId }, "could not publish ack"));

  const vehicleState = createVehicleStateWriter(rawQuery(database), {
    onFailed: (err) => logger.warn({ err }, "could not update vehicle_state; retrying with the next fixes"),
  });
  const positions = createPositionWriter(database, {
    maxRows: opts.positionBatchRows,
    maxDelayMs: opts.positionBatchDelayMs,
    onCommitted(batch, inserted, seconds) {
      metrics.positionsWritten.inc(inserted);
      metrics.ingestBatchSeconds.observe(seconds);
      metrics.mqttMessages.inc({ kind: "position", outcome: "stored" }, batch.messages);
      for (const [vehicleId, seqs] of batch.acks()) void ack(vehicleId, { seqs });
      vehicleState.offer(batch);
    },
    onFailed(batch, err) {
      if (isDataRefused(err)) {
        // Refused for good (written alone by now, see positions.writer.ts): resending cannot help.
        for (const [vehicleId, seqs] of batch.acks()) {
          for (const seq of seqs) invalid("position", vehicleId, "db_refused", `the database refused this message's data (SQLSTATE ${sqlState(err)})`, seq);
        }
        return;
      }
      metrics.mqttMessages.inc({ kind: "position", outcome: "db_error" }, batch.messages);
      logger.error({ err, messages: batch.messages }, "could not store positions; not acked, agents will resend");
    },
    onDropped: () => overloaded("position"),
  });

  /** Dropped unacked because the database is behind: the agent's outbox sends it again. */
  function overloaded(kind: AgentChannel) {
    metrics.mqttMessages.inc({ kind, outcome: "overload" });
    // Once per 10 s at most: under overload this would fire for every message.
    if (Date.now() - lastOverloadLog > 10_000) {
      lastOverloadLog = Date.now();
      logger.warn({ kind }, "messages arrive faster than the database takes them: shedding them unacked; agents will resend");
    }
  }

  function invalid(kind: string, vehicleId: string | null, reason: string, message: string, seq?: number) {
    metrics.mqttInvalid.inc({ kind, reason });
    logger.warn({ kind, vehicleId, reason, detail: message }, "mqtt message dropped");
    if (vehicleId && seq !== undefined) void ack(vehicleId, { seqs: [seq], rejected: [{ seq, code: reason, message }] });
  }

  /** Synchronous: the hot path takes no promise per fix; the writer's batch does the waiting. */
  function handlePosition(vehicleId: string, body: unknown) {
    const m = positionMessage.parse(body);
    const fixes = fixesOf(m);
    positions.add({ vehicleId, seq: m.seq, fixes, flags: fixes.map((f) => flagFix(vehicleId, f)) });
  }

  async function handleTrip(vehicleId: string, body: unknown) {
    const m = tripMessage.parse(body);
    const event: TripEvent = { vehicleId, message: m };
    if (!(await tripEvents.add(event))) throw new Invalid("trip_conflict", "this tripId belongs to another vehicle");
    metrics.mqttMessages.inc({ kind: "trip", outcome: "stored" });
    if (m.seq !== undefined) void ack(vehicleId, { seqs: [m.seq] });
    // A trip's end ends its riders' rides; its start gathers those who boarded just before (DESIGN §7).
    opts.onBoardChanged?.(vehicleId);
  }

  async function handleCheckin(vehicleId: string, body: unknown) {
    const m: CheckinMessage = checkinMessage.parse(body);
    const refuse = (code: string, message: string): Rejection | null => {
      metrics.mqttMessages.inc({ kind: "checkin", outcome: "refused" });
      logger.warn({ vehicleId, checkinId: m.checkinId, reason: code }, "onboard check-in refused");
      return m.seq === undefined ? null : { seq: m.seq, code, message };
    };
    let rejected: Rejection | null = null;
    const now = deps.clock.now().getTime();
    const claims = verifyPass(deps.keys.passVerifying, m.pass);
    const status = claims ? await repo.personStatus(claims.personId) : null;
    // A scan stamped in the future would end the person's current ride early (DESIGN §7: a later check-in
    // ends the segment before it); one older than retention would be deleted at once. Neither is a ride.
    if (m.ts > now + QUALITY_LIMITS.maxFutureMs) rejected = refuse("future_ts", "The scan's time is ahead of the server's clock; check the vehicle's clock");
    else if (m.ts < now - deps.config.retentionDays * 86_400_000) rejected = refuse("too_old", `The scan is older than the ${deps.config.retentionDays}-day retention`);
    else if (!claims) rejected = refuse("bad_pass", "The pass is not genuine or is damaged");
    else if (!status) rejected = refuse("unknown_person", "The pass names no known passenger");
    else {
      const stored = await repo.insertPassCheckin({ id: m.checkinId, vehicleId, boardedAt: new Date(m.ts), personId: claims.personId, seat: m.seat });
      metrics.mqttMessages.inc({ kind: "checkin", outcome: stored ? "stored" : "duplicate" });
      if (stored) {
        metrics.checkins.inc({ source: "pass" });
        opts.onBoardChanged?.(vehicleId);
        if (status === "case" || status === "close_contact") {
          void bus
            .alert(vehicleId, { kind: "flagged_passenger", status, checkinId: m.checkinId, ts: m.ts, ...(m.seat ? { seat: m.seat } : {}) })
            .catch((err: unknown) => logger.warn({ err, vehicleId }, "could not publish alert"));
        }
      }
    }
    if (m.seq !== undefined) void ack(vehicleId, { seqs: [m.seq], ...(rejected ? { rejected: [rejected] } : {}) });
  }

  async function handleStatus(vehicleId: string, body: unknown) {
    const m = statusMessage.parse(body);
    await presence.add({ vehicleId, online: m.online, agentVersion: m.agentVersion, at: deps.clock.now() });
    metrics.mqttMessages.inc({ kind: "status", outcome: "stored" });
    if (m.online) opts.onOnline?.(vehicleId);
  }

  const handlers: Record<AgentChannel, (vehicleId: string, body: unknown) => void | Promise<void>> = {
    position: handlePosition,
    trip: handleTrip,
    checkin: handleCheckin,
    status: handleStatus,
  };

  function failed(channel: AgentChannel, vehicleId: string, seq: number | undefined, err: unknown) {
    if (err instanceof Invalid) return invalid(channel, vehicleId, err.reason, err.message, seq);
    if (isZodError(err)) return invalid(channel, vehicleId, "schema", describeIssues(err), seq);
    if (isDataRefused(err)) return invalid(channel, vehicleId, "db_refused", `the database refused this message's data (SQLSTATE ${sqlState(err)})`, seq);
    if (err instanceof Overloaded) return overloaded(channel);
    // The database (or broker) failed: no ack, the agent still holds the message and resends it.
    metrics.mqttMessages.inc({ kind: channel, outcome: "db_error" });
    logger.error({ err, vehicleId, channel }, "could not store mqtt message; not acked");
  }

  async function process(vehicleId: string, channel: AgentChannel, body: unknown, seq: number | undefined, known: Promise<boolean>) {
    try {
      if (!(await known)) return invalid(channel, vehicleId, "unknown_vehicle", "no vehicle has this id");
      const stored = channel === "checkin" ? checkinLane.run(() => handleCheckin(vehicleId, body)) : handlers[channel](vehicleId, body);
      waiting();
      await Promise.resolve(stored).finally(waiting);
    } catch (err) {
      failed(channel, vehicleId, seq, err);
    }
  }

  return {
    /** Takes one message off the broker. Never throws, never blocks the broker. */
    handle(topic: string, payload: Buffer) {
      const parsed = parseVehicleTopic(prefix, topic);
      if (!parsed || !(agentChannels as readonly string[]).includes(parsed.channel)) {
        return invalid("unknown", null, "topic", `not an agent topic: ${topic.slice(0, 200)}`);
      }
      const channel = parsed.channel as AgentChannel;
      if (payload.length > MAX_PAYLOAD_BYTES) {
        return invalid(channel, parsed.vehicleId, "too_large", `payload of ${payload.length} bytes exceeds ${MAX_PAYLOAD_BYTES}`);
      }
      const { vehicleId } = parsed;
      let body: unknown;
      try {
        body = JSON.parse(payload.toString("utf8"));
      } catch {
        return invalid(channel, vehicleId, "malformed_json", "payload is not JSON");
      }
      const seq = seqOf(body);
      const known = directory.exists(vehicleId);
      if (known === false) return invalid(channel, vehicleId, "unknown_vehicle", "no vehicle has this id");
      if (known === true && channel === "position") {
        try {
          handlePosition(vehicleId, body);
        } catch (err) {
          failed(channel, vehicleId, seq, err);
        }
        return;
      }
      const job = process(vehicleId, channel, body, seq, Promise.resolve(known)).finally(() => pending.delete(job));
      pending.add(job);
    },
    /** Waits for everything received so far to be stored (shutdown, tests). */
    async drain() {
      while (pending.size) await Promise.all(pending);
      await positions.flush();
      await vehicleState.flush();
    },
  };
}

export type Ingest = ReturnType<typeof createIngest>;

function seqOf(body: unknown): number | undefined {
  const seq = (body as { seq?: unknown } | null)?.seq;
  return typeof seq === "number" && Number.isInteger(seq) && seq >= 0 ? seq : undefined;
}

function isZodError(err: unknown): err is { issues: { path: PropertyKey[]; message: string }[] } {
  return typeof err === "object" && err !== null && Array.isArray((err as { issues?: unknown }).issues);
}

/** Paths and messages only: a zod issue never carries the value, so no pass token reaches the log. */
function describeIssues(err: { issues: { path: PropertyKey[]; message: string }[] }): string {
  return err.issues
    .slice(0, 5)
    .map((i) => `${i.path.map(String).join(".") || "(root)"}: ${i.message}`)
    .join("; ");
}

import { sql } from "drizzle-orm";
import { index, integer, pgEnum, pgTable, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { operators } from "./staff.ts";

export const vehicleKind = pgEnum("vehicle_kind", ["bus", "taxi", "ride_hail", "coach"]);

/**
 * Where a vehicle stands: `active` (registered by staff or approved),
 * `pending` (applied for by its owner, scans work and are traced while it
 * waits for review), `rejected` (its codes stop working), `retired` (taken
 * out of service by its operator; its history stays for tracing).
 */
export const vehicleStatus = pgEnum("vehicle_status", ["active", "pending", "rejected", "retired"]);

export const vehicles = pgTable(
  "vehicles",
  {
    id: uuid("id").primaryKey(),
    plate: text("plate").notNull(),
    kind: vehicleKind("kind").notNull(),
    operatorId: uuid("operator_id").references(() => operators.id),
    routeId: text("route_id"),
    capacity: integer("capacity"),
    /** scrypt hash of the agent's MQTT password; the password itself is shown once at registration. */
    agentPasswordHash: text("agent_password_hash").notNull(),
    /**
     * bcrypt hash of the same password, for a NATS cluster's users file (NATS checks bcrypt only;
     * mqtt/nats-accounts.ts). Null until the vehicle is provisioned there.
     */
    brokerPasswordHash: text("broker_password_hash"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    /** pending (self-service application under review; its code works), active, rejected or retired. */
    status: vehicleStatus("status").notNull().default("active"),
    /** The platform's own id for the car, so a fleet system's batch is idempotent (unique per operator). */
    externalId: text("external_id"),
    /** Out of service since: codes stop working, the agent cannot log in, lists hide it; its rides stay for tracing. */
    retiredAt: timestamp("retired_at", { withTimezone: true }),
  },
  (t) => [
    index("vehicles_operator_idx").on(t.operatorId),
    index("vehicles_plate_idx").on(t.plate),
    // One vehicle in service per plate and operator (vehicles with no operator count as one fleet);
    // a retired vehicle's plate may be registered again.
    uniqueIndex("vehicles_operator_plate_uq")
      .on(sql`coalesce(${t.operatorId}, '00000000-0000-0000-0000-000000000000'::uuid)`, t.plate)
      .where(sql`${t.retiredAt} is null`),
    uniqueIndex("vehicles_operator_external_idx").on(t.operatorId, t.externalId).where(sql`${t.externalId} is not null`),
  ],
);

/** The poster code: an unguessable id printed inside the vehicle. Rotation revokes the old one. */
export const vehicleCodes = pgTable(
  "vehicle_codes",
  {
    id: text("id").primaryKey(),
    vehicleId: uuid("vehicle_id")
      .notNull()
      .references(() => vehicles.id),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    revokedAt: timestamp("revoked_at", { withTimezone: true }),
  },
  (t) => [index("vehicle_codes_vehicle_idx").on(t.vehicleId)],
);

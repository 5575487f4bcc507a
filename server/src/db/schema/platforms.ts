import { index, pgEnum, pgTable, primaryKey, text, timestamp, unique, uuid } from "drizzle-orm/pg-core";
import { vehicles } from "./vehicles.ts";
import { operators } from "./staff.ts";

/**
 * An operator's API key for its fleet system (issue 16): shown once, stored
 * only as the SHA-256 of the key. The key is 256 random bits, so a fast hash
 * cannot be brute-forced and lets every request find its key by index (a
 * salted slow hash like scrypt would cost ~50 ms per request and need a
 * separate lookup id).
 */
export const operatorApiKeys = pgTable(
  "operator_api_keys",
  {
    id: uuid("id").primaryKey(),
    operatorId: uuid("operator_id")
      .notNull()
      .references(() => operators.id),
    name: text("name").notNull(),
    keyHash: text("key_hash").notNull().unique(),
    /** The key's first characters, so staff can tell keys apart without the key. */
    prefix: text("prefix").notNull(),
    createdBy: uuid("created_by"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    lastUsedAt: timestamp("last_used_at", { withTimezone: true }),
    revokedAt: timestamp("revoked_at", { withTimezone: true }),
  },
  (t) => [index("operator_api_keys_operator_idx").on(t.operatorId)],
);

/**
 * A driver known to an operator (or an independent owner-driver, operator
 * null). `ref` is what the vehicle's agent sends as the trip's driverId, so a
 * trip's driver names a row here. Name and phone are personal data: encrypted,
 * with the phone's keyed hash for lookup.
 */
export const drivers = pgTable(
  "drivers",
  {
    id: uuid("id").primaryKey(),
    operatorId: uuid("operator_id").references(() => operators.id),
    ref: text("ref").notNull(),
    nameEnc: text("name_enc").notNull(),
    phoneEnc: text("phone_enc"),
    phoneHash: text("phone_hash"),
    /** SHA-256 of the driver's page link (/driver/{token}), shown once; the page shows the vehicle's live code. */
    pageTokenHash: text("page_token_hash").unique(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [unique("drivers_operator_ref_unique").on(t.operatorId, t.ref).nullsNotDistinct(), index("drivers_phone_idx").on(t.phoneHash)],
);

/** Which drivers drive which vehicle: a taxi's two or three shifts, a ride-hail driver's one car. */
export const vehicleDrivers = pgTable(
  "vehicle_drivers",
  {
    vehicleId: uuid("vehicle_id")
      .notNull()
      .references(() => vehicles.id),
    driverId: uuid("driver_id")
      .notNull()
      .references(() => drivers.id),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.vehicleId, t.driverId] }), index("vehicle_drivers_driver_idx").on(t.driverId)],
);

export const applicationStatus = pgEnum("application_status", ["pending", "approved", "rejected"]);

/**
 * An owner's or driver's own application for a vehicle code (issue 16): the
 * vehicle is registered at once as `pending` (its code works from the first
 * minute) and reviewed by its operator's staff, or by the transport
 * authority for an independent (operator null). Driver name, phone and
 * licence are personal data: encrypted. The applicant's page link is kept
 * only as its SHA-256.
 */
export const vehicleApplications = pgTable(
  "vehicle_applications",
  {
    id: uuid("id").primaryKey(),
    vehicleId: uuid("vehicle_id")
      .notNull()
      .unique()
      .references(() => vehicles.id),
    operatorId: uuid("operator_id").references(() => operators.id),
    personId: uuid("person_id").notNull(),
    driverNameEnc: text("driver_name_enc").notNull(),
    phoneEnc: text("phone_enc").notNull(),
    licenceEnc: text("licence_enc").notNull(),
    status: applicationStatus("status").notNull().default("pending"),
    reason: text("reason"),
    decidedAt: timestamp("decided_at", { withTimezone: true }),
    decidedBy: uuid("decided_by"),
    pageTokenHash: text("page_token_hash").notNull().unique(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("vehicle_applications_queue_idx").on(t.status, t.operatorId, t.createdAt)],
);

import { sql } from "drizzle-orm";
import { index, pgEnum, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";

export const healthStatus = pgEnum("health_status", ["clear", "close_contact", "case"]);

/**
 * A passenger. The phone is personal data: stored only encrypted (AES-256-GCM)
 * with a keyed hash (HMAC-SHA256) so the same phone finds the same person.
 */
export const persons = pgTable("persons", {
  id: uuid("id").primaryKey(),
  phoneHash: text("phone_hash").notNull().unique(),
  phoneEnc: text("phone_enc").notNull(),
  nameEnc: text("name_enc"),
  status: healthStatus("status").notNull().default("clear"),
  statusSetAt: timestamp("status_set_at", { withTimezone: true }),
  /**
   * When a close contact's quarantine ends: from then on every read says
   * "clear" (persons/status.ts), whether or not the quarantine job has written it yet.
   */
  statusExpiresAt: timestamp("status_expires_at", { withTimezone: true }),
  /** Set when the person's phone and name were erased on request (persons/erasure.ts). */
  erasedAt: timestamp("erased_at", { withTimezone: true }),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  lastSeenAt: timestamp("last_seen_at", { withTimezone: true }).notNull().defaultNow(),
}, (t) => [
  // The quarantine job finds lapsed statuses without reading every person.
  index("persons_status_expires_idx").on(t.statusExpiresAt).where(sql`${t.statusExpiresAt} is not null`),
]);

/**
 * Every change of a person's health status, so it has a way back: each row
 * keeps what it replaced (status, since, expiry), which is what a revert restores.
 * `byName` is null for the quarantine job. Reasons are case references, not notes.
 */
export const personStatusChanges = pgTable(
  "person_status_changes",
  {
    id: uuid("id").primaryKey(),
    personId: uuid("person_id").notNull(),
    at: timestamp("at", { withTimezone: true }).notNull(),
    status: healthStatus("status").notNull(),
    expiresAt: timestamp("expires_at", { withTimezone: true }),
    previous: healthStatus("previous").notNull(),
    previousSetAt: timestamp("previous_set_at", { withTimezone: true }),
    previousExpiresAt: timestamp("previous_expires_at", { withTimezone: true }),
    reason: text("reason"),
    byId: uuid("by_id"),
    byName: text("by_name"),
    /** The change this one undid, for a revert. */
    reverts: uuid("reverts"),
    traceId: uuid("trace_id"),
  },
  (t) => [index("person_status_changes_person_idx").on(t.personId, t.at)],
);

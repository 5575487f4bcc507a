import { integer, pgEnum, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";

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
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  lastSeenAt: timestamp("last_seen_at", { withTimezone: true }).notNull().defaultNow(),
  /** When the phone's owner last proved it with a one-time code; null if never (then no text is sent to it but codes). */
  phoneVerifiedAt: timestamp("phone_verified_at", { withTimezone: true }),
});

/**
 * The one-time code sent to a phone (DESIGN §5): one live code per phone,
 * stored only as an HMAC under a server key, valid 5 minutes, 5 attempts.
 */
export const phoneCodes = pgTable("phone_codes", {
  /** persons.phone_hash of the phone the code was sent to. */
  phoneHash: text("phone_hash").primaryKey(),
  codeHash: text("code_hash").notNull(),
  expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
  attempts: integer("attempts").notNull().default(0),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull(),
});

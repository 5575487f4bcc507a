import { pgEnum, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";

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
});

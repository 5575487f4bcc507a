import { index, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";
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

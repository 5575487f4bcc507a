import { pgTable, text, timestamp } from "drizzle-orm/pg-core";

/**
 * Leader leases (jobs/leader-lease.ts): a row per thing that must run in one
 * process only, across every server process on this database. The holder
 * renews `expires_at` well before it passes; once it has passed (the holder
 * died or lost the database), any process may take the row over. Times are
 * the database's own clock, so the processes' clocks never have to agree.
 */
export const leases = pgTable("leases", {
  name: text("name").primaryKey(),
  /** Which process holds it: host, pid and a random tag (jobs/leader-lease.ts). */
  holder: text("holder").notNull(),
  expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
});

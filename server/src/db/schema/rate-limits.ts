import { integer, pgTable, primaryKey, text, timestamp, index } from "drizzle-orm/pg-core";

/**
 * Fixed-window counters of the rate limits (typed-phone check-ins, passes,
 * login failures), kept in the database every server process shares, so
 * several servers behind one proxy enforce one limit, not one each.
 */
export const rateLimits = pgTable(
  "rate_limits",
  {
    /** Which limit: "typed-phone", "pass", "login-user", "login-address". */
    bucket: text("bucket").notNull(),
    /** Who is counted: a client address or a username. */
    key: text("key").notNull(),
    count: integer("count").notNull(),
    windowEndsAt: timestamp("window_ends_at", { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.bucket, t.key] }), index("rate_limits_window_idx").on(t.windowEndsAt)],
);

import { pgEnum, pgTable, text, timestamp, uuid, index } from "drizzle-orm/pg-core";

/** `authority`: the transport authority, which reviews the applications of independent owner-drivers (issue 16). */
export const staffRole = pgEnum("staff_role", ["admin", "operator", "tracer", "authority"]);

/** A transport company: its operator staff see only its vehicles. */
export const operators = pgTable("operators", {
  id: uuid("id").primaryKey(),
  name: text("name").notNull().unique(),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
});

export const users = pgTable("users", {
  id: uuid("id").primaryKey(),
  username: text("username").notNull().unique(),
  passwordHash: text("password_hash").notNull(),
  role: staffRole("role").notNull(),
  operatorId: uuid("operator_id").references(() => operators.id),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  disabledAt: timestamp("disabled_at", { withTimezone: true }),
});

/** Bearer tokens are stored only as their SHA-256, so a database leak yields no live session. */
export const sessions = pgTable(
  "sessions",
  {
    tokenHash: text("token_hash").primaryKey(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
  },
  (t) => [index("sessions_expires_idx").on(t.expiresAt)],
);

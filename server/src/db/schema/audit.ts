import { index, jsonb, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";

/** Every tracer read of personal data, and every change of a person's status: who, when, what, why. */
export const auditLog = pgTable(
  "audit_log",
  {
    id: uuid("id").primaryKey(),
    at: timestamp("at", { withTimezone: true }).notNull().defaultNow(),
    actorId: uuid("actor_id"),
    actorName: text("actor_name").notNull(),
    action: text("action").notNull(),
    subjectPersonId: uuid("subject_person_id"),
    reason: text("reason"),
    details: jsonb("details"),
    /** The stored trace the act was about (also in details): lets a contact learn of reads of a trace that listed them. */
    traceId: uuid("trace_id"),
  },
  (t) => [
    index("audit_log_at_idx").on(t.at),
    index("audit_log_subject_idx").on(t.subjectPersonId),
    index("audit_log_actor_idx").on(t.actorId, t.at),
    index("audit_log_trace_idx").on(t.traceId),
  ],
);

import { index, integer, jsonb, pgEnum, pgTable, primaryKey, text, timestamp, uuid } from "drizzle-orm/pg-core";

/**
 * A stored trace, so it can be exported and its contacts marked later. The
 * result names contacts (phones, names): it is kept only encrypted
 * (AES-256-GCM with the personal-data key) and deleted by retention with the
 * movements it was computed from. `request` holds no phone, only the resolved
 * person id, window, depth and reason. The counts are kept in the clear so the
 * case list need not decrypt every trace it lists.
 */
export const traces = pgTable(
  "traces",
  {
    id: uuid("id").primaryKey(),
    createdBy: uuid("created_by"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    indexPersonId: uuid("index_person_id").notNull(),
    request: jsonb("request").notNull(),
    resultEnc: text("result_enc").notNull(),
    segmentCount: integer("segment_count"),
    contactCount: integer("contact_count"),
  },
  (t) => [index("traces_created_idx").on(t.createdAt), index("traces_index_person_idx").on(t.indexPersonId)],
);

export const tracePersonRole = pgEnum("trace_person_role", ["index", "contact"]);

/**
 * Which persons a stored trace listed (the result itself is encrypted): the
 * person page's "traces that listed them", and the count a passenger sees of
 * reads of their records. Deleted with its trace.
 */
export const tracePersons = pgTable(
  "trace_persons",
  {
    traceId: uuid("trace_id")
      .notNull()
      .references(() => traces.id, { onDelete: "cascade" }),
    personId: uuid("person_id").notNull(),
    role: tracePersonRole("role").notNull(),
  },
  (t) => [primaryKey({ columns: [t.traceId, t.personId] }), index("trace_persons_person_idx").on(t.personId)],
);

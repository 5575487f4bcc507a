import { index, jsonb, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";

/**
 * A stored trace, so it can be exported and its contacts marked later. The
 * result names contacts (phones, names): it is kept only encrypted
 * (AES-256-GCM with the personal-data key) and deleted by retention with the
 * movements it was computed from. `request` holds no phone, only the resolved
 * person id, window, depth and reason.
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
  },
  (t) => [index("traces_created_idx").on(t.createdAt), index("traces_index_person_idx").on(t.indexPersonId)],
);

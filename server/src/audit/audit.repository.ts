import { and, desc, eq, gte, lt, or, sql, type SQL } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { auditLog } from "../db/schema/index.ts";
import type { Cursor } from "../pagination.ts";

export interface AuditFilter {
  personId?: string;
  userId?: string;
  /** Part of the case reference. */
  reason?: string;
  from?: Date;
  to?: Date;
  cursor: Cursor | null;
  limit: number;
}

/** Acts that read a person's records for tracing: what a passenger is told about (issue 11 part 6). */
export const TRACING_READS = ["trace.create", "trace.read", "trace.export.csv", "trace.export.geojson", "person.read"];

const contains = (s: string) => `%${s.replace(/[\\%_]/g, (m) => `\\${m}`)}%`;

/**
 * When this person's records were read for tracing: reads naming them
 * (their own trace, their page), and reads of stored traces that listed
 * them as a contact. Never by whom.
 * A statement yielding `at`, for the passenger's page (passenger/remembered.repository.ts).
 */
export function readsSql(personId: string): SQL {
  const actions = sql.join(TRACING_READS.map((x) => sql`${x}`), sql`, `);
  return sql`
    select a.at from audit_log a
      where a.subject_person_id = ${personId}::uuid and a.action in (${actions})
    union all
    select a.at from trace_persons tp join audit_log a on a.trace_id = tp.trace_id
      where tp.person_id = ${personId}::uuid and tp.role = 'contact' and a.action in (${actions})`;
}

export function createAuditRepository({ db }: { db: Db }) {
  return {
    /** The audit log, newest first, filtered; `limit + 1` rows so the caller can tell whether a next page exists. */
    list(f: AuditFilter) {
      const where: (SQL | undefined)[] = [];
      if (f.personId) where.push(eq(auditLog.subjectPersonId, f.personId));
      if (f.userId) where.push(eq(auditLog.actorId, f.userId));
      if (f.reason) where.push(sql`${auditLog.reason} ilike ${contains(f.reason)}`);
      if (f.from) where.push(gte(auditLog.at, f.from));
      if (f.to) where.push(lt(auditLog.at, f.to));
      if (f.cursor) where.push(or(lt(auditLog.at, f.cursor.at), and(eq(auditLog.at, f.cursor.at), lt(auditLog.id, f.cursor.id))));
      return db
        .select()
        .from(auditLog)
        .where(and(...where))
        .orderBy(desc(auditLog.at), desc(auditLog.id))
        .limit(f.limit + 1);
    },

  };
}


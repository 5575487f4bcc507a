import { and, desc, eq, gte, lt, or, sql, type SQL } from "drizzle-orm";
import type { Keys } from "../crypto/keys.ts";
import { decrypt } from "../crypto/personal-data.ts";
import type { Db } from "../db/client.ts";
import { persons, traces, users } from "../db/schema/index.ts";
import type { Cursor } from "../pagination.ts";
import { maskForStaff } from "../persons/status.ts";

export interface CaseListFilter {
  /** When the trace was run: [from, to). */
  from?: Date;
  to?: Date;
  /** Part of the case reference. */
  reference?: string;
  /** The index person (found by id, or by the phone a tracer typed). */
  personId?: string;
  cursor: Cursor | null;
  limit: number;
}

/** ILIKE pattern for a literal substring. */
const contains = (s: string) => `%${s.replace(/[\\%_]/g, (m) => `\\${m}`)}%`;

/**
 * The case list (issue 13 part 1): stored traces newest first, with what a
 * tracer needs to pick one — case reference, masked index person, window,
 * counts, who ran it and when. Counts come from their columns; traces stored
 * before those existed are decrypted once per listing for them.
 */
export function createCaseListRepository({ db, keys }: { db: Db; keys: Keys }) {
  return {
    async list(f: CaseListFilter) {
      const where: (SQL | undefined)[] = [];
      if (f.from) where.push(gte(traces.createdAt, f.from));
      if (f.to) where.push(lt(traces.createdAt, f.to));
      if (f.reference !== undefined && f.personId !== undefined) {
        where.push(or(sql`${traces.request}->>'reason' ilike ${contains(f.reference)}`, eq(traces.indexPersonId, f.personId)));
      } else if (f.reference !== undefined) {
        where.push(sql`${traces.request}->>'reason' ilike ${contains(f.reference)}`);
      } else if (f.personId !== undefined) {
        where.push(eq(traces.indexPersonId, f.personId));
      }
      if (f.cursor) {
        where.push(or(lt(traces.createdAt, f.cursor.at), and(eq(traces.createdAt, f.cursor.at), lt(traces.id, f.cursor.id))));
      }
      const rows = await db
        .select({ t: traces, by: users.username, nameEnc: persons.nameEnc })
        .from(traces)
        .leftJoin(users, eq(users.id, traces.createdBy))
        .leftJoin(persons, eq(persons.id, traces.indexPersonId))
        .where(and(...where))
        .orderBy(desc(traces.createdAt), desc(traces.id))
        .limit(f.limit + 1);
      return rows.map(({ t, by, nameEnc }) => {
        const request = t.request as { from?: string; to?: string; depth?: number; reason?: string; minOverlapMinutes?: number };
        let counts = { segments: t.segmentCount, contacts: t.contactCount };
        if (counts.segments === null || counts.contacts === null) {
          const result = JSON.parse(decrypt(keys.personalData, t.resultEnc)) as { segments: unknown[]; contacts: unknown[] };
          counts = { segments: result.segments.length, contacts: result.contacts.length };
        }
        return {
          id: t.id,
          reason: request.reason ?? "",
          index: { personId: t.indexPersonId, maskedName: maskForStaff(nameEnc ? decrypt(keys.personalData, nameEnc) : null) },
          from: request.from ?? null,
          to: request.to ?? null,
          depth: request.depth ?? 1,
          minOverlapMinutes: request.minOverlapMinutes ?? null,
          segments: counts.segments ?? 0,
          contacts: counts.contacts ?? 0,
          by: by ?? null,
          byId: t.createdBy,
          at: t.createdAt,
        };
      });
    },
  };
}

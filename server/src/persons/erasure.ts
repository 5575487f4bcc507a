import { and, eq, sql } from "drizzle-orm";
import { v7 as uuidv7 } from "uuid";
import type { Clock } from "../clock.ts";
import type { Keys } from "../crypto/keys.ts";
import { encrypt } from "../crypto/personal-data.ts";
import { rowsOf, type Db } from "../db/client.ts";
import { latestRides, persons, recentScans, tracePersons } from "../db/schema/index.ts";
import { conflict } from "../errors.ts";
import { createTracesRepository } from "../tracing/traces.repository.ts";

type StoredContact = { personId: string | null; phone?: string | null; name?: string | null; via?: { personId: string | null } | null };

/**
 * Erasure on request (issue 11 part 7). The person's phone, name and lookup
 * hash go (the phone no longer finds them), and their rides move to a new
 * anonymous person that nothing else names: counts, flow and other people's
 * traces stay right (the rides, their intervals and the rule that a person's
 * next check-in ends their previous ride all still hold, because every ride
 * moves together), while nothing left ties the rides to who asked. Stored
 * traces that listed them as a contact are rewritten to the anonymous person
 * without phone or name. Retention keeps working: the erased row has no rides
 * left and goes when it has not been seen for the retention period; the
 * anonymous one goes with its rides. Run inside the caller's transaction,
 * with its audit row.
 */
export function createErasure({ db, keys, clock }: { db: Db; keys: Keys; clock: Clock }) {
  const traces = createTracesRepository({ db, keys, clock });

  return {
    /** Null when no such person; 409 when already erased. */
    async erase(personId: string): Promise<{ rides: number; traces: number } | null> {
      const [p] = await db.select().from(persons).where(eq(persons.id, personId)).for("update");
      if (!p) return null;
      if (p.erasedAt) throw conflict("person_erased", "This person's data was already erased");
      const now = clock.now();
      const anonymous = uuidv7();
      const nobody = (id: string) => ({ phoneHash: `erased:${id}`, phoneEnc: encrypt(keys.personalData, ""), nameEnc: null, erasedAt: now });
      await db.insert(persons).values({
        id: anonymous,
        ...nobody(anonymous),
        // The health status stays with the rides (a contact of a case is still one); its history stays with the erased row.
        status: p.status,
        statusSetAt: p.statusSetAt,
        statusExpiresAt: p.statusExpiresAt,
        createdAt: p.createdAt,
        lastSeenAt: p.lastSeenAt,
      });
      const moved = rowsOf<{ n: number }>(
        await db.execute(sql`with m as (update checkins set person_id = ${anonymous}::uuid where person_id = ${personId}::uuid returning 1) select count(*)::int as n from m`),
      )[0]!.n;
      await db.delete(recentScans).where(eq(recentScans.personId, personId));
      await db.delete(latestRides).where(eq(latestRides.personId, personId));
      await db
        .update(persons)
        .set({ ...nobody(personId), status: "clear", statusSetAt: now, statusExpiresAt: null })
        .where(eq(persons.id, personId));

      const listed = await db
        .select({ traceId: tracePersons.traceId })
        .from(tracePersons)
        .where(and(eq(tracePersons.personId, personId), eq(tracePersons.role, "contact")));
      for (const { traceId } of listed) {
        const stored = await traces.get<{ contacts: StoredContact[] }>(traceId);
        const contacts = stored.result.contacts.map((k) => {
          const via = k.via?.personId === personId ? { ...k.via, personId: anonymous } : k.via;
          return k.personId === personId ? { ...k, personId: anonymous, phone: null, name: null, via } : { ...k, via };
        });
        await traces.rewrite(traceId, { ...stored.result, contacts });
      }
      await db
        .update(tracePersons)
        .set({ personId: anonymous })
        .where(and(eq(tracePersons.personId, personId), eq(tracePersons.role, "contact")));
      return { rides: moved, traces: listed.length };
    },
  };
}

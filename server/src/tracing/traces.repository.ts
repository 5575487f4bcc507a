import { eq, inArray } from "drizzle-orm";
import { v7 as uuidv7 } from "uuid";
import type { Clock } from "../clock.ts";
import type { Keys } from "../crypto/keys.ts";
import { decrypt, encrypt, lookupHash } from "../crypto/personal-data.ts";
import type { Db } from "../db/client.ts";
import { persons, traces } from "../db/schema/index.ts";
import { notFound } from "../errors.ts";
import type { HealthStatus } from "../persons/persons.repository.ts";
import type { StoredIdentity } from "./tracing.repository.ts";

export type { HealthStatus };


/** Stored traces (result encrypted at rest) and the person lookups a tracer needs. */
export function createTracesRepository({ db, keys, clock }: { db: Db; keys: Keys; clock: Clock }) {
  const readable = (enc: string | null) => {
    if (!enc) return null;
    const text = decrypt(keys.personalData, enc);
    return text === "" ? null : text;
  };

  return {
    /** The person with this phone (already normalised to E.164), found by its keyed hash; never creates one. */
    async personByPhone(phoneE164: string): Promise<string | null> {
      const [p] = await db.select({ id: persons.id }).from(persons).where(eq(persons.phoneHash, lookupHash(keys.phoneHash, phoneE164)));
      return p?.id ?? null;
    },

    async personExists(id: string): Promise<boolean> {
      return (await db.select({ id: persons.id }).from(persons).where(eq(persons.id, id))).length > 0;
    },

    /**
     * Decrypts stored identities, each person once however many rows name
     * them: only for a tracer's trace, which is audited.
     */
    revealer() {
      const seen = new Map<string, { phone: string | null; name: string | null; status: HealthStatus | null }>();
      return (personId: string | null, stored: StoredIdentity | null) => {
        if (!personId || !stored) return { phone: null, name: null, status: null };
        let who = seen.get(personId);
        if (!who) seen.set(personId, (who = { phone: readable(stored.phoneEnc), name: readable(stored.nameEnc), status: stored.status }));
        return who;
      };
    },

    /** Sets the status of these persons; returns the ids that exist. */
    async setStatus(ids: string[], status: HealthStatus): Promise<string[]> {
      if (ids.length === 0) return [];
      const rows = await db
        .update(persons)
        .set({ status, statusSetAt: clock.now() })
        .where(inArray(persons.id, [...new Set(ids)]))
        .returning({ id: persons.id });
      return rows.map((r) => r.id);
    },

    async store(input: { id?: string; createdBy: string; indexPersonId: string; request: Record<string, unknown>; result: unknown }): Promise<string> {
      const id = input.id ?? uuidv7();
      await db.insert(traces).values({
        id,
        createdBy: input.createdBy,
        createdAt: clock.now(),
        indexPersonId: input.indexPersonId,
        request: input.request,
        resultEnc: encrypt(keys.personalData, JSON.stringify(input.result)),
      });
      return id;
    },

    async get<T>(id: string): Promise<{ id: string; createdAt: Date; indexPersonId: string; request: Record<string, unknown>; result: T }> {
      const [row] = await db.select().from(traces).where(eq(traces.id, id));
      if (!row) throw notFound("Trace");
      return {
        id: row.id,
        createdAt: row.createdAt,
        indexPersonId: row.indexPersonId,
        request: row.request as Record<string, unknown>,
        result: JSON.parse(decrypt(keys.personalData, row.resultEnc)) as T,
      };
    },
  };
}

export type TracesRepository = ReturnType<typeof createTracesRepository>;

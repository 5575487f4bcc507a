import { eq } from "drizzle-orm";
import { v7 as uuidv7 } from "uuid";
import type { Clock } from "../clock.ts";
import type { Keys } from "../crypto/keys.ts";
import { decrypt, encrypt, lookupHash } from "../crypto/personal-data.ts";
import type { Db } from "../db/client.ts";
import { persons, tracePersons, traces, users } from "../db/schema/index.ts";
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

    /** Stores a trace with its counts and the persons it listed (contacts: the passengers with a person id). */
    async store(input: {
      id?: string;
      createdBy: string;
      indexPersonId: string;
      request: Record<string, unknown>;
      result: { segments: unknown[]; contacts: { personId: string | null }[] };
    }): Promise<string> {
      const id = input.id ?? uuidv7();
      await db.insert(traces).values({
        id,
        createdBy: input.createdBy,
        createdAt: clock.now(),
        indexPersonId: input.indexPersonId,
        request: input.request,
        resultEnc: encrypt(keys.personalData, JSON.stringify(input.result)),
        segmentCount: input.result.segments.length,
        contactCount: input.result.contacts.length,
      });
      const contacts = new Set(input.result.contacts.flatMap((k) => (k.personId && k.personId !== input.indexPersonId ? [k.personId] : [])));
      const listed = [{ traceId: id, personId: input.indexPersonId, role: "index" as const }, ...[...contacts].map((personId) => ({ traceId: id, personId, role: "contact" as const }))];
      // In chunks: a depth-2 trace may list thousands, and a statement has at most 65535 parameters.
      for (let i = 0; i < listed.length; i += 5000) await db.insert(tracePersons).values(listed.slice(i, i + 5000));
      return id;
    },

    async get<T>(id: string): Promise<{ id: string; createdAt: Date; createdBy: string | null; by: string | null; indexPersonId: string; request: Record<string, unknown>; result: T }> {
      const [row] = await db.select({ t: traces, by: users.username }).from(traces).leftJoin(users, eq(users.id, traces.createdBy)).where(eq(traces.id, id));
      if (!row) throw notFound("Trace");
      return { ...unpack<T>(row.t), by: row.by };
    },

    /** Replaces a stored trace's result (erasure scrubs a person out of the traces that named them). */
    async rewrite(id: string, result: unknown) {
      await db.update(traces).set({ resultEnc: encrypt(keys.personalData, JSON.stringify(result)) }).where(eq(traces.id, id));
    },
  };

  function unpack<T>(row: typeof traces.$inferSelect) {
    return {
      id: row.id,
      createdAt: row.createdAt,
      createdBy: row.createdBy,
      indexPersonId: row.indexPersonId,
      request: row.request as Record<string, unknown>,
      result: JSON.parse(decrypt(keys.personalData, row.resultEnc)) as T,
    };
  }
}

export type TracesRepository = ReturnType<typeof createTracesRepository>;
